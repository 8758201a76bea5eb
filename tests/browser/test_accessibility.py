"""Accessibility: axe-core finds nothing serious, and the keyboard alone can do everything."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.widget import HOST
from tests.browser.widget import Stack
from tests.browser.widget import focused
from tests.browser.widget import open_article
from tests.browser.widget import seed_approved
from tests.browser.widget import submit

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core on the widget only (its shadow tree included), serious and critical issues."""
    axe = Axe()
    page.evaluate(axe.axe_script)
    results = page.evaluate(
        "([host, tags]) => axe.run({include: [[host]]}, {runOnly: {type: 'tag', values: tags}})",
        [HOST, AXE_TAGS],
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_widget_has_no_serious_axe_violations(live: Stack, page: Page) -> None:
    [first, _second] = seed_approved(live, "demo", 2)
    seed_approved(live, "demo", 1, start=2, parent_id=first)
    open_article(page, live.host + "/")
    assert serious_violations(page) == []

    widget = page.locator(HOST)
    # The states a reader meets: field errors, an open report form, the form moved to reply.
    submit(page)
    expect(widget.locator("form.form [aria-invalid=true]")).to_have_count(3)
    widget.get_by_role("button", name="Signaler").nth(1).click()
    expect(widget.locator("form.report")).to_be_visible()
    assert serious_violations(page) == []
    widget.get_by_role("button", name="Répondre").first.click()
    expect(widget.locator(".reply-slot form.form")).to_be_visible()
    assert serious_violations(page) == []


def test_keyboard_alone_fills_and_sends_the_form(live: Stack, page: Page) -> None:
    seed_approved(live, "demo", 1)
    open_article(page, live.host + "/")
    widget = page.locator(HOST)
    widget.locator("form.form [name=author_name]").focus()
    page.keyboard.type("Zoé")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "email"
    page.keyboard.type("zoe@example.org")
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "website"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "body"
    page.keyboard.type("Écrit sans souris.")
    page.keyboard.press("Tab")
    assert focused(page)["type"] == "checkbox"  # remember me (the honeypot is skipped)
    page.keyboard.press("Tab")
    assert focused(page) == {
        "tag": "button",
        "name": "",
        "type": "submit",
        "text": "Publier le commentaire",
    }
    # The focus is visible, in the accent colour.
    outline = widget.locator("form.form button[type=submit]").evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineColor]; }"
    )
    assert outline == ["solid", "rgb(179, 0, 45)"]
    page.keyboard.press("Enter")
    expect(widget.locator("li.own")).to_contain_text("Écrit sans souris.")
    expect(widget.get_by_role("status").filter(has_text="en attente de modération")).to_be_visible()

    # Reply and report work from the keyboard too.
    reply = widget.get_by_role("button", name="Répondre").first
    reply.focus()
    assert reply.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "body"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["name"] == "author_name"
    cancel = widget.get_by_role("button", name="Annuler la réponse")
    cancel.focus()
    page.keyboard.press("Enter")
    assert focused(page)["text"] == "Répondre"
    expect(reply).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Signaler"
    assert focused(page)["type"] == "radio"
    page.keyboard.press("ArrowDown")
    assert focused(page)["type"] == "radio"
    page.keyboard.press("Escape")
    assert focused(page)["text"] == "Signaler"
    expect(widget.locator("form.report")).to_have_count(0)
