"""The engine of the low-code platform: definitions in, pages and state out.

`definitions` and `expressions` (and later `forms` and `flows` state) form the pure core:
they do no I/O beyond reading the text they are handed, and import neither flask nor
sqlalchemy. `store` and `web` sit around them.
"""
