"""The moderators' read model: queue items with everything needed to decide at a glance.

One module builds what the JSON moderator API and the workspace pages show, so the two can
never drift: the tabs and their counts, search and filters, and each item with its
article, the parent it answers, its reports, the author's history, its campaign and the
matched words. A page costs a fixed number of queries whatever its length (one per kind
of fact, never one per item), and pages are keyset-paginated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from moderation.errors import CommentNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.services import search_statistics
from moderation.services.privacy import email_hash


@dataclass(frozen=True, slots=True)
class AuthorHistory:
    """What the author (by keyed email hash) has posted before, this comment excluded."""

    approved: int = 0
    held: int = 0
    rejected: int = 0
    spam: int = 0
    pending: int = 0
    first_seen: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch of a comment's plain text; ``marked`` when a rule or model matched it."""

    text: str
    marked: bool = False


@dataclass(frozen=True, slots=True)
class QueueItem:
    comment: Comment
    article: Article
    parent: Comment | None = None
    report_count: int = 0
    report_reasons: dict[str, int] = field(default_factory=dict)
    history: AuthorHistory = AuthorHistory()
    #: Comments of the same campaign in the same tab (this one included); 0: no campaign.
    campaign_size: int = 0

    @property
    def masked_email(self) -> str:
        return mask_email(self.comment.email)

    @property
    def segments(self) -> tuple[Segment, ...]:
        return highlight(self.comment.body_text, self.comment.reasons or [])


@dataclass(frozen=True, slots=True)
class QueuePage:
    items: Sequence[QueueItem]
    #: The cursor to pass for the next page, if there is one.
    next_cursor: str | None


class Tab(StrEnum):
    """The queues moderators work through."""

    REVIEW = "review"
    REPORTED = "reported"
    SPAM = "spam"
    REJECTED = "rejected"
    APPROVED = "approved"
    ALL = "all"


class Order(StrEnum):
    OLDEST = "oldest"
    NEWEST = "newest"
    #: Riskiest first (highest classifier score), then most reported, then oldest.
    PRIORITY = "priority"


#: A pending comment joins the review queue once the worker had time to decide it: most
#: are decided within a second, and a person should not race the machine.
REVIEW_GRACE = dt.timedelta(seconds=10)

_TAB_STATUS = {
    Tab.SPAM: CommentStatus.SPAM,
    Tab.REJECTED: CommentStatus.REJECTED,
    Tab.APPROVED: CommentStatus.APPROVED,
}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """What a queue shows. Empty fields do not filter."""

    tab: Tab = Tab.ALL
    #: Exact statuses, for callers that ask by status rather than by tab (the API).
    statuses: tuple[CommentStatus, ...] = ()
    text: str = ""
    author_name: str = ""
    #: Keyed hash of the author's email (the workspace links an author's comments by it).
    author: str = ""
    email: str = ""
    article: str = ""
    language: str = ""
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    score_min: float | None = None
    score_max: float | None = None
    campaign_id: int | None = None
    order: Order | None = None
    #: Show a campaign once per page, as one group (its first comment stands for it).
    group_campaigns: bool = False

    @property
    def effective_order(self) -> Order:
        if self.order is not None:
            return self.order
        # Work queues are worked oldest first; the others show what is new.
        return Order.OLDEST if self.tab in (Tab.REVIEW, Tab.REPORTED) else Order.NEWEST


def _open_reports() -> sa.ColumnElement[bool]:
    return sa.exists(
        sa.select(Report.id).where(Report.comment_id == Comment.id, Report.resolved_at.is_(None))
    )


def tab_condition(tab: Tab, now: dt.datetime) -> sa.ColumnElement[bool]:
    """Which comments a tab holds."""
    if tab is Tab.REVIEW:
        return sa.or_(
            Comment.status == CommentStatus.HELD,
            sa.and_(
                Comment.status == CommentStatus.PENDING, Comment.created_at <= now - REVIEW_GRACE
            ),
        )
    if tab is Tab.REPORTED:
        return sa.and_(Comment.status == CommentStatus.APPROVED, _open_reports())
    if tab is Tab.ALL:
        return Comment.status != CommentStatus.DELETED
    return Comment.status == _TAB_STATUS[tab]


