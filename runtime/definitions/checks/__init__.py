"""The checks of each kind of definition, one module per kind, each a tuple `CHECKS` of small
generators `(Context, Checked) -> Iterator[Problem]` run in order (the way jsonschema keeps
one function per keyword).

`common` holds what they share (the context of the set being checked, the problem helpers).
A reference into another kind is checked by helpers that live with the kind referred to:
`catalogs.catalog_item`, `forms.field_refs`, `packs.declared` and so on.
"""
