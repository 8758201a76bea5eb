"""Value objects and ports of the moderation core.

A rule looks at a :class:`Submission` in its :class:`Context` and may return
:class:`Signal` evidence (with the verdict it argues for, or none for flag-only evidence); a
classifier returns a :class:`Score`. Only ``policy.decide`` turns evidence into a
:class:`Decision`.

Everything here is a plain value the services can fill from indexed queries: the core never
reads a database, a clock or the environment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Protocol


class Verdict(StrEnum):
    """What the machine decides. The names map onto comment statuses."""

    APPROVE = "approved"
    HOLD = "held"
    SPAM = "spam"
    REJECT = "rejected"


class BlockKind(StrEnum):
    """What a block-list entry is compared with."""

    EMAIL = "email"  # the value is an email *hash*, computed like ``Comment.email_hash``
    EMAIL_DOMAIN = "email_domain"  # matches the domain and its subdomains
    IP = "ip"
    CIDR = "cidr"


class BlockAction(StrEnum):
    """What a matching block-list entry asks for; ``allow`` vouches for the author."""

    SPAM = "spam"
    REJECT = "reject"
    HOLD = "hold"
    ALLOW = "allow"


@dataclass(frozen=True, slots=True)
class Span:
    """A matched stretch of the comment's plain text, as character offsets."""

    start: int
    end: int


class WordAction(StrEnum):
    """What a matching word-list entry asks for: refuse, hold for a person, or point out."""

    REJECT = "reject"
    HOLD = "hold"
    FLAG = "flag"


#: Strongest first; orders matches and picks a word-list rule's verdict.
ACTION_STRENGTH = {WordAction.REJECT: 0, WordAction.HOLD: 1, WordAction.FLAG: 2}

ANY_LANGUAGE = "any"
MAX_TERM_LENGTH = 100


@dataclass(frozen=True, slots=True)
class WordEntry:
    """One term of a word list (see ``wordlists``).

    ``language`` is ``"any"`` or an ISO 639-1 code; ``site_key`` and ``article_key`` narrow
    the entry to one site or one article (``None``: everywhere).
    """

    term: str
    action: WordAction = WordAction.REJECT
    language: str = ANY_LANGUAGE
    site_key: str | None = None
    article_key: str | None = None

    def __post_init__(self) -> None:
        # Entries come from moderators' forms and database rows: validate them here, once.
        object.__setattr__(self, "action", WordAction(self.action))
        object.__setattr__(self, "language", self.language.strip().lower() or ANY_LANGUAGE)
        if len(self.term) > MAX_TERM_LENGTH:
            raise ValueError(f"word list term longer than {MAX_TERM_LENGTH} characters")
        if not any(c.isalpha() for c in self.term):
            raise ValueError(f"word list term without a letter: {self.term!r}")

    def applies(self, language: str | None, site_key: str | None, article_key: str | None) -> bool:
        """Whether the entry is in force for a comment in this language, site and article.

        A comment of unknown language (too short to tell) meets every entry.
        """
        return (
            (self.language == ANY_LANGUAGE or language is None or self.language == language)
            and (self.site_key is None or self.site_key == site_key)
            and (self.article_key is None or self.article_key == article_key)
        )


@dataclass(frozen=True, slots=True)
class Match:
    """One occurrence of a word-list entry; ``span`` indexes the original text."""

    term: str
    action: WordAction
    span: Span
    matched_text: str
    language: str = ANY_LANGUAGE


@dataclass(frozen=True, slots=True)
class BlockEntry:
    """An active block-list entry (the services leave expired ones out).

    ``expires_at`` is carried for the moderator's information only: the core has no clock,
    so it never compares it with "now".
    """

    kind: BlockKind
    value: str
    action: BlockAction
    expires_at: dt.datetime | None = None
    entry_id: int | None = None

    def __post_init__(self) -> None:
        # Services build entries from database strings: coercing here validates them too.
        object.__setattr__(self, "kind", BlockKind(self.kind))
        object.__setattr__(self, "action", BlockAction(self.action))


