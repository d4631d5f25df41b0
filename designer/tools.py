"""The designer's process, decision-table and expression editors, registered on an app as
their own blueprints (`designer_processes`, `designer_tables`, `designer_expressions`) under
/designer/processes, /designer/tables and /designer/expressions."""

from __future__ import annotations

from flask import Flask

from designer import expressions, processes, tables

BLUEPRINTS = (expressions.bp, processes.bp, tables.bp)
# What each editor edits, for the designer's shell to link a definition to its editor.
EDITORS = {"Process": "designer_processes.page", "DecisionTable": "designer_tables.page"}


def init_app(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
