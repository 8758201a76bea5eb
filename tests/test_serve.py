"""``make run`` (``moderation serve``): web, worker and demo newspaper start, answer, and all
stop with the command."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.processes import ROOT
from tests.processes import free_port
from tests.processes import wait_port
from tests.processes import with_test_clock

pytestmark = pytest.mark.slow


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_serve_runs_the_service_and_the_demo_page_then_stops_them(tmp_path: Path) -> None:
    web, demo = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update({"MODERATION_INSTANCE_DIR": str(tmp_path / "instance"), "PYTHONUNBUFFERED": "1"})
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - the child's output
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "moderation.cli",
            "serve",
            "--port",
            str(web),
            "--demo-port",
            str(demo),
        ],
        cwd=ROOT,
        env=with_test_clock(env),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_port(web, timeout=60)
        wait_port(demo, timeout=60)
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/api/v1/health") as response:
            assert json.load(response) == {"status": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{demo}/") as response:
            page = response.read().decode()
        assert 'data-moderation-article="demo"' in page
        assert f"http://127.0.0.1:{web}/embed.js" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/api/v1/articles/demo/comments") as r:
            assert json.load(r)["total"] == 3
        output = (tmp_path / "serve.log").read_text()
        assert "Bearer mod_" in output
        assert_demo_login_opens_the_workspace(web, output)
        assert_readme_comment_is_approved(web)
        assert_the_model_holds_the_demo_insult(web, output)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
        log.close()
    deadline = time.monotonic() + 20
    while (listening(web) or listening(demo)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not listening(web)
    assert not listening(demo)


def assert_demo_login_opens_the_workspace(port: int, output: str) -> None:
    """The login printed next to the demo pages signs in to the moderators' workspace."""
    import http.cookiejar
    import re
    import urllib.parse

    found = re.search(r"moderator:\s+(\S+) / (\S+)", output)
    assert found, output
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    base = f"http://127.0.0.1:{port}/moderate"
    with opener.open(f"{base}/login") as response:
        token = re.search(r'name="csrf-token" content="([^"]+)"', response.read().decode())
    assert token
    form = {"email": found.group(1), "password": found.group(2), "csrf_token": token.group(1)}
    with opener.open(f"{base}/login", urllib.parse.urlencode(form).encode()) as response:
        assert response.url == f"{base}/"
        assert 'id="queue"' in response.read().decode()


def assert_readme_comment_is_approved(port: int) -> None:
    """The README's curl walk-through: form token, post, read back as its author, thread."""
    api = f"http://127.0.0.1:{port}/api/v1"
    with urllib.request.urlopen(f"{api}/articles/demo/form-token") as response:
        token = json.load(response)["render_token"]
    time.sleep(3.2)  # the README's "at least 3 seconds later" (a person typing)
    body = {
        "author_name": "Camille",
        "email": "camille@example.org",
        "body": "Merci pour ce compte rendu du conseil municipal.",
        "render_token": token,
    }
    request = urllib.request.Request(
        f"{api}/articles/demo/comments",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Accept-Language": "fr"},
    )
    with urllib.request.urlopen(request) as response:
        assert response.status == 202
        receipt = json.load(response)
    assert receipt["status"] == "pending"
    mine = urllib.request.Request(
        f"{api}/comments/{receipt['id']}",
        headers={"Moderation-Author-Token": receipt["author_token"]},
    )
    deadline = time.monotonic() + 30
    status = "pending"
    while status == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
        with urllib.request.urlopen(mine) as response:
            status = json.load(response)["status"]
    assert status == "approved"
    with urllib.request.urlopen(f"{api}/articles/demo/comments") as response:
        thread = json.load(response)
    assert receipt["id"] in json.dumps(thread)


def assert_the_model_holds_the_demo_insult(port: int, output: str) -> None:
    """The demo's insult, in no word list, is held by the built-in model, with its score."""
    import re

    from moderation.cli import DEMO_TOXIC_COMMENT

    bearer = re.search(r"Bearer (mod_\S+)'", output)
    assert bearer, output
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/moderation/comments?status=held",
        headers={"Authorization": f"Bearer {bearer.group(1)}"},
    )
    deadline = time.monotonic() + 60
    held: list[dict[str, object]] = []
    while not held and time.monotonic() < deadline:
        with urllib.request.urlopen(request) as response:
            found = json.load(response)["comments"]
        held = [c for c in found if c["body_text"] == DEMO_TOXIC_COMMENT]
        if not held:
            time.sleep(0.3)
    assert held, "the demo insult was never held"
    reasons = held[0]["reasons"]
    assert isinstance(reasons, list)
    rules = {r["rule"]: r for r in reasons}
    assert rules["classifier:builtin-toxicity"]["code"] == "score_above_hold", reasons
    assert "banned_word" not in rules, reasons
