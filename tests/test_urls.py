"""Hosts read as a browser reads them: links, websites and the blocked-domain rule agree."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.sanitize import clean_html
from moderation.sanitize import link_facts
from moderation.urls import Origin
from moderation.urls import domain_key
from moderation.urls import link_host
from moderation.urls import origin_of
from moderation.urls import web_url
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import valid

#: (href as written, the host a browser goes to)
DODGES = [
    ("https:spam.example", "spam.example"),
    ("https:/spam.example/x", "spam.example"),
    ("https://spam.example\\@ok.fr", "spam.example"),
    ("https://spam.example\\\\ok.fr/", "spam.example"),
    ("https://sp\tam.exa\nmple/", "spam.example"),
    ("HTTPS://SPAM.EXAMPLE/", "spam.example"),
    ("https://spam.example./", "spam.example"),
    ("https://spam%2Eexample/", "spam.example"),
    ("https://spam\u3002example/", "spam.example"),
    ("https://ok.fr@spam.example/", "spam.example"),
    ("https://späm.example/", "xn--spm-rla.example"),
    ("https://xn--spm-rla.example/", "xn--spm-rla.example"),
    ("//spam.example/x", "spam.example"),
    ("\\\\spam.example/x", "spam.example"),
    ("  https://spam.example  ", "spam.example"),
    ("mailto:vente@SPAM.example.", "spam.example"),
    ("mailto:vente%40spam.example", "spam.example"),
    ("http://0x7f.1/", "127.0.0.1"),
]


@pytest.mark.parametrize(("href", "host"), DODGES)
def test_link_host_is_the_host_a_browser_goes_to(href: str, host: str) -> None:
    assert link_host(href) == host


@pytest.mark.parametrize("href", ["/chemin", "?q=1", "#ancre", "https://", "http://[::1", ""])
def test_link_without_a_host_of_its_own_gives_none(href: str) -> None:
    assert link_host(href) is None


@pytest.mark.parametrize(
    ("href", "host"), [h for h in DODGES if not h[0].lstrip().startswith(("//", "\\"))]
)
def test_sanitized_links_report_the_browsers_host(href: str, host: str) -> None:
    html = clean_html(f'<a href="{href}">lien</a>')
    assert list(link_facts(html).hosts) == [host]


def test_href_whose_host_cannot_be_read_is_dropped_and_text_kept() -> None:
    html = clean_html('<a href="https://[::1">lien</a> et <a href="https://ok.fr/">bon</a>')
    assert "[::1" not in html
    assert "lien" in html
    assert list(link_facts(html).hosts) == ["ok.fr"]
    assert clean_html(html) == html


def test_domain_key_is_lowercase_punycode_without_trailing_dot() -> None:
    assert domain_key("Späm.Example.") == "xn--spm-rla.example"
    assert domain_key("a.fr/x") is None
    assert domain_key("a.fr:80") is None


def test_web_url_gives_the_address_a_browser_opens() -> None:
    assert web_url("https://evil.example\\@www.journal.example/") == (
        "https://evil.example/@www.journal.example/"
    )
    assert web_url("javascript:alert(1)") is None
    assert web_url("//www.journal.example/") is None
    assert web_url("https:www.journal.example") == "https://www.journal.example/"


def test_origin_of_reads_scheme_host_and_default_port() -> None:
    assert origin_of("https://Www.Journal.Example/a?b") == Origin(
        "https", "www.journal.example", 443
    )
    assert origin_of("http://127.0.0.1:8080") == Origin("http", "127.0.0.1", 8080)
    assert origin_of("https://evil.example\\@www.journal.example/") == Origin(
        "https", "evil.example", 443
    )
    assert origin_of("null") is None


@pytest.mark.parametrize(
    "href",
    [
        "https:spam.example/promo",
        "https://spam.example\\@ok.fr/",
        "https://SPAM.example./",
        "https://spam%2eexample/",
        "https://promo.spam.example/",
    ],
)
def test_blocked_domain_cannot_be_dodged_by_url_tricks(app_with, href: str) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_with(blocked_domains=("spam.example",))
    add_article(app)
    body = f'Regardez <a href="{href}">ici</a> !'
    response = app.test_client().post(URL.format(key="a1"), json=valid(body=body))
    assert response.status_code == 202
    with app.app_context():
        comment = db.session.scalar(sa.select(Comment))
        assert comment is not None
        assert comment.status is CommentStatus.SPAM
        assert any(r.get("code") == "blocked_link_domain" for r in comment.reasons), comment.reasons


@pytest.mark.parametrize(
    "website", ["https://spam.example\\@ok.fr/", "https://ok.fr%2F@spam.example/x"]
)
def test_website_a_browser_reads_differently_is_refused(app: Flask, website: str) -> None:
    add_article(app)
    response = app.test_client().post(URL.format(key="a1"), json=valid(website=website))
    assert response.status_code == 422
    assert list(response.get_json()["fields"]) == ["website"]
