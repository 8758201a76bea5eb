"""Declare an endpoint's path, query and body once; parse requests with that declaration.

A view decorated with :func:`declare` receives its path arguments validated by the path
model and, as keyword arguments ``query`` and ``body``, instances of the declared query and
body models. Pydantic validates them with the application's ``Settings`` in its context,
so limits that are settings (lengths, page sizes, the honeypot's name) are read at request
time. Its errors become :class:`~moderation.errors.FieldError` codes, which the web layer
words in the reader's language. The same declarations generate the OpenAPI document
(``moderation.web.schemas.document``).
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

from flask import current_app
from flask import json
from flask import request
from pydantic import BaseModel
from pydantic import GetCoreSchemaHandler
from pydantic import GetJsonSchemaHandler
from pydantic import ValidationError
from pydantic import ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema
from pydantic_core import core_schema
from werkzeug.exceptions import NotFound
from werkzeug.exceptions import UnsupportedMediaType

from moderation.config import Settings
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.validation import FieldProblem

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
HTML = "text/html"

#: Where the settings-bound limits wait in a generated schema until a document is built.
SETTINGS_KEY = "x-settings"

View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class Reply:
    """One documented answer: a JSON model, a problem, or no content."""

    description: str
    model: type[BaseModel] | None = None
    problem: bool = False
    media_type: str = JSON


@dataclass(frozen=True, slots=True)
class Operation:
    """Everything one endpoint declares about its input and its answers."""

    summary: str
    responses: Mapping[int, Reply]
    path: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    #: Media types the body may come in; the first is the documented default.
    body_types: tuple[str, ...] = (JSON,)
    #: ``True``: a missing or empty body is an empty object (optional fields only).
    body_optional: bool = False
    #: ``False``: the view validates the body itself with ``body`` (to answer a page).
    parse_body: bool = True
    #: ``True``: another media type is answered 415; else it is read as a form (or as
    #: nothing at all, for JSON-only bodies) and its fields fail validation.
    strict_media: bool = False
    secured: bool = False
    #: Request headers the view reads, with what they mean (for the document).
    headers: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = field(default_factory=tuple)


def declare(operation: Operation) -> Callable[[View], View]:
    """Validate the request against ``operation`` before the view runs."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def parse_then_call(**path_args: Any) -> Any:
            settings = settings_of_app()
            if operation.path is not None:
                path_args = _parse_path(operation.path, path_args, settings)
            if operation.query is not None:
                path_args["query"] = validate(
                    operation.query, query_data(operation.query), settings
                )
            if operation.body is not None and operation.parse_body:
                data = body_data(operation)
                path_args["body"] = validate(operation.body, data, settings)
            return view(**path_args)

        parse_then_call.__contract__ = operation  # type: ignore[attr-defined]
        return parse_then_call  # type: ignore[return-value]

    return wrap


def operation_of(view: Callable[..., Any]) -> Operation | None:
    """The declaration attached to a view by :func:`declare`, if any."""
    return getattr(view, "__contract__", None)


def settings_of_app() -> Settings:
    return current_app.extensions["moderation.deps"].settings  # type: ignore[no-any-return]


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate(model: type[ModelT], data: object, settings: Settings) -> ModelT:
    """``data`` as ``model``, or :class:`ValidationFailed` with one error per field."""
    try:
        return model.model_validate(data, context={"settings": settings})
    except ValidationError as exc:
        # Errors name our fields, even where the request spells them its own way (aliases).
        names = {
            info.validation_alias: name
            for name, info in model.model_fields.items()
            if isinstance(info.validation_alias, str)
        }
        errors = field_errors(exc)
        raise ValidationFailed(
            [FieldError(names.get(e.field, e.field), e.code, e.params) for e in errors]
        ) from None


def _parse_path(model: type[BaseModel], args: dict[str, Any], settings: Settings) -> dict[str, Any]:
    # A path value the contract refuses names nothing that exists: answer as for any
    # unknown address rather than with field errors.
    try:
        parsed = model.model_validate(args, context={"settings": settings})
    except ValidationError:
        raise NotFound() from None
    return {**args, **parsed.model_dump()}


def query_data(model: type[BaseModel]) -> dict[str, Any]:
    """The query string as a mapping, lists for the fields the model declares as lists."""
    lists = {name for name, info in model.model_fields.items() if _is_list(info.annotation)}
    data: dict[str, Any] = {}
    for name in request.args:
        data[name] = request.args.getlist(name) if name in lists else request.args.get(name)
    return data


