"""The moderators' workspace in Debian's Chromium: sign-in, the keyboard, bulk, search,
reveal, hostile content, accessibility, and screenshots of every main page."""

from __future__ import annotations

import sqlalchemy as sa
from playwright.sync_api import Page
from playwright.sync_api import expect

from moderation import sanitize
from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import CommentStatus
from tests.browser.test_accessibility import AXE_TAGS
from tests.browser.test_xss import payloads
from tests.browser.test_xss import store_comments
from tests.browser.widget import Stack
from tests.browser.widget import install_traps
from tests.browser.workspace import add_moderator
from tests.browser.workspace import log_of
from tests.browser.workspace import seed_held
from tests.browser.workspace import sign_in
from tests.browser.workspace import statuses
from tests.browser.workspace import wait_ready

REJECTED = CommentStatus.REJECTED
APPROVED = CommentStatus.APPROVED
SPAM = CommentStatus.SPAM
HELD = CommentStatus.HELD


def current_id(page: Page) -> str:
    return str(page.evaluate("document.activeElement.closest('li.item')?.dataset.id || ''"))


def test_signing_in_leads_to_the_queue_and_a_wrong_password_does_not(
    live: Stack, page: Page
) -> None:
    email = add_moderator(live, "ada")
    page.goto(f"{live.service}/moderate/")
    expect(page).to_have_url(f"{live.service}/moderate/login?next=/moderate/?")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill("not my password at all")
    page.locator("form button[type=submit]").click()
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    sign_in(page, live, email)
    expect(page.get_by_role("heading", level=1)).to_contain_text("À modérer")


def test_a_review_queue_of_five_is_cleared_with_the_keyboard_alone(live: Stack, page: Page) -> None:
    ids = seed_held(live, 5)
    sign_in(page, live, add_moderator(live, "ada"))
    items = page.locator("#items li.item")
    expect(items).to_have_count(5)
    assert current_id(page) == ids[0]
    # The focused item shows a visible outline.
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"

    page.keyboard.press("a")
    expect(items).to_have_count(4)
    assert current_id(page) == ids[1]
    page.keyboard.press("r")
    expect(page.locator(f"#c-{ids[1]} select.reason")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items).to_have_count(3)
    assert current_id(page) == ids[2]
    page.keyboard.press("s")
    expect(items).to_have_count(2)
    assert current_id(page) == ids[3]
    page.keyboard.press("j")
    assert current_id(page) == ids[4]
    page.keyboard.press("a")
    expect(items).to_have_count(1)
    assert current_id(page) == ids[3]
    page.keyboard.press("z")  # the approval of the fifth was a slip
    expect(items).to_have_count(2)
    expect(page.locator("#announcer")).to_contain_text("Annulé")
    page.wait_for_function(f"document.activeElement.closest('#c-{ids[4]}') !== null")
    page.keyboard.press("s")
    expect(items).to_have_count(1)
    page.keyboard.press("a")
    expect(items).to_have_count(0)
    expect(page.locator("#empty-note")).to_be_visible()
    expect(page.locator('[data-count="review"]')).to_have_text("0")

    assert statuses(live, ids) == [APPROVED, REJECTED, SPAM, APPROVED, SPAM]
    assert log_of(live, ids[1]) == [("held", "rejected", "Ada", "moderator_action")]
    assert log_of(live, ids[4]) == [
        ("held", "approved", "Ada", "moderator_action"),
        ("approved", "held", "Ada", "undo"),
        ("held", "spam", "Ada", "moderator_action"),
    ]


def test_bulk_selection_decides_the_selected_comments_at_once(live: Stack, page: Page) -> None:
    ids = seed_held(live, 4)
    sign_in(page, live, add_moderator(live, "ada"))
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#selected-count")).to_have_text("2 sélectionné(s)")
    page.get_by_role("button", name="Sélection en spam").click()
    expect(page.locator("#items li.item")).to_have_count(2)
    assert statuses(live, ids) == [SPAM, HELD, SPAM, HELD]


def test_search_from_the_keyboard_finds_by_text(live: Stack, page: Page) -> None:
    ids = seed_held(live, 3)
    seed_held(live, 1, body="Le tramway sera livré avec un an de retard, hélas.")
    sign_in(page, live, add_moderator(live, "ada"))
    page.keyboard.press("/")
    expect(page.locator("#search-form [name=q]")).to_be_focused()
    page.keyboard.type("TRAMWAY")
    page.keyboard.press("Enter")
    expect(page.locator("#items li.item")).to_have_count(1)
    expect(page.locator("#items .body")).to_contain_text("tramway")
    for public_id in ids:
        expect(page.locator(f"#c-{public_id}")).to_have_count(0)


