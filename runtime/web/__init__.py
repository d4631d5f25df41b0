"""The web layer: a Flask app factory, thin blueprints, templates and static files.

Blueprints parse the request, call one use-case (`runtime.casework`) or store query, and
render; nothing here talks SQL. The app keeps its own registries (field types, actions) in
`app.extensions`, built from providers when it is created.
"""

from runtime.web.app import create_app

__all__ = ["create_app"]
