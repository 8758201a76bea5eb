"""Local HTTP servers speaking the scoring backends' documented protocols, with faults.

Each server answers like the real service (Akismet's form-encoded comment-check and
submit calls, an OpenAI-compatible ``/v1/moderations``, Perspective's ``comments:analyze``)
from the words of the comment, and can be told to misbehave first: a scripted list of
faults (an error status, a ``Retry-After``, a hang, a malformed body) is played before the
protocol answers resume. Every request is recorded.
"""

from __future__ import annotations

import json
import socketserver
import threading
import time
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hang:
    """Answer nothing for ``seconds`` (longer than the client's timeout)."""

    seconds: float = 3.0


@dataclass
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def json(self) -> object:
        return json.loads(self.body)


Protocol = Callable[[Received], Reply]


@dataclass
class FakeService:
    """A running server: its URL, what it received, and the faults still to play."""

    url: str
    protocol: Protocol
    faults: list[Reply | Hang] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: Received) -> Reply | Hang:
        with self.lock:
            self.received.append(request)
            if self.faults:
                return self.faults.pop(0)
        return self.protocol(request)


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    service: FakeService


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the http.server convention
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        parts = urlsplit(self.path)
        request = Received(parts.path, parse_qs(parts.query), dict(self.headers), body)
        step = self.server.service.answer(request)
        if isinstance(step, Hang):
            time.sleep(step.seconds)
            return
        self.send_response(step.status)
        for name, value in step.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(step.body)))
        self.end_headers()
        self.wfile.write(step.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@contextmanager
def serve(protocol: Protocol) -> Iterator[FakeService]:
    server = _Server(("127.0.0.1", 0), _Handler)
    host, port = server.server_address[:2]
    server.service = FakeService(f"http://{host}:{port}", protocol)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.service
    finally:
        server.shutdown()
        server.server_close()


SPAM_WORDS = ("casino", "viagra", "gagnez", "crypto")


def akismet(key: str = "good-key") -> Protocol:
    """Akismet 1.1: form-encoded, ``true``/``false``, ``invalid`` for a bad key."""

    def answer(request: Received) -> Reply:
        form = request.form()
        if form.get("api_key") != key:
            return Reply(200, b"invalid", (("X-akismet-debug-help", "Invalid key"),))
        if "user_ip" not in form or "blog" not in form:
            return Reply(200, b"Missing required field: user_ip.")
        if request.path.endswith(("/submit-spam", "/submit-ham")):
            return Reply(200, b"Thanks for making the web a better place.")
        if not request.path.endswith("/comment-check"):
            return Reply(404, b"")
        text = form.get("comment_content", "").lower()
        if "casino" in text:
            return Reply(200, b"true", (("X-akismet-pro-tip", "discard"),))
        return Reply(200, b"true" if any(w in text for w in SPAM_WORDS) else b"false")

    return answer


def openai(model: str = "moderation-test-1") -> Protocol:
    """``POST /v1/moderations``: one result per input, in order."""

    def answer(request: Received) -> Reply:
        if request.path != "/v1/moderations":
            return Reply(404, b"{}")
        if request.headers.get("Authorization") != "Bearer sk-test":
            return Reply(401, b'{"error": {"message": "bad key"}}')
        payload = request.json()
        assert isinstance(payload, dict)
        inputs = payload["input"]
        inputs = inputs if isinstance(inputs, list) else [inputs]
        results = []
        for text in inputs:
            insult = 0.97 if "crétin" in text.lower() or "idiot" in text.lower() else 0.02
            scores = {
                "harassment": insult,
                "harassment/threatening": 0.01,
                "hate": 0.03,
                "hate/threatening": 0.0,
                "self-harm": 0.0,
                "sexual": 0.0,
                "sexual/minors": 0.0,
                "violence": 0.05,
                "violence/graphic": 0.0,
                "illicit": 0.0,
            }
            results.append(
                {
                    "flagged": insult > 0.5,
                    "categories": {k: v > 0.5 for k, v in scores.items()},
                    "category_scores": scores,
                }
            )
        body = {"id": "modr-1", "model": model, "results": results}
        return Reply(200, json.dumps(body).encode(), (("Content-Type", "application/json"),))

    return answer


def perspective() -> Protocol:
    """``comments:analyze``: the requested attributes, with span scores, for doNotStore."""

    def answer(request: Received) -> Reply:
        if not request.path.endswith("/comments:analyze"):
            return Reply(404, b"{}")
        if request.headers.get("X-Goog-Api-Key") != "pk-test":
            return Reply(400, b'{"error": {"code": 400, "status": "INVALID_ARGUMENT"}}')
        payload = request.json()
        assert isinstance(payload, dict)
        text = payload["comment"]["text"]
        word = "minable"
        start = text.lower().find(word)
        value = 0.93 if start >= 0 else 0.04
        scores = {}
        for name in payload["requestedAttributes"]:
            entry: dict[str, object] = {"summaryScore": {"value": value, "type": "PROBABILITY"}}
            if start >= 0:
                entry["spanScores"] = [
                    {"begin": 0, "end": len(text), "score": {"value": 0.5}},
                    {"begin": start, "end": start + len(word), "score": {"value": value}},
                ]
            scores[name] = entry
        body = {"attributeScores": scores, "languages": payload.get("languages", ["fr"])}
        return Reply(200, json.dumps(body).encode(), (("Content-Type", "application/json"),))

    return answer
