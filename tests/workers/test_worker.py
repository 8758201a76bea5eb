"""End to end through a real Celery worker process: post, and see the decision."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.processes import Process

pytestmark = pytest.mark.slow


def wait_decided(client: FlaskClient, public_id: str, timeout: float = 30) -> dict[str, object]:
    # The moderators' view: the public one shows only approved comments.
    token = {"Authorization": f"Bearer {moderator_token(client.application, 'watcher')}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = client.get(f"/api/v1/moderation/comments/{public_id}", headers=token).get_json()
        if data["status"] != "pending":
            return dict(data)
        time.sleep(0.1)
    raise AssertionError(f"comment {public_id} still pending after {timeout}s")


def test_worker_decides_comments_with_reasons(
    app: Flask, client: FlaskClient, worker: Process
) -> None:
    add_article(app)
    clean = post(client, body="Article passionnant, merci à la rédaction.")
    insult = post(client, body="Franchement, quel connard ce maire.")
    links = post(client, body="Sources : https://a.example/1 et https://b.example/2")
    assert wait_decided(client, clean)["status"] == "approved"
    assert wait_decided(client, insult)["status"] == "rejected"
    assert wait_decided(client, links)["status"] == "held"
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    detail = client.get(f"/api/v1/moderation/comments/{insult}", headers=token).get_json()
    [reason] = detail["reasons"]
    assert reason["rule"] == "banned_word"
    start, end = reason["spans"][0]
    assert detail["body_text"][start:end] == "connard"
    assert detail["log"][0]["actor"] == "system"
    held = client.get(f"/api/v1/moderation/comments/{links}", headers=token).get_json()
    assert held["reasons"][0]["code"] == "too_many_links"
    thread = client.get("/api/v1/articles/a1/comments").get_json()
    assert [c["id"] for c in thread["comments"]] == [clean]


def test_duplicate_deliveries_change_the_comment_once(
    app: Flask, client: FlaskClient, worker: Process
) -> None:
    import sqlalchemy as sa

    from moderation import tasks
    from moderation.db import db
    from moderation.models import Comment
    from moderation.models import ModerationDecision

    add_article(app)
    public_id = post(client, body="Un avis mesuré sur la question.")
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
    publisher = app.extensions["moderation.deps"].publisher
    for _ in range(4):
        publisher.publish(tasks.TASK_CLASSIFY_COMMENT, {"comment_id": comment_id})
    assert wait_decided(client, public_id)["status"] == "approved"
    worker.wait_for_log("succeeded", timeout=30, count=5)
    with app.app_context():
        decisions = db.session.scalars(
            sa.select(ModerationDecision).where(ModerationDecision.comment_id == comment_id)
        ).all()
    assert [(d.from_status.value, d.to_status.value) for d in decisions] == [
        ("pending", "approved")
    ]


def test_worker_applies_automatic_moderation_with_explained_reasons(
    app: Flask, client: FlaskClient, worker: Process
) -> None:
    from moderation.models import CommentStatus
    from tests.helpers import set_status

    for key in ("a1", "a2", "a3", "a4"):
        add_article(app, key)
    token = {"Authorization": f"Bearer {moderator_token(app)}"}
    # A trusted author: five approved comments already.
    for _ in range(5):
        set_status(app, post(client, email="fidele@example.org"), CommentStatus.APPROVED)
    trusted = post(
        client,
        email="fidele@example.org",
        body="Voir https://www.insee.fr/fr/statistiques et https://www.vie-publique.fr",
    )
    # A spam campaign: the same long text by different authors on several articles.
    text = (
        "Gagnez de l'argent facilement depuis chez vous grâce à notre méthode secrète, "
        "inscrivez-vous vite sur notre site avant qu'il ne soit trop tard"
    )
    copies = []
    for i in range(4):
        copies.append(post(client, f"a{i + 1}", email=f"bot{i}@example.org", body=text))
        wait_decided(client, copies[-1])
    borderline = post(
        client,
        email="fort@example.org",
        body="CE CONSEIL MUNICIPAL SE MOQUE VRAIMENT DE NOUS TOUS, QUELLE HONTE !",
    )
    assert wait_decided(client, trusted)["status"] == "approved"
    assert wait_decided(client, borderline)["status"] == "held"
    assert wait_decided(client, copies[-1])["status"] == "spam"

    def detail(public_id: str) -> dict[str, object]:
        response = client.get(
            f"/api/v1/moderation/comments/{public_id}", headers={**token, "Accept-Language": "fr"}
        )
        return dict(response.get_json())

    trusted_detail = detail(trusted)
    assert "trusted_author" in [r["code"] for r in trusted_detail["reasons"]]  # type: ignore[attr-defined]
    spam = detail(copies[-1])
    assert spam["campaign_id"] is not None
    assert str(spam["summary"]).startswith("Campagne :")
    campaign = client.get(
        f"/api/v1/moderation/comments?campaign={spam['campaign_id']}", headers=token
    ).get_json()
    assert {c["id"] for c in campaign["comments"]} == set(copies)
    held = detail(borderline)
    assert held["summary"] == "Écrit en majuscules (100 % des lettres)"
