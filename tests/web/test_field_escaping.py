"""Author names and websites are text: escaped wherever they are shown.

Every payload of the shared XSS corpus goes in as a name (and a body); the JSON API must
return it as the same string, and the server-rendered page must show it inert.
"""

from __future__ import annotations

import json

import html5lib
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from tests.conftest import shared_data
from tests.helpers import URL
from tests.helpers import add_article


def payloads() -> list[str]:
    path = shared_data("xss", "payloads.jsonl")
    return [json.loads(line)["payload"] for line in path.read_text(encoding="utf-8").splitlines()]


def test_xss_payloads_as_names_and_bodies_are_inert_everywhere(
    app: Flask, client: FlaskClient
) -> None:
    add_article(app, "demo")
    accepted = refused = 0
    for index, payload in enumerate(payloads()):
        name = payload[:80]
        response = client.post(
            URL.format(key="demo"),
            json={
                "author_name": name,
                "email": f"x{index}@example.org",
                "body": payload[:5000],
                "website": "https://example.org/" + "a",
            },
        )
        assert response.status_code in (202, 422), (payload, response.status_code)
        if response.status_code == 202:
            accepted += 1
        else:
            refused += 1
            codes = {(e["field"], e["code"]) for e in response.get_json()["errors"]}
            # Names with line breaks or bidi controls, and bodies with no visible text,
            # are refused on purpose; nothing else may be.
            assert codes <= {("author_name", "control_chars"), ("body", "empty_after_cleaning")}
    assert accepted > 400
    assert refused > 0
    with app.app_context():
        db.session.execute(sa.update(Comment).values(status=CommentStatus.APPROVED))
        db.session.commit()
        stored = {c.public_id: c for c in db.session.scalars(sa.select(Comment))}
    thread = client.get(URL.format(key="demo") + "?limit=200").get_json()
    shown = thread["comments"]
    cursor = thread["next_cursor"]
    while cursor:
        page = client.get(URL.format(key="demo") + f"?limit=200&cursor={cursor}").get_json()
        shown += page["comments"]
        cursor = page["next_cursor"]
    assert len(shown) == accepted
    for item in shown:
        comment = stored[item["id"]]
        assert item["author_name"] == comment.author_name
        assert item["html"] == comment.body_html
    page = client.get("/embed/articles/demo").get_data(as_text=True)
    assert_inert_page(page, {c.author_name for c in stored.values()})


#: Every element the demo page itself uses; anything else came from a reader.
PAGE_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "link",
    "body",
    "main",
    "nav",
    "select",
    "option",
    "article",
    "section",
    "h1",
    "h2",
    "h3",
    "p",
    "ol",
    "li",
    "strong",
    "a",
    "time",
    "div",
    "form",
    "label",
    "input",
    "textarea",
    "span",
    "button",
    "b",
    "i",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "br",
}


def assert_inert_page(page: str, names: set[str]) -> None:
    """Parse the page as a browser would and check nothing a reader wrote became markup."""
    document = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    shown_names = set()
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        assert element.tag in PAGE_TAGS, element.tag
        for attribute, value in element.attrib.items():
            assert not attribute.lower().startswith("on"), attribute
            if attribute in ("href", "src", "action"):
                cleaned = "".join(ch for ch in value if ch not in "\t\n\r").strip().lower()
                assert cleaned.startswith(("http://", "https://", "mailto:", "/")), value
        if element.get("class") == "meta":
            author = element.find("strong")
            if author is None:
                author = element.find("a")
            assert author is not None
            shown_names.add("".join(author.itertext()))
    assert shown_names
    assert shown_names <= names


def test_website_is_escaped_in_attributes(app: Flask, client: FlaskClient) -> None:
    add_article(app, "demo")
    tricky = "https://example.org/?q=\"><script>alert(1)</script>&x='"
    response = client.post(
        URL.format(key="demo"),
        json={"author_name": "Zoé", "email": "z@example.org", "body": "Salut", "website": tricky},
    )
    assert response.status_code == 202
    with app.app_context():
        db.session.execute(sa.update(Comment).values(status=CommentStatus.APPROVED))
        db.session.commit()
    page = client.get("/embed/articles/demo").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert 'href="https://example.org/?q=&#34;&gt;&lt;script&gt;' in page
