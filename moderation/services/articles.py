"""Articles: find the one a comment is for, create it when the site may, open and close."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import ArticleClosed
from moderation.errors import ArticleNotFound
from moderation.models import Article

KEY_MAX_LENGTH = 200


def find_article(session: Session, key: str) -> Article | None:
    """The article with that site-chosen key, if any."""
    return session.scalar(sa.select(Article).where(Article.key == key))


def ensure_article(
    session: Session, key: str, *, url: str, title: str, now: dt.datetime
) -> Article:
    """Return the article with ``key``, creating it with ``url`` and ``title`` if needed."""
    article = find_article(session, key)
    if article is None:
        article = Article(key=key, url=url[:2000], title=title[:500], created_at=now)
        session.add(article)
        session.flush()
    return article


def host_allowed(origin_or_url: str | None, allowed_sites: tuple[str, ...]) -> bool:
    """Whether an ``Origin``/``Referer`` value names one of the configured sites.

    Sites are configured as host names (``www.journal.fr``) or origins
    (``https://www.journal.fr``); a host matches exactly, never as a suffix.
    """
    if not origin_or_url:
        return False
    host = (urlsplit(origin_or_url).hostname or "").lower()
    if not host:
        return False
    for site in allowed_sites:
        allowed = (urlsplit(site).hostname if "://" in site else site) or ""
        if host == allowed.lower().rstrip("."):
            return True
    return False


def article_for_comment(
    session: Session,
    key: str,
    *,
    url: str,
    title: str,
    may_create: bool,
    now: dt.datetime,
) -> Article:
    """The open article a new comment goes to.

    :raises ArticleNotFound: unknown key and ``may_create`` is false.
    :raises ArticleClosed: the article is closed or its closing time has passed.
    """
    article = find_article(session, key)
    if article is None:
        if not may_create or not key or len(key) > KEY_MAX_LENGTH:
            raise ArticleNotFound(key)
        article = ensure_article(session, key, url=url, title=title, now=now)
    if not article.is_open or (article.closes_at is not None and article.closes_at <= now):
        raise ArticleClosed(key)
    return article


def set_open(session: Session, key: str, is_open: bool) -> Article:
    """Open or close an article for new comments."""
    article = find_article(session, key)
    if article is None:
        raise ArticleNotFound(key)
    article.is_open = is_open
    session.flush()
    return article
