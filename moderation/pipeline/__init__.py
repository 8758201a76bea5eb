"""The moderation core: pure functions over plain values.

No Flask, no Celery, no SQLAlchemy, no network, no clock and no environment in here: the
services gather a :class:`Submission` and a :class:`Context`, and this package returns a
:class:`Decision` with every reason that contributed to it.
"""

from __future__ import annotations

from moderation.pipeline.policy import Policy
from moderation.pipeline.policy import decide
from moderation.pipeline.rules import default_rules
from moderation.pipeline.runner import moderate
from moderation.pipeline.runner import screen
from moderation.pipeline.types import Classifier
from moderation.pipeline.types import Context
from moderation.pipeline.types import Decision
from moderation.pipeline.types import Reason
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Score
from moderation.pipeline.types import Signal
from moderation.pipeline.types import Span
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict

__all__ = [
    "Classifier",
    "Context",
    "Decision",
    "Policy",
    "Reason",
    "Rule",
    "Score",
    "Signal",
    "Span",
    "Submission",
    "Verdict",
    "decide",
    "default_rules",
    "moderate",
    "screen",
]
