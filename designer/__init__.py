"""The drag-and-drop designer: a Flask blueprint and pages that write canonical definition
files through the runtime's public API only, and never evaluate rules themselves (previews
are rendered and computed by the runtime itself).

- `views`: the blueprint (`/designer`): the apps a person may design, the YAML editor of
  every kind, the form designer.
- `workspace`: who may design which pack, checking a working copy in its pack, publishing.
- `formedit`: the form designer's edits as changes of the Form's data (the YAML is the one
  source); `schemaform`: the property panels of every editor, generated from the kinds'
  JSON Schemas.
- `editors`: kind -> the endpoint of its editor, where other editors plug in.

The working copies themselves (revisions, conflicts, undo/redo) are
`runtime.store.designs`. Users' guide: docs/designer.md.
"""