def _conditions(
    filters: QueueFilter, now: dt.datetime, secret: str, article_ids: list[int] | None
) -> list[sa.ColumnElement[bool]]:
    """Every condition of ``filters`` but the substring searches (see ``_substrings``)."""
    found = [tab_condition(filters.tab, now)]
    if filters.statuses:
        found.append(Comment.status.in_(list(filters.statuses)))
    if filters.author:
        found.append(Comment.email_hash == filters.author)
    if filters.email:
        # By the keyed hash: an indexed equality, and the address is never compared raw.
        found.append(Comment.email_hash == email_hash(secret, filters.email.strip()))
    if article_ids is not None:
        # One article (the usual case, a link from its page) is an equality, so the
        # (article, time) index gives its comments in order without sorting the thread.
        found.append(
            Comment.article_id == article_ids[0]
            if len(article_ids) == 1
            else Comment.article_id.in_(article_ids)
        )
    if filters.language:
        found.append(Comment.language == filters.language)
    if filters.date_from is not None:
        found.append(Comment.created_at >= filters.date_from)
    if filters.date_to is not None:
        found.append(Comment.created_at < filters.date_to)
    if filters.score_min is not None:
        found.append(Comment.risk >= filters.score_min)
    if filters.score_max is not None:
        found.append(Comment.risk <= filters.score_max)
    if filters.campaign_id is not None:
        found.append(Comment.campaign_id == filters.campaign_id)
    return found


def _searched(filters: QueueFilter) -> list[tuple[str, str]]:
    """The substring searches asked for: (term, column name), the column names being those
    the search statistics are stored under."""
    terms = (filters.text, "body_text"), (filters.author_name, "author_name")
    return [(term, name) for term, name in terms if term]


def _substrings(filters: QueueFilter, entity: type[Comment]) -> list[sa.ColumnElement[bool]]:
    """The text and author-name searches (``ILIKE '%...%'``), on ``entity``'s columns."""
    return [
        getattr(entity, name).ilike(f"%{_like(term)}%", escape="\\")
        for term, name in _searched(filters)
    ]


def _indexed_substrings(session: Session, filters: QueueFilter) -> list[sa.ColumnElement[bool]]:
    """The substring searches for the trigram index: for each term, the parts of it the
    statistics say are worth reading the index for, and the whole term checked on the rows
    they find (on ``lower(column)``, which the index does not cover, so that it is not asked
    for the whole term too)."""
    found: list[sa.ColumnElement[bool]] = []
    for term, name in _searched(filters):
        column = getattr(Comment, name)
        whole = f"%{_like(term)}%"
        chosen = search_statistics.plan(session, name, term)
        if chosen is None:
            found.append(column.ilike(whole, escape="\\"))
            continue
        # One pattern, the pieces in the term's order: one match per row to check, not one
        # per piece (pg_trgm reads the same trigrams from it).
        pieces = "%".join(_escape(piece) for piece in chosen)
        found.append(column.ilike(f"%{pieces}%", escape="\\"))
        # What ILIKE does (both sides lower-cased, then LIKE), a little cheaper per row.
        found.append(sa.func.lower(column).like(sa.func.lower(whole), escape="\\"))
    return found


def _matching_articles(session: Session, text: str) -> list[int]:
    """The article whose key is ``text``; failing that, those whose title contains it."""
    key = session.scalar(sa.select(Article.id).where(Article.key == text.strip()))
    if key is not None:
        return [key]
    return list(
        session.scalars(
            sa.select(Article.id).where(Article.title.ilike(f"%{_like(text)}%", escape="\\"))
        )
    )


