"""The moderation core: pure functions over plain values.

No Flask, no Celery, no SQLAlchemy, no network, no clock and no environment in here: the
services gather a :class:`Submission` and a :class:`Context`, and this package returns a
:class:`Decision` with every reason that contributed to it.
"""

from __future__ import annotations

from moderation.pipeline.codes import REASON_CODES
from moderation.pipeline.policy import POLICY_VERSION
from moderation.pipeline.policy import Policy
from moderation.pipeline.policy import decide
from moderation.pipeline.rules import default_rules
from moderation.pipeline.runner import moderate
from moderation.pipeline.runner import score_batch
from moderation.pipeline.runner import screen
from moderation.pipeline.types import Attribute
from moderation.pipeline.types import BlockAction
from moderation.pipeline.types import BlockEntry
from moderation.pipeline.types import BlockKind
from moderation.pipeline.types import Classifier
from moderation.pipeline.types import Context
from moderation.pipeline.types import Decision
from moderation.pipeline.types import Match
from moderation.pipeline.types import Reason
from moderation.pipeline.types import Rule
from moderation.pipeline.types import Score
from moderation.pipeline.types import Signal
from moderation.pipeline.types import SimilarComment
from moderation.pipeline.types import Span
from moderation.pipeline.types import Submission
from moderation.pipeline.types import Verdict
from moderation.pipeline.types import WordAction
from moderation.pipeline.types import WordEntry
from moderation.pipeline.wordlists import CompiledWordList
from moderation.pipeline.wordlists import compile_wordlist

__all__ = [
    "POLICY_VERSION",
    "REASON_CODES",
    "Attribute",
    "BlockAction",
    "BlockEntry",
    "BlockKind",
    "Classifier",
    "CompiledWordList",
    "Context",
    "Decision",
    "Match",
    "Policy",
    "Reason",
    "Rule",
    "Score",
    "Signal",
    "SimilarComment",
    "Span",
    "Submission",
    "Verdict",
    "WordAction",
    "WordEntry",
    "compile_wordlist",
    "decide",
    "default_rules",
    "moderate",
    "score_batch",
    "screen",
]
