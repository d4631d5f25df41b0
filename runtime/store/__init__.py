"""The store: the only place that talks SQL.

Models, the Alembic migrations that create them, and the functions that publish checked packs
and read definitions back. Everything else asks these functions; nothing else writes SQL.
"""
