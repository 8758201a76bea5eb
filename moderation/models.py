"""The tables. No presentation here: serializers live in ``moderation.web.serializers``.

``Comment.status`` is the current state, denormalised from the append-only
``ModerationDecision`` log; every change to it is a compare-and-set made by
``moderation.services.decisions``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from moderation.db import Base


class CommentStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    HELD = "held"
    SPAM = "spam"
    REJECTED = "rejected"
    DELETED = "deleted"


class DecisionSource(StrEnum):
    RULES = "rules"
    CLASSIFIERS = "classifiers"
    MODERATOR = "moderator"
    SYSTEM = "system"


def _enum(enum_cls: type[StrEnum], length: int = 16) -> sa.Enum:
    # Stored as plain strings (no native PostgreSQL enum): adding a state is then a code
    # change, not a schema migration with ALTER TYPE.
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


def new_public_id() -> str:
    """An unguessable id (128 bits) the author's browser uses to follow its comment."""
    return secrets.token_urlsafe(16)


class Article(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    url: Mapped[str] = mapped_column(sa.String(2000), default="")
    title: Mapped[str] = mapped_column(sa.String(500), default="")
    is_open: Mapped[bool] = mapped_column(default=True)
    closes_at: Mapped[dt.datetime | None]
    # None means "follow the site-wide setting".
    premoderation: Mapped[str | None] = mapped_column(sa.String(16))
    #: While set and in the future, the article is in surge mode (everything premoderated).
    surge_until: Mapped[dt.datetime | None]
    #: Classifier thresholds for this article (``hold_at``, ``reject_at``, ``<label>.hold_at``).
    policy_overrides: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: What moderators should know when deciding its comments (« sujet sensible »).
    moderator_note: Mapped[str | None] = mapped_column(sa.String(500))
    #: Comments close this many days after the article was created (``None``: the site's
    #: default, 0: never); an explicit ``closes_at`` wins.
    close_after_days: Mapped[int | None]
    created_at: Mapped[dt.datetime]


class Campaign(Base):
    """Comments posting the same or nearly the same text across articles or authors."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    fingerprint: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[dt.datetime]


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (
        # The public thread: approved comments of one article in time order.
        sa.Index("ix_comments_article_status_created", "article_id", "status", "created_at"),
        # Surge counts: an article's recent comments whatever their status.
        sa.Index("ix_comments_article_created", "article_id", "created_at"),
        # Moderator queues: by status, oldest first.
        sa.Index("ix_comments_status_created", "status", "created_at"),
        # The "all" tab and searches across statuses: newest or oldest first, keyset by id.
        # (On PostgreSQL, trigram indexes serve text and name searches: see the migration
        # 4311164b88e8; they have no SQLite counterpart, so they are not declared here.)
        sa.Index("ix_comments_created_id", "created_at", "id"),
        # The review tab (held, and pending past a few seconds), oldest first: one ordered
        # scan of the few waiting comments instead of sorting both statuses' rows.
        sa.Index(
            "ix_comments_waiting_created",
            "created_at",
            "id",
            postgresql_where=sa.text("status IN ('held', 'pending')"),
            sqlite_where=sa.text("status IN ('held', 'pending')"),
        ),
        # Author history (reputation, flood): by author, recent first.
        sa.Index("ix_comments_email_hash_created", "email_hash", "created_at"),
        # Flood by network: the /24 (/48) of the client, recent first.
        sa.Index("ix_comments_ip_prefix_created", "ip_prefix", "created_at"),
        # Near-duplicate candidates: a comment shares at least one 16-bit band of its
        # 64-bit SimHash with any near copy (LSH), so four indexed equality lookups suffice.
        sa.Index("ix_comments_fp_band0_created", "fp_band0", "created_at"),
        sa.Index("ix_comments_fp_band1_created", "fp_band1", "created_at"),
        sa.Index("ix_comments_fp_band2_created", "fp_band2", "created_at"),
        sa.Index("ix_comments_fp_band3_created", "fp_band3", "created_at"),
        # Never reuse a deleted comment's id on SQLite: late task deliveries carry ids.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    article_id: Mapped[int] = mapped_column(sa.ForeignKey("articles.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    depth: Mapped[int] = mapped_column(default=0)
    author_name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(320))
    email_hash: Mapped[str] = mapped_column(sa.String(64))
    website: Mapped[str | None] = mapped_column(sa.String(2000))
    body_raw: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    body_text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(8))
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    #: The client's /24 (IPv4) or /48 (IPv6) network, for flood counts (None if not kept).
    ip_prefix: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(400))
    #: The page the comment was sent from (``Referer``), for outside spam checks (Akismet).
    referrer: Mapped[str | None] = mapped_column(sa.String(2000))
    #: Seconds between the form being shown and sent, when a signed render time came along.
    elapsed_seconds: Mapped[float | None]
    #: SimHash of the normalised text (signed 64-bit) and its four 16-bit bands.
    fingerprint: Mapped[int | None] = mapped_column(sa.BigInteger)
    fp_band0: Mapped[int | None]
    fp_band1: Mapped[int | None]
    fp_band2: Mapped[int | None]
    fp_band3: Mapped[int | None]
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The highest attribute score any classifier gave (None: no classifier ran); the
    #: queues sort and filter by it.
    risk: Mapped[float | None] = mapped_column(sa.Float)
    created_at: Mapped[dt.datetime]
    decided_at: Mapped[dt.datetime | None]
    #: SHA-256 of the author token returned once by intake: the author's browser proves
    #: with it that the comment is its own (to see it while it is not public).
    author_token_hash: Mapped[str | None] = mapped_column(sa.String(64))


class SpentToken(Base):
    """Single-use tokens already used (form render tokens, hand-offs), until they expire.

    Keyed by a digest of the token's nonce: inserting a row is how a token is spent, and a
    second insert of the same digest finds it taken.
    """

    __tablename__ = "spent_tokens"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class IntakeCounter(Base):
    """Submissions refused at intake without keeping anything of them, counted per day."""

    __tablename__ = "intake_counters"

    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class ModeratorRole(StrEnum):
    """What a person may do: moderators decide comments, admins also run the site."""

    ADMIN = "admin"
    MODERATOR = "moderator"


class Moderator(Base):
    """A person of the moderation desk. Never deleted (the log names them): deactivated."""

    __tablename__ = "moderators"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased; the login.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[ModeratorRole] = mapped_column(_enum(ModeratorRole))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: argon2id; ``None`` until a password is set (API tokens work without one).
    password_hash: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime]
    last_login_at: Mapped[dt.datetime | None]


class ModerationDecision(Base):
    """Append-only log: one row per status change, with who, what and why.

    ``moderator_id`` names the person for moderator decisions; ``actor`` is the name
    shown in the log (the moderator's at the time, or ``system``, ``cli``).
    """

    __tablename__ = "moderation_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[DecisionSource] = mapped_column(_enum(DecisionSource))
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"), index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))
    from_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    to_status: Mapped[CommentStatus] = mapped_column(_enum(CommentStatus))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    scores: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    policy_version: Mapped[str] = mapped_column(sa.String(40), default="")
    #: The classifier thresholds in force when the decision was made.
    thresholds: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    #: Decisions made by one moderator action (one click, one bulk, one campaign) share
    #: a batch, so "undo" reverts all of them at once.
    batch_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    created_at: Mapped[dt.datetime]


class OutboxMessage(Base):
    """Work for the workers, written in the same transaction as the change that needs it.

    The row is the durable truth; the broker message is only a doorbell. ``available_at``
    is when the sweeper may publish it again if no worker has finished it by then.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "done_at", "available_at"),
        sa.Index("ix_outbox_messages_key", "key", "task_name"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(sa.String(100))
    #: What the work is about, e.g. ``comment:42``.
    key: Mapped[str] = mapped_column(sa.String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime]
    available_at: Mapped[dt.datetime]
    published_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]


class WordListEntry(Base):
    """A term of the admins' word list, with what to do when a comment contains it."""

    __tablename__ = "word_list_entries"
    __table_args__ = (
        sa.UniqueConstraint("term", "language", "article_key", name="uq_word_list_entries_term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(8))  # reject | hold | flag
    language: Mapped[str] = mapped_column(sa.String(8), default="any")
    #: None: the whole site; otherwise only this article.
    article_key: Mapped[str | None] = mapped_column(sa.String(200))
    created_by: Mapped[str] = mapped_column(sa.String(200), default="system")
    created_at: Mapped[dt.datetime]


class BlockRule(Base):
    """An email, email domain, address or network to refuse, hold, or trust."""

    __tablename__ = "block_rules"
    __table_args__ = (sa.Index("ix_block_rules_kind_value", "kind", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # email | email_domain | ip | cidr
    #: For ``email``: the keyed hash of the address, never the address itself.
    value: Mapped[str] = mapped_column(sa.String(320))
    action: Mapped[str] = mapped_column(sa.String(8))  # spam | reject | hold | allow
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    expires_at: Mapped[dt.datetime | None]
    created_by: Mapped[str] = mapped_column(sa.String(200), default="system")
    created_at: Mapped[dt.datetime]


class Event(Base):
    """Something that happened, written in the same transaction as the change itself.

    The newsroom's systems hear of it through webhooks. ``comment_id`` and ``article_id``
    name what it is about, ``moderator_id`` who did it (``None``: the system); ``payload``
    holds the facts of the moment (the decision, the surge figures).
    """

    __tablename__ = "events"
    __table_args__ = (sa.Index("ix_events_type_created", "type", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(50))
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[dt.datetime]


class ReportReason(StrEnum):
    SPAM = "spam"
    ABUSIVE = "abusive"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class Report(Base):
    """A reader's report of a published comment; one per comment and reader."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.UniqueConstraint("comment_id", "reporter_hash", name="uq_reports_comment_reporter"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[ReportReason] = mapped_column(_enum(ReportReason))
    #: Keyed hash of the reporter's address and browser: recognises a repeat, reveals nothing.
    reporter_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime]
    #: When a moderator decided the reported comment (kept or removed it): the report
    #: then leaves the "reported" queue.
    resolved_at: Mapped[dt.datetime | None]


class ApiToken(Base):
    """A moderator's API token; only its SHA-256 is stored. ``name`` says what it is for."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(sa.ForeignKey("moderators.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime]
    last_used_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]


class ModeratorSession(Base):
    """A signed-in browser of a moderator: the server-side half of a workspace session.

    The cookie holds only a random token; its SHA-256 is stored here, so deleting the row
    ends the session everywhere, including in any copy of the cookie.
    """

    __tablename__ = "moderator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    moderator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("moderators.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: What the browser said it was, truncated (shown on the account page).
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]


class LoginThrottle(Base):
    """Failed sign-ins per account name, whether or not such an account exists.

    Keyed by a keyed hash of the normalised email, so an unknown address is throttled
    exactly like a real one (nothing tells an attacker which addresses have accounts).
    """

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]


class AuditEntry(Base):
    """Append-only record of what people did besides status changes.

    Sign-ins, revealed emails, account changes and author actions; status changes live in
    ``ModerationDecision``. ``details`` holds ids and codes, never an email or an address.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (sa.Index("ix_audit_entries_action_created", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    #: Who did it (``None``: the system or an anonymous visitor, e.g. a failed sign-in).
    moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"), index=True)
    comment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("comments.id", ondelete="SET NULL"), index=True
    )
    article_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("articles.id", ondelete="SET NULL")
    )
    #: The account acted upon (invited, role changed, deactivated, signed in).
    subject_moderator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime]


class RejectionExplanation(Base):
    """The canned words, in French and English, that go with a rejection reason."""

    __tablename__ = "rejection_explanations"

    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    text_fr: Mapped[str] = mapped_column(sa.String(1000), default="")
    text_en: Mapped[str] = mapped_column(sa.String(1000), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"))
    updated_at: Mapped[dt.datetime]


class SiteSetting(Base):
    """One run-time value an admin changed; absent keys take the environment's value."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"))
    updated_at: Mapped[dt.datetime]


class WebhookFormat(StrEnum):
    """How a webhook endpoint wants its messages."""

    #: ``{"type", "timestamp", "data"}`` signed per the Standard Webhooks specification.
    STANDARD = "standard"
    #: ``{"text": ...}``, readable in a Slack (or compatible) channel.
    SLACK = "slack"


class WebhookEndpoint(Base):
    """A receiver of the events, registered by an admin.

    ``event_types`` empty means every type. ``secret`` signs every message; after a
    rotation ``previous_secret`` also signs until ``previous_secret_expires_at``.
    ``failing_since`` is the first failure since the last success: an endpoint failing
    for too long is disabled (``disabled_reason``) and shown as such to admins.
    """

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    event_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    format: Mapped[WebhookFormat] = mapped_column(_enum(WebhookFormat))
    is_active: Mapped[bool] = mapped_column(default=True)
    include_email: Mapped[bool] = mapped_column(default=False)
    secret: Mapped[str] = mapped_column(sa.String(100))
    previous_secret: Mapped[str | None] = mapped_column(sa.String(100))
    previous_secret_expires_at: Mapped[dt.datetime | None]
    #: Why the service turned the endpoint off (``gone``: it answered 410; ``failing``).
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(16))
    disabled_at: Mapped[dt.datetime | None]
    failing_since: Mapped[dt.datetime | None]
    last_success_at: Mapped[dt.datetime | None]
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("moderators.id"))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt, or being attempted
    DELIVERED = "delivered"
    FAILED = "failed"  # out of attempts, or its endpoint was turned off


class WebhookDelivery(Base):
    """One event for one endpoint: the message, its state and its retry schedule.

    ``message_id`` is the ``webhook-id`` header, the same for every attempt so receivers
    can de-duplicate. The schedule lives here, not in the broker: ``next_attempt_at`` is
    when the next attempt is due, ``claimed_until`` the lease of an attempt in flight,
    ``published_at`` when a task was last published for it (the sweeper publishes again
    a due delivery nobody took in time). ``payload`` is the event's snapshot, taken in the
    transaction that caused it.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Fan-out writes at most one delivery per event and endpoint (test messages have
        # no event, and NULLs never collide).
        sa.UniqueConstraint("event_id", "endpoint_id", name="uq_webhook_deliveries_event"),
        # The sweeper: due deliveries of every endpoint.
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        # One endpoint's next due delivery (its pending rows, however long its log), and
        # its failed ones since a date.
        sa.Index(
            "ix_webhook_deliveries_endpoint_status", "endpoint_id", "status", "next_attempt_at"
        ),
        # One endpoint's attempts in flight (the few rows with a live lease).
        sa.Index("ix_webhook_deliveries_endpoint_lease", "endpoint_id", "claimed_until"),
        # One endpoint's delivery log, newest first.
        sa.Index("ix_webhook_deliveries_endpoint_log", "endpoint_id", "id"),
        sa.Index("ix_webhook_deliveries_finished", "finished_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id", ondelete="SET NULL"))
    event_type: Mapped[str] = mapped_column(sa.String(50))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    status: Mapped[DeliveryStatus] = mapped_column(_enum(DeliveryStatus))
    #: Attempts made in all (numbers the attempt log).
    attempts: Mapped[int] = mapped_column(default=0)
    #: Failed attempts since the delivery was (re)started: the position in the schedule.
    failures: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_until: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery, for the delivery log."""

    __tablename__ = "webhook_attempts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    started_at: Mapped[dt.datetime]
    status_code: Mapped[int | None]
    latency_ms: Mapped[int] = mapped_column(default=0)
    #: What went wrong, in a stable code (``timeout``, ``refused_address`` ...) or None.
    error: Mapped[str | None] = mapped_column(sa.String(200))
    #: The first 2 KB of the response body, as text.
    response_excerpt: Mapped[str] = mapped_column(sa.Text, default="")


class ModelVersion(Base):
    """One trained version of a built-in model (spam or toxicity), kept for rollback.

    At most one row per ``kind`` is active (``services.model_versions`` switches them in
    one transaction); with none, the model shipped in the package scores. ``weights`` is
    the model as a compressed ``.npz`` (numbers only, no text); ``training`` holds the
    counts it was trained on and ``validation`` its held-out figures, the ones the
    not-worse gate compared.
    """

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    version: Mapped[str] = mapped_column(sa.String(80), unique=True)
    #: Where the examples came from: ``csv`` (an operator's file) or ``moderators``.
    source: Mapped[str] = mapped_column(sa.String(16))
    #: The version it was adapted from (``None``: the shipped model or a fresh fit).
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("model_versions.id"))
    is_active: Mapped[bool] = mapped_column(default=False)
    training: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    validation: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    weights: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[dt.datetime]
    activated_at: Mapped[dt.datetime | None]


class SearchTrigram(Base):
    """How common one trigram is among the comments, for one searched column.

    PostgreSQL keeps no statistics on trigrams; ``services.search_statistics`` samples the
    comments and writes the share holding each trigram (those seen at least twice),
    so that a search can ask the trigram index for the selective parts of its term only.
    """

    __tablename__ = "search_trigrams"

    #: The column searched: ``body_text`` or ``author_name``.
    field: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    trigram: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    share: Mapped[float] = mapped_column(sa.Float)
