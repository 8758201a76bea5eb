"""The admin pages in Debian's Chromium: hostile titles, terms, names and reasons render
inert; axe-core finds no serious issue; screenshots in French and English; a change made
through a page reaches the database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from moderation.db import db
from moderation.models import Article
from moderation.models import AuditEntry
from moderation.models import BlockRule
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.models import ModerationDecision
from moderation.models import SiteSetting
from moderation.models import WordListEntry
from moderation.services import model_versions
from tests.browser.test_workspace import serious_violations
from tests.browser.test_xss import payloads
from tests.browser.test_xss import store_comments
from tests.browser.widget import Stack
from tests.browser.widget import install_traps
from tests.browser.workspace import add_moderator
from tests.browser.workspace import seed_held
from tests.browser.workspace import sign_in
from tests.browser.workspace import wait_ready
from tests.model_helpers import NEWER
from tests.model_helpers import OLDER
from tests.model_helpers import seed_scored_decisions
from tests.model_helpers import seed_versions

AT = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
INERT = """() => ({
    handlers: [...document.querySelectorAll('*')].flatMap((e) =>
        [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))),
    scripts: [...document.scripts].map((s) => s.src),
    hrefs: [...document.querySelectorAll('[href]')].map((a) => a.href),
    frames: document.querySelectorAll('iframe, object, embed').length
})"""


def seed_hostile(stack: Stack) -> None:
    """Every payload as an article title and address, a word, a block note, a log reason."""
    corpus = payloads()
    stored = store_comments(stack, "demo", [(p, "<p>texte</p>") for p in corpus[:60]])
    with stack.app.app_context():
        session = db.session
        for index, raw in enumerate(corpus):
            text = raw.replace("\x00", "")
            session.add(
                Article(key=f"hostile-{index}", url=text[:2000], title=text[:500], created_at=AT)
            )
            session.add(
                WordListEntry(
                    term=(text[:99] or "x") + "a",
                    action="flag",
                    language="any",
                    created_by=text[:200],
                    created_at=AT,
                )
            )
            session.add(
                BlockRule(
                    kind="email_domain",
                    value=f"d{index}.example",
                    action="hold",
                    note=text[:500],
                    created_by="test",
                    created_at=AT,
                )
            )
        demo = session.scalars(sa.select(Article).where(Article.key == "demo")).one()
        demo.title = corpus[0][:500]
        for index, comment in enumerate(session.scalars(sa.select(Comment)).all()):
            raw = corpus[index % len(corpus)].replace("\x00", "")
            session.add(
                ModerationDecision(
                    comment_id=comment.id,
                    source=DecisionSource.RULES,
                    actor=raw[:200],
                    from_status=CommentStatus.PENDING,
                    to_status=CommentStatus.APPROVED,
                    reasons=[{"code": raw[:200], "params": {"rejection_reason": raw[:200]}}],
                    scores={},
                    created_at=AT,
                )
            )
            session.add(
                AuditEntry(
                    action="settings_changed",
                    moderator_id=None,
                    comment_id=comment.id,
                    details={"changes": {raw[:100]: {"from": raw[:100], "to": raw[:100]}}},
                    created_at=AT,
                )
            )
        session.commit()
    assert len(stored) == 60


def walk(page: Page, start: str, more: str) -> int:
    """Open ``start`` and every following page through the ``more`` link; pages seen."""
    url: str | None = start
    seen = 0
    while url:
        page.goto(url)
        seen += 1
        found = page.evaluate(INERT)
        assert found["handlers"] == [], url
        assert found["frames"] == 0, url
        assert [s for s in found["scripts"] if "/static/workspace.js" not in s] == [], url
        assert [h for h in found["hrefs"] if not h.startswith(("http:", "https:"))] == [], url
        link = page.locator(more)
        url = link.get_attribute("href") if link.count() else None
        if url:
            url = page.url.split("/moderate/")[0] + url
    return seen


def test_hostile_content_runs_nothing_on_the_admin_pages(live: Stack, page: Page) -> None:
    seed_hostile(live)
    sign_in(page, live, add_moderator(live, "ada"))
    traps = install_traps(page, live.service)
    base = f"{live.service}/moderate"
    assert walk(page, f"{base}/articles", "a.button[href*='before=']") >= 15
    assert walk(page, f"{base}/log", "a.button[href*='before=']") >= 2
    assert walk(page, f"{base}/log?kind=actions", "a.button[href*='before=']") >= 2
    walk(page, f"{base}/lists", "#none")
    walk(page, f"{base}/stats?days=90", "#none")
    walk(page, f"{base}/articles/edit?key=hostile-3", "#none")
    with live.app.app_context():
        some = db.session.scalars(sa.select(Comment.public_id).limit(3)).all()
    for public_id in some:
        walk(page, f"{base}/comments/{public_id}", "#none")
    page.locator("h1").hover()
    traps.assert_clean(page)


ADMIN_PAGES = (
    ("articles", "/moderate/articles"),
    ("article-settings", "/moderate/articles/edit?key=demo"),
    ("settings", "/moderate/settings"),
    ("lists", "/moderate/lists"),
    ("log", "/moderate/log"),
    ("stats", "/moderate/stats?days=7"),
    ("models", "/moderate/models"),
)


def test_admin_pages_pass_axe_in_both_languages_with_screenshots(
    live: Stack, page: Page, screenshots: Path
) -> None:
    seed_held(live, 3)
    # The models page with its tables filled: versions of the site's, and the shadow report.
    seed_versions(live.app)
    seed_scored_decisions(live.app)
    email = add_moderator(live, "ada")
    for lang in ("fr", "en"):
        sign_in(page, live, email, lang)
        for name, path in ADMIN_PAGES:
            page.goto(f"{live.service}{path}{'&' if '?' in path else '?'}lang={lang}")
            wait_ready(page)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            for details in page.locator("details").all():
                details.locator("summary").click()
            assert serious_violations(page) == [], (lang, name)
            page.screenshot(path=str(screenshots / f"admin-{name}-{lang}.png"), full_page=True)
        page.locator(".account-bar button[type=submit]").click()
        expect(page.locator("[name=password]")).to_be_visible()


def test_an_admin_closes_an_article_and_changes_a_setting_from_the_pages(
    live: Stack, page: Page
) -> None:
    seed_held(live, 1)
    sign_in(page, live, add_moderator(live, "ada"), "en")
    page.goto(f"{live.service}/moderate/articles?lang=en")
    page.get_by_role("link", name="Settings of Titre demo").click()
    page.get_by_label("Open for new comments").uncheck()
    page.get_by_label("Premoderation").select_option("all")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_have_text("The article is saved.")
    page.goto(f"{live.service}/moderate/settings?lang=en")
    page.get_by_label("Link limit").fill("7")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("p.alert.success")).to_have_text("The settings are saved.")
    with live.app.app_context():
        article = db.session.scalars(sa.select(Article).where(Article.key == "demo")).one()
        assert not article.is_open
        assert article.premoderation == "all"
        assert db.session.get(SiteSetting, "max_links").value == 7  # type: ignore[union-attr]


def test_an_admin_activates_and_rolls_back_a_model_version_from_the_page(
    live: Stack, page: Page
) -> None:
    _older, newer = seed_versions(live.app)
    sign_in(page, live, add_moderator(live, "ada"), "en")
    page.goto(f"{live.service}/moderate/models?lang=en")
    wait_ready(page)
    expect(page.locator("#in-force-spam strong")).to_have_text(NEWER)
    page.get_by_role("button", name=f"Activate {OLDER}").click()
    expect(page.locator("p.alert.success")).to_have_text(f"Spam: {OLDER} is now in force.")
    expect(page.locator("#in-force-spam strong")).to_have_text(OLDER)
    # From the keyboard: the rollback button goes back to the version in force before.
    rollback = page.get_by_role("button", name=f"Roll back to {NEWER}")
    rollback.focus()
    page.keyboard.press("Enter")
    expect(page.locator("p.alert.success")).to_have_text(f"Spam: {NEWER} is now in force.")
    expect(page.locator("#in-force-spam strong")).to_have_text(NEWER)
    with live.app.app_context():
        assert model_versions.active_rows(db.session) == {"spam": newer}
        actions = db.session.scalars(
            sa.select(AuditEntry.action)
            .where(AuditEntry.action.like("model_%"))
            .order_by(AuditEntry.id)
        ).all()
    assert actions == ["model_activated", "model_rolled_back"]
