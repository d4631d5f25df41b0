"""The app's field-type registry: built from its providers when the app is made, kept on the
app (never in a module), and read by the web layer for each request. The widget templates
that types bring with them are added to the app's templates as `field_types/<name>.html`."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app
from jinja2 import BaseLoader, ChoiceLoader, DictLoader

from runtime.forms.fieldtypes import FieldTypes, Provider, field_types_from

EXTENSION = "lowcode.field_types"


def init_app(app: Flask, providers: Iterable[Provider]) -> None:
    registry = app.extensions[EXTENSION] = field_types_from(providers)
    templates = {template_name(t.name): t.widget.template for t in registry.values()
                 if t.widget.template is not None}
    if templates:
        loaders: list[BaseLoader] = [DictLoader(templates)]
        if app.jinja_loader is not None:
            loaders.insert(0, app.jinja_loader)
        app.jinja_loader = ChoiceLoader(loaders)  # type: ignore[assignment]


def field_types(app: Flask | None = None) -> FieldTypes:
    """The registry of `app` (by default the current one)."""
    return (app or current_app).extensions[EXTENSION]


def template_name(type_name: str) -> str:
    """The name a field type's own widget template is loaded under."""
    return f"field_types/{type_name}.html"