def test_revealing_an_email_shows_it_and_writes_the_audit_log(live: Stack, page: Page) -> None:
    [public_id] = seed_held(live, 1)
    sign_in(page, live, add_moderator(live, "ada"))
    email = page.locator(f"#c-{public_id} [data-email-for]")
    expect(email).to_have_text("l•••@example.org")
    page.locator(f"#c-{public_id} .reveal-form button").click()
    expect(email).to_have_text("lectrice0@example.org")
    with live.app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "email_revealed")
        ).all()
        assert [e.moderator_id is not None for e in entries] == [True]


def test_help_opens_with_a_question_mark_and_lets_the_focus_go(live: Stack, page: Page) -> None:
    seed_held(live, 2)
    sign_in(page, live, add_moderator(live, "ada"))
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    expect(help_dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    # Tab walks out of the queue to the end of the page: no trap.
    seen = set()
    for _ in range(200):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.tagName"))
        if page.evaluate("document.activeElement === document.body"):
            break
    assert {"A", "BUTTON", "INPUT", "SELECT"} <= seen


def test_new_comments_appear_without_reloading(live: Stack, page: Page) -> None:
    seed_held(live, 1)
    sign_in(page, live, add_moderator(live, "ada"))
    expect(page.locator("#items li.item")).to_have_count(1)
    [late] = seed_held(live, 1, key="demo-late")
    # The page polls every 15 seconds.
    expect(page.locator(f"#c-{late}")).to_be_attached(timeout=40_000)
    expect(page.locator('[data-count="review"]')).to_have_text("2")


def test_hostile_comments_run_nothing_in_the_queue_or_the_comment_page(
    live: Stack, page: Page
) -> None:
    corpus = payloads()
    stored = store_comments(live, "demo", [(p, sanitize.clean_html(p)) for p in corpus])
    sign_in(page, live, add_moderator(live, "ada"))
    traps = install_traps(page, live.service)
    shown: set[str] = set()
    url: str | None = f"{live.service}/moderate/?tab=all"
    while url:
        page.goto(url)
        shown |= set(page.eval_on_selector_all("li.item", "els => els.map(e => e.dataset.id)"))
        page.locator("li.item article").first.hover()
        traps.assert_clean(page)
        more = page.locator("#more")
        url = more.get_attribute("href") if more.count() else None
        if url:
            url = live.service + url
    assert shown == set(stored)
    # Names are text, never markup.
    for public_id in sorted(stored)[::8]:
        page.goto(f"{live.service}/moderate/comments/{public_id}")
        expect(page.locator(".author")).to_have_text(stored[public_id].author_name)
        page.locator("li.item article").first.hover()
        found = page.evaluate(
            """() => ({
                handlers: [...document.querySelectorAll('*')].flatMap((e) =>
                    [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))),
                scripts: [...document.scripts].map((s) => s.src),
                hrefs: [...document.querySelectorAll('[href]')].map((a) => a.href)
            })"""
        )
        assert found["handlers"] == []
        assert [s for s in found["scripts"] if not s.startswith(live.service)] == []
        assert [h for h in found["hrefs"] if not h.startswith(("http:", "https:"))] == []
    traps.assert_clean(page)


def serious_violations(page: Page) -> list[dict[str, object]]:
    from axe_playwright_python.sync_playwright import Axe

    page.evaluate(Axe().axe_script)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


MAIN_PAGES = (
    ("queue", "/moderate/"),
    ("queue-all", "/moderate/?tab=all&order=priority"),
    ("account", "/moderate/account"),
    ("moderators", "/moderate/moderators"),
    ("explanations", "/moderate/explanations"),
)


def test_every_main_page_passes_axe_in_both_languages_with_screenshots(
    live: Stack, page: Page, screenshots: object
) -> None:
    ids = seed_held(live, 3)
    add_moderator(live, "mona")
    email = add_moderator(live, "ada")
    for lang in ("fr", "en"):
        page.goto(f"{live.service}/moderate/login?lang={lang}")
        assert serious_violations(page) == [], lang
        page.screenshot(path=str(screenshots / f"workspace-login-{lang}.png"), full_page=True)  # type: ignore[operator]
        sign_in(page, live, email, lang)
        for name, path in (*MAIN_PAGES, ("comment", f"/moderate/comments/{ids[0]}")):
            page.goto(f"{live.service}{path}{'&' if '?' in path else '?'}lang={lang}")
            wait_ready(page)
            expect(page.locator("html")).to_have_attribute("lang", lang)
            if name == "queue":
                page.locator(f"#c-{ids[0]} details.explain summary").click()
                expect(page.locator(f"#c-{ids[0]} .explanation")).to_be_attached()
                page.keyboard.press("?")
                assert serious_violations(page) == [], (lang, "help")
                page.keyboard.press("Escape")
            assert serious_violations(page) == [], (lang, name)
            page.screenshot(
                path=str(screenshots / f"workspace-{name}-{lang}.png"),  # type: ignore[operator]
                full_page=True,
            )
        page.locator(".account-bar button[type=submit]").click()
        expect(page.locator("[name=password]")).to_be_visible()
