"""The store: the only place that talks SQL.

ORM tables, the Alembic migrations that create them, and the queries on them: publishing
checked packs and reading definitions back, accounts, audit, submissions, files, cases and
their tasks (read into the engine's state and written back), the workbench lists, jobs and
webhooks. The use-cases that combine the engine with these tables in one transaction are
in `runtime.casework`, above this package. (The submit in `submissions.py` still starts
its case through `casework.cases.start_for`, imported where it is called, until the submit
use-case moves up to `runtime.casework.submissions`.)
"""
