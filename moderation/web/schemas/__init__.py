"""One declared contract per HTTP endpoint (pydantic models), also the OpenAPI source.

``contract`` parses requests with the declarations, ``fields`` holds the shared field
types, ``public``/``moderator``/``webhooks`` the inputs of each API, ``responses`` the
shapes they answer with, and ``document`` builds ``/api/v1/openapi.json`` from all of it.
"""

from __future__ import annotations

from pydantic import BaseModel

from moderation.web.schemas.contract import FORM
from moderation.web.schemas.contract import HTML
from moderation.web.schemas.contract import JSON
from moderation.web.schemas.contract import MULTIPART
from moderation.web.schemas.contract import Operation
from moderation.web.schemas.contract import Reply
from moderation.web.schemas.contract import declare

__all__ = ["FORM", "HTML", "JSON", "MULTIPART", "Operation", "Reply", "declare", "ok", "problem"]


def ok(model: type[BaseModel] | None, description: str) -> Reply:
    """A JSON answer of ``model``'s shape."""
    return Reply(description, model=model)


def problem(description: str) -> Reply:
    """An ``application/problem+json`` answer."""
    return Reply(description, problem=True)
