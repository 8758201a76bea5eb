"""Every workspace route, enumerated from ``app.url_map``: who may reach it, and CSRF.

New pages are covered as soon as they exist: anonymous visitors get the sign-in page, a
moderator is refused admin pages and actions, and no unsafe request without a CSRF token
changes anything.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from werkzeug.routing import Rule

from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import ModerationDecision
from moderation.models import ModeratorRole
from moderation.web.workspace.auth import CONTENT_SECURITY_POLICY
from moderation.web.workspace.auth import PUBLIC
from moderation.web.workspace.auth import role_of
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
#: A value for each kind of URL argument (the rows need not exist: access comes first).
SAMPLE_ARGUMENTS = {
    "public_id": "abc",
    "article_key": "a1",
    "moderator_id": 1,
    "campaign_id": 1,
    "code": "other",
    "token": "x",
    "author": "0" * 64,
    "endpoint_id": 1,
    "delivery_id": 1,
    "entry_id": 1,
}


def workspace_rules(app: Flask) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("workspace."):
            yield rule


def url_of(rule: Rule) -> str:
    values = {name: SAMPLE_ARGUMENTS[name] for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def test_every_workspace_view_names_its_audience(app: Flask) -> None:
    undeclared = [
        rule.endpoint
        for rule in workspace_rules(app)
        if role_of(app.view_functions[rule.endpoint])
        not in (PUBLIC, ModeratorRole.ADMIN.value, ModeratorRole.MODERATOR.value)
    ]
    assert undeclared == []
    assert len(list(workspace_rules(app))) >= 5


def test_anonymous_visitors_get_the_sign_in_page(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client)
    for rule in workspace_rules(app):
        if role_of(app.view_functions[rule.endpoint]) == PUBLIC:
            continue
        url = url_of(rule)
        for method in sorted((rule.methods or set()) & ({"GET"} | UNSAFE)):
            data = {"csrf_token": token} if method in UNSAFE else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/moderate/login"), (method, url)
    page = client.get("/moderate/", follow_redirects=True)
    assert 'name="password"' in page.get_data(as_text=True)


def test_moderators_cannot_reach_admin_pages_or_actions(app: Flask) -> None:
    client = signed_in_client(app, "mona", ModeratorRole.MODERATOR)
    token = csrf_token(client, "/moderate/account")
    admin_rules = [
        rule
        for rule in workspace_rules(app)
        if role_of(app.view_functions[rule.endpoint]) == ModeratorRole.ADMIN.value
    ]
    for rule in admin_rules:
        url = url_of(rule)
        for method in sorted((rule.methods or set()) & ({"GET"} | UNSAFE)):
            data = {"csrf_token": token} if method in UNSAFE else None
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url, response.status_code)


def test_every_unsafe_route_refuses_a_missing_csrf_token(app: Flask) -> None:
    client = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    with app.app_context():
        audit_before = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    checked = 0
    for rule in workspace_rules(app):
        for method in sorted((rule.methods or set()) & UNSAFE):
            url = url_of(rule)
            for headers in ({}, {"X-CSRFToken": "forged"}):
                response = client.open(url, method=method, data={}, headers=headers)
                assert response.status_code == 400, (method, url, response.status_code)
            checked += 1
    assert checked >= 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == audit_before
    # Still signed in: the refused sign-out did not happen.
    assert client.get("/moderate/account").status_code == 200


def test_workspace_pages_carry_a_strict_content_security_policy(app: Flask) -> None:
    client = signed_in_client(app)
    for path in ("/moderate/login", "/moderate/", "/moderate/account"):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert policy == CONTENT_SECURITY_POLICY
        directives = dict(
            (part.split(" ", 1) + [""])[:2] for part in (p.strip() for p in policy.split(";"))
        )
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"
        assert "<script>" not in response.get_data(as_text=True)
        assert " style=" not in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/api/v1/x"])
def test_sign_in_never_redirects_outside_the_workspace(app: Flask, target: str) -> None:
    from tests.web.workspace import PASSWORD
    from tests.web.workspace import add_moderator

    email = add_moderator(app, "rita")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/moderate/login",
        query_string={"next": target},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/moderate/"
