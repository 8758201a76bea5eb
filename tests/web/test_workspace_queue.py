"""The queue pages: tabs and counts, items, search, and every decision, through the pages."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Article
from moderation.models import AuditEntry
from moderation.models import BlockRule
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.models import ModeratorRole
from moderation.models import Report
from moderation.models import ReportReason
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status
from tests.helpers import status_of
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client

FETCH = {"X-Requested-With": "fetch"}
LONG_AGO = dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)


def held(app: Flask, client: FlaskClient, count: int, **fields: object) -> list[str]:
    ids = []
    for n in range(count):
        public_id = post(client, **fields)
        set_status(app, public_id, CommentStatus.HELD)
        set_created_at(app, public_id, LONG_AGO + dt.timedelta(minutes=n))
        ids.append(public_id)
    return ids


def decide(client: FlaskClient, public_id: str, **data: str) -> dict[str, object]:
    token = csrf_token(client, "/moderate/account")
    response = client.post(
        f"/moderate/comments/{public_id}/decision",
        data={"csrf_token": token, **data},
        headers=FETCH,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()  # type: ignore[no-any-return]


def test_review_queue_shows_held_items_oldest_first_with_counts(app: Flask) -> None:
    add_article(app)
    public = app.test_client()
    ids = held(app, public, 3)
    moderator = signed_in_client(app)
    page = moderator.get("/moderate/?lang=en").get_data(as_text=True)
    positions = [page.index(f'id="c-{public_id}"') for public_id in ids]
    assert positions == sorted(positions)
    assert 'data-count="review">3<' in page
    assert "Oldest waiting:" in page
    counts = moderator.get("/moderate/queue/counts").get_json()
    assert counts["tabs"]["review"] == 3
    assert counts["tabs"]["all"] == 3


def test_the_email_is_masked_until_revealed_and_the_reveal_is_audited(app: Flask) -> None:
    add_article(app)
    [public_id] = held(app, app.test_client(), 1, email="camille.secret@example.org")
    moderator = signed_in_client(app)
    page = moderator.get("/moderate/").get_data(as_text=True)
    assert "camille.secret@example.org" not in page
    assert "c•••@example.org" in page
    token = csrf_token(moderator, "/moderate/account")
    revealed = moderator.post(
        f"/moderate/comments/{public_id}/reveal", data={"csrf_token": token}, headers=FETCH
    ).get_json()
    assert revealed == {"email": "camille.secret@example.org"}
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "email_revealed")
        )
        assert entry is not None
        assert entry.comment_id is not None
        assert "camille" not in str(entry.details)


def test_approving_from_the_page_logs_the_moderator_and_resolves_reports(app: Flask) -> None:
    add_article(app)
    [public_id] = held(app, app.test_client(), 1)
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
        db.session.add(
            Report(
                comment_id=comment_id,
                reason=ReportReason.ABUSIVE,
                reporter_hash="r1",
                created_at=LONG_AGO,
            )
        )
        db.session.commit()
    moderator = signed_in_client(app, "alice")
    body = decide(moderator, public_id, action="approve")
    assert body["changed"] == [public_id]
    assert body["counts"]["tabs"]["review"] == 0  # type: ignore[index]
    assert status_of(app, public_id) is CommentStatus.APPROVED
    with app.app_context():
        decision = db.session.scalar(sa.select(ModerationDecision))
        assert decision is not None
        assert decision.actor == "Alice"
        assert decision.moderator_id is not None
        assert db.session.scalar(sa.select(Report.resolved_at)) is not None


def test_rejecting_records_the_reason_and_the_canned_explanation(app: Flask) -> None:
    add_article(app)
    [public_id] = held(app, app.test_client(), 1)
    admin = signed_in_client(app, "ada", ModeratorRole.ADMIN)
    token = csrf_token(admin, "/moderate/explanations")
    saved = admin.post(
        "/moderate/explanations",
        data={
            "csrf_token": token,
            "hate_speech-text_fr": "Propos haineux : retiré.",
            "hate_speech-text_en": "Hate speech: removed.",
        },
    )
    assert saved.status_code == 200
    decide(admin, public_id, action="reject", reason="hate_speech", explain="y", language="en")
    with app.app_context():
        reasons = db.session.scalar(sa.select(ModerationDecision.reasons))
    assert reasons is not None
    params = reasons[0]["params"]
    assert params["rejection_reason"] == "hate_speech"
    assert params["explanation"] == "Hate speech: removed."
    assert params["explanation_language"] == "en"


def test_bulk_decisions_change_only_the_selected_comments(app: Flask) -> None:
    add_article(app)
    ids = held(app, app.test_client(), 4)
    moderator = signed_in_client(app)
    token = csrf_token(moderator, "/moderate/account")
    response = moderator.post(
        "/moderate/decisions/bulk",
        data={"csrf_token": token, "action": "spam", "ids": ids[:3]},
        headers=FETCH,
    )
    assert sorted(response.get_json()["changed"]) == sorted(ids[:3])
    assert [status_of(app, i) for i in ids] == [CommentStatus.SPAM] * 3 + [CommentStatus.HELD]
    with app.app_context():
        batches = db.session.scalars(sa.select(ModerationDecision.batch_id)).all()
    assert len(set(batches)) == 1


def test_undo_reverts_the_whole_last_action_and_only_that(app: Flask) -> None:
    add_article(app)
    ids = held(app, app.test_client(), 3)
    moderator = signed_in_client(app)
    decide(moderator, ids[0], action="approve")
    token = csrf_token(moderator, "/moderate/account")
    moderator.post(
        "/moderate/decisions/bulk",
        data={"csrf_token": token, "action": "reject", "ids": ids[1:]},
        headers=FETCH,
    )
    undone = moderator.post("/moderate/undo", data={"csrf_token": token}, headers=FETCH).get_json()
    assert sorted(undone["changed"]) == sorted(ids[1:])
    assert [status_of(app, i) for i in ids] == [CommentStatus.APPROVED] + [CommentStatus.HELD] * 2
    # A second undo goes one action further back, never re-applies the first undo.
    again = moderator.post("/moderate/undo", data={"csrf_token": token}, headers=FETCH).get_json()
    assert again["changed"] == [ids[0]]
    assert status_of(app, ids[0]) is CommentStatus.HELD
    # Another moderator's undo does not touch alice's actions.
    other = signed_in_client(app, "bob")
    token = csrf_token(other, "/moderate/account")
    nothing = other.post("/moderate/undo", data={"csrf_token": token}, headers=FETCH).get_json()
    assert nothing["changed"] == []


def test_search_finds_by_text_author_email_and_article(app: Flask) -> None:
    add_article(app, "a1")
    add_article(app, "budget")
    public = app.test_client()
    [tram] = held(app, public, 1, body="Le tramway arrive enfin dans le quartier.")
    [zoe] = held(app, public, 1, author_name="Zoé Martin", email="zoe@example.org")
    [budget] = held(app, public, 1, key="budget")
    add_article(app, "budget-vote")
    [vote] = held(app, public, 1, key="budget-vote")
    moderator = signed_in_client(app)

    def found(**query: str) -> set[str]:
        page = moderator.get("/moderate/", query_string={"tab": "all", **query})
        html = page.get_data(as_text=True)
        return {i for i in (tram, zoe, budget, vote) if f'id="c-{i}"' in html}

    assert found(q="TRAMWAY") == {tram}
    assert found(author_name="zoé") == {zoe}
    assert found(email="ZOE@example.org") == {zoe}
    # An article's key (the links from its page) names that article alone; other text
    # is looked for in the titles.
    assert found(article="budget") == {budget}
    assert found(article="vote") == {vote}
    assert found(article="TITRE") == {tram, zoe, budget, vote}
    assert found(article="aucun") == set()
    assert found(q="100%_") == set()
    # An invalid filter is named next to its field and ignored.
    page = moderator.get("/moderate/", query_string={"score_min": "lots", "lang": "en"})
    assert "Enter a number between 0 and 1." in page.get_data(as_text=True)


def test_blocking_an_author_rejects_their_waiting_comments(app: Flask) -> None:
    add_article(app)
    public = app.test_client()
    ids = held(app, public, 2, email="troll@example.org")
    [other] = held(app, public, 1, email="someone@example.org")
    moderator = signed_in_client(app)
    token = csrf_token(moderator, "/moderate/account")
    response = moderator.post(
        f"/moderate/comments/{ids[0]}/author",
        data={
            "csrf_token": token,
            "what": "block",
            "scope": "email",
            "days": "7",
            "reject_waiting": "1",
        },
        headers=FETCH,
    )
    assert sorted(response.get_json()["changed"]) == sorted(ids)
    assert status_of(app, other) is CommentStatus.HELD
    with app.app_context():
        rule = db.session.scalar(sa.select(BlockRule))
        assert rule is not None
        assert (rule.kind, rule.action) == ("email", "reject")
        assert "troll" not in rule.value
        assert rule.expires_at is not None


def test_article_notes_show_on_every_item_of_the_article(app: Flask) -> None:
    add_article(app)
    ids = held(app, app.test_client(), 2)
    moderator = signed_in_client(app)
    token = csrf_token(moderator, "/moderate/account")
    moderator.post(
        "/moderate/articles/a1/note",
        data={"csrf_token": token, "note": "Sujet sensible : procès en cours"},
        headers=FETCH,
    )
    page = moderator.get("/moderate/").get_data(as_text=True)
    assert page.count("Sujet sensible : procès en cours") >= len(ids)
    with app.app_context():
        assert db.session.scalar(sa.select(Article.moderator_note)) == (
            "Sujet sensible : procès en cours"
        )


def test_pending_comments_join_the_review_queue_after_a_few_seconds(app: Flask) -> None:
    add_article(app)
    public = app.test_client()
    fresh = post(public)
    old = post(public)
    set_created_at(app, old, LONG_AGO)
    moderator = signed_in_client(app)
    page = moderator.get("/moderate/").get_data(as_text=True)
    assert f'id="c-{old}"' in page
    assert f'id="c-{fresh}"' not in page


def test_the_comment_page_shows_its_history_and_rendered_body(app: Flask) -> None:
    add_article(app)
    [public_id] = held(app, app.test_client(), 1)
    moderator = signed_in_client(app)
    decide(moderator, public_id, action="approve")
    page = moderator.get(f"/moderate/comments/{public_id}?lang=en").get_data(as_text=True)
    assert "As readers see it" in page
    assert "Moderator decision" in page
    fragment = moderator.get(f"/moderate/comments/{public_id}/explanation").get_data(as_text=True)
    assert "Alice" in fragment


def test_a_campaign_shows_as_one_group_and_is_decided_at_once(app: Flask) -> None:
    from moderation.models import Campaign

    add_article(app)
    public = app.test_client()
    members = held(app, public, 4)
    [alone] = held(app, public, 1)
    with app.app_context():
        campaign = Campaign(fingerprint=1, created_at=LONG_AGO)
        db.session.add(campaign)
        db.session.flush()
        campaign_id = campaign.id
        db.session.execute(
            sa.update(Comment).where(Comment.public_id.in_(members)).values(campaign_id=campaign_id)
        )
        db.session.commit()
    moderator = signed_in_client(app)
    page = moderator.get("/moderate/").get_data(as_text=True)
    assert [f'id="c-{i}"' in page for i in members] == [True, False, False, False]
    assert f'id="c-{alone}"' in page
    assert "Campagne : 4 commentaires semblables dans cette file" in page
    listing = moderator.get("/moderate/", query_string={"campaign": campaign_id})
    assert all(f'id="c-{i}"' in listing.get_data(as_text=True) for i in members)
    token = csrf_token(moderator, "/moderate/account")
    response = moderator.post(
        f"/moderate/campaigns/{campaign_id}/decision",
        data={"csrf_token": token, "action": "spam"},
        headers=FETCH,
    )
    assert sorted(response.get_json()["changed"]) == sorted(members)
    assert [status_of(app, i) for i in (*members, alone)] == [CommentStatus.SPAM] * 4 + [
        CommentStatus.HELD
    ]


def test_keeping_a_reported_comment_dismisses_its_reports(app: Flask) -> None:
    add_article(app)
    public_id = post(app.test_client())
    set_status(app, public_id, CommentStatus.APPROVED)
    with app.app_context():
        comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
        db.session.add(
            Report(
                comment_id=comment_id,
                reason=ReportReason.SPAM,
                reporter_hash="r1",
                created_at=LONG_AGO,
            )
        )
        db.session.commit()
    moderator = signed_in_client(app)
    page = moderator.get("/moderate/", query_string={"tab": "reported"}).get_data(as_text=True)
    assert f'id="c-{public_id}"' in page
    body = decide(moderator, public_id, action="approve")
    assert body["counts"]["tabs"]["reported"] == 0  # type: ignore[index]
    assert status_of(app, public_id) is CommentStatus.APPROVED
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ModerationDecision.id))) == 0
        assert (
            db.session.scalar(
                sa.select(AuditEntry.action).where(AuditEntry.action == "reports_dismissed")
            )
            == "reports_dismissed"
        )
    # Without open reports, approving an approved comment is still refused.
    token = csrf_token(moderator, "/moderate/account")
    again = moderator.post(
        f"/moderate/comments/{public_id}/decision",
        data={"csrf_token": token, "action": "approve"},
        headers=FETCH,
    )
    assert again.status_code == 409
