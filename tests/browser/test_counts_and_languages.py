"""Comment counts anywhere on the page (one request), the English page, and screenshots."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.widget import HOST
from tests.browser.widget import Stack
from tests.browser.widget import fill_form
from tests.browser.widget import open_article
from tests.browser.widget import seed_approved
from tests.browser.widget import submit


def test_counts_fill_every_snippet_with_one_request(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 3)
    seed_approved(live, "demo-2", 1)
    seed_approved(live, "demo-4", 2)  # demo-3 has no article at all: 0
    count_requests: list[str] = []
    page.on(
        "request", lambda r: count_requests.append(r.url) if "/api/v1/counts" in r.url else None
    )
    open_article(page, live.host + "/")
    expected = {
        "demo": "3 commentaires",
        "demo-2": "1 commentaire",
        "demo-3": "Soyez le premier à commenter",
        "demo-4": "2 commentaires",
    }
    for key, text in expected.items():
        expect(page.locator(f"[data-moderation-count={key}]")).to_have_text(text)
    assert len(count_requests) == 1
    asked = parse_qs(urlsplit(count_requests[0]).query)["article"]
    assert sorted(asked) == sorted(expected)


def test_counts_follow_each_element_language(live: Stack, page: Page) -> None:
    seed_approved(live, "demo-2", 1)
    page.goto(live.host + "/")
    # A page may mix languages: an element's own data-lang wins over the page's.
    page.evaluate(
        """() => {
            const el = document.createElement('span');
            el.id = 'english-count';
            el.setAttribute('data-moderation-count', 'demo-2');
            el.setAttribute('data-lang', 'en');
            document.body.append(el);
            return window.ModerationEmbed.render(el);
        }"""
    )
    expect(page.locator("#english-count")).to_have_text("1 comment")
    expect(page.locator("[data-moderation-count=demo-2]").first).to_have_text("1 commentaire")


def test_english_page_shows_english_strings_for_an_empty_thread(live: Stack, page: Page) -> None:
    open_article(page, live.host + "/en")
    widget = page.locator(HOST)
    expect(widget.locator("h2")).to_have_text("Be the first to comment")
    expect(widget.locator("form.form h3")).to_have_text("Leave a comment")
    expect(widget.get_by_role("button", name="Post comment")).to_be_visible()
    expect(widget.get_by_role("textbox", name="Name", exact=True)).to_be_visible()
    expect(widget.locator("section")).to_have_attribute("lang", "en")
    expect(page.locator("[data-moderation-count=demo-2]")).to_have_text("Be the first to comment")
    # Errors come back in the reader's language too.
    submit(page)
    expect(widget.get_by_role("alert")).to_have_text("Please correct the highlighted fields.")
    expect(widget.locator("form.form [name=author_name]")).to_have_accessible_description(
        "This field is required."
    )
    # The first comment creates the article: the page's origin is a configured site.
    fill_form(page, name="Sam", email="sam@example.org", body="First!")
    submit(page)
    expect(widget.get_by_role("status").filter(has_text="awaiting moderation")).to_be_visible()
    expect(widget.locator("li.own .badge")).to_have_text("Awaiting moderation")


def test_screenshots_of_the_widget(live: Stack, page: Page, screenshots: Path) -> None:
    """Not an assertion of looks: pictures for people to review (test-artifacts/)."""
    widget = page.locator(HOST)
    open_article(page, live.host + "/")
    widget.screenshot(path=screenshots / "widget-fr-empty.png")

    [first, second, _third] = seed_approved(live, "demo", 3, author="Claire")
    seed_approved(live, "demo", 1, start=3, parent_id=first, author="Marc")
    seed_approved(live, "demo", 1, start=4, parent_id=second, author="Inès")
    open_article(page, live.host + "/")
    fill_form(page, name="Camille", email="camille@example.org", body="En attente, pour voir.")
    submit(page)
    expect(widget.locator("li.own")).to_have_count(1)
    widget.screenshot(path=screenshots / "widget-fr.png")

    fill_form(page, name="", email="pas-une-adresse", body="")
    submit(page)
    expect(widget.locator("form.form [aria-invalid=true]")).to_have_count(3)
    widget.locator("form.form").screenshot(path=screenshots / "widget-fr-errors.png")

    open_article(page, live.host + "/en")
    widget.get_by_role("button", name="Report").first.click()
    widget.screenshot(path=screenshots / "widget-en.png")
    open_article(page, live.host + "/hostile")
    widget.screenshot(path=screenshots / "widget-under-hostile-css.png")
