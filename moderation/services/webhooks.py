"""Webhook endpoints and the fan-out of events to them.

Admins register endpoints (address, events, format, secret). Every event recorded by
``services.events.emit`` becomes one :class:`WebhookDelivery` per active, subscribed
endpoint, in the same transaction as the event and so as the change itself: a delivery
exists if and only if its change was committed. The delivery holds a snapshot of the
event (comment, article, decision, actor); sending it is ``services.webhook_delivery``'s
work, on the workers.

Secrets follow the Standard Webhooks form ``whsec_<base64 of 32 random bytes>``; they are
returned once (on creation and rotation) and never listed.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import unicodedata
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import jobs
from moderation import tasks
from moderation.db import forget
from moderation.db import per_transaction
from moderation.db import remember
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.errors import WebhookNotFound
from moderation.errors import WebhookUrlRefused
from moderation.models import Article
from moderation.models import Comment
from moderation.models import DeliveryStatus
from moderation.models import Event
from moderation.models import Moderator
from moderation.models import Report
from moderation.models import WebhookDelivery
from moderation.models import WebhookEndpoint
from moderation.models import WebhookFormat
from moderation.services import audit
from moderation.services.events import STATUS_EVENTS
from moderation.services.events import EventType
from moderation.services.ports import Deps

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of the specification
TEST_EVENT = "webhook.test"
#: Every type an endpoint may subscribe to.
EVENT_TYPES = tuple(t.value for t in EventType)
#: What a Slack channel is told about: what needs a moderator now.
SLACK_EVENT_TYPES = (
    EventType.COMMENT_HELD.value,
    EventType.COMMENT_REPORTED.value,
    EventType.ARTICLE_SURGE.value,
)
DESCRIPTION_MAX_LENGTH = 500
URL_MAX_LENGTH = 2000
DEFAULT_GRACE = dt.timedelta(hours=24)
MAX_GRACE_HOURS = 7 * 24
_DECISION_TYPES = frozenset(t.value for t in STATUS_EVENTS.values())


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def new_message_id() -> str:
    # The webhook-id: URL-safe characters only (the specification forbids "." in it).
    return "msg_" + secrets.token_urlsafe(18)


@dataclass(frozen=True, slots=True)
class EndpointFields:
    """Checked values of an endpoint form; ``None`` leaves a field unchanged."""

    url: str | None = None
    description: str | None = None
    event_types: tuple[str, ...] | None = None
    format: WebhookFormat | None = None
    is_active: bool | None = None
    include_email: bool | None = None


def parse_fields(data: Mapping[str, object], *, creating: bool) -> EndpointFields:
    """Check an endpoint's submitted fields, all of them, and report every problem.

    :raises ValidationFailed: field by field.
    """
    errors: list[FieldError] = []
    url = _text(data, "url", URL_MAX_LENGTH, errors, required=creating)
    description = _text(data, "description", DESCRIPTION_MAX_LENGTH, errors)
    kind: WebhookFormat | None = None
    if data.get("format") is not None:
        try:
            kind = WebhookFormat(str(data["format"]))
        except ValueError:
            errors.append(FieldError("format", "invalid_value"))
    types: tuple[str, ...] | None = None
    if data.get("event_types") is not None:
        raw = data["event_types"]
        if not isinstance(raw, list | tuple) or not all(t in EVENT_TYPES for t in raw):
            errors.append(FieldError("event_types", "invalid_value"))
        else:
            types = tuple(dict.fromkeys(str(t) for t in raw))
    flags: dict[str, bool | None] = {}
    for name in ("is_active", "include_email"):
        value = data.get(name)
        if value is not None and not isinstance(value, bool):
            errors.append(FieldError(name, "invalid_value"))
        flags[name] = value if isinstance(value, bool) else None
    if errors:
        raise ValidationFailed(errors)
    return EndpointFields(
        url=url,
        description=description,
        event_types=types,
        format=kind,
        is_active=flags["is_active"],
        include_email=flags["include_email"],
    )


def _text(
    data: Mapping[str, object],
    name: str,
    limit: int,
    errors: list[FieldError],
    *,
    required: bool = False,
) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            errors.append(FieldError(name, "required"))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid_type"))
        return None
    value = value.strip()
    if required and not value:
        errors.append(FieldError(name, "required"))
    elif any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        # NUL and other control characters: PostgreSQL text cannot hold NUL, and no
        # address or description needs any of them.
        errors.append(FieldError(name, "control_chars"))
    elif len(value) > limit:
        errors.append(FieldError(name, "too_long", {"max": limit}))
    return value


def _check(deps: Deps, endpoint: WebhookEndpoint) -> None:
    errors = []
    try:
        deps.webhook_sender.check(endpoint.url)
    except WebhookUrlRefused as exc:
        errors.append(FieldError("url", exc.code))
    if endpoint.format is WebhookFormat.SLACK and not set(endpoint.event_types) <= set(
        SLACK_EVENT_TYPES
    ):
        errors.append(FieldError("event_types", "event_types_slack"))
    if errors:
        raise ValidationFailed(errors)


def create_endpoint(
    session: Session, deps: Deps, fields: EndpointFields, *, created_by: int | None = None
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its secret (the only time it is shown).

    :raises ValidationFailed: a refused address (SSRF guard) among others.
    """
    now = deps.clock.now()
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=fields.url or "",
        description=fields.description or "",
        event_types=list(fields.event_types or ()),
        format=fields.format or WebhookFormat.STANDARD,
        is_active=True if fields.is_active is None else fields.is_active,
        include_email=bool(fields.include_email),
        secret=secret,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    _check(deps, endpoint)
    session.add(endpoint)
    session.flush()
    forget(session, _ACTIVE_KEY)
    _audit(session, audit.AuditAction.WEBHOOK_CREATED, endpoint, now, created_by)
    return endpoint, secret


