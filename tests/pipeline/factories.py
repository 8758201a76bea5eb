"""Plain builders for the pipeline tests: submissions and rows of the shared data."""

from __future__ import annotations

import csv

from moderation.pipeline import Submission
from tests.conftest import shared_data


def sub(text: str = "Bonjour", **fields: object) -> Submission:
    """A submission with sensible defaults; ``fields`` override any of them."""
    values: dict[str, object] = {
        "text": text,
        "html": f"<p>{text}</p>",
        "author_name": "A",
        "email_hash": "h",
        "article_key": "a1",
        # A genuine form token shown two minutes earlier, as for a person.
        "elapsed_seconds": 120.0,
    }
    values.update(fields)
    return Submission(**values)  # type: ignore[arg-type]


def rows(dataset: str, name: str = "train.csv") -> list[dict[str, str]]:
    """The rows of a shared CSV (``text,label,lang``); fails loudly in CI if missing."""
    with shared_data(dataset, name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def texts(dataset: str, label: int | None = None) -> list[str]:
    """The texts of a shared CSV, optionally those with one label."""
    return [r["text"] for r in rows(dataset) if label is None or int(r["label"]) == label]
