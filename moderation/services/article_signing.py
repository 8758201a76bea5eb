"""Signed article snippets: the site, not the first commenter, says what an article is.

An article unknown to the service is created by its first comment, with the title and
address the embedding page gives. Anyone can send those (``Origin`` and ``Referer`` are
forgeable outside a browser), so they are trusted only when signed: the site's CMS puts
``data-signature`` on the snippet, an HMAC-SHA256 over the article key, its address and
its title, with a secret only the site and the service know.

Each configured site has its own secret, derived from the service's secret and the
site's entry in ``MODERATION_ALLOWED_SITES`` (``moderation site-key SITE`` prints it), so
a leaked template of one site signs for no other. The signed text is::

    key + "\\n" + url + "\\n" + title        (UTF-8, hex digest, lowercase)

Keys and addresses cannot contain a newline, so the three parts cannot be shifted.
"""

from __future__ import annotations

import hashlib
import hmac

from moderation import urls

SIGNATURE_LENGTH = 64


def site_secret(app_secret: str, site: str) -> str:
    """The signing secret of one configured site (as written in ``ALLOWED_SITES``)."""
    material = f"article-signing:{site.strip().rstrip('/').lower()}".encode()
    return hmac.new(app_secret.encode(), material, hashlib.sha256).hexdigest()


def signature(secret: str, key: str, url: str, title: str) -> str:
    """The snippet signature for ``key``, ``url`` and ``title`` under a site's secret."""
    message = f"{key}\n{url}\n{title}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def site_of(url: str, allowed_sites: tuple[str, ...]) -> str | None:
    """The configured site entry an article address is on, if it is on one."""
    address = urls.web_url(url)
    if address is None:
        return None
    origin = urls.origin_of(address)
    for site in allowed_sites:
        if "://" in site:
            if urls.origin_of(site) == origin:
                return site
        elif origin is not None and origin.host == urls.domain_key(site):
            return site
    return None


def is_signed(
    app_secret: str,
    allowed_sites: tuple[str, ...],
    *,
    key: str,
    url: str,
    title: str,
    given: str,
) -> bool:
    """Whether ``given`` signs this key, address and title for the site the address is on."""
    if "\n" in key or "\n" in url or len(given) != SIGNATURE_LENGTH:
        return False
    site = site_of(url, allowed_sites)
    if site is None:
        return False
    expected = signature(site_secret(app_secret, site), key, url, title)
    return hmac.compare_digest(expected, given.lower())
