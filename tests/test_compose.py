"""docker-compose.yml parses, and each of its services has a twin in the tests.

postgres and redis are the PostgreSQL + Redis test leg; web, worker and beat run here as
the same commands the compose file gives them (gunicorn, a Celery worker on the compose
queues, a separate beat), against each backend, and a comment goes through them end to end.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from moderation.config import Settings
from tests.backends import Backend
from tests.conftest import _clean
from tests.conftest import build_app
from tests.helpers import add_article
from tests.processes import ROOT
from tests.processes import Process
from tests.processes import celery_beat
from tests.processes import free_port
from tests.processes import gunicorn
from tests.processes import settings_env
from tests.processes import wait_port

COMPOSE = ROOT / "docker-compose.yml"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def command_text(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_has_the_production_services() -> None:
    services = compose()["services"]
    assert set(services) == {
        "postgres",
        "redis",
        "redis-cache",
        "web",
        "worker",
        "webhooks",
        "beat",
    }
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert "noeviction" in command_text(services["redis"])
    # The cache is evictable and on a server of its own (the policy is per server).
    assert "allkeys-lru" in command_text(services["redis-cache"])
    assert "--maxmemory " in command_text(services["redis-cache"])
    env = compose()["x-moderation-env"]
    assert env["MODERATION_BROKER_URL"].startswith("redis://redis:")
    assert env["MODERATION_REDIS_URL"].startswith("redis://redis-cache:")
    images = {services[name]["image"] for name in ("web", "worker", "webhooks", "beat")}
    assert len(images) == 1, "web, worker and beat share one image"
    assert "moderation.wsgi:app" in command_text(services["web"])
    assert "db upgrade" in command_text(services["web"])
    assert "workers.main worker" in command_text(services["worker"])
    assert "workers.main beat" in command_text(services["beat"])
    assert command_text(services["webhooks"]).endswith("-Q webhooks")
    environment = services["web"]["environment"]
    assert environment["MODERATION_ENV"] == "production"
    assert "MODERATION_SECRET_KEY" in environment


def test_compose_config_parses_when_docker_compose_is_available(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True) if docker else None
    if probe is None or probe.returncode != 0:
        # No compose plugin on this machine: the YAML structure was checked above; this
        # check runs wherever `docker compose` exists.
        assert compose()["services"]
        return
    env = {"MODERATION_SECRET_KEY": "x" * 48, "POSTGRES_PASSWORD": "secret", "PATH": "/usr/bin"}
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "-q"], env=env, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()


def worker_queues() -> list[str]:
    args = compose()["services"]["worker"]["command"]
    return str(args[args.index("-Q") + 1]).split(",")


def form_token_at(port: int) -> str:
    """A form token from the running service, aged past the typing-speed minimum."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/articles/a1/form-token") as r:
        token = str(json.load(r)["render_token"])
    time.sleep(3.5)  # MODERATION_MIN_SECONDS_TO_WRITE is 3 s: a person takes longer
    return token


def wait_status(port: int, public_id: str, author_token: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    status = "pending"
    own = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/comments/{public_id}",
        headers={"Moderation-Author-Token": author_token},
    )
    while time.monotonic() < deadline:
        with urllib.request.urlopen(own) as r:
            status = json.load(r)["status"]
        if status != "pending":
            return status
        time.sleep(0.2)
    return status


@pytest.mark.slow
def test_web_worker_and_beat_twins_handle_a_comment(
    settings: Settings, backend: Backend, tmp_path: Path
) -> None:
    app = build_app(settings)
    add_article(app)
    port = free_port()
    web = gunicorn(settings, tmp_path / "web.log", port).start()
    worker_args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.main",
        "worker",
        "--loglevel=info",
        "--concurrency=1",
        "-Q",
        ",".join(worker_queues()),
        "--without-gossip",
        "--without-mingle",
    ]
    worker = Process(worker_args, settings_env(settings), tmp_path / "worker.log").start()
    beat = celery_beat(settings, tmp_path / "beat.log").start()
    try:
        wait_port(port)
        worker.wait_for_log("ready.", timeout=90)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/articles/a1/comments",
            data=json.dumps(
                {
                    "author_name": "Léa",
                    "email": "lea@example.org",
                    "body": "Merci pour ce reportage.",
                    "render_token": form_token_at(port),
                }
            ).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request) as response:
            assert response.status == 202
            receipt = json.load(response)
        assert wait_status(port, receipt["id"], receipt["author_token"]) == "approved"
        # The separate beat schedules the sweeper, and the worker runs it.
        beat.wait_for_log("Sending due task sweep-outbox", timeout=30)
        worker.wait_for_log("Task moderation.sweep_outbox[", timeout=30)
    finally:
        for process in (beat, worker, web):
            process.stop()
        _clean(app, backend)
