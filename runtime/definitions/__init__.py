"""Definitions: strict loading, one JSON Schema per kind, frozen specs and the static checker.

The pipeline is `loader → schema → spec → checker`. Each kind of definition is one entry of
the kinds registry (`kinds.py`): its name, its schema (`schemas/<Kind>.json`), its spec class
(`spec.py`), its checks (`checks/<kind>.py`, small generators yielding every problem) and where
it runs. `checker.py` is the driver that walks a set of documents and runs each kind's entry;
it is given the registries it reads (`Extensions`: the kinds and the field types) rather than
importing them. Pure core: no I/O beyond the text it is handed and its own schema files, and
it imports neither flask nor sqlalchemy.
"""
