"""Forms: the field-type registry (and, as it grows, form state and validation).

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""
