"""An OpenAI-compatible moderation endpoint (``POST {base_url}/v1/moderations``) as scores.

Several vendors, some European with multilingual models, answer this request format. The
whole batch goes in one request (``input`` is a list; ``results`` come back in order).
Their categories map onto our attributes; an attribute fed by several categories takes the
highest of their scores, and ``toxicity`` is the highest of the abusive ones. Categories we
do not know (self-harm, illicit) are left out: they do not decide a news comment.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from moderation.integrations.backend_http import PolicyTransport
from moderation.integrations.backend_http import ResilientHttp
from moderation.integrations.backend_http import ResultCache
from moderation.integrations.backend_http import elapsed_ms
from moderation.integrations.backend_http import submission_key
from moderation.pipeline.types import Score
from moderation.pipeline.types import Submission

NAME = "openai"

#: Vendor category -> our attribute. Names with ``/`` are OpenAI's; ``_and_`` Mistral-style.
CATEGORY_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "harassment": ("insult", "toxicity"),
    "harassment/threatening": ("threat", "toxicity"),
    "hate": ("identity_attack", "toxicity"),
    "hate/threatening": ("identity_attack", "threat", "toxicity"),
    "hate_and_discrimination": ("identity_attack", "toxicity"),
    "violence": ("threat",),
    "violence_and_threats": ("threat", "toxicity"),
    "sexual": ("sexual",),
    "sexual/minors": ("sexual",),
}


class OpenAIModeration:
    """Scores from an OpenAI-compatible ``/v1/moderations`` endpoint."""

    name = NAME

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        transport: PolicyTransport,
        cache: ResultCache | None = None,
    ) -> None:
        self.url = f"{base_url.rstrip('/')}/v1/moderations"
        self.api_key = api_key
        self.model = model
        self.http = ResilientHttp(transport)
        self.cache = cache or ResultCache()

    def score(self, batch: Sequence[Submission]) -> list[Score | None]:
        keys = [submission_key(s) for s in batch]
        answers: list[Score | None] = [None] * len(batch)
        missing = []
        for index, key in enumerate(keys):
            found, cached = self.cache.get(key)
            if found:
                answers[index] = cached
            else:
                missing.append(index)
        if not missing:
            return answers
        started = time.perf_counter()
        response = self.http.post(
            self.url,
            json={"model": self.model, "input": [batch[i].text for i in missing]},
            headers={"Authorization": f"Bearer {self.api_key}"} if self.api_key else {},
        )
        body = self.http.json(response)
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or len(results) != len(missing):
            raise self.http.malformed("results missing or of the wrong length")
        version = str(body.get("model") or self.model)
        share = elapsed_ms(started) / len(missing)
        for index, result in zip(missing, results, strict=True):
            score = self._score(result, version, share)
            self.cache.put(keys[index], score)
            answers[index] = score
        return answers

    def _score(self, result: Any, version: str, latency_ms: float) -> Score | None:
        scores = result.get("category_scores") if isinstance(result, dict) else None
        if not isinstance(scores, dict):
            raise self.http.malformed("a result without category_scores")
        attributes: dict[str, float] = {}
        for category, value in scores.items():
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise self.http.malformed(f"score of {category} is not a probability")
            for attribute in CATEGORY_ATTRIBUTES.get(str(category), ()):
                attributes[attribute] = max(attributes.get(attribute, 0.0), float(value))
        if not attributes:
            return None
        return Score(NAME, version, attributes, latency_ms=round(latency_ms, 2))
