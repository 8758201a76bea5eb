"""Signing in to the workspace from a test client, as a browser would (CSRF included)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services.ports import SystemClock

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


def add_moderator(
    app: Flask,
    name: str = "alice",
    role: ModeratorRole = ModeratorRole.MODERATOR,
    password: str = PASSWORD,
) -> str:
    """Create ``<name>@example.org`` with ``password``; returns the email."""
    email = f"{name}@example.org"
    with app.app_context():
        moderators.create_moderator(
            db.session,
            email,
            role=role,
            display_name=name.capitalize(),
            password=password,
            now=SystemClock().now(),
        )
        db.session.commit()
    return email


def csrf_token(client: FlaskClient, path: str = "/moderate/login") -> str:
    """The CSRF token of the client's session, as the page at ``path`` carries it."""
    page = client.get(path)
    found = _TOKEN.search(page.get_data(as_text=True))
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1)


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    token = csrf_token(client)
    response = client.post(
        "/moderate/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def signed_in_client(
    app: Flask, name: str = "alice", role: ModeratorRole = ModeratorRole.MODERATOR
) -> FlaskClient:
    client = app.test_client()
    sign_in(client, add_moderator(app, name, role))
    return client
