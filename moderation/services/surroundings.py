"""Gather what the pipeline needs to know around one comment, with indexed queries.

The pipeline decides from plain values; this module is where those values come from:
the author's history (by the keyed email hash), recent volume from the author and from
their network, active block-list entries, near-duplicate candidates for campaign detection,
and the article's premoderation and surge state.
"""

from __future__ import annotations

import datetime as dt
import functools

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import pipeline
from moderation import sanitize
from moderation.models import Article
from moderation.models import BlockRule
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.pipeline import similarity
from moderation.services import site_settings
from moderation.services.ports import Deps

#: Candidates further than this are not worth passing to the campaign rule.
MAX_CANDIDATE_DISTANCE = 8
MAX_CANDIDATES = 200


def fingerprint_columns(text: str) -> dict[str, int]:
    """The SimHash of ``text`` (as a signed 64-bit value) and its four LSH bands."""
    value = similarity.fingerprint(text)
    bands = similarity.bands(value)
    signed = value - (1 << 64) if value >= 1 << 63 else value
    return {
        "fingerprint": signed,
        "fp_band0": bands[0],
        "fp_band1": bands[1],
        "fp_band2": bands[2],
        "fp_band3": bands[3],
    }


def submission_of(comment: Comment, article: Article) -> pipeline.Submission:
    """The pipeline's view of a stored comment."""
    domain = comment.email.rpartition("@")[2].lower() or None
    links = sanitize.link_facts(comment.body_html)
    return pipeline.Submission(
        text=comment.body_text,
        html=comment.body_html,
        author_name=comment.author_name,
        email_hash=comment.email_hash,
        article_key=article.key,
        website=comment.website,
        link_count=links.count,
        link_hosts=links.hosts,
        is_reply=comment.parent_id is not None,
        language=comment.language,
        email_domain=domain,
        ip=comment.ip,
        elapsed_seconds=comment.elapsed_seconds,
        user_agent=comment.user_agent,
        referrer=comment.referrer,
        permalink=article.url or None,
    )


def context_of(
    session: Session, deps: Deps, comment: Comment, article: Article, now: dt.datetime
) -> pipeline.Context:
    """Everything the rules weigh besides the comment itself."""
    settings = site_settings.effective(session, deps.settings)
    history_since = now - dt.timedelta(days=settings.history_days)
    flood_since = now - dt.timedelta(seconds=settings.flood_window_seconds)
    domains = _domains_of(comment.email)
    history = _author_history(session, comment, history_since, flood_since, domains, now)
    approved, rejected, recent_rejected, recent_total, author_recent, ip_recent, may_block = history
    return pipeline.Context(
        premoderation=article.premoderation or settings.premoderation.value,
        author_approved_count=approved,
        author_rejected_count=rejected,
        author_recent_rejected=recent_rejected,
        author_recent_total=recent_total,
        author_recent_count=author_recent,
        ip_recent_count=ip_recent,
        block_entries=_block_entries(session, comment, domains, now) if may_block else (),
        blocked_domains=settings.blocked_domains,
        similar_recent=_similar(session, comment, now - settings.campaign_window),
        accepted_languages=settings.accepted_languages,
        surge_active=article.surge_until is not None and article.surge_until > now,
    )


def _author_history(
    session: Session,
    comment: Comment,
    history_since: dt.datetime,
    flood_since: dt.datetime,
    domains: list[str],
    now: dt.datetime,
) -> tuple[int, int, int, int, int, int, int]:
    """The author's counts, the recent comments from the author's network, and whether a
    block rule may apply to the author, in one query."""
    row = session.execute(
        _history_statement(bool(comment.ip_prefix), bool(comment.ip)),
        {
            "email_hash": comment.email_hash,
            "comment_id": comment.id,
            "history_since": history_since,
            "flood_since": flood_since,
            "ip_prefix": comment.ip_prefix,
            "domains": domains,
            "now": now,
        },
    ).one()
    return tuple(int(value or 0) for value in row)  # type: ignore[return-value]


def _domains_of(email: str) -> list[str]:
    """The address's domain and each parent domain: a rule for example.org covers
    mail.example.org."""
    domain = email.rpartition("@")[2].lower()
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)] or [domain]


