"""Serve ``/api/v1/openapi.json``: the document generated from the endpoints' declarations.

It is built once per application (its settings fix every limit) from the same pydantic
models that parse the requests; tests validate real requests and answers against it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import json

from moderation.web.schemas import Operation
from moderation.web.schemas import declare
from moderation.web.schemas import ok
from moderation.web.schemas.contract import settings_of_app
from moderation.web.schemas.document import build_document

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_CACHE_KEY = "moderation.openapi"


def document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI document of ``app`` (computed on first use, then kept)."""
    cached = app.extensions.get(_CACHE_KEY)
    if cached is None:
        with app.app_context():
            cached = build_document(app, settings_of_app())
        app.extensions[_CACHE_KEY] = cached
    return cached


@bp.get("/openapi.json")
@declare(Operation("This document", responses={200: ok(None, "OpenAPI 3.1")}))
def openapi_json() -> Response:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return current_app.response_class(json.dumps(document(app)), mimetype="application/json")
