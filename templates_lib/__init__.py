"""Reusable building blocks for packs: field types, form fragments, task and view templates.

Everything here registers through the runtime's public registries, the way an extension would:
`fieldtypes.register_field_types` is a field-type provider an app lists (runtime.providers
lists it by default). The runtime's core (definitions, forms) never imports this package.
"""

from pathlib import Path

# The common task templates, a folder that is itself a pack (see its README.md).
TASK_TEMPLATES = Path(__file__).with_name("task_templates")
