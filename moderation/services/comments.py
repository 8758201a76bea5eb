"""Comment use cases for readers: submit, read a thread, count, follow one's own comment."""

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

from moderation import jobs
from moderation import pipeline
from moderation import sanitize
from moderation import tasks
from moderation.config import IpStorage
from moderation.errors import ArticleNotFound
from moderation.errors import CommentNotFound
from moderation.errors import DuplicateComment
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import articles
from moderation.services import events
from moderation.services import site_settings
from moderation.services.checks import check_key
from moderation.services.decisions import record_machine_decision
from moderation.services.ports import Deps
from moderation.services.privacy import email_hash
from moderation.services.privacy import network_of
from moderation.services.privacy import stored_ip
from moderation.validation import CommentDraft

USER_AGENT_MAX_LENGTH = 400


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where the submission came from; kept for the checks, never published."""

    ip: str | None = None
    user_agent: str | None = None
    origin: str | None = None
    #: Seconds between the form being shown and sent (from a signed token), if known.
    elapsed_seconds: float | None = None


def submit_comment(
    session: Session,
    deps: Deps,
    draft: CommentDraft,
    *,
    article_key: str,
    article_url: str = "",
    article_title: str = "",
    client: ClientInfo | None = None,
) -> Comment:
    """Store a reader's comment as ``pending`` and queue its check, in one transaction.

    A cheap screen runs first: a filled honeypot is recorded as spam at once and queues
    nothing. The caller commits; the check is published after that commit.

    :raises ArticleNotFound, ArticleClosed, ValidationFailed:
    """
    settings = deps.settings
    client = client or ClientInfo()
    now = deps.clock.now()
    may_create = settings.auto_create_articles or articles.host_allowed(
        client.origin, settings.allowed_sites
    )
    article = articles.article_for_comment(
        session,
        article_key,
        url=article_url,
        title=article_title,
        may_create=may_create,
        now=now,
        close_after_days=site_settings.effective(session, settings).close_after_days,
    )
    parent = _parent(session, article, draft.parent_id, settings.max_depth)
    html = sanitize.clean_html(draft.body)
    text = sanitize.to_text(html)
    if not text:
        raise ValidationFailed([FieldError("body", "empty_after_cleaning")])
    author = email_hash(settings.secret_key, draft.email)
    _refuse_exact_duplicate(session, article, author, text, now)
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
        elapsed_seconds=client.elapsed_seconds,
        status=CommentStatus.PENDING,
        reasons=[],
        scores={},
        created_at=now,
    )
    session.add(comment)
    session.flush()
    events.emit(session, events.EventType.COMMENT_CREATED, deps=deps, now=now, comment=comment)
    submission = pipeline.Submission(
        text=text,
        html=html,
        author_name=draft.author_name,
        email_hash=comment.email_hash,
        article_key=article.key,
        website=draft.website,
        link_count=sanitize.count_links(html),
        link_hosts=tuple(sanitize.link_hosts(html)),
        is_reply=parent is not None,
        honeypot_filled=draft.honeypot_filled,
        elapsed_seconds=client.elapsed_seconds,
    )
    early = pipeline.screen(
        submission, pipeline.Context(), site_settings.screening_rules(session, deps)
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
    return comment


#: How long an identical comment by the same author on the same article is refused.
DUPLICATE_WINDOW = dt.timedelta(days=1)


def _refuse_exact_duplicate(
    session: Session, article: Article, author: str, text: str, now: dt.datetime
) -> None:
    same = session.scalar(
        sa.select(Comment.id)
        .where(
            Comment.email_hash == author,
            Comment.created_at >= now - DUPLICATE_WINDOW,
            Comment.article_id == article.id,
            Comment.body_text == text,
            Comment.status != CommentStatus.DELETED,
        )
        .limit(1)
    )
    if same is not None:
        raise DuplicateComment(article.key)


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

    One indexed query loads every approved comment of the article; the tree is built in
    memory. (The web layer caches the serialized page, so this runs once per change.)

    :raises ArticleNotFound:
    :raises ValueError: the cursor is not one this function produced.
    """
    article = articles.find_article(session, article_key)
    if article is None:
        raise ArticleNotFound(article_key)
    rows = session.scalars(
        sa.select(Comment)
        .where(Comment.article_id == article.id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    roots = _build_tree(rows, newest_first=sort == "newest")
    start = 0
    if cursor:
        after = _decode_cursor(cursor)
        positions = {node.comment.id: i for i, node in enumerate(roots)}
        if after not in positions:
            raise ValueError("unknown cursor")
        start = positions[after] + 1
    page = roots[start : start + limit]
    more = start + limit < len(roots)
    next_cursor = _encode_cursor(page[-1].comment.id) if more and page else None
    return ThreadPage(article, len(rows), page, next_cursor)


def _build_tree(rows: Sequence[Comment], *, newest_first: bool) -> list[ThreadNode]:
    nodes = {row.id: ThreadNode(row) for row in rows}
    roots: list[ThreadNode] = []
    for row in rows:
        node = nodes[row.id]
        parent = nodes.get(row.parent_id) if row.parent_id is not None else None
        # A reply whose parent is no longer public is shown at the top level.
        (parent.children if parent is not None else roots).append(node)
    if newest_first:
        roots.reverse()
    return roots


def _encode_cursor(comment_id: int) -> str:
    raw = json.dumps({"after": comment_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ValueError("malformed cursor") from None
    if not isinstance(value, int):
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
