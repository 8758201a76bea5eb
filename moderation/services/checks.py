"""The worker's checks: evaluate a pending comment with everything known around it, and
store the verdict.

The worker and ``moderation replay`` share :func:`evaluate`, so a dry run can never drift
from what the worker stores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from moderation import jobs
from moderation import pipeline
from moderation import tasks
from moderation.models import Article
from moderation.models import Campaign
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import DecisionSource
from moderation.pipeline.language import detect_language
from moderation.services import decisions
from moderation.services import scoring
from moderation.services import site_settings
from moderation.services import surroundings
from moderation.services.ports import Deps
from moderation.services.surge import evaluate_surge
from moderation.services.wordlists import current_rules


def check_key(comment_id: int) -> str:
    """The outbox key of a comment's check."""
    return f"comment:{comment_id}"


def classify_and_decide(
    session: Session,
    deps: Deps,
    comment_id: int,
    scored: scoring.Scored | None = None,
    *,
    close: bool = True,
    facts: dict[str, Any] | None = None,
) -> CommentStatus | None:
    """Run the full pipeline on a pending comment and store the verdict.

    Idempotent: a comment already decided (by an earlier run or a moderator) is left as it
    is. Returns the new status, or ``None`` when there was nothing to do. ``scored`` are
    the backends' answers when the comment was scored in a batch (see ``check_batches``),
    which closes the batch's outbox rows at once (``close=False`` here) and passes the
    ``facts`` it worked out before scoring (see :func:`derive_facts`).
    """
    now = deps.clock.now()
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status != CommentStatus.PENDING:
        if close:
            jobs.mark_done(session, tasks.TASK_CLASSIFY_COMMENT, check_key(comment_id), now)
        return None
    article = session.get_one(Article, comment.article_id)
    # Language and fingerprint are worked out here, off the request path, and written with
    # the verdict in one statement (the loaded object holds them meanwhile, not dirty: no
    # flush writes the row before). A later comment's near-duplicate lookup, in this batch
    # or after it, finds this one's fingerprint once its verdict is written.
    if facts is None:
        facts = derive_facts(comment)
    if scored is None:
        [scored] = scoring.score_comments(session, deps, [(comment, article)])
    decision, context = evaluate(session, deps, comment, article, now, scored)
    changed = decisions.record_machine_decision(
        session, deps, comment, decision, shadow=scored.stored_shadow(), facts=facts
    )
    if changed:
        _link_campaign(session, deps, comment, decision, context)
        evaluate_surge(session, deps, article)
    elif facts:
        # Decided meanwhile by someone else: the facts are still worth keeping.
        session.execute(
            sa.update(Comment)
            .where(Comment.id == comment.id)
            .values(**facts)
            .execution_options(synchronize_session=False)
        )
    if close:
        jobs.mark_done(session, tasks.TASK_CLASSIFY_COMMENT, check_key(comment_id), now)
    return comment.status if changed else None


def derive_facts(comment: Comment) -> dict[str, Any]:
    """The language and fingerprint columns of a comment that lacks them, not yet written.

    They are set on the loaded object as if stored (``set_committed_value``): the checks
    read them there, and no autoflush writes the row on its own. The caller writes them.
    """
    facts: dict[str, Any] = {}
    if comment.language is None:
        facts["language"] = detect_language(comment.body_text)
    if comment.fingerprint is None:
        facts.update(surroundings.fingerprint_columns(comment.body_text))
    for column, value in facts.items():
        set_committed_value(comment, column, value)
    return facts


def evaluate(
    session: Session,
    deps: Deps,
    comment: Comment,
    article: Article,
    now: dt.datetime,
    scored: scoring.Scored | None = None,
) -> tuple[pipeline.Decision, pipeline.Context]:
    """What today's rules, classifiers and policy decide for ``comment`` (writes nothing).

    The worker stores the result; ``explain.replay`` only compares it. ``scored``: the
    backends' answers, when already asked; else the offline models score afresh and the
    outside backends' stored answers are reused (a dry run calls no outside service).
    """
    submission = surroundings.submission_of(comment, article)
    context = surroundings.context_of(session, deps, comment, article, now)
    if scored is None:
        scored = scoring.replay_scores(session, deps, comment, article)
    context = replace(
        context,
        classifiers_unavailable=tuple(scored.unavailable),
        classifiers_required=deps.settings.required_classifiers,
    )
    policy = site_settings.policy(session, deps)
    if article.policy_overrides:
        policy = policy.for_article(article.policy_overrides)
    rules = current_rules(session, site_settings.effective(session, deps.settings))
    decision = pipeline.moderate(submission, context, rules, policy, scored.live)
    return decision, context


def _link_campaign(
    session: Session,
    deps: Deps,
    comment: Comment,
    decision: pipeline.Decision,
    context: pipeline.Context,
) -> None:
    """Attach a campaign comment, and its near copies, to one campaign id."""
    reason = next((r for r in decision.reasons if r.rule_id == "campaign"), None)
    if reason is None:
        return
    campaign_id = int(reason.params.get("campaign_id", 0))
    if not campaign_id:
        campaign = Campaign(fingerprint=comment.fingerprint or 0, created_at=deps.clock.now())
        session.add(campaign)
        session.flush()
        campaign_id = campaign.id
    members = [s.comment_id for s in context.similar_recent if s.campaign_id is None]
    session.execute(
        sa.update(Comment)
        .where(Comment.id.in_([comment.id, *members]), Comment.campaign_id.is_(None))
        .values(campaign_id=campaign_id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(comment)


def fail_check(session: Session, deps: Deps, comment_id: int, attempts: int) -> bool:
    """Give up on the automatic check: hold the comment for a person, never approve it."""
    comment = session.get(Comment, comment_id)
    if comment is None:
        return False
    reason = pipeline.Reason(
        "check_failed", "check_failed", {"attempts": attempts}, verdict=pipeline.Verdict.HOLD
    )
    return decisions.change_status(
        session,
        deps,
        comment,
        expected=CommentStatus.PENDING,
        target=CommentStatus.HELD,
        source=DecisionSource.SYSTEM,
        actor=decisions.SYSTEM,
        reasons=[reason.as_dict()],
        scores={},
        policy_version=deps.policy.version,
    )