def _audit(
    session: Session,
    action: audit.AuditAction,
    endpoint: WebhookEndpoint,
    now: dt.datetime,
    by: int | None,
) -> None:
    # The id and the format only: an address may carry a token (Slack's do).
    details = {"endpoint_id": endpoint.id, "format": endpoint.format.value}
    audit.record(session, action, now=now, moderator_id=by, details=details)


def update_endpoint(
    session: Session,
    deps: Deps,
    endpoint_id: int,
    fields: EndpointFields,
    *,
    by: int | None = None,
) -> WebhookEndpoint:
    """Change an endpoint. Turning it on again clears what turned it off.

    Turning it on or off is audited, as done by ``by`` (a moderator id; ``None``: the
    command line).

    :raises WebhookNotFound:
    :raises ValidationFailed:
    """
    endpoint = get_endpoint(session, endpoint_id)
    switched = fields.is_active is not None and fields.is_active != endpoint.is_active
    for name in ("url", "description", "format", "include_email"):
        value = getattr(fields, name)
        if value is not None:
            setattr(endpoint, name, value)
    if fields.event_types is not None:
        endpoint.event_types = list(fields.event_types)
    if fields.is_active is not None:
        if fields.is_active and not endpoint.is_active:
            endpoint.disabled_reason = None
            endpoint.disabled_at = None
            endpoint.failing_since = None
        if not fields.is_active and endpoint.is_active:
            fail_queued(session, endpoint.id, deps.clock.now())
        endpoint.is_active = fields.is_active
    _check(deps, endpoint)
    endpoint.updated_at = deps.clock.now()
    session.flush()
    forget(session, _ACTIVE_KEY)
    if switched:
        action = audit.AuditAction.WEBHOOK_ENABLED
        if not endpoint.is_active:
            action = audit.AuditAction.WEBHOOK_DISABLED
        _audit(session, action, endpoint, endpoint.updated_at, by)
    return endpoint


def delete_endpoint(
    session: Session, endpoint_id: int, *, now: dt.datetime, by: int | None = None
) -> None:
    """Remove an endpoint with its delivery log (audited). :raises WebhookNotFound:"""
    endpoint = get_endpoint(session, endpoint_id)
    _audit(session, audit.AuditAction.WEBHOOK_DELETED, endpoint, now, by)
    session.delete(endpoint)
    session.flush()
    forget(session, _ACTIVE_KEY)


