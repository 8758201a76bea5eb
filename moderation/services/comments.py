"""Comment use cases for readers: submit, read a thread, count, follow one's own comment.

Intake never tells a sender more than "accepted, pending": a filled honeypot and an exact
repost answer like any accepted comment (see :func:`accept_comment`), so neither can be
used to learn which address wrote a published comment or which field is the trap.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from moderation import jobs
from moderation import pipeline
from moderation import sanitize
from moderation import tasks
from moderation.config import IpStorage
from moderation.db import write_new
from moderation.errors import ArticleNotFound
from moderation.errors import CommentNotFound
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import new_public_id
from moderation.services import articles
from moderation.services import authorship
from moderation.services import events
from moderation.services import intake_ledger
from moderation.services import intake_reads
from moderation.services import site_settings
from moderation.services.checks import check_key
from moderation.services.decisions import record_machine_decision
from moderation.services.ports import Deps
from moderation.services.privacy import email_hash
from moderation.services.privacy import network_of
from moderation.services.privacy import stored_ip
from moderation.validation import CommentDraft

USER_AGENT_MAX_LENGTH = 400
REFERRER_MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where the submission came from; kept for the checks, never published."""

    ip: str | None = None
    user_agent: str | None = None
    origin: str | None = None
    #: The page the form was on (``Referer``), kept for outside spam checks.
    referrer: str | None = None
    #: Seconds between the form being shown and sent, when already known.
    elapsed_seconds: float | None = None
    #: The genuine form token that came with the post, if any (spent at intake).
    form_token: FormToken | None = None


@dataclass(frozen=True, slots=True)
class FormToken:
    """A signed form render token, checked by the web layer: when, for this article."""

    issued_at: dt.datetime
    nonce: str
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Receipt:
    """What intake answers: the public id and, once, the author token.

    ``comment`` is ``None`` when nothing was kept (a filled honeypot): the id and the
    token are then decoys shaped like real ones.
    """

    public_id: str
    author_token: str
    comment: Comment | None


#: Silent refusals counted in :class:`IntakeCounter`.
COUNTER_HONEYPOT = "honeypot"


def accept_comment(
    session: Session,
    deps: Deps,
    draft: CommentDraft,
    *,
    article_key: str,
    article_url: str = "",
    article_title: str = "",
    article_signature: str = "",
    client: ClientInfo | None = None,
) -> Receipt:
    """Intake as every public surface offers it: a receipt that looks the same whatever
    became of the comment.

    A filled honeypot stores nothing at all (no article, no comment, no check queued),
    only a count for the day; what is refused openly (unknown or closed article, invalid
    fields) is refused the same way as for a person, so the trap field is not revealed.

    :raises ArticleNotFound, ArticleClosed, ValidationFailed:
    """
    claim = articles.ArticleClaim(article_url, article_title, article_signature)
    if draft.honeypot_filled:
        _screen_trapped(session, deps, draft, article_key, claim)
        return Receipt(new_public_id(), authorship.decoy_token(), None)
    token, hashed = authorship.new_author_token()
    comment = submit_comment(
        session,
        deps,
        draft,
        article_key=article_key,
        article_url=article_url,
        article_title=article_title,
        article_signature=article_signature,
        client=client,
        author_token_hash=hashed,
    )
    return Receipt(comment.public_id, token, comment)


def _screen_trapped(
    session: Session,
    deps: Deps,
    draft: CommentDraft,
    article_key: str,
    claim: articles.ArticleClaim,
) -> None:
    settings = deps.settings
    now = deps.clock.now()
    article = articles.find_article(session, article_key)
    if article is None:
        if not articles.may_create(settings, article_key, claim):
            raise ArticleNotFound(article_key)
    else:
        # Refuses a closed article exactly as for anyone; creates nothing (it exists).
        articles.refuse_if_closed(
            article, now, site_settings.effective(session, settings).close_after_days
        )
        _parent(session, article, draft.parent_id, settings.max_depth)
    if not sanitize.clean_comment(draft.body).text:
        raise ValidationFailed([FieldError("body", "empty_after_cleaning")])
    intake_ledger.count_refusal(session, COUNTER_HONEYPOT, now)


#: How long an identical comment by the same author on the same article is refused.
DUPLICATE_WINDOW = dt.timedelta(days=1)


