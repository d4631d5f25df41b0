"""Use-cases above the tables: submit an application, start a case, apply a staff command,
run a timer, deliver a webhook. Each is one transaction that loads what it needs from the
store, calls the pure core (forms, flows) and writes the result.

`submissions`: submit an application (validate, store, claim files, start the case, audit,
one commit). `cases`: start a case for a submission (`start_for`), apply a staff command to a
case (`apply`: the case the request already read is acted on first, re-read only after a
conflict, and returned as written), run the engine on a case (`run`, `act`). `timers`: run a
claimed timer. `webhooks`: deliver a claimed webhook. Web code and the worker call these; the
store below holds tables and queries only.
"""
