"""The webhook pages (admins): endpoints, their secrets, and each one's delivery log.

Every action goes through the same services as the admin API and the command line
(``services.webhooks``, ``services.webhook_delivery``; reads from
``services.webhook_overview``), so the address checks, the audit trail and the outbox
are theirs. A secret is shown once, in the answer to the request that made it, never in
a page that can be opened again (the workspace's answers are never cached).
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.errors import WebhookNotFound
from moderation.models import ModeratorRole
from moderation.services import webhook_delivery
from moderation.services import webhook_overview
from moderation.services import webhooks as webhook_service
from moderation.services.ports import Deps
from moderation.web.i18n import field_message
from moderation.web.workspace import bp
from moderation.web.workspace import webhook_labels
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.auth import signed_in
from moderation.web.workspace.webhook_forms import DeleteForm
from moderation.web.workspace.webhook_forms import EndpointForm
from moderation.web.workspace.webhook_forms import LogFilterForm
from moderation.web.workspace.webhook_forms import RedeliverForm
from moderation.web.workspace.webhook_forms import RotateForm

LOG_PAGE_SIZE = 25
Page = tuple[str, int]


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _me() -> int:
    return int(signed_in().moderator.id)


def _attach(form: FlaskForm, failed: ValidationFailed) -> list[str]:
    """Put each field error next to its field; returns those no field of ``form`` shows."""
    loose = []
    for error in failed.errors:
        message = field_message(error.code, error.params)
        field = getattr(form, error.field, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            loose.append(message)
    return loose


@bp.errorhandler(WebhookNotFound)
def _missing(exc: WebhookNotFound) -> Page:
    message = _("This webhook endpoint or delivery does not exist.")
    return render_template("workspace/error.html", status=404, message=message), 404


@bp.context_processor
def _webhook_globals() -> dict[str, Any]:
    return {
        "webhook_labels": webhook_labels,
        "disabled_webhooks": _disabled_for_admins,
        "webhook_disable_after_days": lambda: _deps().settings.webhook_disable_after_days,
    }


def _disabled_for_admins() -> list[Any]:
    """The endpoints the service turned off, for the queue's banner (admins only)."""
    person = signed_in().moderator
    if person is None or person.role is not ModeratorRole.ADMIN:
        return []
    return list(webhook_overview.disabled_by_service(db.session()))


# ------------------------------------------------------------------ the list and creation


def _list(form: EndpointForm | None = None, status: int = 200) -> Page:
    html = render_template(
        "workspace/webhooks.html",
        rows=webhook_overview.endpoints(db.session()),
        form=form or EndpointForm(formdata=None),
        disable_after_days=_deps().settings.webhook_disable_after_days,
    )
    return html, status


@bp.get("/webhooks")
@admin_required
def webhooks() -> Page:
    return _list()


@bp.post("/webhooks")
@admin_required
def create_webhook() -> Page:
    form = EndpointForm()
    if not form.validate():
        return _list(form, 422)
    try:
        fields = webhook_service.parse_fields(form.fields(), creating=True)
        endpoint, secret = webhook_service.create_endpoint(
            db.session(), _deps(), fields, created_by=_me()
        )
    except ValidationFailed as failed:
        _attach(form, failed)
        return _list(form, 422)
    return _secret_page(endpoint.id, secret, created=True)


def _secret_page(endpoint_id: int, secret: str, *, created: bool) -> Page:
    html = render_template(
        "workspace/webhook_secret.html",
        health=webhook_overview.endpoint(db.session(), endpoint_id),
        secret=secret,
        created=created,
    )
    return html, 201 if created else 200


# ------------------------------------------------------------------ one endpoint


