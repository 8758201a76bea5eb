"""Driving the embedded comment section from a test: it lives in a shadow root.

Playwright's CSS and role locators pierce open shadow roots, so most steps are plain
locators; what they cannot do (serialize shadow DOM, read the focused element inside it,
watch for injected script) is here, along with seeding and moderating through the service.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

from flask import Flask

from moderation.config import Settings
from moderation.models import CommentStatus
from tests.backends import Backend
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status

if TYPE_CHECKING:
    from playwright.sync_api import Dialog
    from playwright.sync_api import Page
    from playwright.sync_api import Request

HOST = "[data-moderation-article]"


@dataclass(frozen=True)
class Stack:
    """The running service and newspaper page, and an in-process app on the same database."""

    backend: Backend
    settings: Settings
    app: Flask
    service: str  # origin B, e.g. http://127.0.0.1:41234
    host: str  # origin A, the newspaper page


def wait_ready(page: Page, selector: str = HOST) -> None:
    """Wait until the widget under ``selector`` has rendered its thread and form."""
    page.wait_for_function(
        "sel => { const h = document.querySelector(sel);"
        " return !!(h && h.shadowRoot && h.shadowRoot.querySelector('[data-ready]')); }",
        arg=selector,
    )


def open_article(page: Page, url: str) -> None:
    page.goto(url)
    wait_ready(page)


def shadow_html(page: Page) -> str:
    """The markup of every open shadow root on the page (page.content() skips them)."""
    return str(
        page.evaluate(
            """() => {
                const out = [];
                const walk = (root) => root.querySelectorAll('*').forEach((el) => {
                    if (el.shadowRoot) { out.push(el.shadowRoot.innerHTML); walk(el.shadowRoot); }
                });
                walk(document);
                return out.join('\\n');
            }"""
        )
    )


def focused(page: Page) -> dict[str, str]:
    """Tag, name and text of the element that has the keyboard focus, inside shadow roots."""
    result = page.evaluate(
        """() => {
            let el = document.activeElement;
            while (el && el.shadowRoot && el.shadowRoot.activeElement) {
                el = el.shadowRoot.activeElement;
            }
            return el ? {tag: el.tagName.toLowerCase(), name: el.getAttribute('name') || '',
                         type: el.getAttribute('type') || '', text: el.textContent.trim()} : {};
        }"""
    )
    return {str(k): str(v) for k, v in result.items()}


def fill_form(
    page: Page,
    *,
    name: str = "",
    email: str = "",
    body: str = "",
    website: str = "",
    scope: str = HOST,
) -> None:
    form = page.locator(scope).locator("form.form")
    form.locator("[name=author_name]").fill(name)
    form.locator("[name=email]").fill(email)
    form.locator("[name=website]").fill(website)
    form.locator("[name=body]").fill(body)


def submit(page: Page, scope: str = HOST) -> None:
    page.locator(scope).locator("form.form button[type=submit]").click()


# ----------------------------------------------------------------- the service's side


def seed_approved(
    stack: Stack,
    key: str,
    count: int,
    *,
    author: str = "Lecteur",
    start: int = 0,
    parent_id: str | None = None,
    dated: Sequence[dt.datetime] = (),
) -> list[str]:
    """``count`` approved comments on ``key`` (the article is created if needed).

    ``dated`` gives the first comments fixed creation times, for tests of date formatting.
    """
    add_article(stack.app, key)
    client = stack.app.test_client()
    ids = []
    for index in range(start, start + count):
        public_id = post(
            client,
            key=key,
            author_name=f"{author} {index + 1}",
            email=f"lecteur{index}@example.org",
            body=f"Commentaire numéro {index + 1} : la séance était longue mais utile.",
            parent_id=parent_id,
        )
        set_status(stack.app, public_id, CommentStatus.APPROVED)
        if index - start < len(dated):
            set_created_at(stack.app, public_id, dated[index - start])
        ids.append(public_id)
    # set_status writes behind the services' back: drop any cached thread or count.
    stack.app.extensions["moderation.deps"].cache.invalidate([key])
    return ids


def api(stack: Stack, method: str, path: str, body: object = None, token: str = "") -> object:
    """A request to the running service (not the in-process app)."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(stack.service + path, data, headers, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def approve(stack: Stack, public_id: str) -> None:
    """Approve through the moderator API, as a moderator would."""
    token = moderator_token(stack.app, "browser-tests")
    api(
        stack,
        "POST",
        f"/api/v1/moderation/comments/{public_id}/decision",
        {"action": "approve"},
        token,
    )


def own_comment_ids(page: Page, key: str = "demo") -> list[str]:
    """The ids of the comments this browser follows (stored with their author tokens)."""
    raw = page.evaluate(f"localStorage.getItem('moderation:pending:{key}')")
    return [entry["id"] for entry in json.loads(raw)] if raw else []


# ----------------------------------------------------------------- traps for injected script

XSS_TRAPS = """
(() => {
  window.__xss = [];
  const record = (what) => (...args) => {
    const entry = what + ':' + args.map(String).join(',');
    window.__xss.push(entry);
    try { window.__xssReport(entry); } catch (e) { /* binding not ready in this frame */ }
  };
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    try { Object.defineProperty(window, name, {value: record(name), writable: false}); }
    catch (e) { window[name] = record(name); }
  }
})();
"""

MARKER = "XSS-MARKER"


@dataclass
class Traps:
    """Everything that would show a script ran or the page called a foreign origin."""

    allowed_origins: tuple[str, ...]
    calls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def record(self, entry: str) -> None:
        self.calls.append(entry)

    def on_request(self, request: Request) -> None:
        url = request.url
        if url.startswith(("data:", "about:", "blob:")):
            return
        if not url.startswith(tuple(origin + "/" for origin in self.allowed_origins)):
            self.foreign_requests.append(url)

    def assert_clean(self, page: Page) -> None:
        in_page = page.evaluate("window.__xss || []")
        assert self.calls == []
        assert in_page == []
        assert self.dialogs == []
        assert [line for line in self.console if MARKER in line] == []
        assert self.foreign_requests == []


def install_traps(page: Page, *allowed_origins: str) -> Traps:
    """Hook alert/confirm/prompt/print in every frame before any page script runs."""
    traps = Traps(allowed_origins)
    page.expose_function("__xssReport", traps.record)
    page.add_init_script(XSS_TRAPS)

    def on_dialog(dialog: Dialog) -> None:
        traps.dialogs.append(f"{dialog.type}:{dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: traps.console.append(message.text))
    page.on("request", traps.on_request)
    return traps
