"""The store: the only place that talks SQL.

ORM tables, the Alembic migrations that create them, and the queries on them: publishing
checked packs and reading definitions back (with the per-app cache of published heads),
accounts, audit, submissions, files, the staff's record queries, cases and their tasks (read
into the engine's state and written back), the workbench lists, jobs and webhooks. The
use-cases that combine the core with these tables in one transaction are in
`runtime.casework`, above this package; nothing here imports them or the web.
"""
