"""Articles cannot be squatted: only a snippet the site signed creates one; admins correct."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation import demo_host
from moderation.cli_articles import correct_article
from moderation.cli_articles import sign_article
from moderation.cli_articles import site_key
from moderation.db import db
from moderation.models import Article
from moderation.models import AuditEntry
from moderation.models import ModeratorRole
from moderation.services import article_signing
from moderation.services import moderators
from moderation.services.ports import SystemClock
from tests.conftest import ALLOWED_SITE
from tests.conftest import TEST_SECRET
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import valid

PAGE = f"{ALLOWED_SITE}/politique/budget-2027"
TITLE = "Le conseil adopte le budget"
SECRET = article_signing.site_secret(TEST_SECRET, ALLOWED_SITE)


def _signed(key: str = "budget", url: str = PAGE, title: str = TITLE, **changes: str) -> dict:  # type: ignore[type-arg]
    claim = {
        "article_url": url,
        "article_title": title,
        "article_signature": article_signing.signature(SECRET, key, url, title),
    }
    claim.update(changes)
    return valid(**claim)


def _article(app: Flask, key: str = "budget") -> Article | None:
    with app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.key == key))
        if article is not None:
            db.session.expunge(article)
        return article


def test_signed_snippet_creates_the_article_with_its_title_and_address(
    app: Flask, client: FlaskClient
) -> None:
    response = client.post(URL.format(key="budget"), json=_signed())
    assert response.status_code == 202
    article = _article(app)
    assert article is not None
    assert (article.url, article.title) == (PAGE, TITLE)


@pytest.mark.parametrize(
    "changes",
    [
        {},  # no signature at all
        {"article_title": "Titre choisi par un squatteur"},
        {"article_url": f"{ALLOWED_SITE}/ailleurs"},
        {"article_signature": "0" * 64},
        {"article_signature": "court"},
    ],
)
def test_unsigned_or_altered_claims_create_nothing(
    app: Flask, client: FlaskClient, changes: dict[str, str]
) -> None:
    data = _signed(**changes) if changes else valid(article_url=PAGE, article_title=TITLE)
    # Even from the configured site itself: the headers are not proof.
    response = client.post(URL.format(key="budget"), json=data, headers={"Origin": ALLOWED_SITE})
    assert response.status_code == 404
    assert _article(app) is None


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "https://ailleurs.example/budget", "//www.journal.example/x"]
)
def test_signature_does_not_make_an_address_off_the_sites_acceptable(
    app: Flask, client: FlaskClient, url: str
) -> None:
    response = client.post(URL.format(key="budget"), json=_signed(url=url))
    assert response.status_code == 404
    assert _article(app) is None


def test_signature_of_one_site_does_not_sign_for_another(app_with) -> None:  # type: ignore[no-untyped-def]
    other = "https://www.autre-journal.example"
    app: Flask = app_with(allowed_sites=(ALLOWED_SITE, other))
    url = f"{other}/budget"
    signature = article_signing.signature(SECRET, "budget", url, TITLE)
    data = valid(article_url=url, article_title=TITLE, article_signature=signature)
    assert app.test_client().post(URL.format(key="budget"), json=data).status_code == 404


def test_auto_create_never_takes_the_commenters_title_or_address(app_with) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_with(auto_create_articles=True)
    data = valid(article_url="javascript:alert(1)", article_title="Faux titre")
    assert app.test_client().post(URL.format(key="libre"), json=data).status_code == 202
    article = _article(app, "libre")
    assert article is not None
    assert (article.url, article.title) == ("", "")


def test_existing_article_keeps_its_details_whatever_a_comment_claims(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app, "budget")
    response = client.post(URL.format(key="budget"), json=_signed(title="Autre titre signé"))
    assert response.status_code == 202
    article = _article(app)
    assert article is not None
    assert article.title == "Titre budget"


def _token(app: Flask, role: ModeratorRole) -> dict[str, str]:
    with app.app_context():
        moderator = moderators.create_moderator(
            db.session,
            f"{role.value}@example.org",
            role=role,
            display_name=role.value,
            password="correct horse battery staple",
            now=SystemClock().now(),
        )
        token = moderators.create_token(db.session, moderator, "test", SystemClock().now())
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_admin_corrects_title_and_address_through_the_api(app: Flask, client: FlaskClient) -> None:
    add_article(app, "budget")
    headers = _token(app, ModeratorRole.ADMIN)
    response = client.patch(
        "/api/v1/moderation/articles/budget",
        json={"title": "  Le vrai   titre ", "url": "https://WWW.journal.example/vrai"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "key": "budget",
        "url": "https://www.journal.example/vrai",
        "title": "Le vrai titre",
    }
    thread = client.get(URL.format(key="budget")).get_json()
    assert thread["article"]["title"] == "Le vrai titre"
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action)).all()
        assert "article_details_changed" in actions


def test_correction_refuses_an_address_off_the_sites_in_the_readers_language(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app, "budget")
    response = client.patch(
        "/api/v1/moderation/articles/budget",
        json={"url": "javascript:alert(1)"},
        headers={**_token(app, ModeratorRole.ADMIN), "Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert response.get_json()["fields"]["url"] == (
        "Indiquez l’adresse de l’article sur l’un des sites configurés (http:// ou https://)."
    )


def test_only_admins_correct_articles(app: Flask, client: FlaskClient) -> None:
    add_article(app, "budget")
    response = client.patch(
        "/api/v1/moderation/articles/budget",
        json={"title": "Autre"},
        headers=_token(app, ModeratorRole.MODERATOR),
    )
    assert response.status_code == 403
    assert _article(app) is not None
    assert _article(app).title == "Titre budget"  # type: ignore[union-attr]


def test_cli_signs_a_snippet_that_creates_the_article(app: Flask, client: FlaskClient) -> None:
    runner = app.test_cli_runner()
    printed = runner.invoke(sign_article, ["budget", "--url", PAGE, "--title", TITLE])
    assert printed.exit_code == 0, printed.output
    found = re.search(r'data-signature="([0-9a-f]{64})"', printed.output)
    assert found
    assert f'data-url="{PAGE}"' in printed.output
    data = valid(article_url=PAGE, article_title=TITLE, article_signature=found.group(1))
    assert client.post(URL.format(key="budget"), json=data).status_code == 202
    key = runner.invoke(site_key, [PAGE])
    assert key.output.strip() == SECRET
    refused = runner.invoke(
        sign_article, ["x", "--url", "https://ailleurs.example/", "--title", "t"]
    )
    assert refused.exit_code != 0


def test_cli_corrects_an_article(app: Flask) -> None:
    add_article(app, "budget")
    runner = app.test_cli_runner()
    done = runner.invoke(correct_article, ["budget", "--title", "Corrigé"])
    assert done.exit_code == 0, done.output
    assert _article(app).title == "Corrigé"  # type: ignore[union-attr]
    off = runner.invoke(correct_article, ["budget", "--url", "https://ailleurs.example/"])
    assert off.exit_code != 0
    assert "url" in off.output


def test_demo_newspaper_signs_its_snippet() -> None:
    template = demo_host.TEMPLATE_PATH.read_text(encoding="utf-8")
    page_url = "http://127.0.0.1:8080/"
    key = article_signing.site_secret(TEST_SECRET, "http://127.0.0.1:8080")
    page = demo_host.render_page(
        template, lang="fr", service="http://s", page_url=page_url, signing_key=key
    )
    found = re.search(r'data-signature="([0-9a-f]{64})"', page)
    assert found
    assert article_signing.is_signed(
        TEST_SECRET,
        ("http://127.0.0.1:8080",),
        key="demo",
        url=page_url,
        title=demo_host.WORDS["fr"]["headline"],
        given=found.group(1),
    )
