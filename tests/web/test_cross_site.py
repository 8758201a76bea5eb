"""No cross-site writes: every unsafe route refuses a request another website's page sent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter
from werkzeug.routing import Rule

from moderation.db import db
from moderation.models import Comment
from tests.conftest import ALLOWED_SITE
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import valid
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
HOSTILE = "https://attaquant.example"


def unsafe_routes(app: Flask) -> list[tuple[str, str]]:
    """(method, path) of every unsafe rule of the app, with placeholder arguments."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted(set(rule.methods or ()) & set(UNSAFE)):
            found.append((method, adapter.build(rule.endpoint, _values(rule), method=method)))
    return found


def _values(rule: Rule) -> dict[str, object]:
    converters = rule._converters  # noqa: SLF001 - werkzeug keeps the argument types here
    return {
        name: 1 if isinstance(converters.get(name), IntegerConverter) else "a1"
        for name in rule.arguments
    }


FRENCH = "Ceci a été envoyé depuis un autre site."
ENGLISH = "This was sent from another website."


def _is_refusal(response, *, french: bool = False) -> bool:  # type: ignore[no-untyped-def]
    """The cross-site refusal (403, problem or page); in French if ``french``."""
    if response.status_code != 403:
        return False
    titles = (FRENCH,) if french else (FRENCH, ENGLISH)
    if response.mimetype == "application/problem+json":
        body = response.get_json()
        return bool(body["type"].endswith("/cross-site") and body["title"] in titles)
    text = response.get_data(as_text=True)
    return response.mimetype == "text/html" and any(title in text for title in titles)


def test_the_route_list_covers_every_writing_surface(app: Flask) -> None:
    paths = {path for _method, path in unsafe_routes(app)}
    for expected in (
        "/api/v1/articles/a1/comments",
        "/api/v1/comments/a1/reports",
        "/embed/articles/a1/comments",
        "/embed/comments/a1/reports",
        "/wp-comments-post.php",
        "/moderate/login",
        "/api/v1/moderation/comments/a1/decision",
    ):
        assert expected in paths
    assert any(method in ("PATCH", "DELETE") for method, _path in unsafe_routes(app))


@pytest.mark.parametrize("header", ["Origin", "Referer"])
def test_every_unsafe_route_refuses_another_site(app: Flask, header: str) -> None:
    client = app.test_client()
    value = HOSTILE if header == "Origin" else f"{HOSTILE}/page?x=1"
    for method, path in unsafe_routes(app):
        response = client.open(
            path,
            method=method,
            data={"body": "x"},
            headers={header: value, "Accept-Language": "fr"},
        )
        assert _is_refusal(response, french=True), (method, path, response.status_code)
        expected = "application/problem+json" if path.startswith("/api/") else "text/html"
        assert response.mimetype == expected, (method, path)


def test_refusal_is_in_the_readers_language(app: Flask, client: FlaskClient) -> None:
    response = client.post(
        URL.format(key="a1"), json=valid(), headers={"Origin": HOSTILE, "Accept-Language": "en"}
    )
    assert response.status_code == 403
    assert response.get_json()["title"] == ENGLISH
    assert response.headers["Content-Language"] == "en"


@pytest.mark.parametrize(
    "source",
    [
        "null",
        "https://www.journal.example.attaquant.example",
        "https://attaquant.example\\@www.journal.example/",
        "http://www.journal.example",  # the site is configured as https only
        "not a url",
    ],
)
def test_lookalike_or_opaque_sources_are_refused(app: Flask, source: str) -> None:
    add_article(app)
    header = "Referer" if "\\" in source else "Origin"
    response = app.test_client().post(URL.format(key="a1"), json=valid(), headers={header: source})
    assert _is_refusal(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Origin": ALLOWED_SITE},
        {"Referer": f"{ALLOWED_SITE}/politique/budget"},
        {"Origin": "http://localhost"},
        {"Referer": "http://localhost/embed/articles/a1"},
    ],
)
def test_same_origin_configured_sites_and_non_browsers_pass(
    app: Flask, headers: dict[str, str]
) -> None:
    add_article(app)
    response = app.test_client().post(URL.format(key="a1"), json=valid(), headers=headers)
    assert response.status_code == 202


def test_configured_public_address_counts_as_this_service(app_with) -> None:  # type: ignore[no-untyped-def]
    # Behind a proxy the Host the app sees is not the public one: SITE_URL is.
    app = app_with(site_url="https://commentaires.journal.example")
    add_article(app)
    response = app.test_client().post(
        URL.format(key="a1"),
        json=valid(),
        headers={"Origin": "https://commentaires.journal.example"},
    )
    assert response.status_code == 202


def test_no_javascript_form_from_this_service_still_posts(app: Flask) -> None:
    add_article(app)
    response = app.test_client().post(
        "/embed/articles/a1/comments",
        data=valid(),
        headers={"Origin": "http://localhost", "Referer": "http://localhost/embed/articles/a1"},
    )
    assert response.status_code == 303


def test_workspace_same_origin_post_keeps_working_with_csrf(app: Flask) -> None:
    client = signed_in_client(app)
    token = csrf_token(client, "/moderate/")
    same = client.post(
        "/moderate/logout", data={"csrf_token": token}, headers={"Origin": "http://localhost"}
    )
    assert same.status_code in (302, 303)
    assert client.get("/moderate/").status_code in (302, 303)  # signed out


def test_workspace_cross_site_post_is_refused_even_with_a_token(app: Flask) -> None:
    client = signed_in_client(app)
    token = csrf_token(client, "/moderate/")
    response = client.post(
        "/moderate/logout", data={"csrf_token": token}, headers={"Origin": HOSTILE}
    )
    assert _is_refusal(response)
    assert client.get("/moderate/").status_code == 200  # still signed in


@pytest.mark.parametrize(
    "back",
    [
        "https://attaquant.example\\@www.journal.example/",
        "https://attaquant.example\\\\www.journal.example/",
        "https:attaquant.example",
        "//attaquant.example/",
        "javascript:alert(1)//www.journal.example/",
    ],
)
def test_wordpress_back_link_is_never_an_open_redirect(app: Flask, back: str) -> None:
    add_article(app, "1234")
    client = app.test_client()
    form = {"author": "Paul", "email": "paul@example.org", "comment_post_ID": "1234"}
    accepted = client.post(
        "/wp-comments-post.php", data={**form, "comment": "Merci !", "redirect_to": back}
    )
    assert accepted.status_code == 303
    assert accepted.headers["Location"].startswith("/embed/articles/1234?posted=")
    refused = client.post(
        "/wp-comments-post.php", data={**form, "comment": "", "redirect_to": back}
    )
    assert refused.status_code == 422
    assert "attaquant" not in refused.get_data(as_text=True)


def test_wordpress_back_link_to_the_site_is_the_browsers_reading(app: Flask) -> None:
    add_article(app, "1234")
    response = app.test_client().post(
        "/wp-comments-post.php",
        data={
            "author": "Paul",
            "email": "paul@example.org",
            "comment": "",
            "comment_post_ID": "1234",
            "redirect_to": "https://WWW.journal.example/politique/budget",
        },
    )
    assert response.status_code == 422
    assert 'href="https://www.journal.example/politique/budget"' in response.get_data(as_text=True)
