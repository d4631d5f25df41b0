"""Use-cases above the tables: submit an application, start a case, apply a staff command,
run a timer, deliver a webhook. Each is one transaction that loads what it needs from the
store, calls the pure core (forms, flows) and writes the result.

Web code and the worker call these; the store below holds tables and queries only.
`submissions.py`: submit an application (validate, store, claim files, start the case,
audit, one commit).
"""
