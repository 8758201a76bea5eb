"""The admin pages through the browser's requests: articles, settings, lists, log, stats."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Article
from moderation.models import AuditEntry
from moderation.models import BlockRule
from moderation.models import CommentStatus
from moderation.models import Event
from moderation.models import ModeratorRole
from moderation.models import SiteSetting
from moderation.models import WordListEntry
from moderation.services import privacy
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_status
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client

PAGES = ("/moderate/articles", "/moderate/settings", "/moderate/lists", "/moderate/log")


def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "ada", ModeratorRole.ADMIN)


def send(client: FlaskClient, path: str, **data: str) -> tuple[int, str]:
    token = csrf_token(client, "/moderate/account")
    response = client.post(path, data={"csrf_token": token, **data})
    return response.status_code, response.get_data(as_text=True)


def audit_actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_every_admin_page_renders_in_both_languages(app: Flask) -> None:
    add_article(app)
    client = admin(app)
    headings = {
        "fr": ("Articles", "Réglages", "Liste de mots", "Journal de modération"),
        "en": ("Articles", "Settings", "Word list", "Moderation log"),
    }
    for lang, words in headings.items():
        for path, word in zip(PAGES, words, strict=True):
            response = client.get(f"{path}?lang={lang}")
            assert response.status_code == 200, path
            assert word in response.get_data(as_text=True), (lang, path)
    for days in (7, 30, 90):
        assert client.get(f"/moderate/stats?days={days}").status_code == 200


def test_moderators_are_refused_every_admin_page(app: Flask) -> None:
    client = signed_in_client(app, "mona", ModeratorRole.MODERATOR)
    for path in (*PAGES, "/moderate/stats", "/moderate/lists/words.txt"):
        assert client.get(path).status_code == 403, path


def test_settings_are_saved_audited_and_refused_field_by_field(app: Flask) -> None:
    client = admin(app)
    status, page = send(client, "/moderate/settings?lang=en", max_links="4", premoderation="all")
    assert status == 200
    assert "The settings are saved." in page
    assert 'value="4"' in page
    with app.app_context():
        assert db.session.get(SiteSetting, "max_links").value == 4  # type: ignore[union-attr]
    assert audit_actions(app)[-1] == "settings_changed"
    status, page = send(client, "/moderate/settings?lang=fr", max_links="zéro", surge_factor="0")
    assert status == 422
    assert "Saisissez un nombre entier." in page
    assert "Saisissez une valeur entre 1 et 100." in page
    assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get(SiteSetting, "max_links").value == 4  # type: ignore[union-attr]


def test_articles_are_searched_and_link_to_their_comments(app: Flask) -> None:
    add_article(app, "budget-2027", title="Le budget de la ville")
    add_article(app, "sport", title="Match du dimanche")
    public = app.test_client()
    set_status(app, post(public, "budget-2027"), CommentStatus.HELD)
    client = admin(app)
    page = client.get("/moderate/articles?q=budget&lang=en").get_data(as_text=True)
    assert "Le budget de la ville" in page
    assert "Match du dimanche" not in page
    assert "/moderate/?tab=review&amp;article=budget-2027" in page
    assert "1 waiting on Le budget de la ville" in page


def test_an_article_is_closed_premoderated_and_renamed_with_one_audit_entry(app: Flask) -> None:
    add_article(app, "a1")
    client = admin(app)
    status, page = send(
        client,
        "/moderate/articles/edit?lang=en",
        key="a1",
        premoderation="all",
        close_after_days="10",
        title="Un titre corrigé",
        url="https://www.journal.example/corrige",
    )
    assert status == 200, page
    assert "The article is saved." in page
    with app.app_context():
        article = db.session.scalars(sa.select(Article).where(Article.key == "a1")).one()
        assert not article.is_open
        assert article.premoderation == "all"
        assert article.close_after_days == 10
        assert article.title == "Un titre corrigé"
        closed = db.session.scalar(
            sa.select(sa.func.count()).select_from(Event).where(Event.type == "article.closed")
        )
        entry = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "article_changed")
        ).one()
    assert closed == 1
    assert set(entry.details["changes"]) == {
        "is_open",
        "premoderation",
        "close_after_days",
        "title",
        "url",
    }
    # A closed article refuses new comments.
    response = app.test_client().post(
        "/api/v1/articles/a1/comments",
        json={"author_name": "Ana", "email": "ana@example.org", "body": "Bonjour à tous."},
    )
    assert response.status_code == 403


def test_an_unusable_article_address_is_refused_next_to_its_field(app: Flask) -> None:
    add_article(app, "a1")
    client = admin(app)
    status, page = send(
        client, "/moderate/articles/edit?lang=en", key="a1", is_open="1", url="javascript:alert(1)"
    )
    assert status == 422
    assert "Enter a web address starting with http:// or https://." in page
    with app.app_context():
        assert db.session.scalars(sa.select(Article.url)).one().startswith("https://")


def test_a_new_address_must_be_on_a_configured_site_but_a_stored_one_is_kept(
    app: Flask,
) -> None:
    # Stored before the site list changed: editing other settings keeps it as it is.
    add_article(app, "a1", url="https://ancien.example/a1")
    client = admin(app)
    status, page = send(
        client,
        "/moderate/articles/edit?lang=en",
        key="a1",
        is_open="1",
        premoderation="all",
        title="Titre a1",
        url="https://ancien.example/a1",
    )
    assert status == 200, page
    assert "The article is saved." in page
    # A browser reads a backslash as a slash: this address is on another host.
    for address in ("https://autre.example/a1", "https:\\\\autre.example\\a1"):
        status, page = send(
            client, "/moderate/articles/edit?lang=en", key="a1", is_open="1", url=address
        )
        assert status == 422, address
        assert "the article&#39;s address on one of the configured sites" in page
    with app.app_context():
        article = db.session.scalars(sa.select(Article).where(Article.key == "a1")).one()
        assert (article.url, article.premoderation) == ("https://ancien.example/a1", "all")


def test_words_are_added_removed_imported_and_exported(app: Flask) -> None:
    client = admin(app)
    status, _ = send(client, "/moderate/lists/words", term="tocard", action="hold", language="fr")
    assert status == 200
    status, page = send(
        client,
        "/moderate/lists/words/import?lang=en",
        text="# from the old system\nreject any arnaque totale\nflag en scam\nhold fr tocard\n",
    )
    assert status == 200
    assert "2 words added." in page
    exported = client.get("/moderate/lists/words.txt").get_data(as_text=True)
    assert "hold fr tocard" in exported
    assert "reject any arnaque totale" in exported
    assert "flag en scam" in exported
    with app.app_context():
        entry_id = db.session.scalars(
            sa.select(WordListEntry.id).where(WordListEntry.term == "scam")
        ).one()
    send(client, f"/moderate/lists/words/{entry_id}/delete")
    assert "flag en scam" not in client.get("/moderate/lists/words.txt").get_data(as_text=True)
    assert audit_actions(app)[-3:] == ["word_list_changed"] * 3


def test_an_import_with_a_bad_line_names_it_and_adds_nothing(app: Flask) -> None:
    client = admin(app)
    status, page = send(
        client, "/moderate/lists/words/import?lang=fr", text="reject fr arnaque\nexplode fr x\n"
    )
    assert status == 422
    assert "La ligne 2 est illisible" in page
    status, page = send(
        client,
        "/moderate/lists/blocks/import?lang=en",
        text="cidr spam 203.0.113.0/24\ncidr spam 300.1.1.0/24\n",
    )
    assert status == 422
    assert "Line 2 cannot be read" in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WordListEntry)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BlockRule)) == 0


def test_blocks_keep_only_the_email_fingerprint_and_round_trip_as_text(app: Flask) -> None:
    client = admin(app)
    status, _ = send(
        client,
        "/moderate/lists/blocks",
        kind="email",
        value="Troll@Example.org",
        action="spam",
        days="30",
    )
    assert status == 200
    status, page = send(
        client,
        "/moderate/lists/blocks/import?lang=en",
        text="cidr reject 203.0.113.0/24 2027-01-31\nemail_domain spam jetable.example\n",
    )
    assert status == 200, page
    assert "2 blocks added." in page
    exported = client.get("/moderate/lists/blocks.txt").get_data(as_text=True)
    with app.app_context():
        fingerprint = privacy.email_hash(
            app.extensions["moderation.deps"].settings.secret_key, "troll@example.org"
        )
    assert f"email spam {fingerprint}" in exported
    assert "troll@example.org" not in exported.lower()
    assert "cidr reject 203.0.113.0/24 2027-01-31" in exported
    assert "troll@example.org" not in client.get("/moderate/lists").get_data(as_text=True).lower()
    # Importing the export again adds nothing.
    status, page = send(client, "/moderate/lists/blocks/import?lang=en", text=exported)
    assert "0 blocks added." in page
    status, _ = send(client, "/moderate/lists/blocks", kind="ip", value="not-an-ip", action="spam")
    assert status == 422


def test_the_log_lists_decisions_and_reveals_and_filters_them(app: Flask) -> None:
    add_article(app)
    public = app.test_client()
    first, second = post(public), post(public)
    set_status(app, first, CommentStatus.HELD)
    set_status(app, second, CommentStatus.HELD)
    moderator = signed_in_client(app, "mona")
    token = csrf_token(moderator, "/moderate/account")
    moderator.post(
        f"/moderate/comments/{first}/decision", data={"csrf_token": token, "action": "approve"}
    )
    moderator.post(
        f"/moderate/comments/{second}/decision",
        data={"csrf_token": token, "action": "reject", "reason": "off_topic"},
    )
    moderator.post(f"/moderate/comments/{first}/reveal", data={"csrf_token": token})
    client = admin(app)
    page = client.get("/moderate/log?lang=en").get_data(as_text=True)
    assert page.count("Mona") >= 2
    assert "Off-topic" in page
    rejected = client.get("/moderate/log?lang=en&action=rejected").get_data(as_text=True)
    assert f"/moderate/comments/{second}" in rejected
    assert f"/moderate/comments/{first}" not in rejected
    actions = client.get("/moderate/log?lang=en&kind=actions").get_data(as_text=True)
    assert "Email revealed" in actions
    history = client.get(f"/moderate/comments/{first}?lang=en").get_data(as_text=True)
    assert "Everything done to this comment" in history
    assert "Email revealed" in history


def test_stats_count_comments_per_day_and_who_decided(app: Flask) -> None:
    add_article(app, "a1", title="Article très commenté")
    public = app.test_client()
    ids = [post(public) for _ in range(3)]
    set_status(app, ids[0], CommentStatus.HELD)
    client = admin(app)
    page = client.get("/moderate/stats?days=7&lang=en").get_data(as_text=True)
    assert '<dd id="total-comments">3</dd>' in page
    assert "Article très commenté" in page
    assert "<svg" in page
    assert 'role="img"' in page
    assert " style=" not in page
    assert "<script>" not in page
