"""Hold every request the suite sends, and every answer, to the OpenAPI document.

A :class:`Recorder` listens to an app's request signals and keeps each exchange with a
declared endpoint. :func:`violations` then checks them against the app's own document:

- a request the document refuses (a parameter, a media type, a body) must have been
  refused by the service too (a 4xx): the document may not be stricter than the service;
- a request the service accepted must satisfy the document: it may not be looser either;
- every answer must have a documented status, and a JSON answer the documented shape.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import brotli
from flask import Flask
from flask import Response
from flask import request
from flask import request_finished
from flask import request_started
from openapi_schema_validator import OAS31Validator

from moderation.web.openapi import document

_CONVERTER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Exchange:
    """One request to a routed endpoint and the service's answer."""

    method: str
    path: str
    view_args: dict[str, Any]
    query: list[tuple[str, str]]
    mimetype: str
    body: bytes
    status: int
    response_mimetype: str
    response_body: bytes | None

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


class Recorder:
    """Records the exchanges of one app (kept on the app, as signals hold weak references)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.exchanges: list[Exchange] = []
        request_started.connect(self._started, app)
        request_finished.connect(self._finished, app)

    def _started(self, sender: Flask, **_extra: Any) -> None:
        # Keep the body readable after the view consumed it (forms are parsed from a stream).
        # A body over the limit is left for the service to refuse (413): never read it here.
        limit = sender.config.get("MAX_CONTENT_LENGTH")
        length = request.content_length
        if length is not None and (limit is None or length <= limit):
            request.get_data(cache=True)

    def _finished(self, sender: Flask, response: Response, **_extra: Any) -> None:
        rule = request.url_rule
        if rule is None:
            return
        body = None
        if response.mimetype in ("application/json", "application/problem+json"):
            body = _decoded(response.get_data(), response.headers.get("Content-Encoding", ""))
        self.exchanges.append(
            Exchange(
                method=request.method,
                path=_CONVERTER.sub(r"{\1}", rule.rule),
                view_args=dict(request.view_args or {}),
                query=list(request.args.items(multi=True)),
                mimetype=request.mimetype,
                body=_cached_body(),
                status=response.status_code,
                response_mimetype=response.mimetype or "",
                response_body=body,
            )
        )


def _decoded(body: bytes, encoding: str) -> bytes:
    """A response body as the client reads it (threads and counts may come compressed)."""
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "br":
        return brotli.decompress(body)  # type: ignore[no-any-return]
    return body


def _cached_body() -> bytes:
    # Only what ``_started`` kept: reading an unread stream now could raise 413 again.
    cached = getattr(request, "_cached_data", None)
    return cached if isinstance(cached, bytes) else b""


def record(app: Flask) -> Recorder:
    recorder = Recorder(app)
    app.extensions["tests.contract_recorder"] = recorder
    return recorder


def violations(app: Flask, exchanges: list[Exchange]) -> list[str]:
    """Every disagreement between the exchanges and ``app``'s document."""
    doc = document(app)
    found: list[str] = []
    for exchange in exchanges:
        operation = doc["paths"].get(exchange.path, {}).get(exchange.method.lower())
        if operation is None:
            continue
        refused = request_violations(doc, operation, exchange)
        if refused and not 400 <= exchange.status < 500:
            found.append(f"{exchange}: the document refuses the request ({'; '.join(refused)})")
        found.extend(f"{exchange}: {p}" for p in response_violations(doc, operation, exchange))
    return found


def _valid(doc: dict[str, Any], schema: dict[str, Any], value: Any) -> str | None:
    validator = OAS31Validator({"components": doc["components"], **schema})
    error = next(iter(validator.iter_errors(value)), None)
    return None if error is None else error.message[:200]


def _types(schema: dict[str, Any]) -> set[str]:
    found = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for branch in schema.get("anyOf", ()):
        found |= _types(branch)
    return found


def _coerce(value: str, schema: dict[str, Any]) -> Any:
    # A query string is text: read it as the number the schema expects when it is one.
    if "integer" in _types(schema) and _INTEGER.fullmatch(value):
        return int(value)
    return value


def request_violations(doc: dict[str, Any], operation: dict[str, Any], ex: Exchange) -> list[str]:
    """What in this request the document does not allow."""
    problems = []
    for parameter in operation.get("parameters", ()):
        name, schema, where = parameter["name"], parameter["schema"], parameter["in"]
        if where == "path":
            value: Any = ex.view_args.get(name)
        elif where == "query":
            values = [v for k, v in ex.query if k == name]
            if not values:
                if parameter.get("required"):
                    problems.append(f"query parameter {name} is required")
                continue
            if schema.get("type") == "array":
                value = [_coerce(v, schema.get("items", {})) for v in values]
            else:
                value = _coerce(values[0], schema)
        else:
            continue
        error = _valid(doc, schema, value)
        if error:
            problems.append(f"{where} parameter {name}: {error}")
    problems.extend(_body_violations(doc, operation.get("requestBody"), ex))
    return problems


def _body_violations(doc: dict[str, Any], body: dict[str, Any] | None, ex: Exchange) -> list[str]:
    if body is None:
        return []
    if not ex.body:
        return ["a body is required"] if body.get("required") else []
    content = body["content"]
    if ex.mimetype not in content:
        return [f"media type {ex.mimetype or '(none)'} is not documented"]
    if ex.mimetype == "application/json":
        try:
            value = json.loads(ex.body)
        except (ValueError, RecursionError):
            return ["the body is not JSON"]
    elif ex.mimetype == "application/x-www-form-urlencoded":
        value = dict(reversed(parse_qsl(ex.body.decode("utf-8", "replace"), True)))
    else:
        return []  # multipart bodies are documented but not decoded here
    error = _valid(doc, content[ex.mimetype]["schema"], value)
    return [f"body: {error}"] if error else []


def response_violations(doc: dict[str, Any], operation: dict[str, Any], ex: Exchange) -> list[str]:
    """What in this answer the document does not describe."""
    documented = operation["responses"].get(str(ex.status))
    if documented is None:
        return [f"status {ex.status} is not documented"]
    content = documented.get("content")
    if not content:
        return []
    if ex.response_mimetype not in content:
        return [f"answered {ex.response_mimetype}, documented {sorted(content)}"]
    if ex.response_body is None:
        return []
    error = _valid(doc, content[ex.response_mimetype]["schema"], json.loads(ex.response_body))
    return [f"answer: {error}"] if error else []
