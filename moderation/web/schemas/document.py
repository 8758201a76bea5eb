"""Generate the OpenAPI 3.1 document from the declarations attached to the app's views.

Every rule of ``app.url_map`` whose view was declared with ``contract.declare`` becomes an
operation: its path and query parameters, request body and answers come from the same
pydantic models that parse its requests, and settings-bound limits take this app's values.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from moderation.config import Settings
from moderation.web.schemas.contract import JSON
from moderation.web.schemas.contract import Operation
from moderation.web.schemas.contract import Reply
from moderation.web.schemas.contract import operation_of
from moderation.web.schemas.contract import resolve_settings
from moderation.web.schemas.public import HONEYPOT_MARK
from moderation.web.schemas.responses import Problem

REF_TEMPLATE = "#/components/schemas/{model}"
_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_METHODS = ("get", "post", "put", "patch", "delete")
_UNSAFE = frozenset({"post", "put", "patch", "delete"})

_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "fr or en: the language of error messages.",
}


def operations(app: Flask) -> list[tuple[str, str, Operation]]:
    """``(openapi path, method, declaration)`` for every declared view, in URL map order."""
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        declared = operation_of(view) if view is not None else None
        if declared is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        for method in _METHODS:
            if method.upper() in (rule.methods or ()):
                found.append((path, method, declared))
    return found


def build_document(app: Flask, settings: Settings) -> dict[str, Any]:
    """The whole document, with this app's settings in every limit."""
    declared = operations(app)
    models: list[type[BaseModel]] = [Problem]
    for _path, _method, op in declared:
        models.extend(m for m in (op.path, op.query, op.body) if m is not None)
        models.extend(r.model for r in op.responses.values() if r.model is not None)
    unique = list(dict.fromkeys(models))
    refs, definitions = models_json_schema(
        [(model, "validation") for model in unique], ref_template=REF_TEMPLATE
    )
    schemas: dict[str, Any] = definitions.get("$defs", {})

    def ref(model: type[BaseModel]) -> dict[str, Any]:
        return dict(refs[(model, "validation")])

    def definition(model: type[BaseModel]) -> dict[str, Any]:
        return schemas[ref(model)["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]

    paths: dict[str, dict[str, Any]] = {}
    for path, method, op in declared:
        operation = _operation(op, definition, ref)
        if method in _UNSAFE:
            _add_cross_site(operation, path, ref)
        paths.setdefault(path, {})[method] = operation
    bodies = {ref(op.body)["$ref"] for _p, _m, op in declared if op.body is not None}
    for _path, _method, op in declared:
        for model in (op.path, op.query):
            # Path and query models become parameters; they need no entry of their own.
            if model is not None and ref(model)["$ref"] not in bodies:
                schemas.pop(ref(model)["$ref"].rsplit("/", 1)[1], None)
    for schema in schemas.values():
        _add_honeypot(schema, settings)
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Comment moderation API",
            "version": "1.0.0",
            "description": "Public comment API, moderator API and webhook administration. "
            "Errors are RFC 9457 problem details in the language asked by Accept-Language "
            "(fr, en); field messages name each field.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Issued by `moderation create-token NAME`.",
                }
            },
        },
    }
    resolved: dict[str, Any] = resolve_settings(document, settings)
    return resolved


def _operation(op: Operation, definition: Any, ref: Any) -> dict[str, Any]:
    parameters = []
    for model, where in ((op.path, "path"), (op.query, "query")):
        if model is not None:
            parameters.extend(_parameters(definition(model), where))
    for name, description in op.headers.items():
        parameters.append(
            {
                "name": name,
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": description,
            }
        )
    parameters.append(_LANGUAGE)
    result: dict[str, Any] = {"summary": op.summary, "parameters": parameters}
    if op.tags:
        result["tags"] = list(op.tags)
    if op.secured:
        result["security"] = [{"token": []}]
    if op.body is not None:
        body_ref = ref(op.body)
        result["requestBody"] = {
            "required": not op.body_optional,
            "content": {media: {"schema": body_ref} for media in op.body_types},
        }
    answers = {str(status): _response(reply, ref) for status, reply in sorted(op.responses.items())}
    if op.path is not None:
        # A path value its model refuses (a NUL, an over-long key) names nothing: 404.
        unknown = answers.setdefault("404", {"description": "Nothing has this address"})
        unknown.setdefault("content", {})["application/problem+json"] = {"schema": ref(Problem)}
    result["responses"] = answers
    return result


def _parameters(model_schema: dict[str, Any], where: str) -> list[dict[str, Any]]:
    required = set(model_schema.get("required", ()))
    result = []
    for name, schema in model_schema.get("properties", {}).items():
        parameter: dict[str, Any] = {
            "name": name,
            "in": where,
            "required": where == "path" or name in required,
            "schema": _without_null(schema),
        }
        if "description" in schema:
            parameter["description"] = schema["description"]
        if schema.get("type") == "array":
            parameter["explode"] = True
            parameter["style"] = "form"
        result.append(parameter)
    return result


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    # A query parameter is absent or text: ``None`` only means "not given".
    result = {k: v for k, v in schema.items() if k not in ("title", "description")}
    branches = [b for b in result.get("anyOf", ()) if b != {"type": "null"}]
    if "anyOf" in result and len(branches) == 1:
        del result["anyOf"]
        result = {**branches[0], **result}
    if result.get("default", 0) is None:
        del result["default"]
    return result


def _response(reply: Reply, ref: Any) -> dict[str, Any]:
    response: dict[str, Any] = {"description": reply.description}
    if reply.problem:
        response["content"] = {"application/problem+json": {"schema": ref(Problem)}}
    elif reply.model is not None:
        response["content"] = {reply.media_type: {"schema": ref(reply.model)}}
    elif reply.media_type != JSON:
        response["content"] = {reply.media_type: {"schema": {"type": "string"}}}
    return response


def _add_cross_site(operation: dict[str, Any], path: str, ref: Any) -> None:
    # Every unsafe request whose Origin (or Referer) names another site is refused
    # before its view runs (``web/origin.py``): a problem for the API, a page elsewhere.
    answers = operation["responses"]
    refused = answers.setdefault("403", {"description": "Sent from another website"})
    content = refused.setdefault("content", {})
    if path.startswith("/api/"):
        content["application/problem+json"] = {"schema": ref(Problem)}
    else:
        content["text/html"] = {"schema": {"type": "string"}}


def _add_honeypot(schema: dict[str, Any], settings: Settings) -> None:
    if schema.pop(HONEYPOT_MARK, False):
        schema.setdefault("properties", {})[settings.honeypot_field] = {
            "type": "string",
            "description": "Honeypot: hidden from people, must stay empty.",
        }
