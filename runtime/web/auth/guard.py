"""The one access guard. Every decision about what a user may see is
`runtime.access.allowed`, asked through `require`; a refusal is a 404, as if the thing did not
exist, and is audited. Someone not signed in is sent to sign in first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, abort, g, redirect, request
from flask.typing import ResponseReturnValue

from runtime import access
from runtime.web.auth.audit import audit
from runtime.web.auth.session import here
from runtime.web.database import db
from runtime.web.lang import lang_url

View = TypeVar("View", bound=Callable[..., ResponseReturnValue])


def login_required(view: View) -> View:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if g.get("user") is None:
            return to_sign_in()
        return view(*args, **kwargs)

    return guarded  # type: ignore[return-value]


def require(permission: str,
            load_record: Callable[..., access.RecordRef | None] | None = None
            ) -> Callable[[View], View]:
    """Let a view run only for a signed-in user whom `permission` is granted, on the record
    `load_record(**view_args)` describes if given. Anyone else gets a 404, as if the thing
    did not exist, and the refusal is audited."""
    access.visibility(None, permission)  # an unknown permission fails at import time

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if g.get("user") is None:
                return to_sign_in()
            record = load_record(**kwargs) if load_record else None
            if load_record is not None and record is None:
                abort(404)
            if not access.allowed(g.principal, permission, record):
                deny(permission)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def deny(permission: str) -> None:
    """Audit a refusal and answer 404."""
    audit("access.denied", target=("path", request.path[:200]), detail=permission)
    db().commit()
    abort(404)


def to_sign_in() -> Response:
    target = lang_url("auth.login", next=here())
    if getattr(request, "htmx", False):
        response = Response(status=401)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)
