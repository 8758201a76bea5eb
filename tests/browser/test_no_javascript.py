"""Without JavaScript, the service's own comment page does everything the widget does."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect

from tests.browser.widget import Stack
from tests.browser.widget import approve
from tests.browser.widget import seed_approved
from tests.helpers import canary_email

PENDING_NOTICE = "Votre commentaire est en attente de modération."


@pytest.fixture
def nojs_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def fill(page: Page, *, name: str, email: str, body: str, website: str = "") -> None:
    form = page.locator("form#respond")
    form.locator("[name=author_name]").fill(name)
    form.locator("[name=email]").fill(email)
    form.locator("[name=website]").fill(website)
    form.locator("[name=body]").fill(body)
    form.get_by_role("button", name="Publier le commentaire").click()


def test_no_js_comment_is_pending_then_published_after_approval(
    live: Stack, nojs_page: Page
) -> None:
    page = nojs_page
    seed_approved(live, "demo", 1, author="Claire")
    url = f"{live.service}/embed/articles/demo?lang=fr"
    page.goto(url)
    expect(page.locator("#comments-title")).to_have_text("1 commentaire")
    fill(page, name="Paul", email=canary_email(), body="Sans JavaScript, ça marche aussi.")
    expect(page).to_have_url(re.compile(r"[?&]posted="))
    expect(page.get_by_role("status")).to_have_text(PENDING_NOTICE)
    posted = parse_qs(urlsplit(page.url).query)["posted"][0]

    approve(live, posted)
    page.goto(url)
    expect(page.locator("#comments-title")).to_have_text("2 commentaires")
    mine = page.locator(f"#c-{posted}")
    expect(mine).to_contain_text("Sans JavaScript, ça marche aussi.")
    expect(mine.locator(".author")).to_have_text("Paul")


def test_no_js_errors_are_french_and_keep_what_was_typed(live: Stack, nojs_page: Page) -> None:
    page = nojs_page
    seed_approved(live, "demo", 1)
    page.goto(f"{live.service}/embed/articles/demo?lang=fr")
    long_body = "Une phrase beaucoup trop longue. " * 160
    fill(page, name="", email="pas-une-adresse", body=long_body, website="mon site")
    expect(page.get_by_role("alert")).to_have_text("Veuillez corriger les champs signalés.")
    expected = {
        "author_name": "Ce champ est obligatoire.",
        "email": "Saisissez une adresse e-mail valide.",
        "website": "Saisissez une adresse web commençant par http:// ou https://.",
        "body": "Ce champ ne doit pas dépasser 5000 caractères.",
    }
    form = page.locator("form#respond")
    for name, message in expected.items():
        field = form.locator(f"[name={name}]")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(message)
    expect(form.locator("[name=email]")).to_have_value("pas-une-adresse")
    expect(form.locator("[name=website]")).to_have_value("mon site")
    expect(form.locator("[name=body]")).to_have_value(long_body)
