"""The drag-and-drop designer: a Flask blueprint and pages that write canonical definition
files through the runtime's public API only, and never evaluate rules themselves.

Not built yet: the designer is its own issue. The folder exists because the layout is fixed.
"""
