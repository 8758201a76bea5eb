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


def reporter_hash(secret: str, ip: str | None, user_agent: str | None) -> str:
    """Keyed hash of who reports: the same reader twice counts once; no address is stored."""
    material = f"report:{ip or ''}:{user_agent or ''}".encode()
    return hmac.new(secret.encode(), material, hashlib.sha256).hexdigest()
