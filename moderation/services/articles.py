"""Articles: find the one a comment is for, create it when the site signed it, correct it,
open and close."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from moderation import jobs
from moderation import urls
from moderation.config import Settings
from moderation.errors import ArticleClosed
from moderation.errors import ArticleNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.services import article_signing
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


@dataclass(frozen=True, slots=True)
class ArticleClaim:
    """What a first comment says about its (maybe new) article, and who vouches for it."""

    url: str = ""
    title: str = ""
    signature: str = ""


def article_for_comment(
    session: Session,
    key: str,
    *,
    claim: ArticleClaim,
    settings: Settings,
    now: dt.datetime,
    close_after_days: int = 0,
    found: Article | None = None,
) -> Article:
    """The open article a new comment goes to, created if the site signed its details.

    An unknown article is created only when ``claim`` carries the site's signature over
    the key, an http(s) address on a configured site and the title
    (:mod:`services.article_signing`). ``AUTO_CREATE_ARTICLES`` (development and
    benchmarks) creates any other key too, but with no address and no title: those are
    never the commenter's to choose.

    ``close_after_days`` is the site's default for automatic closing (0: never).
    ``found`` is the article with ``key`` when the caller has already read it.

    :raises ArticleNotFound: unknown key that may not be created.
    :raises ArticleClosed: the article is closed or its closing time has passed.
    """
    article = found if found is not None else find_article(session, key)
    if article is None:
        if is_signed_claim(settings, key, claim):
            url = urls.web_url(claim.url) or ""
            article = ensure_article(session, key, url=url, title=claim.title, now=now)
        elif may_create(settings, key, claim):
            article = ensure_article(session, key, url="", title="", now=now)
        else:
            raise ArticleNotFound(key)
    refuse_if_closed(article, now, close_after_days)
    return article


def is_signed_claim(settings: Settings, key: str, claim: ArticleClaim) -> bool:
    """Whether the site signed this key, address and title (and the key is usable)."""
    return (
        bool(key)
        and len(key) <= KEY_MAX_LENGTH
        and article_signing.is_signed(
            settings.secret_key,
            settings.allowed_sites,
            key=key,
            url=claim.url,
            title=claim.title,
            given=claim.signature,
        )
    )


def may_create(settings: Settings, key: str, claim: ArticleClaim) -> bool:
    """Whether a first comment with ``claim`` may create the unknown article ``key``."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return False
    return settings.auto_create_articles or is_signed_claim(settings, key, claim)


def refuse_if_closed(article: Article, now: dt.datetime, close_after_days: int = 0) -> None:
    """:raises ArticleClosed: the article is closed or its closing time has passed."""
    if not accepts_comments(article, now, close_after_days):
        raise ArticleClosed(article.key)


TITLE_MAX_LENGTH = 500


def update_article_details(
    session: Session,
    deps: Deps,
    key: str,
    *,
    url: str | None = None,
    title: str | None = None,
    moderator_id: int | None,
) -> Article:
    """Correct an article's address and/or title (an administrator's fix of a bad first post).

    The address must be an http(s) address on a configured site; it is stored as a
    browser reads it. The public thread shows both, so the read cache is told once the
    change is committed; the change is in the audit log.

    :raises ArticleNotFound:
    :raises ValidationFailed: an address off the configured sites, or a title too long,
        empty or with control characters.
    """
    article = find_article(session, key)
    if article is None:
        raise ArticleNotFound(key)
    errors: list[FieldError] = []
    new_url = article.url
    if url is not None:
        address = urls.web_url(url.strip())
        if address is None or article_signing.site_of(address, deps.settings.allowed_sites) is None:
            errors.append(FieldError("url", "article_url_off_site"))
        else:
            new_url = address
    new_title = article.title
    if title is not None:
        new_title = " ".join(title.split())
        if not new_title:
            errors.append(FieldError("title", "required"))
        elif len(new_title) > TITLE_MAX_LENGTH:
            errors.append(FieldError("title", "too_long", {"max": TITLE_MAX_LENGTH}))
    if errors:
        raise ValidationFailed(errors)
    before = {"url": article.url, "title": article.title}
    article.url, article.title = new_url, new_title
    session.flush()
    audit.record(
        session,
        AuditAction.ARTICLE_DETAILS_CHANGED,
        now=deps.clock.now(),
        moderator_id=moderator_id,
        article_id=article.id,
        details={"before": before, "after": {"url": new_url, "title": new_title}},
    )
    cache = deps.cache
    jobs.after_commit(session, lambda: cache.invalidate([key]))
    return article


def closing_time(article: Article, close_after_days: int) -> dt.datetime | None:
    """When the article stops taking comments by itself, if ever.

    An explicit ``closes_at`` wins; otherwise the article's own number of days, or the
    site's default when it has none (0 in either place means never).
    """
    if article.closes_at is not None:
        return article.closes_at
    days = article.close_after_days if article.close_after_days is not None else close_after_days
    if not days:
        return None
    return article.created_at + dt.timedelta(days=days)


def accepts_comments(article: Article, now: dt.datetime, close_after_days: int) -> bool:
    """Open, and its closing time (if any) not reached."""
    closes = closing_time(article, close_after_days)
    return article.is_open and (closes is None or closes > now)


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
