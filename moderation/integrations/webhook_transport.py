"""Outbound webhook HTTP: the SSRF guard, and one bounded, signed POST to a checked address.

The address is parsed once, its host resolved once, every resolved address checked, and
the connection made to one of those checked addresses (the name travels only in the
``Host`` header and the TLS server name). Nothing is resolved again between the check and
the connection, so a name that answers a public address when checked and 127.0.0.1 a
second later (DNS rebinding) never reaches 127.0.0.1. Further bounds:

- http(s) only; plain http only to the allow-listed (internal) networks;
- redirects are answers like any other, never followed;
- one deadline over connect, send and read (``total_timeout``), so a receiver trickling a
  byte a second cannot hold a worker; connecting alone is bounded by ``connect_timeout``;
- at most ``max_read`` bytes are read from the socket, whatever the receiver sends;
- no proxy from the environment, no cookies, no connection reuse.

HTTP/1.1 is spoken with h11 over a socket we open ourselves: httpx (which uses h11 too)
has no total deadline and no supported way to pin the connected address.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote
from urllib.parse import unquote
from urllib.parse import urlsplit

import h11

from moderation.errors import WebhookUrlRefused
from moderation.integrations.webhook_signing import signature_headers

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port) -> addresses``: the DNS, replaceable in tests.
Resolver = Callable[[str, int], Sequence[str]]
#: ``((address, port), timeout) -> connected socket``: replaceable in tests, which use it
#: to prove that no connection is attempted to a refused address.
Connector = Callable[[tuple[str, int], float], socket.socket]

USER_AGENT = "moderation-webhooks/1"
MAX_READ = 64 * 1024
EXCERPT_BYTES = 2048
_CHUNK = 16 * 1024

#: Special-purpose names that must never be called, whatever a resolver says of them.
_SPECIAL_SUFFIXES = ("localhost", "local", "internal", "home.arpa", "arpa", "onion", "test")

#: Ranges refused outright, on top of ``not is_global``: Python's own tables have moved
#: over versions (CPython issues 113171, 119812), so the registries' ranges that matter
#: most are spelled out here too.
_BLOCKED = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/127",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for ``host`` (TCP)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _connect(address: tuple[str, int], timeout: float) -> socket.socket:
    return socket.create_connection(address, timeout=timeout)


def embedded_ipv4(address: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv6 one (mapped, 6to4, NAT64, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.teredo is not None:
        return address.teredo[1]
    return None


def is_public(address: Address) -> bool:
    """Whether ``address`` (and any IPv4 address it carries) is an ordinary public one."""
    for candidate in (address, embedded_ipv4(address)):
        if candidate is None:
            continue
        if any(
            candidate in network for network in _BLOCKED if network.version == candidate.version
        ):
            return False
        if (
            not candidate.is_global
            or candidate.is_multicast
            or candidate.is_unspecified
            or candidate.is_reserved
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_private
        ):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Target:
    """A checked webhook address: what to connect to, and what to say."""

    scheme: str
    #: ASCII (IDNA) host name or address text, for ``Host`` and the TLS server name.
    host: str
    port: int
    #: The request target: path and query, percent-encoded; the fragment is dropped.
    path: str
    addresses: tuple[Address, ...]

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to. ``status_code`` is ``None`` if no answer was read."""

    status_code: int | None
    latency_ms: int
    #: A stable code: ``timeout``, ``connect_error``, ``url_address`` ... or ``None``.
    error: str | None
    excerpt: str
    retry_after_seconds: float | None
    bytes_read: int


class AddressPolicy:
    """Which resolved addresses a webhook may reach.

    Public addresses always; others only inside ``allowed_networks``, and even then never
    on ``protected_ports`` (the service's own database and Redis, for example).
    """

    def __init__(self, allowed_networks: Sequence[str], protected_ports: frozenset[int]) -> None:
        self.allowed = tuple(ipaddress.ip_network(n, strict=False) for n in allowed_networks)
        self.protected_ports = protected_ports

    def is_allow_listed(self, address: Address, port: int) -> bool:
        effective = embedded_ipv4(address) or address
        listed = any(
            effective in network for network in self.allowed if network.version == effective.version
        )
        return listed and port not in self.protected_ports

    def permits(self, address: Address, port: int) -> bool:
        return self.is_allow_listed(address, port) or is_public(address)


