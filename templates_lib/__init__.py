"""Reusable building blocks for packs: field types, form fragments, task and view templates.

Everything here registers through the runtime's public registries, the way an extension would.
"""
