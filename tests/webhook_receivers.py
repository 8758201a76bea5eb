"""Real HTTP receivers on 127.0.0.1 for the webhook tests, scripted answer by answer.

A receiver records every request (headers, body, time) and answers with the next step of
its script (the last step repeats): a reply, a hang, a trickle of bytes, a flood. The
signature of each request is verified with the ``standardwebhooks`` package when the
receiver knows the secret.
"""

from __future__ import annotations

import datetime as dt
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler

from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Hang:
    """Read the request, then answer nothing until the client gives up (or ``seconds``)."""

    seconds: float = 60.0
    then: Reply | None = None


@dataclass(frozen=True)
class Trickle:
    """Send one byte every ``interval`` seconds, in the status line or in the body."""

    where: str = "headers"
    interval: float = 0.5


@dataclass(frozen=True)
class Flood:
    """A 200 with ``size`` bytes of body, sent as fast as the client reads."""

    size: int = 100 * 1024 * 1024


Step = Reply | Hang | Trickle | Flood


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    verified: bool | None = None
    error: str | None = None


@dataclass
class Receiver:
    script: list[Step] = field(default_factory=lambda: [Reply()])
    secret: str | None = None
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    connections: int = 0
    bytes_sent: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._served = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return None

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver._record(self.path, dict(self.headers.items()), body)
                receiver._answer(self, receiver._next_step())

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

            def get_request(self) -> tuple[socket.socket, object]:
                conn, address = super().get_request()
                with receiver._lock:
                    receiver.connections += 1
                return conn, address

        self._server = Server(("127.0.0.1", self.port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_step(self) -> Step:
        with self._lock:
            step = self.script[min(self._served, len(self.script) - 1)]
            self._served += 1
            return step

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> None:
        received = Received(
            path, {k.lower(): v for k, v in headers.items()}, body, time.monotonic()
        )
        if self.secret is not None:
            try:
                Webhook(self.secret).verify(body, received.headers, json_parse=False)
                received.verified = True
            except WebhookVerificationError as exc:
                received.verified, received.error = False, str(exc)
        with self._lock:
            self.requests.append(received)

    def _send(self, handler: BaseHTTPRequestHandler, data: bytes) -> None:
        handler.wfile.write(data)
        handler.wfile.flush()
        with self._lock:
            self.bytes_sent += len(data)

    def _answer(self, handler: BaseHTTPRequestHandler, step: Step) -> None:
        try:
            if isinstance(step, Reply):
                head = f"HTTP/1.1 {step.status} X\r\nContent-Length: {len(step.body)}\r\n"
                head += "".join(f"{k}: {v}\r\n" for k, v in step.headers)
                self._send(handler, (head + "\r\n").encode() + step.body)
            elif isinstance(step, Hang):
                if not self._stop.wait(step.seconds) and step.then is not None:
                    self._answer(handler, step.then)
            elif isinstance(step, Trickle):
                prefix = (
                    b""
                    if step.where == "headers"
                    else b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                )
                self._send(handler, prefix)
                text = b"HTTP/1.1 200 OK\r\n" if step.where == "headers" else b"x" * 100000
                for byte in text:
                    if self._stop.wait(step.interval):
                        return
                    self._send(handler, bytes([byte]))
            else:
                self._send(
                    handler, f"HTTP/1.1 200 OK\r\nContent-Length: {step.size}\r\n\r\n".encode()
                )
                chunk = b"y" * 65536
                sent = 0
                while sent < step.size and not self._stop.is_set():
                    self._send(handler, chunk)
                    sent += len(chunk)
        except OSError:
            handler.close_connection = True  # the client hung up: that is the point

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.requests)} requests after {timeout}s, wanted {count}")


@contextmanager
def receiving(*script: Step, secret: str | None = None) -> Iterator[Receiver]:
    receiver = Receiver(list(script) or [Reply()], secret=secret).start()
    try:
        yield receiver
    finally:
        receiver.stop()


def verify_at(secret: str, received: Received) -> None:
    """Verify a recorded request as of the time it says it was sent.

    For tests whose clock is not the wall clock: the package checks the timestamp against
    the current time, so the check runs with time travelled to the signed timestamp.
    """
    import time_machine

    sent = dt.datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), dt.UTC)
    with time_machine.travel(sent, tick=False):
        Webhook(secret).verify(received.body, received.headers, json_parse=False)
