"""Articles: find the one a comment is for, create it when the site may, open and close."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation import jobs
from moderation import urls
from moderation.errors import ArticleClosed
from moderation.errors import ArticleNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.services import audit
from moderation.services import events
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps

KEY_MAX_LENGTH = 200


def find_article(session: Session, key: str) -> Article | None:
    """The article with that site-chosen key, if any."""
    return session.scalar(sa.select(Article).where(Article.key == key))


def existing_keys(session: Session, keys: list[str]) -> list[str]:
    """Those of ``keys`` that name an article, in the order given."""
    found = set(session.scalars(sa.select(Article.key).where(Article.key.in_(keys))))
    return [key for key in keys if key in found]


def ensure_article(
    session: Session, key: str, *, url: str, title: str, now: dt.datetime
) -> Article:
    """Return the article with ``key``, creating it with ``url`` and ``title`` if needed."""
    article = find_article(session, key)
    if article is not None:
        return article
    try:
        # Two first comments on a new article can race here: the savepoint lets the loser
        # roll back its insert alone and use the winner's row.
        with session.begin_nested():
            article = Article(key=key, url=url[:2000], title=title[:500], created_at=now)
            session.add(article)
    except IntegrityError:
        article = find_article(session, key)
        if article is None:
            raise
    return article


def host_allowed(origin_or_url: str | None, allowed_sites: tuple[str, ...]) -> bool:
    """Whether an ``Origin``/``Referer`` value or a page address is on a configured site.

    A site configured as an origin (``https://www.journal.fr``, ``http://127.0.0.1:8080``)
    matches that scheme, host and port exactly; a bare host name (``www.journal.fr``)
    matches that host on any scheme or port. Never a suffix match. Addresses are read as
    a browser reads them (``https://evil.example\\@www.journal.fr/`` is on evil.example).
    """
    candidate = urls.origin_of(origin_or_url)
    if candidate is None:
        return False
    for site in allowed_sites:
        if "://" in site:
            if urls.origin_of(site) == candidate:
                return True
        elif candidate.host == urls.domain_key(site):
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


def set_open(
    session: Session, deps: Deps, key: str, is_open: bool, *, moderator_id: int | None = None
) -> Article:
    """Open or close an article for new comments.

    Its public thread says whether it is open, so the read cache is told once the change
    is committed; closing records an ``article.closed`` event.

    :raises ArticleNotFound:
    """
    article = find_article(session, key)
    if article is None:
        raise ArticleNotFound(key)
    if article.is_open == is_open:
        return article
    article.is_open = is_open
    session.flush()
    if not is_open:
        events.emit(
            session,
            events.EventType.ARTICLE_CLOSED,
            deps=deps,
            now=deps.clock.now(),
            article_id=article.id,
            moderator_id=moderator_id,
        )
    cache = deps.cache
    jobs.after_commit(session, lambda: cache.invalidate([key]))
    return article


NOTE_MAX_LENGTH = 500


def set_article_note(
    session: Session, article_key: str, note: str, *, moderator_id: int, now: dt.datetime
) -> Article:
    """Set (or clear, with ``""``) the note moderators see on every item of an article.

    :raises ArticleNotFound:
    :raises ValidationFailed: the note is too long.
    """
    article = session.scalar(sa.select(Article).where(Article.key == article_key))
    if article is None:
        raise ArticleNotFound(article_key)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed([FieldError("note", "too_long", {"max": NOTE_MAX_LENGTH})])
    article.moderator_note = note or None
    audit.record(
        session,
        AuditAction.ARTICLE_NOTE_CHANGED,
        now=now,
        moderator_id=moderator_id,
        article_id=article.id,
    )
    return article
