"""The bytes of a webhook message: Standard Webhooks JSON, or a Slack-compatible text.

A delivery keeps the event's snapshot (``services.webhooks.snapshot``); this module turns
it into the body sent, wording reasons and Slack texts in the site's language through a
:class:`Wording` (the workers pass ``moderation.wording.SiteWording``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from typing import Protocol

from moderation.models import WebhookFormat

#: How much of a comment a Slack message quotes.
SLACK_EXCERPT_CHARS = 300


class Wording(Protocol):
    """Words in the site's language."""

    def reasons(self, reasons: list[dict[str, Any]]) -> str: ...

    def text(self, key: str, **params: object) -> str: ...

    def moment(self, value: dt.datetime) -> str: ...


def render(payload: dict[str, Any], kind: WebhookFormat, wording: Wording) -> bytes:
    """The body to send for ``payload`` in the endpoint's format (compact UTF-8 JSON)."""
    if kind is WebhookFormat.SLACK:
        message: dict[str, Any] = {"text": slack_text(payload, wording)}
    else:
        message = standard(payload, wording)
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def standard(payload: dict[str, Any], wording: Wording) -> dict[str, Any]:
    """The snapshot with the decision's reasons summarised for people."""
    decision = payload["data"].get("decision")
    if decision is None:
        return payload
    data = {
        **payload["data"],
        "decision": {**decision, "summary": wording.reasons(decision["reasons"])},
    }
    return {**payload, "data": data}


def _escape(text: str) -> str:
    # Slack's message format gives &, < and > a meaning: escape them in what people wrote.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(payload: dict[str, Any], wording: Wording) -> str:
    """A few readable lines for a moderation channel, with a link to the item."""
    kind, data = payload["type"], payload["data"]
    article = data.get("article") or {}
    title = _escape(str(article.get("title") or article.get("key") or ""))
    comment = data.get("comment")
    if comment is None:
        if kind == "article.surge":
            until = dt.datetime.fromisoformat(str(data["surge"]["until"]))
            return wording.text(kind, title=title, until=wording.moment(until))
        return wording.text("webhook.test")
    lines = [wording.text(kind, title=title, author=_escape(str(comment["author_name"])))]
    decision = data.get("decision")
    summary = wording.reasons(decision["reasons"]) if decision else ""
    if summary:
        lines.append(wording.text("reasons", summary=_escape(summary)))
    report = data.get("report")
    if report:
        reason = wording.text(f"report:{report['reason']}")
        lines.append(wording.text("report_reason", reason=reason, count=report["count"]))
    text = " ".join(str(comment["text"]).split())
    if len(text) > SLACK_EXCERPT_CHARS:
        text = text[: SLACK_EXCERPT_CHARS - 1].rstrip() + "…"
    lines.append("> " + _escape(text))
    lines.append(f"<{comment['workspace_url']}|{wording.text('open_comment')}>")
    return "\n".join(lines)
