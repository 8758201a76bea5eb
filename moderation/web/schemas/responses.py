"""The shapes the APIs answer with, for the document (``web/serializers.py`` builds them).

Public shapes forbid extra properties: the test that validates real answers against the
document then fails as soon as a serializer leaks a field (an email, a score).
"""

from __future__ import annotations

from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from moderation.models import CommentStatus
from moderation.models import DecisionSource

Timestamp = str  # RFC 3339, UTC (``serializers.timestamp``)
_CLOSED = ConfigDict(extra="forbid")


def _ts(description: str = "RFC 3339, UTC.") -> Any:
    return Field(json_schema_extra={"format": "date-time"}, description=description)


class ProblemField(BaseModel):
    field: str
    code: str
    pointer: str | None = None
    label: str | None = None
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details, worded in the reader's language."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[ProblemField] = []
    fields: dict[str, str] = {}


class Accepted(BaseModel):
    model_config = _CLOSED
    id: str
    status: Literal["pending"]
    author_token: str = Field(
        description="Shown once: send it as Moderation-Author-Token to read the comment "
        "while it is not public."
    )


class FormToken(BaseModel):
    model_config = _CLOSED
    render_token: str


class PublicComment(BaseModel):
    model_config = _CLOSED
    id: str
    parent_id: str | None
    parent_removed: bool = Field(
        description="A reply to a comment that is not public (never named)."
    )
    author_name: str
    website: str | None
    html: str = Field(description="Sanitized HTML, safe to insert.")
    created_at: Timestamp = _ts()
    reply_count: int = Field(ge=0)
    replies: list[PublicComment]


class PublicArticle(BaseModel):
    model_config = _CLOSED
    key: str
    title: str
    url: str
    is_open: bool


class Thread(BaseModel):
    model_config = _CLOSED
    article: PublicArticle
    total: int = Field(ge=0)
    sort: Literal["oldest", "newest"]
    comments: list[PublicComment]
    next_cursor: str | None


class CommentState(BaseModel):
    """One comment and its status, for whoever holds its id."""

    model_config = _CLOSED
    id: str
    article: str
    parent_id: str | None
    parent_removed: bool
    author_name: str
    website: str | None
    html: str
    status: CommentStatus
    created_at: Timestamp = _ts()
    decided_at: Timestamp | None = _ts()


class Counts(BaseModel):
    model_config = _CLOSED
    counts: dict[str, int]


class Recorded(BaseModel):
    model_config = _CLOSED
    status: Literal["recorded"]


class EmbedMessages(BaseModel):
    model_config = _CLOSED
    lang: Literal["fr", "en"]
    max_depth: int
    page_size: int
    honeypot_field: str
    messages: dict[str, str]


class Health(BaseModel):
    status: Literal["ok"]


class Reason(BaseModel):
    rule: str
    code: str
    params: dict[str, Any] = {}
    spans: list[list[int]] = []
    score: float | None = None


class Decision(BaseModel):
    source: DecisionSource
    actor: str
    moderator_id: int | None = None
    from_status: str
    to_status: str
    reasons: list[Reason]
    summary: str = ""
    policy_version: str | None = None
    at: Timestamp = _ts()


class ModeratorComment(BaseModel):
    """The moderators' view of a comment: the public fields plus what they need to decide."""

    id: str
    article: str
    parent_id: str | None
    author_name: str
    website: str | None
    html: str
    status: CommentStatus
    created_at: Timestamp = _ts()
    decided_at: Timestamp | None = _ts()
    email: str
    body_text: str
    ip: str | None = None
    user_agent: str | None = None
    reasons: list[Reason]
    summary: str
    scores: dict[str, Any]
    report_count: int = Field(default=0, ge=0)
    language: str | None = None
    campaign_id: int | None = None
    log: list[Decision] = []


class ModeratorList(BaseModel):
    comments: list[ModeratorComment]
    next_cursor: str | None


class TabCounts(BaseModel):
    tabs: dict[str, int]
    oldest_waiting: Timestamp | None = _ts()


class CampaignDecided(BaseModel):
    campaign_id: int
    changed: list[str]


class CorrectedArticle(BaseModel):
    key: str
    url: str
    title: str


class SurgeEnded(BaseModel):
    article: str
    surge_until: None


class EventTypes(BaseModel):
    event_types: list[str]
    slack: list[str]


class WebhookEndpoint(BaseModel):
    """An endpoint for admins; never its secrets."""

    id: int
    url: str
    description: str
    event_types: list[str]
    format: Literal["standard", "slack"]
    is_active: bool
    include_email: bool
    disabled_reason: str | None
    disabled_at: Timestamp | None = _ts()
    failing_since: Timestamp | None = _ts()
    last_success_at: Timestamp | None = _ts()
    previous_secret_valid_until: Timestamp | None = _ts()
    created_at: Timestamp = _ts()
    updated_at: Timestamp | None = _ts()


class EndpointList(BaseModel):
    endpoints: list[WebhookEndpoint]


class EndpointCreated(BaseModel):
    endpoint: WebhookEndpoint
    secret: str = Field(description="Shown this once.")


class SecretRotated(BaseModel):
    secret: str = Field(description="Shown this once.")
    endpoint: WebhookEndpoint


class WebhookDelivery(BaseModel):
    id: int
    webhook_id: str
    endpoint_id: int
    event_type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int = Field(ge=0)
    next_attempt_at: Timestamp | None = _ts()
    last_status_code: int | None
    last_error: str | None
    created_at: Timestamp = _ts()
    delivered_at: Timestamp | None = _ts()
    finished_at: Timestamp | None = _ts()


class WebhookAttempt(BaseModel):
    number: int
    started_at: Timestamp = _ts()
    status_code: int | None
    latency_ms: int | None
    error: str | None
    response_excerpt: str | None


class DeliveryDetail(WebhookDelivery):
    payload: dict[str, Any]
    attempt_log: list[WebhookAttempt]


class DeliveryList(BaseModel):
    deliveries: list[WebhookDelivery]
    next_before: int | None


class Redelivered(BaseModel):
    redelivered: int = Field(ge=0)
