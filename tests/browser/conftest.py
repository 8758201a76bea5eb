"""Browser fixtures: Debian's Chromium driven by Playwright, against real processes.

Two origins, as in production: the service (gunicorn, origin B) and a newspaper page that
embeds it (``moderation.demo_host``, origin A). Both are started once per backend and
emptied before every test; each test gets a fresh browser context (no storage, no cache).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Generator
from collections.abc import Iterator
from pathlib import Path

import pytest

from moderation.services import article_signing
from tests.backends import Backend
from tests.backends import in_ci
from tests.browser.server_logs import LOG_STARTS
from tests.browser.server_logs import watch_logs
from tests.browser.widget import Stack
from tests.conftest import _clean
from tests.conftest import build_app
from tests.conftest import make_settings
from tests.processes import ROOT
from tests.processes import Process
from tests.processes import free_port
from tests.processes import gunicorn
from tests.processes import settings_env
from tests.processes import wait_port

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import BrowserContext
    from playwright.sync_api import Page
    from playwright.sync_api import sync_playwright
except ImportError:
    # A dev install without the browser extra: required in CI, announced elsewhere.
    if in_ci():
        raise
    sys.stderr.write("BROWSER TESTS NOT RUN: playwright is not installed\n")
    collect_ignore_glob = ["test_*.py"]

# Debian's package, never a browser downloaded by `playwright install`.
CHROMIUM = Path(os.environ.get("MODERATION_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# The running stack's server logs: a failing test's report carries what they got during it.
_SERVER_LOGS: list[Path] = []

MISSING_BROWSER = f"""
{"!" * 78}
BROWSER TESTS NOT RUN: {CHROMIUM} is missing.
Install Debian's Chromium (never a downloaded build):
    apt-get install chromium
{"!" * 78}"""


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if in_ci():
        pytest.fail(MISSING_BROWSER, pytrace=False)
    # Loud, not silent: a skipped browser suite must not look like a green one.
    sys.stderr.write(MISSING_BROWSER + "\n")
    pytest.skip(MISSING_BROWSER)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    _require_chromium()
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture(scope="session")
def stack(
    backend: Backend, tmp_path_factory: pytest.TempPathFactory, browser: Browser
) -> Iterator[Stack]:
    """gunicorn (origin B) and the demo newspaper (origin A), once per backend."""
    directory = tmp_path_factory.mktemp(f"browser-{backend.name}")
    host_port, service_port = free_port(), free_port()
    host = f"http://127.0.0.1:{host_port}"
    service = f"http://127.0.0.1:{service_port}"
    settings = make_settings(backend, directory, allowed_sites=(host,))
    web = gunicorn(settings, directory / "gunicorn.log", service_port)
    _SERVER_LOGS[:] = [directory / "gunicorn.log", directory / "demo_host.log"]
    # settings.rate_limit is "" (off), but the config reader takes a blank variable for
    # "unset" and applies the default 5 per minute: give the suite an explicit high limit.
    web.env["MODERATION_RATE_LIMIT"] = "10000 per minute"
    web.start()
    page_server = Process(
        [
            sys.executable,
            "-m",
            "moderation.demo_host",
            "--port",
            str(host_port),
            "--service",
            service,
            "--hostile-css",
            "--signing-key",
            article_signing.site_secret(settings.secret_key, host),
        ],
        settings_env(settings),
        directory / "demo_host.log",
    ).start()
    try:
        wait_port(service_port)
        wait_port(host_port)
        web.wait_for_log("Booting worker", timeout=30)
        # A first request to each origin pays the cold start (imports, first connections)
        # here, with a generous bound, rather than inside a test's 10-second navigation.
        _warm(f"{service}/api/v1/health", f"{service}/moderate/login", f"{host}/")
        yield Stack(backend, settings, build_app(settings), service, host)
    finally:
        page_server.stop()
        web.stop()


def _warm(*urls: str) -> None:
    import urllib.request

    for url in urls:
        with urllib.request.urlopen(url, timeout=120) as response:
            response.read()


@pytest.fixture
def live(stack: Stack, request: pytest.FixtureRequest) -> Iterator[Stack]:
    """The stack with an empty database (and cache) for this test."""
    _clean(stack.app, stack.backend)
    watch_logs(request, _SERVER_LOGS)
    yield stack
    _clean(stack.app, stack.backend)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed test's report shows what the stack's servers logged while it ran."""
    report = yield
    starts = item.stash.get(LOG_STARTS, None)
    if report.failed and starts:
        for path, start in starts.items():
            with path.open("rb") as log:
                log.seek(start)
                written = log.read().decode("utf-8", "replace")
            if written.strip():
                report.sections.append((f"Captured {path.name} ({call.when})", written[-20_000:]))
    return report


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1000, "height": 900}
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