def submit_comment(
    session: Session,
    deps: Deps,
    draft: CommentDraft,
    *,
    article_key: str,
    article_url: str = "",
    article_title: str = "",
    article_signature: str = "",
    client: ClientInfo | None = None,
    author_token_hash: str | None = None,
) -> Comment:
    """Store a reader's comment as ``pending`` and queue its check, in one transaction.

    An unknown article is created only from a signed snippet (``article_signature``, see
    ``services.article_signing``). A cheap screen runs first: a filled honeypot is
    recorded as spam at once and queues nothing (public intake goes through
    :func:`accept_comment`, which keeps nothing of those). An exact repost by the same
    author on the same article within a day is stored refused, with no check queued. The
    caller commits; the check is published after that commit.

    :raises ArticleNotFound, ArticleClosed, ValidationFailed:
    """
    settings = deps.settings
    client = client or ClientInfo()
    now = deps.clock.now()
    body = sanitize.clean_comment(draft.body)
    html, text = body.html, body.text
    author = email_hash(settings.secret_key, draft.email)
    known = intake_reads.read(
        session,
        settings,
        article_key=article_key,
        author=author,
        text=text,
        since=now - DUPLICATE_WINDOW,
    )
    article = articles.article_for_comment(
        session,
        article_key,
        claim=articles.ArticleClaim(article_url, article_title, article_signature),
        settings=settings,
        now=now,
        close_after_days=known.settings.close_after_days,
        found=known.article,
    )
    parent = _parent(session, article, draft.parent_id, settings.max_depth)
    if not text:
        raise ValidationFailed([FieldError("body", "empty_after_cleaning")])
    duplicate = known.duplicate
    elapsed = client.elapsed_seconds
    if client.form_token is not None:
        elapsed = _spend_form_token(session, client.form_token, now)
    comment = Comment(
        article_id=article.id,
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        author_name=draft.author_name,
        email=draft.email,
        email_hash=author,
        website=draft.website,
        body_raw=draft.body,
        body_html=html,
        body_text=text,
        ip=stored_ip(client.ip, settings.ip_storage),
        ip_prefix=network_of(client.ip) if settings.ip_storage is not IpStorage.NONE else None,
        user_agent=(client.user_agent or "")[:USER_AGENT_MAX_LENGTH] or None,
        referrer=(client.referrer or "")[:REFERRER_MAX_LENGTH] or None,
        elapsed_seconds=elapsed,
        status=CommentStatus.PENDING,
        reasons=[],
        scores={},
        created_at=now,
        author_token_hash=author_token_hash,
    )
    if known.comment_id is not None:
        comment.id = known.comment_id
    session.add(comment)
    if known.comment_id is None:
        session.flush()  # the insert gives the id: the event and the check name it
    events.emit(session, events.EventType.COMMENT_CREATED, deps=deps, now=now, comment=comment)
    submission = pipeline.Submission(
        text=text,
        html=html,
        author_name=draft.author_name,
        email_hash=comment.email_hash,
        article_key=article.key,
        website=draft.website,
        link_count=body.links.count,
        link_hosts=body.links.hosts,
        is_reply=parent is not None,
        honeypot_filled=draft.honeypot_filled,
        elapsed_seconds=elapsed,
    )
    early = pipeline.screen(
        submission,
        pipeline.Context(exact_duplicate=duplicate),
        site_settings.screening_rules(session, deps),
    )
    if early is not None:
        record_machine_decision(session, deps, comment, early)
        return comment
    jobs.enqueue_after_commit(
        session,
        deps.publisher,
        tasks.TASK_CLASSIFY_COMMENT,
        {"comment_id": comment.id},
        key=check_key(comment.id),
        now=now,
        stale_after=dt.timedelta(seconds=settings.outbox_stale_seconds),
    )
    # The comment, its event and its outbox row: one statement on PostgreSQL.
    write_new(session)
    return comment


def _spend_form_token(session: Session, token: FormToken, now: dt.datetime) -> float | None:
    """Seconds since the form was shown, or ``None`` if this token was already used."""
    if not intake_ledger.spend(session, "form", token.nonce, expires_at=token.expires_at):
        return None
    return max(0.0, (now - token.issued_at).total_seconds())


def _parent(
    session: Session, article: Article, parent_id: str | None, max_depth: int
) -> Comment | None:
    if parent_id is None:
        return None
    parent = session.scalar(sa.select(Comment).where(Comment.public_id == parent_id))
    if parent is None or parent.article_id != article.id or parent.status != CommentStatus.APPROVED:
        raise ValidationFailed([FieldError("parent_id", "invalid_parent")])
    if parent.depth + 1 > max_depth:
        raise ValidationFailed([FieldError("parent_id", "too_deep", {"max": max_depth})])
    return parent


def get_comment(session: Session, public_id: str) -> Comment:
    """The comment with that public id, whatever its status.

    :raises CommentNotFound:
    """
    comment = session.scalar(sa.select(Comment).where(Comment.public_id == public_id))
    if comment is None or comment.status == CommentStatus.DELETED:
        raise CommentNotFound(public_id)
    return comment


