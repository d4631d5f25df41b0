"""Forms: field types and their registry, form state, validation, the page wizard, table row
editing, drafts, references and prefill.

`fieldtypes` defines a field type as one object (parse, error words, widget, posted shape,
mask, palette) and the registry an app builds from providers; `builtin_types` is the
runtime's own provider. `state` decides visibility, requirement and computed values as a pure
function of (form, data); `validation` parses and checks a submission with the registry it
is given (`validate(form, data, types)`), asking a resolver the caller passes about
references to things outside the form (`references`); `wizard` and `rows` are the page
wizard and table row editing; `drafts` carries a draft to a newer version. Nothing here holds
a registry or imports an extension (`templates_lib` included).

Pure core: no I/O, imports neither flask nor sqlalchemy.
"""
