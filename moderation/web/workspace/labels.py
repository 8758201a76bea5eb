"""The words for the workspace's codes: tabs, statuses, decisions, reasons, in one place."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from moderation.models import CommentStatus
from moderation.models import ReportReason
from moderation.services.decisions import Action
from moderation.services.decisions import RejectionReason
from moderation.services.queue import Tab

TAB_LABELS: dict[Tab, LazyString] = {
    Tab.REVIEW: _l("To review"),
    Tab.REPORTED: _l("Reported"),
    Tab.SPAM: _l("Spam"),
    Tab.REJECTED: _l("Rejected"),
    Tab.APPROVED: _l("Approved"),
    Tab.ALL: _l("All"),
}

STATUS_LABELS: dict[CommentStatus, LazyString] = {
    CommentStatus.PENDING: _l("Awaiting the automatic check"),
    CommentStatus.HELD: _l("Held for review"),
    CommentStatus.APPROVED: _l("Approved"),
    CommentStatus.REJECTED: _l("Rejected"),
    CommentStatus.SPAM: _l("Spam"),
    CommentStatus.DELETED: _l("Deleted"),
}

DONE_MESSAGES: dict[Action, LazyString] = {
    Action.APPROVE: _l("approved"),
    Action.HOLD: _l("held"),
    Action.REJECT: _l("rejected"),
    Action.SPAM: _l("marked as spam"),
}

REJECTION_LABELS: dict[RejectionReason, LazyString] = {
    RejectionReason.OFFENSIVE: _l("Offensive"),
    RejectionReason.ABUSIVE: _l("Abusive"),
    RejectionReason.SPAM: _l("Spam"),
    RejectionReason.ADVERTISING: _l("Advertising"),
    RejectionReason.HATE_SPEECH: _l("Hate speech"),
    RejectionReason.HARASSMENT: _l("Harassment"),
    RejectionReason.MISINFORMATION: _l("Misinformation"),
    RejectionReason.OFF_TOPIC: _l("Off-topic"),
    RejectionReason.ILLEGAL_CONTENT: _l("Illegal content"),
    RejectionReason.OTHER: _l("Other"),
}

REPORT_LABELS: dict[str, LazyString] = {
    ReportReason.SPAM.value: _l("spam or advertising"),
    ReportReason.ABUSIVE.value: _l("abusive or hateful"),
    ReportReason.OFF_TOPIC.value: _l("off-topic"),
    ReportReason.OTHER.value: _l("something else"),
}

SOURCE_LABELS: dict[str, LazyString] = {
    "rules": _l("rules"),
    "classifiers": _l("classifiers"),
    "moderator": _l("moderator"),
    "system": _l("system"),
}