@dataclass(slots=True)
class ThreadNode:
    """An approved comment with its approved replies."""

    comment: Comment
    children: list[ThreadNode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ThreadPage:
    article: Article
    total: int
    nodes: list[ThreadNode]
    next_cursor: str | None


def public_thread(
    session: Session,
    article_key: str,
    *,
    sort: str = "oldest",
    cursor: str | None = None,
    limit: int = 50,
) -> ThreadPage:
    """One page of an article's approved comments, threaded; the page counts top-level ones.

    Only the page's rows are read: its top-level comments by keyset on
    ``(created_at, id)`` after the cursor's comment, then their approved replies by a
    recursive query, so a page costs the same on a thread of 10 comments or 20,000. A
    reply whose parent is no longer public is shown at the top level.

    :raises ArticleNotFound:
    :raises ValueError: the cursor is not one this function produced.
    """
    article = articles.find_article(session, article_key)
    if article is None:
        raise ArticleNotFound(article_key)
    newest = sort == "newest"
    approved = (Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
    parent = aliased(Comment)
    public_parent = (
        sa.select(parent.id)
        .where(parent.id == Comment.parent_id, parent.status == CommentStatus.APPROVED)
        .exists()
    )
    query = sa.select(Comment).where(*approved, sa.or_(Comment.parent_id.is_(None), ~public_parent))
    if cursor:
        query = query.where(_after(session, article.id, decode_cursor(cursor), newest))
    if newest:
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    else:
        query = query.order_by(Comment.created_at, Comment.id)
    roots = list(session.scalars(query.limit(limit + 1)))
    more = len(roots) > limit
    roots = roots[:limit]
    nodes = {row.id: ThreadNode(row) for row in roots}
    for reply in _replies(session, [row.id for row in roots]):
        node = nodes[reply.id] = ThreadNode(reply)
        nodes[reply.parent_id or 0].children.append(node)
    total = session.scalar(sa.select(sa.func.count(Comment.id)).where(*approved)) or 0
    next_cursor = encode_cursor(roots[-1].id) if more and roots else None
    return ThreadPage(article, total, [nodes[row.id] for row in roots], next_cursor)


def _after(
    session: Session, article_id: int, comment_id: int, newest: bool
) -> sa.ColumnElement[bool]:
    """The keyset condition "after the cursor's comment" in the page's order."""
    anchor = session.execute(
        sa.select(Comment.created_at, Comment.id).where(
            Comment.id == comment_id, Comment.article_id == article_id
        )
    ).first()
    if anchor is None:
        raise ValueError("unknown cursor")
    at, anchor_id = anchor
    if newest:
        return sa.or_(
            Comment.created_at < at, sa.and_(Comment.created_at == at, Comment.id < anchor_id)
        )
    return sa.or_(
        Comment.created_at > at, sa.and_(Comment.created_at == at, Comment.id > anchor_id)
    )


def _replies(session: Session, root_ids: list[int]) -> Sequence[Comment]:
    """Approved replies under ``root_ids`` through approved parents, oldest first."""
    if not root_ids:
        return []
    tree = (
        sa.select(Comment.id)
        .where(Comment.parent_id.in_(root_ids), Comment.status == CommentStatus.APPROVED)
        .cte("tree", recursive=True)
    )
    child = aliased(Comment)
    tree = tree.union_all(
        sa.select(child.id).where(
            child.parent_id == tree.c.id, child.status == CommentStatus.APPROVED
        )
    )
    return session.scalars(
        sa.select(Comment)
        .where(Comment.id.in_(sa.select(tree.c.id)))
        .order_by(Comment.created_at, Comment.id)
    ).all()


def encode_cursor(comment_id: int) -> str:
    """The opaque cursor of the page that follows ``comment_id``."""
    raw = json.dumps({"after": comment_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The comment id a cursor continues after (any encoding of the same JSON).

    :raises ValueError: not a cursor.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("malformed cursor") from None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError("malformed cursor")
    return value


def approved_counts(session: Session, article_keys: Sequence[str]) -> dict[str, int]:
    """Approved-comment count per article key (0 for unknown keys), in one query."""
    counts = dict.fromkeys(article_keys, 0)
    if not article_keys:
        return counts
    query = (
        sa.select(Article.key, sa.func.count(Comment.id))
        .join(Comment, Comment.article_id == Article.id)
        .where(Article.key.in_(list(article_keys)), Comment.status == CommentStatus.APPROVED)
        .group_by(Article.key)
    )
    for key, count in session.execute(query):
        counts[key] = count
    return counts