def _endpoint_page(
    endpoint_id: int,
    *,
    form: EndpointForm | None = None,
    rotate: RotateForm | None = None,
    delete: DeleteForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Page:
    health = webhook_overview.endpoint(db.session(), endpoint_id)
    endpoint = health.endpoint
    if form is None:
        form = EndpointForm(
            formdata=None,
            url=endpoint.url,
            description=endpoint.description,
            format=endpoint.format.value,
            event_types=list(endpoint.event_types),
            include_email=endpoint.include_email,
        )
    html = render_template(
        "workspace/webhook.html",
        health=health,
        form=form,
        rotate=rotate or RotateForm(formdata=None),
        delete=delete or DeleteForm(formdata=None),
        problems=problems or [],
        rotating_until=_rotating_until(endpoint.previous_secret_expires_at),
        disable_after_days=_deps().settings.webhook_disable_after_days,
    )
    return html, status


def _rotating_until(expires: dt.datetime | None) -> dt.datetime | None:
    return expires if expires is not None and expires > _deps().clock.now() else None


@bp.get("/webhooks/<int:endpoint_id>")
@admin_required
def webhook(endpoint_id: int) -> Page:
    return _endpoint_page(endpoint_id)


@bp.post("/webhooks/<int:endpoint_id>")
@admin_required
def update_webhook(endpoint_id: int) -> Page | Response:
    form = EndpointForm()
    if not form.validate():
        return _endpoint_page(endpoint_id, form=form, status=422)
    try:
        fields = webhook_service.parse_fields(form.fields(), creating=False)
        webhook_service.update_endpoint(db.session(), _deps(), endpoint_id, fields, by=_me())
    except ValidationFailed as failed:
        problems = _attach(form, failed)
        return _endpoint_page(endpoint_id, form=form, problems=problems, status=422)
    return redirect(url_for("workspace.webhook", endpoint_id=endpoint_id, done="saved"))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@admin_required
def enable_webhook(endpoint_id: int) -> Page | Response:
    return _switch(endpoint_id, True)


@bp.post("/webhooks/<int:endpoint_id>/disable")
@admin_required
def disable_webhook(endpoint_id: int) -> Page | Response:
    return _switch(endpoint_id, False)


def _switch(endpoint_id: int, active: bool) -> Page | Response:
    try:
        webhook_service.update_endpoint(
            db.session(),
            _deps(),
            endpoint_id,
            webhook_service.EndpointFields(is_active=active),
            by=_me(),
        )
    except ValidationFailed as failed:
        # Turning on an endpoint whose address is now refused, for instance.
        problems = [field_message(e.code, e.params) for e in failed.errors]
        return _endpoint_page(endpoint_id, problems=problems, status=422)
    done = "enabled" if active else "disabled"
    return redirect(url_for("workspace.webhook", endpoint_id=endpoint_id, done=done))


@bp.post("/webhooks/<int:endpoint_id>/secret")
@admin_required
def rotate_webhook_secret(endpoint_id: int) -> Page:
    form = RotateForm()
    if not form.validate():
        return _endpoint_page(endpoint_id, rotate=form, status=422)
    try:
        secret = webhook_service.rotate_secret(
            db.session(),
            _deps(),
            endpoint_id,
            dt.timedelta(hours=form.grace_hours.data),
            by=_me(),
        )
    except ValidationFailed as failed:
        _attach(form, failed)
        return _endpoint_page(endpoint_id, rotate=form, status=422)
    return _secret_page(endpoint_id, secret, created=False)


@bp.post("/webhooks/<int:endpoint_id>/delete")
@admin_required
def delete_webhook(endpoint_id: int) -> Page | Response:
    form = DeleteForm()
    if not form.validate():
        return _endpoint_page(endpoint_id, delete=form, status=422)
    webhook_service.delete_endpoint(db.session(), endpoint_id, now=_deps().clock.now(), by=_me())
    return redirect(url_for("workspace.webhooks", done="deleted"))


@bp.post("/webhooks/<int:endpoint_id>/test")
@admin_required
def test_webhook(endpoint_id: int) -> Response:
    webhook_service.send_test(db.session(), _deps(), endpoint_id, moderator=signed_in().moderator)
    return redirect(url_for("workspace.webhook_log", endpoint_id=endpoint_id, done="test"))


# ------------------------------------------------------------------ the delivery log


def _log(
    endpoint_id: int,
    *,
    redeliver: RedeliverForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
) -> Page:
    filters = LogFilterForm(formdata=request.args)
    filters.validate()
    health = webhook_overview.endpoint(db.session(), endpoint_id)
    log = webhook_overview.delivery_log(
        db.session(),
        endpoint_id,
        status=filters.chosen_status(),
        before_id=filters.before_id(),
        limit=LOG_PAGE_SIZE,
    )
    html = render_template(
        "workspace/webhook_log.html",
        health=health,
        log=log,
        filters=filters,
        redeliver=redeliver or RedeliverForm(formdata=None),
        problems=problems or [],
        count=request.args.get("count", type=int),
        disable_after_days=_deps().settings.webhook_disable_after_days,
    )
    return html, status


@bp.get("/webhooks/<int:endpoint_id>/deliveries")
@admin_required
def webhook_log(endpoint_id: int) -> Page:
    return _log(endpoint_id)


@bp.post("/webhooks/<int:endpoint_id>/redeliver")
@admin_required
def redeliver_failed_webhooks(endpoint_id: int) -> Page | Response:
    form = RedeliverForm()
    if not form.validate():
        return _log(endpoint_id, redeliver=form, status=422)
    # A day starts at midnight where the desk works, as in the queue's date filters.
    zone = ZoneInfo(_deps().settings.timezone)
    since = dt.datetime.combine(form.since.data, dt.time(), tzinfo=zone).astimezone(dt.UTC)
    try:
        count = webhook_delivery.redeliver_failed(db.session(), _deps(), endpoint_id, since)
    except ValidationFailed as failed:
        return _log(endpoint_id, redeliver=form, problems=_attach(form, failed), status=409)
    target = url_for(
        "workspace.webhook_log", endpoint_id=endpoint_id, done="redelivered", count=count
    )
    return redirect(target)


@bp.post("/webhooks/deliveries/<int:delivery_id>/redeliver")
@admin_required
def redeliver_webhook(delivery_id: int) -> Page | Response:
    delivery = webhook_delivery.get_delivery(db.session(), delivery_id)
    endpoint_id = delivery.endpoint_id
    try:
        webhook_delivery.redeliver(db.session(), _deps(), delivery_id)
    except ValidationFailed as failed:
        problems = [field_message(e.code, e.params) for e in failed.errors]
        return _log(endpoint_id, problems=problems, status=409)
    target = url_for("workspace.webhook_log", endpoint_id=endpoint_id, done="redelivered", count=1)
    return redirect(target)