def _is_list(annotation: object) -> bool:
    origin = typing.get_origin(annotation)
    if origin is list:
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


def body_data(operation: Operation) -> object:
    """The request body decoded by its media type, among those ``operation`` accepts.

    Undecodable JSON is ``None``: it fails validation as "not an object", the answer the
    API always gave. A JSON nesting bomb (``[[[[...``) is undecodable too, not a crash.
    """
    types = operation.body_types
    if operation.body_optional and not request.get_data(cache=True):
        return {}
    mimetype = request.mimetype
    if mimetype == JSON and JSON in types:
        try:
            return json.loads(request.get_data(cache=True))
        except (ValueError, RecursionError):
            return None
    forms = FORM in types or MULTIPART in types
    if mimetype in (FORM, MULTIPART) and forms:
        return request.form.to_dict()
    if operation.strict_media:
        raise UnsupportedMediaType()
    return request.form.to_dict() if forms else None


#: Pydantic's error types, in the codes the field messages know.
_CODES = {
    "missing": "required",
    "string_type": "invalid_type",
    "model_type": "invalid_type",
    "model_attributes_type": "invalid_type",
    "dict_type": "invalid_type",
    "string_too_long": "too_long",
    "string_too_short": "too_short",
    "string_sub_type": "invalid_type",
}


def field_errors(exc: ValidationError) -> list[FieldError]:
    """One :class:`FieldError` per field (the first problem pydantic found for it)."""
    found: dict[str, FieldError] = {}
    for error in exc.errors():
        location = error["loc"]
        name = str(location[0]) if location else "body"
        if name in found:
            continue
        found[name] = FieldError(name, *_code(error["type"], error.get("ctx") or {}))
    return list(found.values())


def _code(kind: str, context: Mapping[str, Any]) -> tuple[str, dict[str, int | str]]:
    problem = context.get("error")
    if kind == "value_error" and isinstance(problem, FieldProblem):
        return problem.code, problem.params
    code = _CODES.get(kind, "invalid_value")
    if code == "too_long":
        return code, {"max": int(context.get("max_length", 0))}
    if code == "too_short":
        return code, {"min": int(context.get("min_length", 0))}
    return code, {}


def settings_of(info: ValidationInfo) -> Settings:
    """The settings passed by :func:`validate` (defaults when a test validates directly)."""
    context = info.context or {}
    settings = context.get("settings")
    return settings if isinstance(settings, Settings) else Settings()


# eq=False: compared and hashed by identity (typing hashes annotations; dicts cannot be).
@dataclass(frozen=True, slots=True, eq=False)
class Checked:
    """Annotation: run a checker of ``moderation.validation`` with limits from ``Settings``.

    ``check`` receives the raw value and the settings and returns the clean value or
    raises :class:`FieldProblem`. ``limits`` names, for the document, the JSON Schema
    keywords whose values are settings (``{"maxLength": "name_max_length"}``); ``fixed``
    adds keywords with constant values; ``also`` documents another accepted form.
    """

    check: Callable[[object, Settings], object]
    limits: Mapping[str, str] = field(default_factory=dict)
    fixed: Mapping[str, Any] = field(default_factory=dict)
    #: A schema also accepted (the check turns it into a value of the type), if any.
    also: Mapping[str, Any] | None = None

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        def run(value: object, info: ValidationInfo) -> object:
            return self.check(value, settings_of(info))

        return core_schema.with_info_before_validator_function(run, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        generated = dict(handler(schema))
        generated.update(self.fixed)
        if self.limits:
            generated[SETTINGS_KEY] = dict(self.limits)
        if self.also is not None:
            return {"anyOf": [generated, dict(self.also)]}
        return generated


def resolve_settings(node: Any, settings: Settings) -> Any:
    """A copy of a generated schema with every settings-bound keyword given its value."""
    if isinstance(node, list):
        return [resolve_settings(item, settings) for item in node]
    if not isinstance(node, dict):
        return node
    resolved = {key: resolve_settings(value, settings) for key, value in node.items()}
    for keyword, name in resolved.pop(SETTINGS_KEY, {}).items():
        resolved[keyword] = getattr(settings, name)
    return resolved