def fail_queued(session: Session, endpoint_id: int, now: dt.datetime) -> None:
    """Mark the endpoint's waiting deliveries failed (it is being turned off).

    Test messages stay: they are sent to turned-off endpoints too. An attempt in flight
    records its own outcome. Failed deliveries can be redelivered once it is back on.
    """
    session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.event_type != TEST_EVENT,
            sa.or_(WebhookDelivery.claimed_until.is_(None), WebhookDelivery.claimed_until <= now),
        )
        .values(
            status=DeliveryStatus.FAILED,
            finished_at=now,
            next_attempt_at=None,
            claimed_until=None,
            last_error="endpoint_disabled",
        )
        .execution_options(synchronize_session=False)
    )


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound(f"endpoint {endpoint_id}")
    return endpoint


def list_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    """Every endpoint, the ones the service turned off first (they need an admin)."""
    return session.scalars(
        sa.select(WebhookEndpoint).order_by(
            WebhookEndpoint.disabled_reason.is_(None), WebhookEndpoint.id
        )
    ).all()


def rotate_secret(
    session: Session,
    deps: Deps,
    endpoint_id: int,
    grace: dt.timedelta = DEFAULT_GRACE,
    *,
    by: int | None = None,
) -> str:
    """A new secret (audited); the old one also signs during ``grace``. Returns the new one.

    :raises WebhookNotFound:
    :raises ValidationFailed: a grace period outside 0 to 7 days.
    """
    if not dt.timedelta(0) <= grace <= dt.timedelta(hours=MAX_GRACE_HOURS):
        raise ValidationFailed([FieldError("grace_hours", "invalid_value")])
    endpoint = get_endpoint(session, endpoint_id)
    now = deps.clock.now()
    endpoint.previous_secret = endpoint.secret if grace else None
    endpoint.previous_secret_expires_at = now + grace if grace else None
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    session.flush()
    _audit(session, audit.AuditAction.WEBHOOK_SECRET_ROTATED, endpoint, now, by)
    return endpoint.secret


def signing_secrets(endpoint: WebhookEndpoint, now: dt.datetime) -> tuple[str, ...]:
    """The secrets that sign a message sent at ``now`` (two during a rotation's grace)."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and now < expires:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


def subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    if endpoint.format is WebhookFormat.SLACK and event_type not in SLACK_EVENT_TYPES:
        return False
    return not endpoint.event_types or event_type in endpoint.event_types


def fan_out(
    session: Session, deps: Deps, event: Event, comment: Comment | None
) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to ``event``, in the caller's transaction.

    Each is published once the transaction commits; the sweeper covers a lost doorbell.
    """
    chosen = [e for e in _active_endpoints(session) if e.is_active and subscribed(e, event.type)]
    if not chosen:
        return []
    session.flush()  # the event's id
    payload = snapshot(session, deps, event, comment)
    return [
        _new_delivery(
            session, deps, endpoint, event.type, _for(endpoint, payload, comment), event.id
        )
        for endpoint in chosen
    ]


#: ``per_transaction`` key of the active endpoints: a batch of checks, or a bulk decision,
#: emits many events in one transaction and reads the endpoints once.
_ACTIVE_KEY = "moderation.webhook_endpoints"


def any_active_endpoint() -> sa.Exists:
    """Whether an endpoint is active, as a column of a caller's statement."""
    return sa.select(WebhookEndpoint.id).where(WebhookEndpoint.is_active.is_(True)).exists()


def none_active(session: Session) -> None:
    """Tell :func:`fan_out` that no endpoint is active in this transaction (the caller
    read :func:`any_active_endpoint`), so that it does not ask again."""
    remember(session, _ACTIVE_KEY, ())


def _active_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    def load() -> Sequence[WebhookEndpoint]:
        query = (
            sa.select(WebhookEndpoint)
            .where(WebhookEndpoint.is_active.is_(True))
            .order_by(WebhookEndpoint.id)  # deliveries in the order the endpoints were made
        )
        return session.scalars(query).all()

    return per_transaction(session, _ACTIVE_KEY, load)


def _for(
    endpoint: WebhookEndpoint, payload: dict[str, Any], comment: Comment | None
) -> dict[str, Any]:
    if not endpoint.include_email or comment is None or "comment" not in payload["data"]:
        return payload
    # Only an endpoint an admin opted in (a trusted internal system) ever sees the email.
    data = dict(payload["data"])
    data["comment"] = {**data["comment"], "author_email": comment.email}
    return {**payload, "data": data}


