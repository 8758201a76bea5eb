"""The webhook pages in Debian's Chromium, against gunicorn and a real Celery worker: an
admin registers an endpoint pointing to a local receiver, copies its secret, sends a test
event and sees the delivery in the log; an endpoint the receiver turned off (410) shows on
the queue and is turned on again; hostile descriptions and answers run nothing; axe finds
nothing serious in either language."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import BrowserContext
from playwright.sync_api import Page
from playwright.sync_api import expect

from moderation.db import db
from moderation.models import DeliveryStatus
from moderation.models import WebhookAttempt
from moderation.models import WebhookDelivery
from moderation.services import webhooks
from tests.backends import Backend
from tests.browser.server_logs import watch_logs
from tests.browser.test_workspace import serious_violations
from tests.browser.test_xss import payloads
from tests.browser.widget import Stack
from tests.browser.widget import install_traps
from tests.browser.workspace import add_moderator
from tests.browser.workspace import sign_in
from tests.browser.workspace import wait_ready
from tests.conftest import _clean
from tests.conftest import build_app
from tests.conftest import make_settings
from tests.processes import celery_worker
from tests.processes import free_port
from tests.processes import gunicorn
from tests.processes import wait_port
from tests.webhook_helpers import LOOPBACK
from tests.webhook_receivers import Reply
from tests.webhook_receivers import receiving

DELIVERY_TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def hook_stack(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory, browser: object
) -> Iterator[Stack]:
    """gunicorn and a worker on the webhooks queue; 127.0.0.1 may receive webhooks."""
    directory = tmp_path_factory.mktemp(f"webhook-pages-{backend.name}")
    port = free_port()
    settings = make_settings(backend, directory, webhook_allowed_networks=LOOPBACK)
    web = gunicorn(settings, directory / "gunicorn.log", port, workers=1)
    web.env["MODERATION_RATE_LIMIT"] = "10000 per minute"
    worker = celery_worker(settings, directory / "worker.log", beat=False, queues="webhooks")
    web.start()
    worker.start()
    try:
        wait_port(port)
        web.wait_for_log("Booting worker", timeout=30)
        worker.wait_for_log("ready.", timeout=60)
        service = f"http://127.0.0.1:{port}"
        _warm(f"{service}/moderate/login")
        yield Stack(backend, settings, build_app(settings), service, service)
    finally:
        worker.stop()
        web.stop()


def _warm(url: str) -> None:
    import urllib.request

    with urllib.request.urlopen(url, timeout=120) as response:
        response.read()


@pytest.fixture
def hooks(hook_stack: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    _clean(hook_stack.app, hook_stack.backend)
    directory = Path(hook_stack.settings.instance_dir)
    watch_logs(request, [directory / "gunicorn.log", directory / "worker.log"])
    yield hook_stack
    _clean(hook_stack.app, hook_stack.backend)


def wait_for_status(page: Page, status: str) -> None:
    """Reload the log until its newest delivery has ``status`` (the worker is real)."""
    badge = page.locator(f".delivery .badge.{status}").first
    deadline = dt.datetime.now(dt.UTC) + dt.timedelta(milliseconds=DELIVERY_TIMEOUT_MS)
    while dt.datetime.now(dt.UTC) < deadline:
        if badge.count():
            return
        page.wait_for_timeout(300)
        page.reload()
        wait_ready(page)
    expect(badge).to_be_visible()


def test_an_admin_registers_an_endpoint_tests_it_and_sees_the_delivery(
    hooks: Stack, context: BrowserContext, page: Page, screenshots: Path
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=hooks.service)
    traps = install_traps(page, hooks.service)
    answer = b"<p>merci</p><script>alert('answer')</script>"
    with receiving(Reply(200, answer), Reply(410, b"gone")) as receiver:
        sign_in(page, hooks, add_moderator(hooks, "ada"))
        page.get_by_role("link", name="Webhooks").click()
        wait_ready(page)
        expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
        assert serious_violations(page) == []
        page.get_by_label("Adresse", exact=True).fill(receiver.url)
        page.get_by_label("Description", exact=True).fill('CMS <img src=x onerror="alert(1)">')
        page.get_by_label("comment.held").check()
        page.get_by_role("button", name="Enregistrer le point de réception").click()
        wait_ready(page)

        secret_field = page.locator("#secret")
        secret = secret_field.input_value()
        assert secret.startswith("whsec_")
        assert serious_violations(page) == []
        page.screenshot(path=str(screenshots / "workspace-webhook-secret-fr.png"), full_page=True)
        page.get_by_role("button", name="Copier").click()
        expect(page.get_by_role("button", name="Copié")).to_be_visible()
        assert page.evaluate("navigator.clipboard.readText()") == secret
        receiver.secret = secret  # from now on the receiver checks every signature

        page.get_by_role("link", name="Aller au point de réception").click()
        wait_ready(page)
        assert secret not in page.content()
        expect(page.locator("h1 .endpoint-url")).to_have_text(receiver.url)
        assert serious_violations(page) == []
        page.get_by_role("button", name="Envoyer un événement de test").first.click()
        wait_ready(page)
        expect(page.get_by_role("status").first).to_contain_text("Un événement de test")
        wait_for_status(page, "delivered")
        [received] = receiver.wait_for(1)
        assert received.verified is True
        delivery = page.locator("li.delivery").first
        expect(delivery).to_contain_text("webhook.test")
        expect(delivery).to_contain_text(received.headers["webhook-id"])
        expect(delivery.locator("td.status-code")).to_have_text("200")
        expect(delivery.locator("pre.excerpt")).to_have_text(answer.decode())
        assert serious_violations(page) == []
        page.screenshot(path=str(screenshots / "workspace-webhook-log-fr.png"), full_page=True)

        # The second answer is 410 Gone: the service turns the endpoint off.
        page.get_by_role("button", name="Envoyer un événement de test").first.click()
        wait_ready(page)
        wait_for_status(page, "failed")
        receiver.wait_for(2)
    page.goto(f"{hooks.service}/moderate/")
    wait_ready(page)
    banner = page.locator("#webhook-alert")
    expect(banner).to_contain_text("410 Gone")
    assert serious_violations(page) == []
    banner.get_by_role("link", name=receiver.url).click()
    wait_ready(page)
    page.get_by_role("button", name=f"Réactiver : {receiver.url}").click()
    wait_ready(page)
    expect(page.get_by_role("status").first).to_contain_text("réactivé")
    expect(page.locator(".facts .badge.on")).to_be_visible()
    page.goto(f"{hooks.service}/moderate/")
    wait_ready(page)
    expect(page.locator("#webhook-alert")).to_have_count(0)
    traps.assert_clean(page)


def test_hostile_descriptions_and_answers_run_nothing(hooks: Stack, page: Page) -> None:
    corpus = payloads()
    ids = []
    with hooks.app.app_context():
        deps = hooks.app.extensions["moderation.deps"]
        now = deps.clock.now()
        for n, start in enumerate(range(0, len(corpus), 40)):
            chunk = corpus[start : start + 40]
            fields = webhooks.parse_fields(
                {
                    "url": f"http://127.0.0.1:9/hook{n}",
                    # Control characters are refused in a description (tested elsewhere).
                    "description": "".join(
                        c for c in " ".join(chunk) if c in "\n\t" or unicodedata.category(c) != "Cc"
                    )[:500],
                },
                creating=True,
            )
            endpoint, _ = webhooks.create_endpoint(db.session, deps, fields)
            delivery = WebhookDelivery(
                message_id=webhooks.new_message_id(),
                endpoint_id=endpoint.id,
                event_type="comment.created",
                payload={},
                status=DeliveryStatus.FAILED,
                attempts=len(chunk),
                failures=len(chunk),
                created_at=now,
                finished_at=now,
            )
            db.session.add(delivery)
            db.session.flush()
            for number, payload in enumerate(chunk, start=1):
                db.session.add(
                    WebhookAttempt(
                        delivery_id=delivery.id,
                        number=number,
                        started_at=now,
                        status_code=500,
                        latency_ms=3,
                        error=payload.replace("\x00", "")[:200],
                        response_excerpt=payload.replace("\x00", "")[:2048],
                    )
                )
            ids.append(endpoint.id)
        db.session.commit()
        shown = db.session.scalar(sa.select(sa.func.count(WebhookAttempt.id)))
    assert shown == len(corpus)
    sign_in(page, hooks, add_moderator(hooks, "ada"))
    traps = install_traps(page, hooks.service)
    paths = ["/moderate/webhooks"]
    for endpoint_id in ids:
        paths += [
            f"/moderate/webhooks/{endpoint_id}",
            f"/moderate/webhooks/{endpoint_id}/deliveries",
        ]
    for path in paths:
        page.goto(hooks.service + path)
        wait_ready(page)
        page.locator("main").hover()
        found = page.evaluate(
            """() => ({
                handlers: [...document.querySelectorAll('*')].flatMap((e) =>
                    [...e.attributes].map((a) => a.name).filter((n) => n.startsWith('on'))),
                scripts: [...document.scripts].map((s) => s.src),
                frames: document.querySelectorAll('iframe, object, embed').length
            })"""
        )
        assert found["handlers"] == [], path
        assert [s for s in found["scripts"] if not s.startswith(hooks.service)] == [], path
        assert found["frames"] == 0, path
    traps.assert_clean(page)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_webhook_pages_pass_axe(hooks: Stack, page: Page, lang: str) -> None:
    with hooks.app.app_context():
        deps = hooks.app.extensions["moderation.deps"]
        fields = webhooks.parse_fields(
            {"url": "http://127.0.0.1:9/hook", "description": "CMS"}, creating=True
        )
        endpoint, _ = webhooks.create_endpoint(db.session, deps, fields)
        webhooks.send_test(db.session, deps, endpoint.id)
        endpoint.is_active, endpoint.disabled_reason = False, "failing"
        db.session.commit()
        endpoint_id = endpoint.id
    sign_in(page, hooks, add_moderator(hooks, "ada"), lang)
    for path in (
        "/moderate/webhooks",
        f"/moderate/webhooks/{endpoint_id}",
        f"/moderate/webhooks/{endpoint_id}/deliveries",
        "/moderate/",
    ):
        page.goto(f"{hooks.service}{path}?lang={lang}")
        wait_ready(page)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        assert serious_violations(page) == [], (lang, path)
    # A form sent back with its errors is checked too.
    page.goto(f"{hooks.service}/moderate/webhooks?lang={lang}")
    page.locator("#new-endpoint button[type=submit]").click()
    wait_ready(page)
    expect(page.locator("#url-error")).to_be_visible()
    assert serious_violations(page) == [], (lang, "errors")
