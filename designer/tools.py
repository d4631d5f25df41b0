"""The designer's process, decision-table, expression, items (rule set, catalog, task
template), view and dashboard editors, registered on an app as their own blueprints
(`designer_processes`, `designer_tables`, `designer_expressions`, `designer_items`,
`designer_views`, `designer_dashboards`) under /designer/processes, /designer/tables,
/designer/expressions, /designer/items, /designer/views and /designer/dashboards."""

from __future__ import annotations

from flask import Flask

from designer import dashedit, editors, expressions, items, processes, schemaform, tables, viewedit

BLUEPRINTS = (expressions.bp, processes.bp, tables.bp, items.bp, viewedit.bp, dashedit.bp)
# What each editor edits: the designer's lists link a definition of the kind to its editor.
EDITORS = {"Process": "designer_processes.page", "DecisionTable": "designer_tables.page",
           "View": "designer_views.page", "Dashboard": "designer_dashboards.page",
           **items.EDITORS}


def init_app(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    for kind, endpoint in EDITORS.items():
        editors.register(kind, endpoint)
    app.add_template_global(schemaform.panel_text, "panel_text")
