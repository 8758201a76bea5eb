"""The webhook transport: SSRF guard on every URL of the shared cases, and bounded HTTP.

No test here opens a connection anywhere but a loopback receiver it started and
allow-listed itself: the resolver is a stub, and the connector fails the test when asked
for any other address.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Callable

import pytest

from moderation.errors import WebhookUrlRefused
from moderation.integrations.webhook_transport import MAX_READ
from moderation.integrations.webhook_transport import AddressPolicy
from moderation.integrations.webhook_transport import WebhookTransport
from tests.conftest import SHARED_DATA
from tests.conftest import shared_data
from tests.webhook_receivers import Flood
from tests.webhook_receivers import Hang
from tests.webhook_receivers import Reply
from tests.webhook_receivers import Trickle
from tests.webhook_receivers import receiving

PUBLIC = "93.184.215.14"
#: How the names of the shared cases really resolve (SOURCE.md); everything else public.
KNOWN_NAMES = {
    "localhost": ["127.0.0.1", "::1"],
    "127.0.0.1.nip.io": ["127.0.0.1"],
    "localtest.me": ["127.0.0.1"],
    "metadata.google.internal": ["169.254.169.254"],
}
SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.UTC)


def stub_resolver(host: str, port: int) -> list[str]:
    return KNOWN_NAMES.get(host, [PUBLIC])


def forbidden_connector(address: tuple[str, int], timeout: float) -> socket.socket:
    pytest.fail(f"the transport tried to connect to {address}")


def cases(name: str) -> list[str]:
    lines = shared_data("ssrf", name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip()]


def collected(name: str) -> list[str]:
    """The cases as test ids; a missing file still yields one test, which then fails."""
    path = SHARED_DATA / "ssrf" / name
    if not path.exists():
        return ["<missing>"]
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def guarded(**kwargs: object) -> WebhookTransport:
    return WebhookTransport(
        AddressPolicy((), frozenset()),
        resolver=stub_resolver,
        connector=forbidden_connector,
        **kwargs,  # type: ignore[arg-type]
    )


def loopback(
    connector: Callable[[tuple[str, int], float], socket.socket] | None = None, **kwargs: object
) -> WebhookTransport:
    """The transport the tests' receivers need: 127.0.0.1 allow-listed explicitly."""
    extra: dict[str, object] = {"connector": connector} if connector else {}
    return WebhookTransport(
        AddressPolicy(("127.0.0.1/32",), frozenset({5432, 6379})),
        resolver=stub_resolver,
        **extra,  # type: ignore[arg-type]
        **kwargs,  # type: ignore[arg-type]
    )


def send(transport: WebhookTransport, url: str, body: bytes = b'{"type":"t"}') -> object:
    return transport.send(url, body, message_id="msg_test", timestamp=NOW, secrets=[SECRET])


@pytest.mark.parametrize("url", collected("reject.txt"))
def test_every_url_of_the_reject_list_is_refused_on_save_and_on_send(url: str) -> None:
    assert url in cases("reject.txt")
    transport = guarded()
    with pytest.raises(WebhookUrlRefused):
        transport.check(url)
    outcome = send(transport, url)
    assert outcome.status_code is None  # type: ignore[attr-defined]
    assert outcome.error
    assert outcome.error.startswith("url_")
    if url.startswith("http://"):
        # Refused for what the address is, not merely for being plain http.
        with pytest.raises(WebhookUrlRefused) as refused:
            transport.check("https://" + url.removeprefix("http://"))
        assert refused.value.code != "url_http"


@pytest.mark.parametrize("url", collected("accept.txt"))
def test_every_url_of_the_accept_list_is_accepted(url: str) -> None:
    assert url in cases("accept.txt")
    guarded().check(url)


def test_a_name_resolving_public_on_save_and_loopback_at_send_is_never_called() -> None:
    answers = iter([[PUBLIC], ["127.0.0.1"]])
    calls: list[tuple[str, int]] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return next(answers)

    with receiving() as receiver:
        transport = WebhookTransport(
            AddressPolicy((), frozenset()), resolver=rebinding, connector=forbidden_connector
        )
        url = f"https://rebind.example:{receiver.port}/hook"
        transport.check(url)  # on save: public, accepted
        outcome = send(transport, url)  # at send time: 127.0.0.1, refused
        assert outcome.error == "url_address"  # type: ignore[attr-defined]
        assert receiver.connections == 0
    assert len(calls) == 2


def test_loopback_receiver_works_only_when_allow_listed() -> None:
    with receiving() as receiver:
        with pytest.raises(WebhookUrlRefused) as refused:
            WebhookTransport(AddressPolicy((), frozenset())).check(receiver.url)
        assert refused.value.code == "url_address"
        outcome = send(loopback(), receiver.url)
        assert outcome.status_code == 200  # type: ignore[attr-defined]
        assert outcome.error is None  # type: ignore[attr-defined]
        assert len(receiver.requests) == 1


