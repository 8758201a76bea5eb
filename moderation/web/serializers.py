"""Models to JSON. The public shapes carry no email, IP, user agent, score or reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import ModerationDecision
from moderation.models import WebhookAttempt
from moderation.models import WebhookDelivery
from moderation.models import WebhookEndpoint
from moderation.services.comment_views import ReaderView
from moderation.services.comments import ThreadNode
from moderation.services.comments import ThreadPage
from moderation.services.queue import QueueItem
from moderation.web.i18n import reason_summary


def timestamp(value: dt.datetime | None) -> str | None:
    """RFC 3339, UTC, second precision is not enough for ordering: keep microseconds."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def public_comment(node: ThreadNode, parent_public_id: str | None) -> dict[str, Any]:
    comment = node.comment
    return {
        "id": comment.public_id,
        "parent_id": parent_public_id,
        # Only a reply whose parent is not public sits at the top level with a parent:
        # it is shown as a reply to a removed comment, without naming that comment.
        "parent_removed": parent_public_id is None and comment.parent_id is not None,
        "author_name": comment.author_name,
        "website": comment.website,
        "html": comment.body_html,
        "created_at": timestamp(comment.created_at),
        "reply_count": len(node.children),
        "replies": [public_comment(child, comment.public_id) for child in node.children],
    }


def public_article(article: Article) -> dict[str, Any]:
    return {
        "key": article.key,
        "title": article.title,
        "url": article.url,
        "is_open": article.is_open,
    }


def thread_page(page: ThreadPage, sort: str) -> dict[str, Any]:
    return {
        "article": public_article(page.article),
        "total": page.total,
        "sort": sort,
        "comments": [public_comment(node, None) for node in page.nodes],
        "next_cursor": page.next_cursor,
    }


def comment_status(view: ReaderView) -> dict[str, Any]:
    """One comment as this reader may see it (the public one, or the author's own)."""
    return {
        **_comment_fields(view.comment, view.article, view.parent_public_id),
        "status": view.status.value,
        "parent_removed": view.parent_removed,
        # A silent refusal still reads "pending": not decided, as far as anyone can tell.
        "decided_at": None
        if view.status is CommentStatus.PENDING
        else timestamp(view.comment.decided_at),
    }


def _comment_fields(
    comment: Comment, article: Article, parent_public_id: str | None
) -> dict[str, Any]:
    return {
        "id": comment.public_id,
        "article": article.key,
        "parent_id": parent_public_id,
        "author_name": comment.author_name,
        "website": comment.website,
        "html": comment.body_html,
        "status": comment.status.value,
        "created_at": timestamp(comment.created_at),
        "decided_at": timestamp(comment.decided_at),
    }


def moderator_item(item: QueueItem) -> dict[str, Any]:
    """The moderator's view: adds the email, reasons, scores, reports, the author's history
    and client hints."""
    comment, history = item.comment, item.history
    parent_id = item.parent.public_id if item.parent is not None else None
    return {
        **_comment_fields(comment, item.article, parent_id),
        "email": comment.email,
        "body_text": comment.body_text,
        "ip": comment.ip,
        "user_agent": comment.user_agent,
        "reasons": comment.reasons or [],
        "summary": reason_summary(comment.reasons or []),
        "scores": comment.scores or {},
        "report_count": item.report_count,
        "report_reasons": item.report_reasons,
        "author_history": {
            "approved": history.approved,
            "held": history.held,
            "rejected": history.rejected,
            "spam": history.spam,
            "pending": history.pending,
            "first_seen": timestamp(history.first_seen),
        },
        "article_title": item.article.title,
        "language": comment.language,
        "campaign_id": comment.campaign_id,
    }


def decision(entry: ModerationDecision) -> dict[str, Any]:
    return {
        "source": entry.source.value,
        "actor": entry.actor,
        "moderator_id": entry.moderator_id,
        "from_status": entry.from_status.value,
        "to_status": entry.to_status.value,
        "reasons": entry.reasons or [],
        "summary": reason_summary(entry.reasons or []),
        "policy_version": entry.policy_version,
        "at": timestamp(entry.created_at),
    }


def webhook_endpoint(endpoint: WebhookEndpoint, now: dt.datetime) -> dict[str, Any]:
    """An endpoint for admins; never its secrets (shown once, on creation and rotation)."""
    rotating = endpoint.previous_secret_expires_at
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "format": endpoint.format.value,
        "is_active": endpoint.is_active,
        "include_email": endpoint.include_email,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": timestamp(endpoint.disabled_at),
        "failing_since": timestamp(endpoint.failing_since),
        "last_success_at": timestamp(endpoint.last_success_at),
        "previous_secret_valid_until": timestamp(rotating) if rotating and rotating > now else None,
        "created_at": timestamp(endpoint.created_at),
        "updated_at": timestamp(endpoint.updated_at),
    }


def webhook_delivery(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "webhook_id": delivery.message_id,
        "endpoint_id": delivery.endpoint_id,
        "event_type": delivery.event_type,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "next_attempt_at": timestamp(delivery.next_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": timestamp(delivery.created_at),
        "delivered_at": timestamp(delivery.delivered_at),
        "finished_at": timestamp(delivery.finished_at),
    }


def webhook_attempt(attempt: WebhookAttempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": timestamp(attempt.started_at),
        "status_code": attempt.status_code,
        "latency_ms": attempt.latency_ms,
        "error": attempt.error,
        "response_excerpt": attempt.response_excerpt,
    }
