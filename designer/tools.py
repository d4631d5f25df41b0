"""The designer's process, decision-table, expression, view and dashboard editors, registered
on an app as their own blueprints (`designer_processes`, `designer_tables`,
`designer_expressions`, `designer_views`, `designer_dashboards`) under /designer/processes,
/designer/tables, /designer/expressions, /designer/views and /designer/dashboards."""

from __future__ import annotations

from flask import Flask

from designer import dashedit, editors, expressions, processes, tables, viewedit

BLUEPRINTS = (expressions.bp, processes.bp, tables.bp, viewedit.bp, dashedit.bp)
# What each editor edits: the designer's lists link a definition of the kind to its editor.
EDITORS = {"Process": "designer_processes.page", "DecisionTable": "designer_tables.page",
           "View": "designer_views.page", "Dashboard": "designer_dashboards.page"}


def init_app(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for kind, endpoint in EDITORS.items():
        editors.register(kind, endpoint)
