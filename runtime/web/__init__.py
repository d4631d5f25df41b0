"""The web layer: a Flask app factory, thin blueprints, templates and static files.

Blueprints parse the request, ask the store or the core, and render; nothing here talks SQL.
"""

from runtime.web.app import create_app

__all__ = ["create_app"]
