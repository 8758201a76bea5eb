"""Personal data, kept as little as the settings allow: keyed hashes and truncated addresses.

Every place that derives something from an email or an IP address goes through here, so
what the service keeps of a person is written down once.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

from moderation.config import IpStorage


def email_hash(secret: str, email: str) -> str:
    """Keyed hash of a normalised e-mail: recognises an author without publishing anything.

    HMAC rather than a plain digest, so nobody can confirm a guessed address from the hash.
    """
    key = secret.encode()
    return hmac.new(key, b"email:" + email.lower().encode(), hashlib.sha256).hexdigest()


#: The prefix kept of an address in ``truncated`` mode, by IP version.
TRUNCATED_PREFIX = {4: 24, 6: 48}


def stored_ip(ip: str | None, mode: IpStorage) -> str | None:
    """The client address as the privacy setting allows: full, its /24 (/48), or nothing."""
    if not ip or mode is IpStorage.NONE:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if mode is IpStorage.FULL:
        return str(address)
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False).network_address)


def network_of(ip: str | None) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of an address, as text (for flood counts)."""
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return None
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def client_key(ip: str | None) -> str:
    """Who a request is, for limits and reports: an IPv4 address, or an IPv6 /64.

    One IPv6 subscriber commonly holds a whole /64 and may pick any address in it, so a
    finer key lets one person rotate through billions of identities. The browser's
    User-Agent is not part of it: anyone can change it at will.
    """
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        if mapped is not None:
            return str(mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def reporter_hash(secret: str, ip: str | None) -> str:
    """Keyed hash of who reports: the same reader twice counts once; no address is stored."""
    material = f"report:{client_key(ip)}".encode()
    return hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()


def rate_limit_key(secret: str, ip: str | None) -> str:
    """The rate-limit counter's name for a client: a keyed hash, never the address.

    The counters live in Redis, outside the database the ``IP_STORAGE`` setting governs;
    a keyed hash keeps no address there whatever the setting (the key only has to be
    the same for the same client, within a window of minutes).
    """
    material = f"ratelimit:{client_key(ip)}".encode()
    return hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()[:32]
