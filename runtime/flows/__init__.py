"""The process and task engine: cases, steps and tasks, the human actions on them, deadlines
in working days and the timers that warn and escalate.

This package is part of the pure core: it does no I/O and imports neither flask nor
sqlalchemy. A `Flow` takes a checked process (its `Plan`), one running `Case` and the
moment `now`; each action changes the case in memory and collects its `Effects` (history
events, timer jobs, notifications, copies). A person's action is a frozen command
(`commands`); the action registry (`registry`) maps each action name to its command, its
engine function (`actions`, each beginning with the guard that says whether it is open), how
a posted form parses into it, its words and its audit record. `stored` is the case state as
the store keeps it, with its format version and upgrades. The use-cases in
`runtime.casework` load a case, run the engine and write its effects in one transaction
guarded by the case's version.
"""