def _new_delivery(
    session: Session,
    deps: Deps,
    endpoint: WebhookEndpoint,
    event_type: str,
    payload: dict[str, Any],
    event_id: int | None,
) -> WebhookDelivery:
    now = deps.clock.now()
    delivery = WebhookDelivery(
        message_id=new_message_id(),
        endpoint_id=endpoint.id,
        event_id=event_id,
        event_type=event_type,
        payload=payload,
        status=DeliveryStatus.PENDING,
        attempts=0,
        failures=0,
        next_attempt_at=now,
        published_at=now,
        created_at=now,
    )
    session.add(delivery)
    session.flush()
    publish_after_commit(session, deps, delivery.id)
    return delivery


def publish_after_commit(session: Session, deps: Deps, delivery_id: int) -> None:
    publisher = deps.publisher
    jobs.after_commit(
        session,
        lambda: publisher.publish(tasks.TASK_DELIVER_WEBHOOK, {"delivery_id": delivery_id}),
    )


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def workspace_link(deps: Deps, public_id: str) -> str:
    return f"{deps.settings.site_url}/moderate/comments/{public_id}"


def snapshot(session: Session, deps: Deps, event: Event, comment: Comment | None) -> dict[str, Any]:
    """The message of ``event``: ``{"type", "timestamp", "data"}`` (docs/webhooks.md).

    Public fields only: no email, address or user agent (see :func:`_for`).
    """
    facts = event.payload or {}
    data: dict[str, Any] = {}
    article = session.get(Article, event.article_id) if event.article_id else None
    if article is not None:
        data["article"] = {"key": article.key, "url": article.url, "title": article.title}
    if comment is not None:
        data["comment"] = _comment(session, deps, comment)
    if event.type in _DECISION_TYPES:
        data["decision"] = {
            "from_status": facts.get("from_status"),
            "to_status": facts.get("to_status"),
            "source": facts.get("source"),
            "reasons": [
                {"code": str(r.get("code", "")), "params": dict(r.get("params") or {})}
                for r in facts.get("reasons", [])
            ],
        }
    if event.type == EventType.COMMENT_REPORTED and comment is not None:
        count = session.scalar(
            sa.select(sa.func.count(Report.id)).where(Report.comment_id == comment.id)
        )
        data["report"] = {"reason": facts.get("reason"), "count": int(count or 0)}
    if event.type == EventType.ARTICLE_SURGE:
        data["surge"] = dict(facts)
    data["actor"] = _actor(session, event)
    return {"type": event.type, "timestamp": _iso(event.created_at), "data": data}


def _comment(session: Session, deps: Deps, comment: Comment) -> dict[str, Any]:
    parent = (
        session.scalar(sa.select(Comment.public_id).where(Comment.id == comment.parent_id))
        if comment.parent_id
        else None
    )
    return {
        "id": comment.public_id,
        "parent_id": parent,
        "author_name": comment.author_name,
        "website": comment.website,
        "text": comment.body_text,
        "html": comment.body_html,
        "language": comment.language,
        "status": comment.status.value,
        "created_at": _iso(comment.created_at),
        "workspace_url": workspace_link(deps, comment.public_id),
    }


def _actor(session: Session, event: Event) -> dict[str, Any]:
    if event.moderator_id is None:
        return {"type": "system"}
    name = (event.payload or {}).get("actor")
    if not name:
        moderator = session.get(Moderator, event.moderator_id)
        name = moderator.display_name if moderator is not None else ""
    return {"type": "moderator", "id": event.moderator_id, "name": str(name)}


def send_test(
    session: Session, deps: Deps, endpoint_id: int, *, moderator: Moderator | None = None
) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to one endpoint (even one that is turned off).

    :raises WebhookNotFound:
    """
    endpoint = get_endpoint(session, endpoint_id)
    actor: dict[str, Any] = {"type": "system"}
    if moderator is not None:
        actor = {"type": "moderator", "id": moderator.id, "name": moderator.display_name}
    payload = {
        "type": TEST_EVENT,
        "timestamp": _iso(deps.clock.now()),
        "data": {"endpoint_id": endpoint.id, "actor": actor},
    }
    return _new_delivery(session, deps, endpoint, TEST_EVENT, payload, None)


def parse_moment(value: object, field: str = "since") -> dt.datetime:
    """A date (``2026-11-01``) or an ISO 8601 time; a time without offset is UTC.

    :raises ValidationFailed:
    """
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed([FieldError(field, "required")])
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationFailed([FieldError(field, "invalid_value")]) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)