def test_the_services_own_ports_stay_refused_inside_the_allow_list() -> None:
    with pytest.raises(WebhookUrlRefused) as refused:
        loopback().check("http://127.0.0.1:6379/")
    assert refused.value.code == "url_address"


def test_plain_http_to_a_public_address_is_refused() -> None:
    with pytest.raises(WebhookUrlRefused) as refused:
        guarded().check("http://example.com/hook")
    assert refused.value.code == "url_http"


def test_the_checked_address_is_connected_to_with_the_name_in_host() -> None:
    resolved: list[str] = []
    connected: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        resolved.append(host)
        return ["127.0.0.1"]

    def connector(address: tuple[str, int], timeout: float) -> socket.socket:
        connected.append(address)
        return socket.create_connection(address, timeout=timeout)

    with receiving() as receiver:
        transport = WebhookTransport(
            AddressPolicy(("127.0.0.1/32",), frozenset()), resolver=resolver, connector=connector
        )
        outcome = send(transport, f"http://hooks.journal.example:{receiver.port}/in?x=1#frag")
        assert outcome.status_code == 200  # type: ignore[attr-defined]
        (request,) = receiver.requests
    assert resolved == ["hooks.journal.example"]
    assert connected == [("127.0.0.1", receiver.port)]
    assert request.headers["host"] == f"hooks.journal.example:{receiver.port}"
    assert request.path == "/in?x=1"
    assert request.headers["webhook-id"] == "msg_test"
    assert request.headers["content-type"] == "application/json"
    assert "cookie" not in request.headers


def test_a_redirect_is_an_answer_and_is_not_followed() -> None:
    with receiving(Reply(302, headers=(("Location", "http://127.0.0.1:1/"),))) as receiver:
        outcome = send(loopback(), receiver.url)
        assert outcome.status_code == 302  # type: ignore[attr-defined]
        assert receiver.connections == 1


def test_a_hanging_receiver_is_cut_at_the_total_timeout() -> None:
    with receiving(Hang(30)) as receiver:
        started = time.monotonic()
        outcome = send(loopback(total_timeout=1.5), receiver.url)
        elapsed = time.monotonic() - started
    assert outcome.status_code is None  # type: ignore[attr-defined]
    assert outcome.error == "timeout"  # type: ignore[attr-defined]
    assert 1.4 <= elapsed < 3.0


def test_a_status_line_trickled_byte_by_byte_is_cut_at_the_total_timeout() -> None:
    # Each byte arrives well within any per-read timeout: only a total deadline stops it.
    with receiving(Trickle("headers", interval=0.2)) as receiver:
        started = time.monotonic()
        outcome = send(loopback(total_timeout=1.5), receiver.url)
        elapsed = time.monotonic() - started
    assert outcome.error == "timeout"  # type: ignore[attr-defined]
    assert outcome.status_code is None  # type: ignore[attr-defined]
    assert elapsed < 3.0


def test_a_trickled_body_is_cut_at_the_total_timeout_and_the_status_kept() -> None:
    with receiving(Trickle("body", interval=0.05)) as receiver:
        started = time.monotonic()
        outcome = send(loopback(total_timeout=1.5), receiver.url)
        elapsed = time.monotonic() - started
    assert outcome.status_code == 200  # type: ignore[attr-defined]
    assert outcome.error == "timeout"  # type: ignore[attr-defined]
    assert elapsed < 3.0
    assert 0 < len(outcome.excerpt) <= 2048  # type: ignore[attr-defined]


def test_a_hundred_megabyte_answer_is_cut_after_64_kb() -> None:
    with receiving(Flood()) as receiver:
        started = time.monotonic()
        outcome = send(loopback(total_timeout=15), receiver.url)
        elapsed = time.monotonic() - started
    assert outcome.bytes_read <= MAX_READ == 64 * 1024  # type: ignore[attr-defined]
    assert outcome.error == "response_too_large"  # type: ignore[attr-defined]
    assert outcome.status_code == 200  # type: ignore[attr-defined]
    assert len(outcome.excerpt) == 2048  # type: ignore[attr-defined]
    assert elapsed < 5


def test_a_closed_port_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    outcome = send(loopback(), f"http://127.0.0.1:{port}/")
    assert outcome.error == "connect_error"  # type: ignore[attr-defined]
    assert outcome.status_code is None  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "low", "high"),
    [("120", 120, 120), ("Wed, 21 Oct 2099 07:28:00 GMT", 1e9, 1e10), ("soon", None, None)],
)
def test_retry_after_is_read_in_seconds_or_as_a_date(
    header: str, low: float | None, high: float | None
) -> None:
    with receiving(Reply(503, headers=(("Retry-After", header),))) as receiver:
        outcome = send(loopback(), receiver.url)
    value = outcome.retry_after_seconds  # type: ignore[attr-defined]
    if low is None:
        assert value is None
    else:
        assert low <= value <= high
