"""Admin JSON API for webhooks (``/api/v1/admin/webhooks``): an admin's API token only.

Endpoints (register, change, rotate the secret, send a test), their delivery log with
every attempt, and redelivery. Views parse the request, call one service and serialize;
the field checks (the SSRF guard among them) are the services' own, shared with the CLI
and the workspace pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import g
from flask import json
from flask import request

from moderation.db import db
from moderation.errors import PermissionDenied
from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services import webhook_delivery
from moderation.services import webhooks
from moderation.services.ports import Deps
from moderation.web import serializers
from moderation.web.schemas import Operation
from moderation.web.schemas import Reply
from moderation.web.schemas import declare
from moderation.web.schemas import ok
from moderation.web.schemas import problem
from moderation.web.schemas import responses
from moderation.web.schemas.moderation import DeliveriesQuery
from moderation.web.schemas.moderation import DeliveryPath
from moderation.web.schemas.moderation import EndpointFields
from moderation.web.schemas.moderation import EndpointPath
from moderation.web.schemas.moderation import NewEndpoint
from moderation.web.schemas.moderation import Redelivery
from moderation.web.schemas.moderation import SecretRotation

bp = Blueprint("webhooks_api", __name__, url_prefix="/api/v1/admin/webhooks")


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _now() -> dt.datetime:
    return _deps().clock.now()


@bp.before_request
def _authenticate() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    moderator = moderators.authenticate_token(
        db.session(), raw.strip() if scheme.lower() == "bearer" else None, _now()
    )
    if moderator.role is not ModeratorRole.ADMIN:
        raise PermissionDenied()
    g.moderator = moderator


@bp.after_request
def _no_store(response: Response) -> Response:
    # Answers may carry a secret (creation, rotation): never let a cache keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(data: Any, status: int = 200) -> Response:
    return current_app.response_class(json.dumps(data), status=status, mimetype="application/json")


def _endpoint(endpoint_id: int) -> dict[str, Any]:
    endpoint = webhooks.get_endpoint(db.session(), endpoint_id)
    return serializers.webhook_endpoint(endpoint, _now())


@bp.get("/event-types")
@declare(
    Operation(
        "The event types an endpoint may subscribe to",
        secured=True,
        responses={
            200: ok(responses.EventTypes, "Every type, and those a Slack endpoint takes"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def event_types() -> Response:
    """The types an endpoint may subscribe to (a Slack endpoint: the second list)."""
    return _json(
        {"event_types": list(webhooks.EVENT_TYPES), "slack": list(webhooks.SLACK_EVENT_TYPES)}
    )


@bp.get("/endpoints")
@declare(
    Operation(
        "Every endpoint",
        secured=True,
        responses={
            200: ok(responses.EndpointList, "The endpoints"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def list_endpoints() -> Response:
    """Every endpoint, those the service turned off first."""
    now = _now()
    rows = webhooks.list_endpoints(db.session())
    return _json({"endpoints": [serializers.webhook_endpoint(e, now) for e in rows]})


@bp.post("/endpoints")
@declare(
    Operation(
        "Register an endpoint (its secret is shown this once)",
        body=NewEndpoint,
        secured=True,
        responses={
            201: ok(responses.EndpointCreated, "Registered"),
            422: problem("Invalid fields, one message per field"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def create_endpoint(body: NewEndpoint) -> Response:
    """Register an endpoint; the answer carries its secret, shown this once."""
    fields = webhooks.parse_fields(body.given(), creating=True)
    endpoint, secret = webhooks.create_endpoint(
        db.session(), _deps(), fields, created_by=g.moderator.id
    )
    data = serializers.webhook_endpoint(endpoint, _now())
    return _json({"endpoint": data, "secret": secret}, 201)


@bp.get("/endpoints/<int:endpoint_id>")
@declare(
    Operation(
        "One endpoint",
        path=EndpointPath,
        secured=True,
        responses={
            200: ok(responses.WebhookEndpoint, "The endpoint"),
            404: problem("Unknown endpoint"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def endpoint_detail(endpoint_id: int) -> Response:
    return _json(_endpoint(endpoint_id))


@bp.patch("/endpoints/<int:endpoint_id>")
@declare(
    Operation(
        "Change some of an endpoint's fields",
        path=EndpointPath,
        body=EndpointFields,
        body_optional=True,
        secured=True,
        responses={
            200: ok(responses.WebhookEndpoint, "The endpoint"),
            404: problem("Unknown endpoint"),
            422: problem("Invalid fields, one message per field"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def update_endpoint(endpoint_id: int, body: EndpointFields) -> Response:
    """Change some fields; ``"is_active": true`` turns a disabled endpoint on again."""
    fields = webhooks.parse_fields(body.given(), creating=False)
    endpoint = webhooks.update_endpoint(
        db.session(), _deps(), endpoint_id, fields, by=g.moderator.id
    )
    return _json(serializers.webhook_endpoint(endpoint, _now()))


@bp.delete("/endpoints/<int:endpoint_id>")
@declare(
    Operation(
        "Delete an endpoint and its log",
        path=EndpointPath,
        secured=True,
        responses={
            204: Reply("Deleted"),
            404: problem("Unknown endpoint"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def delete_endpoint(endpoint_id: int) -> Response:
    webhooks.delete_endpoint(db.session(), endpoint_id, now=_now(), by=g.moderator.id)
    return current_app.response_class(status=204)


@bp.post("/endpoints/<int:endpoint_id>/secret")
@declare(
    Operation(
        "A new secret; the old one keeps signing for a while",
        path=EndpointPath,
        body=SecretRotation,
        body_optional=True,
        secured=True,
        responses={
            200: ok(responses.SecretRotated, "The new secret, shown this once"),
            404: problem("Unknown endpoint"),
            422: problem("Invalid grace period"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def rotate_secret(endpoint_id: int, body: SecretRotation) -> Response:
    """A new secret; the old one keeps signing for ``grace_hours`` (default 24)."""
    hours = body.grace_hours
    secret = webhooks.rotate_secret(
        db.session(), _deps(), endpoint_id, dt.timedelta(hours=float(hours)), by=g.moderator.id
    )
    return _json({"secret": secret, "endpoint": _endpoint(endpoint_id)})


@bp.post("/endpoints/<int:endpoint_id>/test")
@declare(
    Operation(
        "Queue a webhook.test message to this endpoint",
        path=EndpointPath,
        secured=True,
        responses={
            202: ok(responses.WebhookDelivery, "Queued"),
            404: problem("Unknown endpoint"),
            422: problem("The endpoint is turned off or does not take tests"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def send_test(endpoint_id: int) -> Response:
    """Queue a ``webhook.test`` message to this endpoint."""
    delivery = webhooks.send_test(db.session(), _deps(), endpoint_id, moderator=g.moderator)
    return _json(serializers.webhook_delivery(delivery), 202)


@bp.get("/endpoints/<int:endpoint_id>/deliveries")
@declare(
    Operation(
        "An endpoint's delivery log, newest first",
        path=EndpointPath,
        query=DeliveriesQuery,
        secured=True,
        responses={
            200: ok(responses.DeliveryList, "One page"),
            404: problem("Unknown endpoint"),
            422: problem("Invalid parameter"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def list_deliveries(endpoint_id: int, query: DeliveriesQuery) -> Response:
    """The delivery log, newest first: ``status``, ``limit``, ``before`` (a delivery id)."""
    status = query.status
    limit = query.limit or 50
    before = query.before or None
    rows = webhook_delivery.deliveries(
        db.session(), endpoint_id, status=status, before_id=before, limit=limit
    )
    next_before = rows[-1].id if len(rows) == limit else None
    return _json(
        {
            "deliveries": [serializers.webhook_delivery(d) for d in rows],
            "next_before": next_before,
        }
    )


@bp.post("/endpoints/<int:endpoint_id>/redeliver")
@declare(
    Operation(
        "Send again every failed delivery since a moment",
        path=EndpointPath,
        body=Redelivery,
        body_optional=True,
        secured=True,
        responses={
            202: ok(responses.Redelivered, "How many were queued again"),
            404: problem("Unknown endpoint"),
            422: problem("Invalid moment"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def redeliver_failed(endpoint_id: int, body: Redelivery) -> Response:
    """Send again every failed delivery created since ``since`` (a date or a time)."""
    since = webhooks.parse_moment(body.since)
    count = webhook_delivery.redeliver_failed(db.session(), _deps(), endpoint_id, since)
    return _json({"redelivered": count}, 202)


@bp.get("/deliveries/<int:delivery_id>")
@declare(
    Operation(
        "One delivery with every attempt",
        path=DeliveryPath,
        secured=True,
        responses={
            200: ok(responses.DeliveryDetail, "The delivery"),
            404: problem("Unknown delivery"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def delivery_detail(delivery_id: int) -> Response:
    """One delivery with every attempt (status, latency, error, start of the answer)."""
    delivery = webhook_delivery.get_delivery(db.session(), delivery_id)
    data = serializers.webhook_delivery(delivery)
    data["payload"] = delivery.payload
    data["attempt_log"] = [
        serializers.webhook_attempt(a)
        for a in webhook_delivery.attempts_of(db.session(), delivery_id)
    ]
    return _json(data)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
@declare(
    Operation(
        "Send one delivery again, from the start of its schedule",
        path=DeliveryPath,
        secured=True,
        responses={
            202: ok(responses.WebhookDelivery, "Queued again"),
            404: problem("Unknown delivery"),
            401: problem("Missing or invalid token"),
            403: problem("Administrators only"),
        },
    )
)
def redeliver(delivery_id: int) -> Response:
    """Send one delivery again, from the start of the schedule, with the same webhook-id."""
    delivery = webhook_delivery.redeliver(db.session(), _deps(), delivery_id)
    return _json(serializers.webhook_delivery(delivery), 202)