def _like(text: str) -> str:
    return _escape(text.strip())


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_queue(
    session: Session,
    filters: QueueFilter,
    *,
    now: dt.datetime,
    secret: str,
    cursor: str | None = None,
    limit: int = 50,
) -> QueuePage:
    """One page of a queue, keyset-paginated (``cursor`` comes from the previous page).

    :raises ValidationFailed: a malformed cursor.
    """
    order = filters.effective_order
    article_ids = _matching_articles(session, filters.article) if filters.article else None
    if article_ids == []:
        return QueuePage([], None)
    conditions = [
        *_conditions(filters, now, secret, article_ids),
        *_after(_parse_cursor(cursor, order), order, Comment),
    ]
    if _substrings(filters, Comment) and session.get_bind().dialect.name == "postgresql":
        rows = _search(session, conditions, filters, order, limit + 1)
    else:
        query = sa.select(Comment).where(*conditions, *_substrings(filters, Comment))
        rows = list(session.scalars(_ordered(query, order, Comment).limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    # The cursor continues after the last row read, shown or folded into its group.
    next_cursor = cursor_of(rows[-1]) if more and rows else None
    if filters.group_campaigns:
        seen: set[int] = set()
        grouped = []
        for row in rows:
            if row.campaign_id is not None:
                if row.campaign_id in seen:
                    continue
                seen.add(row.campaign_id)
            grouped.append(row)
        rows = grouped
    return QueuePage(items_for(session, rows, filters=filters, now=now), next_cursor)


#: How many of a tab's next comments, in its order, a substring search reads before it
#: asks the trigram index instead.
SEARCH_WINDOW = 2_000


def _search(
    session: Session,
    conditions: list[sa.ColumnElement[bool]],
    filters: QueueFilter,
    order: Order,
    wanted: int,
) -> list[Comment]:
    """The first ``wanted`` comments matching a substring search, on PostgreSQL.

    How many rows ``ILIKE '%term%'`` matches is what decides the right plan, and it is what
    the planner cannot estimate: walking the tab's index in order and filtering is
    immediate for a common word and reads the whole table for a rare one, while the
    trigram index is immediate for a rare word and fetches half the table for a common
    one. So the term decides: first the tab's next ``SEARCH_WINDOW`` comments in order,
    filtered, which is exact when it fills the page (any later match comes after them in
    the order) or when the tab has no more comments than that; otherwise the word is rare
    here and the trigram index finds every match, which are then few to sort.

    One statement reads the window: its matches in order, and its last comment whether it
    matches or not, which tells a full window from a whole tab.
    """
    keys = _order_keys(order, Comment)
    place = sa.func.row_number().over(order_by=keys).label("place")
    window = (
        sa.select(Comment, place).where(*conditions).order_by(*keys).limit(SEARCH_WINDOW)
    ).subquery()
    recent = aliased(Comment, window)
    matches = sa.and_(*_substrings(filters, recent))
    found = session.execute(
        sa.select(recent, matches.label("matches"), window.c.place)
        .where(sa.or_(matches, window.c.place == SEARCH_WINDOW))
        .order_by(window.c.place)
        .limit(wanted + 1)
    ).all()
    rows = [comment for comment, matched, _ in found if matched]
    if len(rows) >= wanted or all(at < SEARCH_WINDOW for _, _, at in found):
        return rows[:wanted]
    query = sa.select(Comment).where(*conditions, *_indexed_substrings(session, filters))
    # Only bitmap scans for this statement: the trigram index, not a walk of the table.
    # (Should it fail, the transaction's rollback undoes these settings with the rest.)
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    session.execute(sa.text("SET LOCAL enable_indexscan = off"))
    rows = list(session.scalars(_ordered(query, order, Comment).limit(wanted)).all())
    session.execute(sa.text("SET LOCAL enable_seqscan TO DEFAULT"))
    session.execute(sa.text("SET LOCAL enable_indexscan TO DEFAULT"))
    return rows


def _ordered(query: sa.Select[Any], order: Order, entity: type[Comment]) -> sa.Select[Any]:
    return query.order_by(*_order_keys(order, entity))


def _order_keys(order: Order, entity: type[Comment]) -> list[sa.ColumnElement[Any]]:
    if order is Order.OLDEST:
        return [entity.created_at.asc(), entity.id.asc()]
    if order is Order.NEWEST:
        return [entity.created_at.desc(), entity.id.desc()]
    return [sa.func.coalesce(entity.risk, -1.0).desc(), entity.created_at.asc(), entity.id.asc()]


def _after(
    position: tuple[float, dt.datetime, int] | None, order: Order, entity: type[Comment]
) -> list[sa.ColumnElement[bool]]:
    """The keyset condition: only what comes after ``position`` in ``order``."""
    if position is None:
        return []
    level, when, last = position
    if order is Order.OLDEST:
        return [sa.tuple_(entity.created_at, entity.id) > (when, last)]
    if order is Order.NEWEST:
        return [sa.tuple_(entity.created_at, entity.id) < (when, last)]
    risk = sa.func.coalesce(entity.risk, -1.0)
    return [
        sa.or_(
            risk < level,
            sa.and_(risk == level, sa.tuple_(entity.created_at, entity.id) > (when, last)),
        )
    ]


def cursor_of(comment: Comment) -> str:
    micros = int(comment.created_at.timestamp() * 1_000_000)
    risk = comment.risk if comment.risk is not None else -1.0
    return f"{risk!r}_{micros}_{comment.id}"


def _parse_cursor(raw: str | None, order: Order) -> tuple[float, dt.datetime, int] | None:
    if not raw:
        return None
    try:
        risk, micros, last = raw.split("_")
        when = dt.datetime.fromtimestamp(int(micros) / 1_000_000, dt.UTC)
        return float(risk), when, int(last)
    except (ValueError, OverflowError, OSError):
        raise ValidationFailed([FieldError("cursor", "invalid_value")]) from None


def tab_counts(session: Session, now: dt.datetime) -> dict[Tab, int]:
    """How many comments each tab holds, in three indexed queries."""
    by_status = dict(
        session.execute(sa.select(Comment.status, sa.func.count()).group_by(Comment.status)).all()
    )
    waiting = session.scalar(
        sa.select(sa.func.count()).where(
            Comment.status == CommentStatus.PENDING, Comment.created_at <= now - REVIEW_GRACE
        )
    )
    reported = session.scalar(
        sa.select(sa.func.count(sa.distinct(Report.comment_id)))
        .join(Comment, Comment.id == Report.comment_id)
        .where(Report.resolved_at.is_(None), Comment.status == CommentStatus.APPROVED)
    )
    return {
        Tab.REVIEW: by_status.get(CommentStatus.HELD, 0) + int(waiting or 0),
        Tab.REPORTED: int(reported or 0),
        Tab.SPAM: by_status.get(CommentStatus.SPAM, 0),
        Tab.REJECTED: by_status.get(CommentStatus.REJECTED, 0),
        Tab.APPROVED: by_status.get(CommentStatus.APPROVED, 0),
        Tab.ALL: sum(n for status, n in by_status.items() if status != CommentStatus.DELETED),
    }


def oldest_waiting(session: Session, now: dt.datetime) -> dt.datetime | None:
    """When the comment that has waited longest for a person was posted."""
    return session.scalar(
        sa.select(sa.func.min(Comment.created_at)).where(tab_condition(Tab.REVIEW, now))
    )


def mask_email(email: str) -> str:
    """``c•••@example.org``: enough to recognise an address, not to read it."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def highlight(text: str, reasons: Sequence[dict[str, Any]]) -> tuple[Segment, ...]:
    """Split ``text`` at the spans the reasons matched, merging overlaps."""
    spans = sorted(
        (max(0, int(pair[0])), min(len(text), int(pair[1])))
        for reason in reasons
        for pair in reason.get("spans") or []
        if isinstance(pair, list | tuple) and len(pair) == 2
    )
    segments: list[Segment] = []
    position = 0
    for start, end in spans:
        if end <= position or start >= end:
            continue
        start = max(start, position)
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], marked=True))
        position = end
    if position < len(text) or not segments:
        segments.append(Segment(text[position:]))
    return tuple(segments)


def item(session: Session, public_id: str) -> QueueItem:
    """One comment as moderators see it.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    return items_for(session, [comment])[0]


def items_for(
    session: Session,
    comments: Sequence[Comment],
    *,
    filters: QueueFilter | None = None,
    now: dt.datetime | None = None,
) -> list[QueueItem]:
    """Queue items for loaded comments, in the same order, with five queries at most.

    With ``filters`` (and ``now``), each campaign member learns how many comments of its
    campaign the same queue holds, so the page can show the campaign as one group.
    """
    if not comments:
        return []
    articles = {
        a.id: a
        for a in session.scalars(
            sa.select(Article).where(Article.id.in_({c.article_id for c in comments}))
        )
    }
    parent_ids = {c.parent_id for c in comments if c.parent_id is not None}
    parents = (
        {p.id: p for p in session.scalars(sa.select(Comment).where(Comment.id.in_(parent_ids)))}
        if parent_ids
        else {}
    )
    reports: dict[int, dict[str, int]] = {}
    for comment_id, reason, count in session.execute(
        sa.select(Report.comment_id, Report.reason, sa.func.count())
        .where(Report.comment_id.in_([c.id for c in comments]))
        .group_by(Report.comment_id, Report.reason)
    ):
        reports.setdefault(comment_id, {})[reason.value] = count
    histories = _histories(session, comments)
    campaigns: dict[int, int] = {}
    campaign_ids = {c.campaign_id for c in comments if c.campaign_id is not None}
    if campaign_ids and filters is not None and now is not None:
        campaigns = dict(
            session.execute(  # type: ignore[arg-type]
                sa.select(Comment.campaign_id, sa.func.count())
                .where(Comment.campaign_id.in_(campaign_ids), tab_condition(filters.tab, now))
                .group_by(Comment.campaign_id)
            ).all()
        )
    return [
        QueueItem(
            comment=c,
            article=articles[c.article_id],
            parent=parents.get(c.parent_id) if c.parent_id is not None else None,
            report_count=sum(reports.get(c.id, {}).values()),
            report_reasons=reports.get(c.id, {}),
            history=histories.get(c.id, AuthorHistory()),
            campaign_size=campaigns.get(c.campaign_id, 0) if c.campaign_id is not None else 0,
        )
        for c in comments
    ]


def _histories(session: Session, comments: Sequence[Comment]) -> dict[int, AuthorHistory]:
    # One grouped query over every author of the page; each comment's own row is taken
    # out afterwards, so its history counts only what came before or beside it.
    authors = {c.email_hash for c in comments}
    counts: dict[str, dict[CommentStatus, int]] = {}
    first_seen: dict[str, dt.datetime] = {}
    for author, status, count, first in session.execute(
        sa.select(
            Comment.email_hash, Comment.status, sa.func.count(), sa.func.min(Comment.created_at)
        )
        .where(Comment.email_hash.in_(authors))
        .group_by(Comment.email_hash, Comment.status)
    ):
        counts.setdefault(author, {})[status] = count
        if author not in first_seen or first < first_seen[author]:
            first_seen[author] = first
    found = {}
    for comment in comments:
        mine = dict(counts.get(comment.email_hash, {}))
        mine[comment.status] = mine.get(comment.status, 1) - 1
        found[comment.id] = AuthorHistory(
            approved=mine.get(CommentStatus.APPROVED, 0),
            held=mine.get(CommentStatus.HELD, 0),
            rejected=mine.get(CommentStatus.REJECTED, 0),
            spam=mine.get(CommentStatus.SPAM, 0),
            pending=mine.get(CommentStatus.PENDING, 0),
            first_seen=first_seen.get(comment.email_hash),
        )
    return found
