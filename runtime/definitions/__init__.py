"""Definitions: strict loading, one JSON Schema per kind, frozen specs and the static checker.

The pipeline is `loader → schema → spec → checker`. Pure core: no I/O beyond the text it is
handed, and it imports neither flask nor sqlalchemy.
"""
