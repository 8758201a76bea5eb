"""Stored XSS: every payload of the shared corpus, rendered by the widget and the no-JS page.

The rows go straight into the database, bypassing intake, so this tests the rendering path:
bodies as the sanitizer stores them, and names and websites exactly as hostile as the
corpus (intake would have refused many of them). A few bodies skip the sanitizer entirely
to prove the widget's own second filter. The test fails if any script runs, any dialog
opens, or the page requests anything from a third origin.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from moderation import sanitize
from moderation.db import db
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from tests.browser.widget import HOST
from tests.browser.widget import MARKER
from tests.browser.widget import Stack
from tests.browser.widget import install_traps
from tests.browser.widget import open_article
from tests.browser.widget import wait_ready
from tests.conftest import shared_data
from tests.helpers import add_article

HOSTILE_WEBSITES = (
    "javascript:alert(1)",
    " JaVaScRiPt:alert(document.domain)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    '"><img src=x onerror=alert(1)>',
    "https://example.org/\"><script>alert('site')</script>",
)

#: Bodies the server would never store: only the widget's own filter stands in the way.
UNSANITIZED_BODIES = (
    f"<img src=x onerror=\"console.log('{MARKER}');alert('img')\">",
    f"<script>console.log('{MARKER}');alert('script')</script>",
    f"<p><a href=\"javascript:console.log('{MARKER}')\" onclick=\"alert('click')\">lien</a></p>",
    "<svg><script>alert('svg')</script><animate onbegin=alert('anim') attributeName=x /></svg>",
    "<iframe srcdoc=\"<script>parent.alert('frame')</script>\"></iframe>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('mxss')></style></mglyph>",
    "<p style=\"background:url(javascript:alert('css'))\" onmouseover=alert('hover')>survol</p>",
    "<form action=javascript:alert('form')><button>envoyer</button></form>",
    "<template><img src=x onerror=alert('tpl')></template><noscript><p title=\"</noscript>"
    "<img src=x onerror=alert('noscript')>\"></noscript>",
)

SAFE_HREF = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
BODY_TAGS = {"p", "br", "a", "strong", "em", "b", "i", "blockquote", "code", "pre", "ul", "ol"}
BODY_TAGS |= {"li"}


def payloads() -> list[str]:
    path = shared_data("xss", "payloads.jsonl")
    # Split on LF only: some payloads hold characters str.splitlines() treats as breaks.
    lines = path.read_text(encoding="utf-8").split("\n")
    return [json.loads(line)["payload"] for line in lines if line.strip()]


def _text(value: str, limit: int) -> str:
    # PostgreSQL text cannot hold NUL; the intake strips it the same way.
    return value.replace("\x00", "")[:limit]


def store_comments(stack: Stack, key: str, bodies: list[tuple[str, str]]) -> dict[str, Comment]:
    """Approved rows for ``(raw, html)`` bodies with hostile names and websites.

    Every fourth comment starts a chain of three nested replies, so the threaded rendering
    (and the flattening past ``max_depth``) sees the payloads too.
    """
    add_article(stack.app, key)
    start = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
    with stack.app.app_context():
        article = db.session.scalar(sa.select(Article).where(Article.key == key))
        assert article is not None
        previous: Comment | None = None
        for index, (raw, html) in enumerate(bodies):
            parent = previous if index % 5 else None
            if index % 3 == 0:
                website: str | None = _text(raw, 2000)
            elif index % 3 == 1:
                website = HOSTILE_WEBSITES[index % len(HOSTILE_WEBSITES)]
            else:
                website = None
            comment = Comment(
                article_id=article.id,
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
                author_name=_text(raw, 200) if index % 2 == 0 else f"Lecteur {index}",
                email="x@example.org",
                email_hash="0" * 64,
                website=website,
                body_raw=_text(raw, 100_000),
                body_html=_text(html, 100_000),
                body_text=sanitize.to_text(_text(html, 100_000)),
                status=CommentStatus.APPROVED,
                reasons=[],
                scores={},
                created_at=start + dt.timedelta(seconds=index),
            )
            db.session.add(comment)
            db.session.flush()
            previous = comment
        db.session.commit()
        rows = db.session.scalars(sa.select(Comment).where(Comment.article_id == article.id))
        stored = {row.public_id: row for row in rows}
        db.session.expunge_all()
    stack.app.extensions["moderation.deps"].cache.invalidate([key])
    return stored


def assert_widget_markup_is_inert(page: Page, selector: str) -> None:
    """Only the allow-listed body markup, and only http(s)/mailto links, in the shadow DOM."""
    found = page.evaluate(
        """sel => {
            const root = document.querySelector(sel).shadowRoot;
            const bodyTags = [...root.querySelectorAll('.body *')].map((e) => e.localName);
            const attrs = [...root.querySelectorAll('*')].flatMap((e) =>
                [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on')));
            const hrefs = [...root.querySelectorAll('[href]')].map((a) => a.getAttribute('href'));
            const banned = root.querySelectorAll('script,iframe,object,embed,svg,math,img,style,'
                + 'template,noscript,base,meta,link,frame,video,audio,source').length;
            return {bodyTags, attrs, hrefs, banned};
        }""",
        selector,
    )
    assert set(found["bodyTags"]) <= BODY_TAGS
    assert found["attrs"] == []
    assert found["banned"] == 0
    bad = [h for h in found["hrefs"] if not SAFE_HREF.match(re.sub(r"[\x00-\x20]", "", h))]
    assert bad == []


def test_stored_payloads_never_run_in_the_widget(live: Stack, page: Page) -> None:
    corpus = payloads()
    stored = store_comments(live, "demo", [(p, sanitize.clean_html(p)) for p in corpus])
    store_comments(live, "xss-raw", [(body, body) for body in UNSANITIZED_BODIES])
    traps = install_traps(page, live.host, live.service)

    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    more = widget.locator("button.more")
    while more.is_visible():
        more.click()
        expect(more).not_to_have_attribute("aria-disabled", "true")
    expect(widget.locator("li.comment")).to_have_count(len(corpus))
    # Names are text: each one shows exactly as stored, never parsed as markup.
    names = widget.locator(".author").all_text_contents()
    assert sorted(names) == sorted(row.author_name for row in stored.values())
    assert_widget_markup_is_inert(page, HOST)

    # A second host added later, for the bodies that skipped the sanitizer.
    page.evaluate(
        """() => {
            const host = document.createElement('div');
            host.id = 'raw';
            host.setAttribute('data-moderation-article', 'xss-raw');
            document.querySelector('#comments').append(host);
            return window.ModerationEmbed.render(host);
        }"""
    )
    wait_ready(page, "#raw")
    expect(page.locator("#raw li.comment")).to_have_count(len(UNSANITIZED_BODIES))
    assert_widget_markup_is_inert(page, "#raw")
    # Hovering and clicking what is left of the hostile links must not run anything either.
    page.locator("#raw .body p", has_text="survol").hover()
    for link in page.locator("#raw .body a").all():
        link.click()
    traps.assert_clean(page)


def test_stored_payloads_never_run_in_the_no_js_page(live: Stack, page: Page) -> None:
    corpus = payloads()
    stored = store_comments(live, "demo", [(p, sanitize.clean_html(p)) for p in corpus])
    traps = install_traps(page, live.service)
    # Every page of the thread, following its "next" links, in both orders.
    shown: set[str] = set()
    for sort in ("oldest", "newest"):
        url: str | None = f"{live.service}/embed/articles/demo?lang=fr&sort={sort}"
        while url:
            page.goto(url)
            expect(page.locator("#comments-title")).to_have_text(f"{len(corpus)} commentaires")
            shown |= set(
                page.eval_on_selector_all("li.comment", "els => els.map((e) => e.id.slice(2))")
            )
            page.locator("li.comment").first.hover()
            traps.assert_clean(page)
            hrefs = page.eval_on_selector_all(".body [href]", "els => els.map(e => e.href)")
            assert [h for h in hrefs if not SAFE_HREF.match(h)] == []
            forward = page.locator("nav.paging a[rel=next]")
            url = forward.get_attribute("href") if forward.count() else None
            if url:
                url = live.service + url if url.startswith("/") else url
    # Following a stored javascript: website must not run it (none is a link any more).
    for link in page.locator("a.author[href^='javascript:' i]").all()[:3]:
        link.click()
    traps.assert_clean(page)
    assert shown == set(stored)


def test_no_js_page_links_only_http_websites(live: Stack, page: Page) -> None:
    store_comments(live, "demo", [("x", "<p>x</p>")] * len(HOSTILE_WEBSITES) * 3)
    page.goto(f"{live.service}/embed/articles/demo?lang=fr")
    hrefs = page.eval_on_selector_all("a.author", "els => els.map(e => e.getAttribute('href'))")
    assert [h for h in hrefs if not SAFE_HREF.match(re.sub(r"[\x00-\x20]", "", h))] == []
