"""Admins invite people, change roles and deactivate accounts; each act is audited."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import Moderator
from moderation.models import ModeratorRole
from tests.helpers import moderator_token
from tests.web.workspace import csrf_token
from tests.web.workspace import sign_in
from tests.web.workspace import signed_in_client


def account(app: Flask, email: str) -> Moderator:
    with app.app_context():
        found = db.session.scalar(sa.select(Moderator).where(Moderator.email == email))
        assert found is not None
        db.session.expunge(found)
        return found


def test_an_invited_person_chooses_a_password_once_and_signs_in(app: Flask) -> None:
    admin = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    token = csrf_token(admin, "/moderate/moderators")
    page = admin.post(
        "/moderate/moderators",
        data={
            "email": "Nora@Example.org",
            "display_name": "Nora",
            "role": "moderator",
            "csrf_token": token,
        },
    ).get_data(as_text=True)
    link = re.search(r'value="(http[^"]+/moderate/invitation/[^"]+)"', page)
    assert link, page
    path = link.group(1).split("127.0.0.1:5000", 1)[1]
    nora = app.test_client()
    form = nora.get(path)
    assert form.status_code == 200
    assert "nora@example.org" in form.get_data(as_text=True)
    new_password = "nora chooses a long password"
    done = nora.post(
        path, data={"new_password": new_password, "csrf_token": csrf_token(nora, path)}
    )
    assert "Vous pouvez maintenant vous connecter" in done.get_data(as_text=True)
    # The link is used up.
    assert nora.get(path).status_code == 404
    sign_in(nora, "nora@example.org", new_password)
    assert nora.get("/moderate/").status_code == 200
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "moderator_invited" in actions
    assert "invitation_accepted" in actions


def test_a_forged_or_expired_invitation_is_refused(app: Flask) -> None:
    client = app.test_client()
    for token in ("1.99999999999.abc", "x", "1.1.0000"):
        assert client.get(f"/moderate/invitation/{token}").status_code == 404


def test_inviting_a_taken_address_says_so_next_to_the_field(app: Flask) -> None:
    admin = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    token = csrf_token(admin, "/moderate/moderators?lang=en")
    response = admin.post(
        "/moderate/moderators",
        data={"email": "ada@example.org", "role": "admin", "csrf_token": token},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "An account already uses this address." in page
    assert 'aria-invalid="true"' in page


def test_admins_change_roles_but_never_remove_the_last_admin(app: Flask) -> None:
    admin = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    token = csrf_token(admin, "/moderate/moderators")
    me = account(app, "ada@example.org")
    refused = admin.post(
        f"/moderate/moderators/{me.id}/role", data={"role": "moderator", "csrf_token": token}
    )
    assert refused.status_code == 409
    assert account(app, "ada@example.org").role is ModeratorRole.ADMIN
    moderator_token(app, "bob")
    bob = account(app, "bob@example.org")
    promoted = admin.post(
        f"/moderate/moderators/{bob.id}/role", data={"role": "admin", "csrf_token": token}
    )
    assert promoted.status_code == 200
    assert account(app, "bob@example.org").role is ModeratorRole.ADMIN
    # With a second admin, ada may step down.
    admin.post(
        f"/moderate/moderators/{me.id}/role", data={"role": "moderator", "csrf_token": token}
    )
    assert account(app, "ada@example.org").role is ModeratorRole.MODERATOR
    assert admin.get("/moderate/moderators").status_code == 403


def test_deactivating_ends_sessions_and_tokens_at_once(app: Flask) -> None:
    admin = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    mona = signed_in_client(app, "mona")
    api_token = moderator_token(app, "mona")
    headers = {"Authorization": f"Bearer {api_token}"}
    assert app.test_client().get("/api/v1/moderation/comments", headers=headers).status_code == 200
    target = account(app, "mona@example.org")
    token = csrf_token(admin, "/moderate/moderators")
    admin.post(f"/moderate/moderators/{target.id}/deactivate", data={"csrf_token": token})
    assert mona.get("/moderate/").status_code == 302
    assert app.test_client().get("/api/v1/moderation/comments", headers=headers).status_code == 401
    assert account(app, "mona@example.org").is_active is False
    admin.post(f"/moderate/moderators/{target.id}/reactivate", data={"csrf_token": token})
    assert account(app, "mona@example.org").is_active is True
    with app.app_context():
        rows = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.moderator_id, AuditEntry.subject_moderator_id)
            .where(AuditEntry.action.in_(["moderator_deactivated", "moderator_reactivated"]))
            .order_by(AuditEntry.id)
        ).all()
    ada = account(app, "ada@example.org")
    assert [tuple(r) for r in rows] == [
        ("moderator_deactivated", ada.id, target.id),
        ("moderator_reactivated", ada.id, target.id),
    ]
