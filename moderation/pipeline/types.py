"""Value objects and ports of the moderation core.

A rule looks at a :class:`Submission` in its :class:`Context` and may return a
:class:`Signal` (evidence with the verdict it argues for); a classifier returns a
:class:`Score`. Only ``policy.decide`` turns evidence into a :class:`Decision`.
"""

from __future__ import annotations

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


@dataclass(frozen=True, slots=True)
class Span:
    """A matched stretch of the comment's plain text, as character offsets."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Submission:
    """What the reader sent, already validated and sanitized."""

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


@dataclass(frozen=True, slots=True)
class Context:
    """What the services know around the submission (history, article settings)."""

    premoderation: str = "none"
    author_approved_count: int = 0
    author_rejected_count: int = 0


@dataclass(frozen=True, slots=True)
class Signal:
    """One rule's evidence: the verdict it argues for and why.

    ``code`` is a stable message key (translated for moderators by the web layer) and
    ``params`` fills its placeholders.
    """

    rule_id: str
    verdict: Verdict
    code: str
    params: dict[str, str | int] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Score:
    """A classifier's probability for one label, with the model that produced it."""

    label: str
    value: float
    model: str
    version: str


@dataclass(frozen=True, slots=True)
class Reason:
    """One contributing reason of a decision, as stored and shown to moderators."""

    rule_id: str
    code: str
    params: dict[str, str | int] = field(default_factory=dict)
    spans: tuple[Span, ...] = ()
    score: float | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready form, for the decision log."""
        return {
            "rule": self.rule_id,
            "code": self.code,
            "params": dict(self.params),
            "spans": [[s.start, s.end] for s in self.spans],
            "score": self.score,
        }


@dataclass(frozen=True, slots=True)
class Decision:
    """The verdict with every reason that contributed to it."""

    verdict: Verdict
    reasons: tuple[Reason, ...]
    scores: tuple[Score, ...] = ()
    policy_version: str = ""


class Rule(Protocol):
    """A cheap deterministic check. ``cheap`` rules also run on the request path."""

    @property
    def rule_id(self) -> str: ...

    @property
    def cheap(self) -> bool: ...

    def check(self, submission: Submission, context: Context) -> Signal | None: ...


class Classifier(Protocol):
    """A scorer (local model or outside service adapter)."""

    @property
    def name(self) -> str: ...

    def score(self, submission: Submission) -> Score: ...
