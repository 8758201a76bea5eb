"""The OpenAPI document is valid 3.1 and every real response matches its schema."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from moderation.models import CommentStatus
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_status


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    data: dict[str, Any] = response.get_json()
    return data


def test_document_is_valid_openapi_31(document: dict[str, Any]) -> None:
    validate_spec(document)
    assert document["openapi"] == "3.1.0"


def check(document: dict[str, Any], path: str, method: str, response: Any) -> None:
    """Validate ``response`` against the documented schema for its status and type."""
    operation = document["paths"][path][method]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path} answered undocumented {response.status_code}"
    if "content" not in documented:
        return
    assert response.mimetype in documented["content"], response.mimetype
    schema = documented["content"][response.mimetype]["schema"]
    resolver_doc = {"components": document["components"], **schema}
    OAS31Validator(resolver_doc).validate(response.get_json())


def test_real_responses_match_the_document(
    app: Flask, client: FlaskClient, document: dict[str, Any]
) -> None:
    add_article(app)
    comments = "/api/v1/articles/{article_key}/comments"
    root = post(client, website="https://blog.example")
    set_status(app, root, CommentStatus.APPROVED)
    reply = client.post(
        URL.format(key="a1"),
        json={"author_name": "Lou", "email": "lou@example.org", "body": "Oui", "parent_id": root},
    )
    check(document, comments, "post", reply)
    check(document, comments, "post", client.post(URL.format(key="a1"), json={"body": ""}))
    check(document, comments, "post", client.post(URL.format(key="zz"), json={}))
    check(document, comments, "get", client.get(URL.format(key="a1")))
    check(document, comments, "get", client.get(URL.format(key="a1") + "?sort=bad"))
    check(document, "/api/v1/comments/{public_id}", "get", client.get(f"/api/v1/comments/{root}"))
    check(document, "/api/v1/comments/{public_id}", "get", client.get("/api/v1/comments/x"))
    check(document, "/api/v1/counts", "get", client.get("/api/v1/counts?article=a1&article=b"))
    reports = "/api/v1/comments/{public_id}/reports"
    check(
        document,
        reports,
        "post",
        client.post(f"/api/v1/comments/{root}/reports", json={"reason": "spam"}),
    )
    check(
        document,
        reports,
        "post",
        client.post(f"/api/v1/comments/{root}/reports", json={"reason": "?"}),
    )
    check(document, "/api/v1/embed/messages", "get", client.get("/api/v1/embed/messages"))
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    listing = "/api/v1/moderation/comments"
    check(document, listing, "get", client.get(listing, headers=token))
    check(document, listing, "get", client.get(listing))
    detail = listing + "/{public_id}"
    check(document, detail, "get", client.get(f"{listing}/{root}", headers=token))
    decision = detail + "/decision"
    reply_id = reply.get_json()["id"]
    approve = client.post(
        f"{listing}/{reply_id}/decision", json={"action": "approve"}, headers=token
    )
    check(document, decision, "post", approve)
    check(
        document,
        decision,
        "post",
        client.post(f"{listing}/{reply_id}/decision", json={"action": "approve"}, headers=token),
    )


def test_problem_schema_is_strict_enough_to_fail(document: dict[str, Any]) -> None:
    schema = {"components": document["components"], "$ref": "#/components/schemas/Accepted"}
    validator = Draft202012Validator(schema)
    assert not list(validator.iter_errors({"id": "x", "status": "pending", "author_token": "t"}))
    assert list(validator.iter_errors({"id": "x", "status": "approved", "email": "a@b.c"}))