def parse(url: str) -> tuple[str, str, int, str, Address | None]:
    """Split ``url`` once: scheme, ASCII host, port, request target, literal address.

    :raises WebhookUrlRefused: not http(s), credentials, or an unusable host or port.
    """
    if any(ch <= " " or ch in "\\\x7f" for ch in url) or len(url) > 2000:
        raise WebhookUrlRefused("url_invalid")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise WebhookUrlRefused("url_invalid") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise WebhookUrlRefused("url_scheme")
    if "@" in parts.netloc:
        # Userinfo is where parsers disagree (which side of the @ is the host?): refuse it.
        raise WebhookUrlRefused("url_credentials")
    hostname = parts.hostname
    if not hostname:
        raise WebhookUrlRefused("url_invalid")
    literal: Address | None
    if parts.netloc.startswith("["):
        try:
            literal = ipaddress.IPv6Address(unquote(hostname))
        except ValueError:
            raise WebhookUrlRefused("url_invalid") from None
        host = str(literal).split("%")[0]
    else:
        try:
            # IDNA applies NFKC: "①②⑦.⓪.⓪.①" becomes "127.0.0.1" here, before any check.
            host = hostname.rstrip(".").encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise WebhookUrlRefused("url_invalid") from None
        literal = _ipv4_literal(host)
    if not host:
        raise WebhookUrlRefused("url_invalid")
    if literal is None and any(
        host == suffix or host.endswith("." + suffix) for suffix in _SPECIAL_SUFFIXES
    ):
        raise WebhookUrlRefused("url_host")
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=-._~?")
    return scheme, host, port or (443 if scheme == "https" else 80), path, literal


def _ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    # The C library reads "127.1", "2130706433", "0x7f000001" and "0177.0.0.01" as
    # 127.0.0.1 (inet_aton): read them the same way, never as names to resolve.
    if not all(ch in "0123456789abcdefx." for ch in host) or not host[0].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


