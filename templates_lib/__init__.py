"""Reusable building blocks for packs: field types, form fragments, task and view templates.

Everything here registers through the runtime's public registries, the way an extension would.
"""

from pathlib import Path

# The common task templates, a folder that is itself a pack (see its README.md).
TASK_TEMPLATES = Path(__file__).with_name("task_templates")
