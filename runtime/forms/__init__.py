"""Forms: field types, parsing, form state as a pure function of (form, data), validation
(references to things outside the form asked of a resolver the caller passes), the page
wizard, table row editing, drafts across versions and prefill.

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""
