"""Pack tests: scenarios a pack ships in its `tests/` folder, one YAML file each (given this
application and these actions by role as time passes, expect these steps, assignees,
deadlines, values, explanations, statuses or errors), read by `scenario` and run by `runner`
on a fresh in-memory database."""
