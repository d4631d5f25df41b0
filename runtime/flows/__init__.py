"""The process and task engine: cases, steps and tasks, the human actions on them, deadlines
in working days and the timers that warn and escalate.

This package is part of the pure core: it does no I/O and imports neither flask nor
sqlalchemy. A `Flow` takes a checked process (its `Plan`), one running `Case` and the
moment `now`; each action changes the case in memory and collects its `Effects` (history
events, timer jobs, notifications, copies), which `runtime.store.flows` writes in one
transaction guarded by the case's version.
"""
