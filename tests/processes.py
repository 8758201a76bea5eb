"""Real processes for the integration tests: Celery workers, beat, gunicorn, redis-server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moderation.config import Settings
from tests.backends import in_ci

ROOT = Path(__file__).resolve().parent.parent


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes a child process build the same ``Settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MODERATION_")}
    env.update(
        {
            "MODERATION_ENV": settings.env,
            "MODERATION_SECRET_KEY": settings.secret_key,
            "MODERATION_DATABASE_URL": settings.database_url,
            "MODERATION_BROKER_URL": settings.broker_url,
            "MODERATION_REDIS_URL": settings.redis_url,
            "MODERATION_INSTANCE_DIR": settings.instance_dir,
            "MODERATION_ALLOWED_SITES": ",".join(settings.allowed_sites),
            "MODERATION_AUTO_CREATE_ARTICLES": str(settings.auto_create_articles).lower(),
            "MODERATION_RATE_LIMIT": settings.rate_limit,
            "MODERATION_PREMODERATION": settings.premoderation.value,
            "MODERATION_MAX_LINKS": str(settings.max_links),
            "MODERATION_BANNED_WORDS": ",".join(settings.banned_words),
            "MODERATION_OUTBOX_STALE_SECONDS": str(settings.outbox_stale_seconds),
            "MODERATION_OUTBOX_MAX_ATTEMPTS": str(settings.outbox_max_attempts),
            "MODERATION_SWEEP_INTERVAL_SECONDS": str(settings.sweep_interval_seconds),
            "MODERATION_IP_STORAGE": settings.ip_storage.value,
            "MODERATION_NAME_MAX_LENGTH": str(settings.name_max_length),
            "MODERATION_BODY_MIN_LENGTH": str(settings.body_min_length),
            "MODERATION_BODY_MAX_LENGTH": str(settings.body_max_length),
            "MODERATION_WEBSITE_MAX_LENGTH": str(settings.website_max_length),
            "MODERATION_MAX_DEPTH": str(settings.max_depth),
            "MODERATION_CHECK_DELIVERABILITY": str(settings.check_deliverability).lower(),
            "MODERATION_TRUSTED_PROXIES": str(settings.trusted_proxies),
            "MODERATION_DEFAULT_LOCALE": settings.default_locale,
            "MODERATION_TIMEZONE": settings.timezone,
            "MODERATION_SITE_URL": settings.site_url,
            "MODERATION_WEBHOOK_ALLOWED_NETWORKS": ",".join(settings.webhook_allowed_networks),
            "MODERATION_WEBHOOK_CONNECT_TIMEOUT_SECONDS": str(
                settings.webhook_connect_timeout_seconds
            ),
            "MODERATION_WEBHOOK_TIMEOUT_SECONDS": str(settings.webhook_timeout_seconds),
            "MODERATION_WEBHOOK_SWEEP_INTERVAL_SECONDS": str(
                settings.webhook_sweep_interval_seconds
            ),
            "MODERATION_WEBHOOK_DISABLE_AFTER_DAYS": str(settings.webhook_disable_after_days),
            "MODERATION_WEBHOOK_MAX_IN_FLIGHT": str(settings.webhook_max_in_flight),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(scoring_env(settings))
    return env


def scoring_env(settings: Settings) -> dict[str, str]:
    """The scoring settings, for a child process."""
    thresholds = ",".join(f"{a}={h}:{r}" for a, h, r in settings.score_thresholds)
    return {
        "MODERATION_BUILTIN_MODELS": str(settings.builtin_models).lower(),
        "MODERATION_SENTENCE_ENCODER": str(settings.sentence_encoder).lower(),
        "MODERATION_CLASSIFIERS": ",".join(settings.classifiers),
        "MODERATION_SHADOW_CLASSIFIERS": ",".join(settings.shadow_classifiers),
        "MODERATION_REQUIRED_CLASSIFIERS": ",".join(settings.required_classifiers),
        "MODERATION_SCORE_THRESHOLDS": thresholds,
        "MODERATION_SCORE_HOLD_AT": str(settings.score_hold_at),
        "MODERATION_SCORE_REJECT_AT": str(settings.score_reject_at),
        "MODERATION_CLASSIFIER_TIMEOUT_SECONDS": str(settings.classifier_timeout_seconds),
        "MODERATION_CLASSIFIER_RETRIES": str(settings.classifier_retries),
        "MODERATION_CLASSIFIER_ATTEMPTS": str(settings.classifier_attempts),
        "MODERATION_CHECK_BATCH_SIZE": str(settings.check_batch_size),
        "MODERATION_AKISMET_API_KEY": settings.akismet_api_key,
        "MODERATION_AKISMET_URL": settings.akismet_url,
        "MODERATION_AKISMET_DISCARD": str(settings.akismet_discard).lower(),
        "MODERATION_OPENAI_BASE_URL": settings.openai_base_url,
        "MODERATION_OPENAI_API_KEY": settings.openai_api_key,
        "MODERATION_OPENAI_MODEL": settings.openai_model,
        "MODERATION_PERSPECTIVE_URL": settings.perspective_url,
        "MODERATION_PERSPECTIVE_API_KEY": settings.perspective_api_key,
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


#: Python imports ``sitecustomize`` from here in a child that has it on its path.
CLOCK_SHIM = Path(__file__).resolve().parent / "clock"


def with_test_clock(env: dict[str, str]) -> dict[str, str]:
    """``env``, and when the suite runs as of another moment, the shim that moves the
    child's clock with the suite's (``tests/clock/sitecustomize.py``)."""
    if "TESTS_CLOCK_NOW" not in env:
        return env
    paths = [str(CLOCK_SHIM), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths)}


class Process:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's life
        self.proc = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=with_test_clock(self.env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, needle: str, timeout: float = 60, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(needle) >= count:
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"process exited early:\n{self.log()[-4000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"{needle!r} not seen in {timeout}s:\n{self.log()[-4000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group: no warm shutdown, no requeue."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()


def celery_worker(
    settings: Settings,
    log_path: Path,
    *,
    beat: bool = True,
    concurrency: int = 1,
    queues: str = "",
) -> Process:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.main",
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=info",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=test-{os.getpid()}-{time.monotonic_ns()}@%h",
    ]
    if queues:
        args.append(f"--queues={queues}")
    if beat:
        args += ["--beat", f"--schedule={Path(settings.instance_dir) / 'beat-schedule'}"]
    return Process(args, settings_env(settings), log_path)


def celery_beat(settings: Settings, log_path: Path) -> Process:
    args = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.main",
        "beat",
        "--loglevel=info",
        f"--schedule={Path(settings.instance_dir) / 'beat-only-schedule'}",
    ]
    return Process(args, settings_env(settings), log_path)


def gunicorn(settings: Settings, log_path: Path, port: int, workers: int = 2) -> Process:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "moderation.wsgi:app",
    ]
    return Process(args, settings_env(settings), log_path)


def redis_server(port: int, log_path: Path) -> Process | None:
    """A throw-away redis-server (no persistence), or ``None`` if the binary is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    return Process(args, dict(os.environ), log_path)


def started_redis(log_path: Path, purpose: str) -> tuple[int, Process]:
    """A throw-away redis-server on a free port, started and listening, for a test that
    stops, freezes or restarts it. Without the binary: a failure in CI, a skip elsewhere."""
    port = free_port()
    server = redis_server(port, log_path)
    if server is None:
        if in_ci():
            pytest.fail(f"redis-server is needed for {purpose} (apt-get install redis-server)")
        pytest.skip("redis-server binary not installed")
    server.start()
    wait_port(port)
    return port, server


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port}")