@dataclass(frozen=True, slots=True)
class SimilarComment:
    """A recent comment whose fingerprint is near this one's (found by the services)."""

    comment_id: int
    article_key: str
    author_hash: str
    distance: int
    campaign_id: int | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    """What the reader sent, already validated and sanitized.

    ``email_domain`` is the lower-cased domain of the address (the core never sees the
    address itself); ``ip`` is the client address as text when the privacy settings keep
    it; ``elapsed_seconds`` is the time between the signed form render and the post.
    ``user_agent``, ``referrer`` and ``permalink`` are the intake context an outside
    backend may ask for (Akismet); the rules do not read them.
    """

    text: str
    html: str
    author_name: str
    email_hash: str
    article_key: str
    website: str | None = None
    link_count: int = 0
    link_hosts: tuple[str, ...] = ()
    is_reply: bool = False
    honeypot_filled: bool = False
    language: str | None = None
    site_key: str | None = None
    email_domain: str | None = None
    ip: str | None = None
    elapsed_seconds: float | None = None
    user_agent: str | None = None
    referrer: str | None = None
    permalink: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What the services know around the submission: history, lists, article settings.

    Every default means "nothing known", so ``Context()`` never holds a comment by itself.
    The ``*_recent_*`` counts are over the services' time window and exclude this comment.
    """

    premoderation: str = "none"
    author_approved_count: int = 0
    author_rejected_count: int = 0
    author_recent_rejected: int = 0
    author_recent_total: int = 0
    author_recent_count: int = 0
    ip_recent_count: int = 0
    block_entries: tuple[BlockEntry, ...] = ()
    blocked_domains: tuple[str, ...] = ()
    similar_recent: tuple[SimilarComment, ...] = ()
    accepted_languages: tuple[str, ...] = ()
    surge_active: bool = False
    #: The same author already posted this exact text on this article recently.
    exact_duplicate: bool = False
    #: Classifier backends that could not answer for this comment, and those the site
    #: requires (a comment is never approved without them).
    classifiers_unavailable: tuple[str, ...] = ()
    classifiers_required: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Signal:
    """One rule's evidence: the verdict it argues for and why.

    ``verdict`` is ``None`` for flag-only evidence, which the policy records without letting
    it move the verdict. ``trusted`` marks evidence that vouches for the author (a good
    track record, an allow-list entry): the policy then waives the soft holds.
    ``code`` is a stable message key (worded for moderators by the web layer, see
    ``codes.REASON_CODES``) and ``params`` fills its placeholders.
    """

    rule_id: str
    verdict: Verdict | None
    code: str
    params: dict[str, str | int] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    score: float | None = None
    trusted: bool = False


class Attribute(StrEnum):
    """What a classifier may score, each a probability from 0 to 1.

    ``spam`` and ``toxicity`` are what the built-in models give; outside services may add
    the finer toxicity attributes. A score for ``spam`` argues for the ``spam`` verdict,
    any other attribute for ``rejected`` (or ``held`` below the reject threshold).
    """

    SPAM = "spam"
    TOXICITY = "toxicity"
    SEVERE_TOXICITY = "severe_toxicity"
    INSULT = "insult"
    THREAT = "threat"
    IDENTITY_ATTACK = "identity_attack"
    SEXUAL = "sexual"


@dataclass(frozen=True, slots=True)
class Score:
    """One classifier's opinion of one comment: a probability per attribute, and its source.

    ``model`` names the backend or model family (``builtin-toxicity``, ``perspective``) and
    ``version`` the exact version that scored (``fr-2026-12-01``), so every decision can say
    which model made it. ``spans`` are the words that weighed most, as offsets into the
    plain text; ``latency_ms`` is how long scoring took (its share of a batch).
    """

    model: str
    version: str
    attributes: dict[str, float]
    spans: tuple[Span, ...] = ()
    latency_ms: float | None = None

    def __post_init__(self) -> None:
        for name, value in self.attributes.items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"score for {name} must be within 0..1, got {value}")

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, for the decision log."""
        return {
            "model": self.model,
            "version": self.version,
            "attributes": dict(self.attributes),
            "spans": [[s.start, s.end] for s in self.spans],
            "latency_ms": self.latency_ms,
        }


@dataclass(frozen=True, slots=True)
class Reason:
    """One contributing reason of a decision, as stored and shown to moderators.

    ``verdict`` is what the evidence argued for (``None``: flag only) and ``waived`` says
    the policy set it aside because the author is trusted.
    """

    rule_id: str
    code: str
    params: dict[str, str | int] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    score: float | None = None
    verdict: Verdict | None = None
    waived: bool = False

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, for the decision log."""
        return {
            "rule": self.rule_id,
            "code": self.code,
            "params": dict(self.params),
            "spans": [[s.start, s.end] for s in self.spans],
            "score": self.score,
            "verdict": None if self.verdict is None else self.verdict.value,
            "waived": self.waived,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict with every reason that contributed to it.

    ``thresholds`` are the classifier thresholds in force (``hold_at``, ``reject_at`` and
    any ``<label>.hold_at`` override), kept so a decision can be explained later even if
    the article's settings change.
    """

    verdict: Verdict
    reasons: tuple[Reason, ...]
    scores: tuple[Score, ...] = ()
    policy_version: str = ""
    thresholds: dict[str, float] = field(default_factory=dict)
    trusted: bool = False


class Rule(Protocol):
    """A cheap deterministic check. ``cheap`` rules also run on the request path.

    ``check`` returns one signal, several (a rule that saw distinct things, each its own
    reason), or ``None``.
    """

    @property
    def rule_id(self) -> str: ...

    @property
    def cheap(self) -> bool: ...

    def check(
        self, submission: Submission, context: Context
    ) -> Signal | tuple[Signal, ...] | None: ...


class Classifier(Protocol):
    """A scorer: a local model, or the adapter of an outside service.

    ``score`` takes a batch (models are much faster on batches) and answers one entry per
    submission, in order: a :class:`Score`, or ``None`` for "no opinion" (never a made-up
    number). An adapter that cannot reach its service raises ``TransientError``.
    """

    @property
    def name(self) -> str: ...

    def score(self, batch: Sequence[Submission]) -> Sequence[Score | None]: ...
