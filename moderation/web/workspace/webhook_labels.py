"""The words for the webhook codes the pages show: statuses, reasons for turning an
endpoint off, attempt errors and event types, in the reader's language."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.models import DeliveryStatus
from moderation.services import webhooks
from moderation.services.events import EventType
from moderation.web.i18n import FIELD_MESSAGES

DELIVERY_STATUS_LABELS: dict[DeliveryStatus, LazyString] = {
    DeliveryStatus.PENDING: _l("Waiting or in progress"),
    DeliveryStatus.DELIVERED: _l("Delivered"),
    DeliveryStatus.FAILED: _l("Failed"),
}

#: Why the service itself turned an endpoint off (``WebhookEndpoint.disabled_reason``).
DISABLED_REASONS: dict[str, LazyString] = {
    "gone": _l("The receiver answered 410 Gone: it asked to receive nothing more."),
    "failing": _l("Every attempt failed for %(days)s days without a single success."),
}

ERROR_LABELS: dict[str, LazyString] = {
    "timeout": _l("No complete answer within the time limit"),
    "connect_timeout": _l("The connection timed out"),
    "connect_error": _l("The connection was refused or failed"),
    "connection_error": _l("The connection broke off"),
    "tls_error": _l("HTTPS (TLS) error"),
    "protocol_error": _l("The answer was not valid HTTP"),
    "response_too_large": _l("The answer was too long and was cut off"),
    "redirect_not_followed": _l("A redirection (never followed)"),
    "no_result": _l("The attempt was interrupted (worker stopped)"),
    "no_answer": _l("No answer"),
    "endpoint_disabled": _l("Not sent: the endpoint was turned off"),
}

EVENT_LABELS: dict[str, LazyString] = {
    EventType.COMMENT_CREATED.value: _l("A comment is posted"),
    EventType.COMMENT_APPROVED.value: _l("A comment is approved"),
    EventType.COMMENT_HELD.value: _l("A comment is held for review"),
    EventType.COMMENT_REJECTED.value: _l("A comment is rejected"),
    EventType.COMMENT_SPAM.value: _l("A comment is marked as spam"),
    EventType.COMMENT_REPORTED.value: _l("A comment is reported"),
    EventType.COMMENT_DELETED.value: _l("A comment is deleted"),
    EventType.ARTICLE_CLOSED.value: _l("An article is closed to comments"),
    EventType.ARTICLE_SURGE.value: _l("An article has a surge of comments"),
    webhooks.TEST_EVENT: _l("Test message"),
}


def disabled_reason(code: str | None, days: float) -> str:
    """Why the endpoint is off, in words (an unknown code is shown as it is)."""
    if code is None:
        return str(_l("Turned off by an administrator."))
    template = DISABLED_REASONS.get(code)
    return str(template) % {"days": f"{days:g}"} if template is not None else code


def error_label(code: str | None) -> str:
    """An attempt's error in words: ``http_503`` says the status, ``url_*`` the refusal."""
    if code is None:
        return ""
    if code.startswith("http_") and code[5:].isdigit():
        return str(_l("The receiver answered HTTP %(code)s", code=code[5:]))
    if code.startswith("url_") and code in FIELD_MESSAGES:
        return str(FIELD_MESSAGES[code])
    label = ERROR_LABELS.get(code)
    return str(label) if label is not None else code


def event_label(code: str) -> str:
    label = EVENT_LABELS.get(code)
    return str(label) if label is not None else code
