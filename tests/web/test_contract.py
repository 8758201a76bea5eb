"""One declared contract: limits from the settings, the document from the declarations,
and a checker of the suite's requests that does catch a disagreement."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.errors import ValidationFailed
from moderation.web.openapi import document
from moderation.web.schemas.contract import validate
from moderation.web.schemas.document import operations
from moderation.web.schemas.public import NewComment
from tests.contract_check import Exchange
from tests.contract_check import violations
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import valid


def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]  # type: ignore[no-any-return]


def _parameter(doc: dict[str, Any], path: str, method: str, name: str) -> dict[str, Any]:
    for parameter in doc["paths"][path][method]["parameters"]:
        if parameter["name"] == name:
            return parameter  # type: ignore[no-any-return]
    raise AssertionError(f"{name} is not a parameter of {method} {path}")


def _keyword(schema: Any, name: str) -> Any:
    """``name``'s value in ``schema`` or in one of its ``anyOf`` branches."""
    if name in schema:
        return schema[name]
    for branch in schema.get("anyOf", ()):
        found = _keyword(branch, name)
        if found is not None:
            return found
    return None


def test_every_api_route_is_declared(app: Flask) -> None:
    declared = {(path, method) for path, method, _op in operations(app)}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/embed/articles/", "/embed/comments/", "/wp-")):
            continue
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            path = rule.rule.replace("<path:", "<").replace("<int:", "<")
            path = path.replace("<", "{").replace(">", "}")
            assert (path, method.lower()) in declared, f"{method} {rule.rule} has no contract"


def test_document_limits_are_the_settings(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(name_max_length=12, body_max_length=300, page_size_max=40, honeypot_field="fax")
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    comment = _schema(doc, "NewComment")["properties"]
    assert comment["author_name"]["maxLength"] == 12
    assert comment["body"]["maxLength"] == 300
    assert "fax" in comment
    assert "company" not in comment
    limit = _parameter(doc, "/api/v1/articles/{article_key}/comments", "get", "limit")
    assert limit["schema"]["maximum"] == 40
    queue_limit = _parameter(doc, "/api/v1/moderation/comments", "get", "limit")
    assert _keyword(queue_limit["schema"], "maximum") == 40
    assert "x-settings" not in str(doc)
    assert "x-honeypot" not in str(doc)


def test_the_service_enforces_the_same_limits(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(name_max_length=12, page_size_max=40)
    add_article(app)
    client = app.test_client()
    refused = client.post(
        URL.format(key="a1"),
        json=valid(author_name="Camille Dupont-Martin"),
        headers={"Accept-Language": "fr"},
    )
    assert refused.status_code == 422
    assert refused.get_json()["fields"] == {
        "author_name": "Ce champ ne doit pas dépasser 12 caractères."
    }
    assert client.post(URL.format(key="a1"), json=valid(author_name="Camille")).status_code == 202
    assert client.get(URL.format(key="a1") + "?limit=40").status_code == 200
    too_many = client.get(URL.format(key="a1") + "?limit=41", headers={"Accept-Language": "en"})
    assert too_many.status_code == 422
    assert too_many.get_json()["fields"] == {"limit": "This value is not allowed."}


def test_honeypot_is_read_under_the_configured_name(app_with) -> None:  # type: ignore[no-untyped-def]
    app = app_with(honeypot_field="fax")
    settings = app.extensions["moderation.deps"].settings
    trapped = validate(NewComment, {**valid(), "fax": "ACME"}, settings)
    assert trapped.honeypot_filled is True
    # The former name is now an ordinary unknown field, and our own attribute cannot be set.
    spared = validate(NewComment, {**valid(), "company": "ACME", "honeypot_filled": True}, settings)
    assert spared.honeypot_filled is False
    client = app.test_client()
    assert client.get("/api/v1/embed/messages").get_json()["honeypot_field"] == "fax"
    add_article(app)
    assert 'name="fax"' in client.get("/embed/articles/a1").get_data(as_text=True)


def test_schema_errors_are_field_codes(app: Flask) -> None:
    settings = app.extensions["moderation.deps"].settings
    with pytest.raises(ValidationFailed) as caught:
        validate(NewComment, {"author_name": 3, "email": "x", "parent_id": "p" * 40}, settings)
    assert {e.field: e.code for e in caught.value.errors} == {
        "author_name": "invalid_type",
        "email": "invalid_email",
        "body": "required",
        "parent_id": "too_long",
    }


def _exchange(**changes: Any) -> Exchange:
    base: dict[str, Any] = {
        "method": "GET",
        "path": "/api/v1/articles/{article_key}/comments",
        "view_args": {"article_key": "a1"},
        "query": [],
        "mimetype": "",
        "body": b"",
        "status": 200,
        "response_mimetype": "application/problem+json",
        "response_body": b'{"type": "t", "title": "t", "status": 404}',
    }
    base.update(changes)
    return Exchange(**base)


def test_checker_catches_a_request_the_document_refuses_but_the_service_accepted(
    app: Flask,
) -> None:
    fine = _exchange(status=404)
    assert violations(app, [fine]) == []
    loose = _exchange(query=[("limit", "abc")], status=404)
    assert violations(app, [loose]) == []  # refused by both: they agree
    found = violations(app, [_exchange(query=[("limit", "abc")], status=204)])
    assert any("limit" in problem for problem in found), found


def test_checker_catches_an_undocumented_answer(app: Flask) -> None:
    found = violations(app, [_exchange(status=418)])
    assert found == [
        "GET /api/v1/articles/{article_key}/comments -> 418: status 418 is not documented"
    ]
    leaky = _exchange(
        method="POST",
        mimetype="application/json",
        body=b'{"author_name": "A", "email": "a@b.fr", "body": "x"}',
        status=202,
        response_mimetype="application/json",
        response_body=b'{"id": "x", "status": "pending", "email": "a@b.fr"}',
    )
    assert any("answer" in problem for problem in violations(app, [leaky]))


def test_checker_catches_a_body_outside_the_document(app: Flask) -> None:
    odd = _exchange(
        method="POST",
        mimetype="application/json",
        body=b'{"author_name": ["A"], "email": "a@b.fr", "body": "x"}',
        status=202,
        response_mimetype="application/json",
        response_body=b'{"id": "x", "status": "pending"}',
    )
    assert any("refuses the request" in problem for problem in violations(app, [odd]))


def test_moderator_query_parameters_are_parsed_by_the_contract(
    app: Flask, client: FlaskClient
) -> None:
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    listing = "/api/v1/moderation/comments"
    assert client.get(listing + "?tab=&order=&limit=&campaign=", headers=token).status_code == 200
    for query in ("limit=²", "limit=0", "campaign=-1", "tab=nope", "status=gone", "order=x"):
        answer = client.get(f"{listing}?{query}", headers=token)
        assert answer.status_code == 422, query
    assert document(app)["paths"][listing]["get"]["security"] == [{"token": []}]