class WebhookTransport:
    """Checks webhook addresses and sends signed messages to them."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        connect_timeout: float = 3.0,
        total_timeout: float = 15.0,
        max_read: int = MAX_READ,
        resolver: Resolver = system_resolver,
        connector: Connector = _connect,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.policy = policy
        self.connect_timeout = connect_timeout
        self.total_timeout = total_timeout
        self.max_read = max_read
        self.resolver = resolver
        self.connector = connector
        self.ssl_context = ssl_context or ssl.create_default_context()

    def check(self, url: str) -> None:
        """:raises WebhookUrlRefused: the service would refuse to call ``url``."""
        self.target(url)

    def target(self, url: str) -> Target:
        """Parse, resolve and check ``url``; every resolved address must be permitted.

        :raises WebhookUrlRefused:
        """
        scheme, host, port, path, literal = parse(url)
        if literal is not None:
            addresses: tuple[Address, ...] = (literal,)
        else:
            try:
                found = self.resolver(host, port)
                addresses = tuple(ipaddress.ip_address(a.split("%")[0]) for a in found)
            except (OSError, UnicodeError, ValueError):
                raise WebhookUrlRefused("url_unresolvable") from None
            if not addresses:
                raise WebhookUrlRefused("url_unresolvable")
        if not all(self.policy.permits(a, port) for a in addresses):
            raise WebhookUrlRefused("url_address")
        if scheme == "http" and not all(self.policy.is_allow_listed(a, port) for a in addresses):
            # Signed but readable by anyone on the way: plain http only inside our networks.
            raise WebhookUrlRefused("url_http")
        return Target(scheme, host, port, path, addresses)

    def send(
        self,
        url: str,
        body: bytes,
        *,
        message_id: str,
        timestamp: dt.datetime,
        secrets: Sequence[str],
    ) -> Outcome:
        """POST ``body`` to ``url``, signed with every secret in ``secrets``."""
        started = time.monotonic()
        deadline = started + self.total_timeout
        headers = signature_headers(message_id, timestamp, body, secrets)
        try:
            target = self.target(url)
        except WebhookUrlRefused as exc:
            return Outcome(None, 0, exc.code, "", None, 0)
        exchange = _Exchange(self, target, deadline)
        try:
            exchange.run(body, headers)
        except TimeoutError:
            exchange.error = "timeout"
        except ssl.SSLError:
            exchange.error = "tls_error"
        except h11.ProtocolError:
            exchange.error = "protocol_error"
        except OSError:
            exchange.error = exchange.error or "connection_error"
        finally:
            exchange.close()
        return Outcome(
            exchange.status_code,
            int((time.monotonic() - started) * 1000),
            exchange.error,
            exchange.excerpt.decode("utf-8", errors="replace"),
            exchange.retry_after,
            exchange.bytes_read,
        )


class _Exchange:
    """One request and its response on a fresh connection, within one deadline."""

    def __init__(self, transport: WebhookTransport, target: Target, deadline: float) -> None:
        self.transport = transport
        self.target = target
        self.deadline = deadline
        self.sock: socket.socket | None = None
        self.status_code: int | None = None
        self.error: str | None = None
        self.excerpt = bytearray()
        self.retry_after: float | None = None
        self.bytes_read = 0

    def _remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        return remaining

    def _open(self) -> socket.socket:
        transport, target = self.transport, self.target
        for address in target.addresses:
            timeout = min(transport.connect_timeout, self._remaining())
            try:
                # The checked address itself: the name is never looked up again.
                sock = transport.connector((str(address), target.port), timeout)
                break
            except OSError as exc:
                self.error = "connect_timeout" if isinstance(exc, TimeoutError) else "connect_error"
        else:
            raise OSError("no address answered")
        self.error = None
        if target.scheme == "https":
            sock.settimeout(self._remaining())
            server_name = None if ":" in target.host else target.host
            sock = transport.ssl_context.wrap_socket(sock, server_hostname=server_name)
        return sock

    def run(self, body: bytes, headers: dict[str, str]) -> None:
        self.sock = sock = self._open()
        connection = h11.Connection(our_role=h11.CLIENT)
        request = h11.Request(
            method="POST",
            target=self.target.path,
            headers=[
                ("Host", self.target.host_header),
                ("User-Agent", USER_AGENT),
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(body))),
                ("Connection", "close"),
                *headers.items(),
            ],
        )
        outgoing = connection.send(request) or b""
        outgoing += connection.send(h11.Data(data=body)) or b""
        outgoing += connection.send(h11.EndOfMessage()) or b""
        sock.settimeout(self._remaining())
        sock.sendall(outgoing)
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                budget = self.transport.max_read - self.bytes_read
                if budget <= 0:
                    self.error = "response_too_large"
                    return
                sock.settimeout(self._remaining())
                chunk = sock.recv(min(_CHUNK, budget))
                self.bytes_read += len(chunk)
                connection.receive_data(chunk)
            elif isinstance(event, h11.Response):
                self.status_code = event.status_code
                self.retry_after = _retry_after(event.headers)
            elif isinstance(event, h11.Data):
                room = EXCERPT_BYTES - len(self.excerpt)
                if room > 0:
                    self.excerpt += event.data[:room]
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return
            # Informational (1xx) answers are skipped: the final one follows.

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def _retry_after(headers: Iterable[tuple[bytes, bytes]]) -> float | None:
    """``Retry-After`` in seconds from now (delay-seconds or an HTTP date), if given."""
    for name, value in headers:
        if name.lower() != b"retry-after":
            continue
        text = value.decode("latin-1").strip()
        if text.isdigit():
            return float(text)
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    return None
