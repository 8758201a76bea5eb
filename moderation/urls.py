"""Read URLs the way a browser does: the one place that parses an address the service meets.

Browsers follow the WHATWG URL Standard, and ``urllib.parse`` does not: for a browser
``https:spam.example`` and ``https://spam.example\\@ok.fr`` both lead to ``spam.example``,
tabs and newlines inside a URL are dropped, ``%2E`` in a host is a dot and ``。`` too, and
host names come out lowercase and in punycode. Any decision about where a link, a
``Referer`` or a return address leads (blocked domains, configured sites, redirects) must
agree with what the browser will do, so every such decision reads the URL here, through
Ada (``ada_url``), a conformant parser tested against the standard's own test suite.

Hosts are returned in their ASCII form without a trailing dot; IPv6 literals without
their brackets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import unquote

import ada_url

__all__ = ["Origin", "domain_key", "link_host", "origin_of", "web_url"]

#: Resolves scheme-relative links (``//host/path``) as a page would, and marks the rest:
#: a relative link keeps this host, which is never a real one (``.invalid`` is reserved).
_BASE_HOST: Final = "base.invalid"
_BASE: Final = f"https://{_BASE_HOST}/"
_WEB_SCHEMES: Final = frozenset({"http:", "https:"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_MAX_LENGTH: Final = 4_000


@dataclass(frozen=True, slots=True)
class Origin:
    """Scheme, host and port of a web address: what the same-origin rule compares."""

    scheme: str
    host: str
    port: int


def _parse(value: str, base: str | None = None) -> ada_url.URL | None:
    if len(value) > _MAX_LENGTH or "\x00" in value:
        return None
    try:
        return ada_url.URL(value, base) if base else ada_url.URL(value)
    except ValueError:
        return None


def _clean_host(hostname: str) -> str:
    return hostname.removeprefix("[").removesuffix("]").rstrip(".").lower()


def web_url(value: object) -> str | None:
    """The browser's reading (``href``) of an absolute http(s) address, or ``None``.

    ``None`` for anything else: other schemes, relative or scheme-relative forms, a
    missing host. Use the returned value, not the input, when linking or redirecting.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    url = _parse(value)
    if url is None or url.protocol not in _WEB_SCHEMES or not _clean_host(url.hostname):
        return None
    return str(url.href)


def origin_of(value: str | None) -> Origin | None:
    """The origin of an absolute http(s) address (an ``Origin`` or ``Referer``), if any."""
    if not value or web_url(value) is None:
        return None
    url = _parse(value)
    assert url is not None  # noqa: S101 - web_url just parsed it
    scheme = url.protocol.removesuffix(":")
    port = int(url.port) if url.port else _DEFAULT_PORTS[scheme]
    return Origin(scheme, _clean_host(url.hostname), port)


def link_host(href: str) -> str | None:
    """The host a link leads to when a reader clicks it, or ``None`` if it has none.

    ``mailto:`` gives the domain of its (last) address. A relative link has no host of its
    own; a scheme-relative one (``//spam.example``) has the host it names.
    """
    # Absolute first: on an http page "https:spam.example" leads to spam.example (on an
    # https page, to a path of the page's own site): the blocklist takes the worse case.
    url = _parse(href) or _parse(href, _BASE)
    if url is None:
        return None
    if url.protocol == "mailto:":
        address = unquote(url.pathname).partition("?")[0].split(",")[-1]
        domain = address.rpartition("@")[2].strip()
        return domain_key(domain) if "@" in address and domain else None
    host = _clean_host(url.hostname)
    # Still on the stand-in base: a path of the page's own site, not a host of its own.
    return host if host and host != _BASE_HOST else None


def domain_key(domain: str) -> str | None:
    """A domain name as hosts are compared: lowercase ASCII (punycode), no trailing dot."""
    if any(ch in domain for ch in ":/\\@?#"):
        return None
    url = _parse(f"http://{domain.strip()}/")
    if url is None or url.pathname != "/" or url.username or url.port:
        return None
    return _clean_host(url.hostname) or None
