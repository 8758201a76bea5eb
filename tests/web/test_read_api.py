"""Public reads: threads, counts, one comment's status; caching and conditional requests."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from moderation.models import CommentStatus
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import post_receipt
from tests.helpers import read_own
from tests.helpers import set_status


def approved(app: Flask, client: FlaskClient, key: str = "a1", **fields: object) -> str:
    public_id = post(client, key, **fields)
    set_status(app, public_id, CommentStatus.APPROVED)
    return public_id


def test_thread_lists_only_approved_comments_threaded(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    root = approved(app, client, body="Premier")
    reply = approved(app, client, body="Réponse", parent_id=root, website="https://blog.example")
    post(client, body="En attente")
    held = post(client, body="Retenu")
    set_status(app, held, CommentStatus.HELD)
    data = client.get(URL.format(key="a1")).get_json()
    assert data["total"] == 2
    assert data["article"] == {
        "key": "a1",
        "title": "Titre a1",
        "url": "https://www.journal.example/a1",
        "is_open": True,
    }
    [top] = data["comments"]
    assert top["id"] == root
    assert top["parent_id"] is None
    assert top["reply_count"] == 1
    assert top["html"] == "<p>Premier</p>"
    [child] = top["replies"]
    assert child["id"] == reply
    assert child["parent_id"] == root
    assert child["website"] == "https://blog.example"
    assert set(child) == {
        "id",
        "parent_id",
        "parent_removed",
        "author_name",
        "website",
        "html",
        "created_at",
        "reply_count",
        "replies",
    }


def test_thread_sorts_and_paginates_top_level_comments(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    ids = [approved(app, client, body=f"Commentaire {i}") for i in range(5)]
    first = client.get(URL.format(key="a1") + "?limit=2").get_json()
    assert [c["id"] for c in first["comments"]] == ids[:2]
    second = client.get(URL.format(key="a1") + f"?limit=2&cursor={first['next_cursor']}")
    assert [c["id"] for c in second.get_json()["comments"]] == ids[2:4]
    third = client.get(
        URL.format(key="a1") + f"?limit=2&cursor={second.get_json()['next_cursor']}"
    ).get_json()
    assert [c["id"] for c in third["comments"]] == ids[4:]
    assert third["next_cursor"] is None
    assert third["total"] == 5
    newest = client.get(URL.format(key="a1") + "?sort=newest&limit=3").get_json()
    assert [c["id"] for c in newest["comments"]] == ids[::-1][:3]


def test_thread_rejects_bad_parameters(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    for query in (
        "?sort=random",
        "?limit=0",
        "?limit=abc",
        "?cursor=%%%",
        "?cursor=eyJhZnRlciI6OTl9",
    ):
        response = client.get(URL.format(key="a1") + query)
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_thread_of_unknown_article_is_404(client: FlaskClient) -> None:
    assert client.get(URL.format(key="inconnu")).status_code == 404


def test_thread_answers_304_to_a_matching_etag(app: Flask, client: FlaskClient) -> None:
    add_article(app)
    approved(app, client)
    first = client.get(URL.format(key="a1"))
    etag = first.headers["ETag"]
    again = client.get(URL.format(key="a1"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_thread_and_counts_change_when_a_moderator_approves(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    approved(app, client)
    waiting = post(client, body="Bientôt visible")
    before = client.get(URL.format(key="a1"))
    counts_before = client.get("/api/v1/counts?article=a1").get_json()
    assert before.get_json()["total"] == 1
    assert counts_before["counts"] == {"a1": 1}
    token = moderator_token(app)
    decided = client.post(
        f"/api/v1/moderation/comments/{waiting}/decision",
        json={"action": "approve"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert decided.status_code == 200
    after = client.get(URL.format(key="a1"), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.get_json()["total"] == 2
    assert client.get("/api/v1/counts?article=a1").get_json()["counts"] == {"a1": 2}


def test_counts_for_many_articles_in_one_request(app: Flask, client: FlaskClient) -> None:
    for key in ("a1", "a2", "a3"):
        add_article(app, key)
    approved(app, client, "a1")
    approved(app, client, "a1")
    approved(app, client, "a3")
    post(client, "a2")
    response = client.get("/api/v1/counts?article=a1&article=a2&article=a3&article=zz")
    assert response.get_json() == {"counts": {"a1": 2, "a2": 0, "a3": 1, "zz": 0}}
    assert client.get("/api/v1/counts").status_code == 422
    too_many = "&".join(f"article=k{i}" for i in range(101))
    assert client.get(f"/api/v1/counts?{too_many}").status_code == 422


def test_comment_status_follows_the_decision_for_its_author(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app)
    receipt = post_receipt(client)
    data = read_own(client, receipt)
    assert data is not None
    assert data["status"] == "pending"
    assert data["decided_at"] is None
    assert "email" not in data
    assert "ip" not in data
    set_status(app, receipt["id"], CommentStatus.REJECTED)
    after = read_own(client, receipt)
    assert after is not None
    assert after["status"] == "rejected"
    assert client.get("/api/v1/comments/does-not-exist").status_code == 404
