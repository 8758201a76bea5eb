"""Perspective's ``comments:analyze`` (or a compatible replacement) as toxicity scores.

Google's service stops after 2026; the endpoint is configurable so that a compatible one
can take its place. ``doNotStore`` is always on: comments are not kept by the service.
The words that weighed most come back as span scores; the highest-scoring span of the
``TOXICITY`` attribute becomes the score's span.
"""

from __future__ import annotations

import time
from typing import Any

from moderation.integrations.backend_http import PolicyTransport
from moderation.integrations.backend_http import RemoteClassifier
from moderation.integrations.backend_http import ResilientHttp
from moderation.integrations.backend_http import ResultCache
from moderation.integrations.backend_http import elapsed_ms
from moderation.pipeline.types import Score
from moderation.pipeline.types import Span
from moderation.pipeline.types import Submission

NAME = "perspective"
#: Perspective's attribute names -> ours (all available in French and English).
ATTRIBUTES = {
    "TOXICITY": "toxicity",
    "SEVERE_TOXICITY": "severe_toxicity",
    "INSULT": "insult",
    "THREAT": "threat",
    "IDENTITY_ATTACK": "identity_attack",
}
VERSION = "v1alpha1"


class PerspectiveClassifier(RemoteClassifier):
    """One ``comments:analyze`` request per comment."""

    name = NAME

    def __init__(
        self, url: str, api_key: str, transport: PolicyTransport, cache: ResultCache | None = None
    ) -> None:
        super().__init__(ResilientHttp(transport), cache)
        self.url = f"{url.rstrip('/')}/comments:analyze"
        self.api_key = api_key

    def score_one(self, submission: Submission) -> Score | None:
        request: dict[str, Any] = {
            "comment": {"text": submission.text, "type": "PLAIN_TEXT"},
            "requestedAttributes": {name: {} for name in ATTRIBUTES},
            "doNotStore": True,
            "spanAnnotations": True,
        }
        if submission.language:
            request["languages"] = [submission.language]
        started = time.perf_counter()
        # The key goes in a header (Google APIs accept both), never in a URL that logs keep.
        response = self.http.post(
            self.url, json=request, headers={"X-Goog-Api-Key": self.api_key} if self.api_key else {}
        )
        body = self.http.json(response)
        found = body.get("attributeScores") if isinstance(body, dict) else None
        if not isinstance(found, dict):
            raise self.http.malformed("no attributeScores")
        attributes: dict[str, float] = {}
        spans: tuple[Span, ...] = ()
        for name, ours in ATTRIBUTES.items():
            entry = found.get(name)
            if entry is None:
                continue
            value = _value(entry.get("summaryScore") if isinstance(entry, dict) else None)
            if value is None:
                raise self.http.malformed(f"{name} without a summary score")
            attributes[ours] = value
            if ours == "toxicity":
                spans = _top_span(entry.get("spanScores"), len(submission.text))
        if not attributes:
            return None
        return Score(NAME, VERSION, attributes, spans, latency_ms=elapsed_ms(started))


def _value(summary: Any) -> float | None:
    value = summary.get("value") if isinstance(summary, dict) else None
    if isinstance(value, int | float) and 0 <= value <= 1:
        return float(value)
    return None


def _top_span(spans: Any, length: int) -> tuple[Span, ...]:
    if not isinstance(spans, list):
        return ()
    best: tuple[float, int, int] | None = None
    for span in spans:
        if not isinstance(span, dict):
            continue
        value = _value(span.get("score"))
        begin, end = span.get("begin"), span.get("end")
        if value is None or not isinstance(begin, int) or not isinstance(end, int):
            continue
        if 0 <= begin < end <= length and (best is None or value > best[0]):
            best = (value, begin, end)
    return () if best is None else (Span(best[1], best[2]),)