@functools.cache
def _history_statement(
    with_network: bool, with_address: bool
) -> sa.Select[int, int, int, int, int, int, bool]:
    """Built once (with bound parameters): constructing it cost more than running it.

    Its last column tells whether any block rule may match: most authors match none, and
    their check then makes no block-rule query of its own."""
    decided = (CommentStatus.APPROVED, CommentStatus.REJECTED, CommentStatus.SPAM)
    refused = (CommentStatus.REJECTED, CommentStatus.SPAM)
    history_since = sa.bindparam("history_since", type_=Comment.created_at.type)
    flood_since = sa.bindparam("flood_since", type_=Comment.created_at.type)
    others = Comment.id != sa.bindparam("comment_id", type_=Comment.id.type)
    ip_recent: sa.ColumnElement[int] = sa.literal(0)
    if with_network:
        ip_recent = (
            sa.select(sa.func.count(Comment.id))
            .where(
                Comment.ip_prefix == sa.bindparam("ip_prefix", type_=Comment.ip_prefix.type),
                Comment.created_at >= flood_since,
                others,
            )
            .correlate(None)  # its own scan of comments, not a reference to the outer one
            .scalar_subquery()
        )
    return sa.select(
        sa.func.count(Comment.id).filter(Comment.status == CommentStatus.APPROVED),
        sa.func.count(Comment.id).filter(Comment.status.in_(refused)),
        sa.func.count(Comment.id).filter(
            Comment.status.in_(refused), Comment.created_at >= history_since
        ),
        sa.func.count(Comment.id).filter(
            Comment.status.in_(decided), Comment.created_at >= history_since
        ),
        sa.func.count(Comment.id).filter(Comment.created_at >= flood_since),
        ip_recent,
        sa.select(BlockRule.id).where(_block_conditions(with_address)).exists(),
    ).where(Comment.email_hash == sa.bindparam("email_hash", type_=Comment.email_hash.type), others)


def _block_entries(
    session: Session, comment: Comment, domains: list[str], now: dt.datetime
) -> tuple[pipeline.BlockEntry, ...]:
    rows = session.scalars(
        _block_statement(bool(comment.ip)),
        {"email_hash": comment.email_hash, "domains": domains, "now": now},
    ).all()
    return tuple(
        pipeline.BlockEntry(
            kind=pipeline.BlockKind(row.kind),
            value=row.value,
            action=pipeline.BlockAction(row.action),
            expires_at=row.expires_at,
            entry_id=row.id,
        )
        for row in rows
    )


def _similar(
    session: Session, comment: Comment, since: dt.datetime
) -> tuple[pipeline.SimilarComment, ...]:
    if comment.fingerprint is None:
        return ()
    rows = session.execute(
        _similar_statement(),
        {
            "band0": comment.fp_band0,
            "band1": comment.fp_band1,
            "band2": comment.fp_band2,
            "band3": comment.fp_band3,
            "since": since,
            "comment_id": comment.id,
        },
    ).all()
    mine = comment.fingerprint % (1 << 64)
    found = []
    for comment_id, value, author, campaign_id, article_key in rows:
        if value is None:
            continue
        distance = similarity.hamming(mine, value % (1 << 64))
        if distance <= MAX_CANDIDATE_DISTANCE:
            found.append(
                pipeline.SimilarComment(comment_id, article_key, author, distance, campaign_id)
            )
    return tuple(found)


@functools.cache
def _block_statement(with_address: bool) -> sa.Select[BlockRule]:
    """Rules that may match an author, built once (bound parameters)."""
    return sa.select(BlockRule).where(_block_conditions(with_address))


def _block_conditions(with_address: bool) -> sa.ColumnElement[bool]:
    """Unexpired rules on the author's address hash or domains, and address rules."""
    conditions = [
        sa.and_(
            BlockRule.kind == "email",
            BlockRule.value == sa.bindparam("email_hash", type_=BlockRule.value.type),
        ),
        sa.and_(
            BlockRule.kind == "email_domain",
            BlockRule.value.in_(sa.bindparam("domains", expanding=True)),
        ),
    ]
    if with_address:
        # Address rules are few; networks need a containment test the core does.
        conditions.append(BlockRule.kind.in_(("ip", "cidr")))
    now = sa.bindparam("now", type_=BlockRule.expires_at.type)
    return sa.and_(
        sa.or_(*conditions), sa.or_(BlockRule.expires_at.is_(None), BlockRule.expires_at > now)
    )


@functools.cache
def _similar_statement() -> sa.Select[int, int | None, str, int | None, str]:
    """Comments sharing a band with the bound fingerprint's (built once, bound parameters)."""
    columns = (Comment.fp_band0, Comment.fp_band1, Comment.fp_band2, Comment.fp_band3)
    return (
        sa.select(
            Comment.id, Comment.fingerprint, Comment.email_hash, Comment.campaign_id, Article.key
        )
        .join(Article, Article.id == Comment.article_id)
        .where(
            sa.or_(
                *(
                    column == sa.bindparam(f"band{i}", type_=column.type)
                    for i, column in enumerate(columns)
                )
            ),
            Comment.created_at >= sa.bindparam("since", type_=Comment.created_at.type),
            Comment.id != sa.bindparam("comment_id", type_=Comment.id.type),
        )
        .order_by(Comment.id.desc())
        .limit(MAX_CANDIDATES)
    )
