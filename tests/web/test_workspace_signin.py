"""Signing in to the workspace: throttling, uniform refusals, cookies and revocation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import ModeratorRole
from moderation.models import ModeratorSession
from moderation.services import moderators
from tests.backends import Backend
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.web.workspace import PASSWORD
from tests.web.workspace import add_moderator
from tests.web.workspace import csrf_token
from tests.web.workspace import sign_in

COOKIE = "moderation"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def timed_app(settings: Settings, backend: Backend, clock: FrozenClock) -> Iterator[Flask]:
    app = build_app(settings, clock=clock)
    yield app
    _clean(app, backend)


def attempt(client: FlaskClient, email: str, password: str, ip: str = "192.0.2.1") -> str:
    token = csrf_token(client)
    response = client.post(
        "/moderate/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": ip},
    )
    if response.status_code == 302:
        return "signed in"
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    start = page.index('id="login-error">') + len('id="login-error">')
    return page[start : page.index("</p>", start)]


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None
    thief.set_cookie(COOKIE, cookie.value)
    return thief


def test_signing_in_opens_the_queue_with_a_new_session_cookie(app: Flask) -> None:
    email = add_moderator(app, "alice")
    client = app.test_client()
    csrf_token(client)
    before = client.get_cookie(COOKIE)
    assert before is not None
    sign_in(client, email)
    after = client.get_cookie(COOKIE)
    assert after is not None
    assert after.value != before.value
    assert client.get("/moderate/").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModeratorSession.id))) == 1
    # Signing in again from another browser is another session, with another id.
    other = app.test_client()
    sign_in(other, email)
    with app.app_context():
        hashes = db.session.scalars(sa.select(ModeratorSession.token_hash)).all()
    assert len(set(hashes)) == 2


def test_unknown_account_and_wrong_password_get_the_same_words(app: Flask) -> None:
    email = add_moderator(app, "alice")
    client = app.test_client()
    wrong = attempt(client, email, "not the password at all")
    unknown = attempt(client, "nobody@example.org", "not the password at all")
    no_password = attempt(client, add_moderator_without_password(app), "whatever it is")
    assert wrong == unknown == no_password
    assert "incorrect" in wrong  # French by default
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert entries.count("sign_in_failed") == 3


def add_moderator_without_password(app: Flask) -> str:
    from moderation.services.ports import SystemClock

    with app.app_context():
        moderators.create_moderator(
            db.session, "pending@example.org", role=ModeratorRole.MODERATOR, now=SystemClock().now()
        )
        db.session.commit()
    return "pending@example.org"


def test_unknown_accounts_pay_the_same_hashing_cost() -> None:
    # The refusal of an unknown account verifies a dummy hash made with the very
    # parameters of real ones, so both answers cost one argon2id verification.
    assert moderators.dummy_hash_is_current()


def test_ten_failures_lock_the_account_for_fifteen_minutes_from_any_address(
    timed_app: Flask, clock: FrozenClock
) -> None:
    email = add_moderator(timed_app, "alice")
    client = timed_app.test_client()
    refusals = {attempt(client, email, f"guess {n}", ip=f"198.51.100.{n}") for n in range(9)}
    assert len(refusals) == 1
    locked = attempt(client, email, "guess 9", ip="203.0.113.9")
    assert locked != refusals.pop()
    assert "15 minutes" in locked
    # Locked even with the right password, from a new address.
    assert attempt(client, email, PASSWORD, ip="203.0.113.200") == locked
    clock.advance(minutes=14, seconds=59)
    assert attempt(client, email, PASSWORD, ip="203.0.113.201") == locked
    clock.advance(seconds=2)
    assert attempt(client, email, PASSWORD) == "signed in"


def test_an_unknown_address_is_locked_exactly_like_a_real_account(timed_app: Flask) -> None:
    real = add_moderator(timed_app, "alice")
    client = timed_app.test_client()
    real_answers = [attempt(client, real, f"guess {n}") for n in range(11)]
    unknown_answers = [attempt(client, "ghost@example.org", f"guess {n}") for n in range(11)]
    assert real_answers == unknown_answers


def test_failures_long_apart_do_not_add_up(timed_app: Flask, clock: FrozenClock) -> None:
    email = add_moderator(timed_app, "alice")
    client = timed_app.test_client()
    for n in range(9):
        attempt(client, email, f"guess {n}")
    clock.advance(minutes=16)
    attempt(client, email, "one more typo")
    assert attempt(client, email, PASSWORD) == "signed in"


def test_production_session_cookie_is_secure_host_only_and_lax(
    settings: Settings, backend: Backend
) -> None:
    app = build_app(settings.replace(env="production"))
    try:
        email = add_moderator(app, "alice")
        client = app.test_client()
        base = "https://moderation.example"
        page = client.get("/moderate/login", base_url=base)
        token = page.get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
        response = client.post(
            "/moderate/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token},
            headers={"Referer": f"{base}/moderate/login"},
            base_url=base,
        )
        assert response.status_code == 302
        [cookie] = [v for k, v in response.headers.items() if k == "Set-Cookie"]
        assert cookie.startswith("__Host-moderation=")
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite", "path"} <= attributes
        assert "samesite=lax" in cookie.lower()
        assert "domain" not in attributes
    finally:
        _clean(app, backend)


def test_signing_out_ends_the_session_for_every_copy_of_the_cookie(app: Flask) -> None:
    email = add_moderator(app, "alice")
    client = app.test_client()
    sign_in(client, email)
    thief = copy_of(client, app)
    assert thief.get("/moderate/account").status_code == 200
    token = csrf_token(client, "/moderate/account")
    assert client.post("/moderate/logout", data={"csrf_token": token}).status_code == 302
    for browser in (client, thief):
        response = browser.get("/moderate/account")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/moderate/login")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModeratorSession.id))) == 0


def test_changing_the_password_ends_every_other_session(app: Flask) -> None:
    email = add_moderator(app, "alice")
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, email)
    sign_in(phone, email)
    stolen = copy_of(phone, app)
    token = csrf_token(laptop, "/moderate/account")
    new = "a much longer new passphrase"
    refused = laptop.post(
        "/moderate/account",
        data={"current_password": "wrong one", "new_password": new, "csrf_token": token},
    )
    assert "Ce n’est pas votre mot de passe actuel." in refused.get_data(as_text=True)
    assert phone.get("/moderate/account").status_code == 200
    changed = laptop.post(
        "/moderate/account",
        data={"current_password": PASSWORD, "new_password": new, "csrf_token": token},
    )
    assert changed.status_code == 200
    assert "Votre mot de passe a été changé" in changed.get_data(as_text=True)
    assert laptop.get("/moderate/account").status_code == 200
    assert phone.get("/moderate/account").status_code == 302
    assert stolen.get("/moderate/account").status_code == 302
    assert attempt(app.test_client(), email, PASSWORD) != "signed in"
    assert attempt(app.test_client(), email, new) == "signed in"


def test_a_short_new_password_is_refused_field_by_field(app: Flask) -> None:
    email = add_moderator(app, "alice")
    client = app.test_client()
    sign_in(client, email)
    token = csrf_token(client, "/moderate/account?lang=en")
    page = client.post(
        "/moderate/account",
        data={"current_password": PASSWORD, "new_password": "short", "csrf_token": token},
    ).get_data(as_text=True)
    assert "This field must be at least 12 characters long." in page
    assert 'id="new_password-error"' in page


def test_sessions_end_after_the_idle_time(
    timed_app: Flask, clock: FrozenClock, settings: Settings
) -> None:
    email = add_moderator(timed_app, "alice")
    client = timed_app.test_client()
    sign_in(client, email)
    clock.advance(minutes=settings.session_idle_minutes - 1)
    assert client.get("/moderate/account").status_code == 200
    clock.advance(minutes=settings.session_idle_minutes + 1)
    assert client.get("/moderate/account").status_code == 302


def test_sessions_end_after_their_lifetime_even_when_busy(
    timed_app: Flask, clock: FrozenClock, settings: Settings
) -> None:
    email = add_moderator(timed_app, "alice")
    client = timed_app.test_client()
    sign_in(client, email)
    for _ in range(int(settings.session_hours)):
        clock.advance(minutes=59)
        assert client.get("/moderate/account").status_code == 200
    clock.advance(hours=1)
    assert client.get("/moderate/account").status_code == 302


def test_script_requests_of_a_signed_out_browser_get_401_not_a_redirect(app: Flask) -> None:
    response = app.test_client().get("/moderate/", headers={"X-Requested-With": "fetch"})
    assert response.status_code == 401
    assert response.get_json()["error"] == "signed_out"
