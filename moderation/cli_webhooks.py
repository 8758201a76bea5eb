"""``moderation webhooks ...``: endpoints, secrets, the delivery log and redelivery.

The same services as the admin API and the workspace pages; each command commits once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.errors import WebhookNotFound
from moderation.models import DeliveryStatus
from moderation.models import WebhookEndpoint
from moderation.models import WebhookFormat
from moderation.services import webhook_delivery
from moderation.services import webhooks
from moderation.services.ports import Deps


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


class _Problems(click.ClickException):
    """A domain error, printed field by field (codes: the CLI speaks to operators)."""

    def __init__(self, exc: ValidationFailed | WebhookNotFound) -> None:
        if isinstance(exc, ValidationFailed):
            text = "; ".join(f"{e.field}: {e.code}" for e in exc.errors)
        else:
            text = f"not found: {exc}"
        super().__init__(text)


def _run(action: Any) -> Any:
    try:
        result = action()
    except (ValidationFailed, WebhookNotFound) as exc:
        db.session.rollback()
        raise _Problems(exc) from None
    db.session.commit()
    return result


def _line(endpoint: WebhookEndpoint) -> str:
    state = "on" if endpoint.is_active else f"off ({endpoint.disabled_reason or 'by an admin'})"
    events = ",".join(endpoint.event_types) or "all"
    return f"{endpoint.id}\t{state}\t{endpoint.format.value}\t{events}\t{endpoint.url}"


@click.group("webhooks")
def webhooks_group() -> None:
    """Webhook endpoints (see docs/webhooks.md)."""


_EVENTS = click.Choice(webhooks.EVENT_TYPES)
_FORMATS = click.Choice([f.value for f in WebhookFormat])


@webhooks_group.command("add")
@click.argument("url")
@click.option("--description", default="")
@click.option("--event", "events", multiple=True, type=_EVENTS, help="Repeat; default: all.")
@click.option("--format", "kind", type=_FORMATS, default=WebhookFormat.STANDARD.value)
@click.option("--include-email", is_flag=True, help="Send the author's email (trusted only).")
@click.option("--inactive", is_flag=True, help="Register it turned off.")
@with_appcontext
def add(
    url: str,
    description: str,
    events: tuple[str, ...],
    kind: str,
    include_email: bool,
    inactive: bool,
) -> None:
    """Register an endpoint; prints its id and its secret (shown this once)."""
    data = {
        "url": url,
        "description": description,
        "event_types": list(events),
        "format": kind,
        "include_email": include_email,
        "is_active": not inactive,
    }
    endpoint, secret = _run(
        lambda: webhooks.create_endpoint(
            db.session(), _deps(), webhooks.parse_fields(data, creating=True)
        )
    )
    click.echo(f"endpoint {endpoint.id}")
    click.echo(f"secret: {secret}")


@webhooks_group.command("list")
@with_appcontext
def list_command() -> None:
    """id, on/off (and why), format, events, address."""
    for endpoint in webhooks.list_endpoints(db.session()):
        click.echo(_line(endpoint))


@webhooks_group.command("update")
@click.argument("endpoint_id", type=int)
@click.option("--url", default=None)
@click.option("--description", default=None)
@click.option("--event", "events", multiple=True, type=_EVENTS, help="Replaces the list.")
@click.option("--all-events", is_flag=True, help="Subscribe to every event.")
@click.option("--format", "kind", type=_FORMATS, default=None)
@click.option("--enable/--disable", "active", default=None)
@click.option("--include-email/--no-include-email", "include_email", default=None)
@with_appcontext
def update(
    endpoint_id: int,
    url: str | None,
    description: str | None,
    events: tuple[str, ...],
    all_events: bool,
    kind: str | None,
    active: bool | None,
    include_email: bool | None,
) -> None:
    """Change an endpoint; --enable turns one the service turned off on again."""
    data: dict[str, object] = {
        "url": url,
        "description": description,
        "format": kind,
        "is_active": active,
        "include_email": include_email,
        "event_types": [] if all_events else (list(events) if events else None),
    }
    endpoint = _run(
        lambda: webhooks.update_endpoint(
            db.session(), _deps(), endpoint_id, webhooks.parse_fields(data, creating=False)
        )
    )
    click.echo(_line(endpoint))


@webhooks_group.command("rotate")
@click.argument("endpoint_id", type=int)
@click.option("--grace-hours", type=float, default=24.0, show_default=True)
@with_appcontext
def rotate(endpoint_id: int, grace_hours: float) -> None:
    """A new secret (printed once); the old one also signs during the grace period."""
    grace = dt.timedelta(hours=grace_hours)
    secret = _run(lambda: webhooks.rotate_secret(db.session(), _deps(), endpoint_id, grace))
    click.echo(f"secret: {secret}")


@webhooks_group.command("remove")
@click.argument("endpoint_id", type=int)
@with_appcontext
def remove(endpoint_id: int) -> None:
    """Remove an endpoint and its delivery log."""
    _run(lambda: webhooks.delete_endpoint(db.session(), endpoint_id, now=_deps().clock.now()))
    click.echo(f"endpoint {endpoint_id} removed")


@webhooks_group.command("test")
@click.argument("endpoint_id", type=int)
@with_appcontext
def test(endpoint_id: int) -> None:
    """Queue a webhook.test message to the endpoint (a worker sends it)."""
    delivery = _run(lambda: webhooks.send_test(db.session(), _deps(), endpoint_id))
    click.echo(f"delivery {delivery.id} queued ({delivery.message_id})")


@webhooks_group.command("deliveries")
@click.argument("endpoint_id", type=int)
@click.option("--status", type=click.Choice([s.value for s in DeliveryStatus]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@with_appcontext
def deliveries(endpoint_id: int, status: str | None, limit: int) -> None:
    """The delivery log, newest first: id, event, status, attempts, last answer."""
    chosen = DeliveryStatus(status) if status else None
    rows = _run(
        lambda: webhook_delivery.deliveries(db.session(), endpoint_id, status=chosen, limit=limit)
    )
    for d in rows:
        answer = d.last_status_code or d.last_error or "-"
        click.echo(
            f"{d.id}\t{d.created_at:%Y-%m-%d %H:%M:%S}\t{d.event_type}\t{d.status.value}"
            f"\t{d.attempts}\t{answer}"
        )


@webhooks_group.command("attempts")
@click.argument("delivery_id", type=int)
@with_appcontext
def attempts(delivery_id: int) -> None:
    """Every attempt of one delivery: time, status code, latency, error, answer excerpt."""
    _run(lambda: webhook_delivery.get_delivery(db.session(), delivery_id))
    for a in webhook_delivery.attempts_of(db.session(), delivery_id):
        excerpt = " ".join(a.response_excerpt.split())[:80]
        click.echo(
            f"{a.number}\t{a.started_at:%Y-%m-%d %H:%M:%S}\t{a.status_code or '-'}"
            f"\t{a.latency_ms} ms\t{a.error or 'ok'}\t{excerpt}"
        )


@webhooks_group.command("redeliver")
@click.argument("delivery_id", type=int, required=False)
@click.option("--endpoint", "endpoint_id", type=int, default=None, help="With --since.")
@click.option("--since", default=None, help="Every failed delivery since a date (2026-11-01).")
@with_appcontext
def redeliver(delivery_id: int | None, endpoint_id: int | None, since: str | None) -> None:
    """Send one delivery again, or every failed one of --endpoint since --since."""
    if delivery_id is not None:
        _run(lambda: webhook_delivery.redeliver(db.session(), _deps(), delivery_id))
        click.echo(f"delivery {delivery_id} queued")
        return
    if endpoint_id is None or since is None:
        raise click.UsageError("give a DELIVERY_ID, or --endpoint and --since")
    count = _run(
        lambda: webhook_delivery.redeliver_failed(
            db.session(), _deps(), endpoint_id, webhooks.parse_moment(since)
        )
    )
    click.echo(f"{count} deliveries queued")
