"""Webhook bodies: reasons and Slack texts in the site's language, whatever the request's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from moderation.config import Settings
from moderation.db import db
from moderation.models import Comment
from moderation.models import WebhookFormat
from moderation.services import checks
from moderation.services import webhook_messages
from moderation.wording import SiteWording
from tests.backends import Backend
from tests.webhook_helpers import Rig
from tests.webhook_helpers import make_rig
from tests.webhook_receivers import receiving

LINKS = "Voyez https://un.example/a et https://deux.example/b pour comparer."


def held_payload(rig: Rig, *, own_endpoint: bool = True, **draft: Any) -> dict[str, Any]:
    """A comment held by the worker's rules (two links), and its ``comment.held`` payload."""
    if own_endpoint:
        rig.endpoint("http://127.0.0.1:9/hook")
    public_id = rig.comment(body=LINKS, **draft)
    comment_id = db.session.scalar(sa.select(Comment.id).where(Comment.public_id == public_id))
    checks.classify_and_decide(db.session, rig.deps, int(comment_id or 0))
    db.session.commit()
    delivery = rig.deliveries(event_type="comment.held")[0]
    return dict(delivery.payload)


def test_a_held_comment_reads_well_in_a_french_slack_channel(rig: Rig) -> None:
    payload = held_payload(rig)
    text = webhook_messages.slack_text(payload, SiteWording("fr"))
    lines = text.splitlines()
    assert lines[0] == "Commentaire retenu pour modération sur « Titre a1 », de Camille Dupont"
    assert lines[1].startswith("Motifs : 2 liens (limite 2)")
    assert lines[2] == "> " + LINKS
    link = payload["data"]["comment"]["workspace_url"]
    assert lines[3] == f"<{link}|Ouvrir dans l’espace de modération>"


def test_the_same_message_in_english(rig: Rig) -> None:
    text = webhook_messages.slack_text(held_payload(rig), SiteWording("en"))
    assert text.startswith("Comment held for review on “Titre a1”, by Camille Dupont\nReasons: ")
    assert "|Open in the moderation workspace>" in text


def test_what_readers_wrote_cannot_inject_slack_markup(rig: Rig) -> None:
    payload = held_payload(rig, author_name="<!channel> & <https://x.example|clic>")
    text = webhook_messages.slack_text(payload, SiteWording("fr"))
    assert "<!channel>" not in text
    assert "&lt;!channel&gt; &amp; &lt;https://x.example|clic&gt;" in text


def test_a_report_names_its_reason_and_count() -> None:
    payload = {
        "type": "comment.reported",
        "data": {
            "article": {"key": "a1", "url": "", "title": "Budget"},
            "comment": {"author_name": "Lou", "text": "Texte", "workspace_url": "http://s/x"},
            "report": {"reason": "abusive", "count": 3},
        },
    }
    lines = webhook_messages.slack_text(payload, _Words()).splitlines()
    assert lines[1] == "report_reason count=3 reason=report:abusive"


class _Words:
    """Records which text was asked for (the rendering is tested apart from the catalogs)."""

    def reasons(self, reasons: list[dict[str, Any]]) -> str:
        return ""

    def text(self, key: str, **params: object) -> str:
        return " ".join([key, *(f"{k}={v}" for k, v in sorted(params.items()))])

    def moment(self, value: Any) -> str:
        return value.isoformat()


def test_a_surge_message_says_until_when_in_the_site_language(rig: Rig) -> None:
    payload = {
        "type": "article.surge",
        "data": {
            "article": {"key": "a1", "url": "", "title": "Budget"},
            "surge": {"until": "2026-11-24T13:00:00+00:00"},
        },
    }
    text = webhook_messages.slack_text(payload, SiteWording("fr"))
    assert text.startswith("Afflux de commentaires sur « Budget » : chaque nouveau commentaire")
    assert "14:00" in text  # Europe/Paris


@pytest.fixture
def english_site(settings: Settings, backend: Backend) -> Iterator[Rig]:
    yield from make_rig(settings, backend, default_locale="en")


def test_a_worker_words_the_summary_in_the_site_language_not_the_request_one(
    english_site: Rig,
) -> None:
    rig = english_site
    with receiving() as receiver:
        rig.endpoint(receiver.url)
        held_payload(rig, own_endpoint=False)
        (delivery,) = rig.deliveries(event_type="comment.held")
        with force_locale("fr"):  # whatever language was around, the site's is used
            rig.deliver(delivery.id)  # and the endpoint's other due message after it
        bodies = [json.loads(r.body) for r in receiver.wait_for(2)]
    (held,) = [b for b in bodies if b["type"] == "comment.held"]
    summary = held["data"]["decision"]["summary"]
    assert summary.startswith("2 links (limit 2)")


def test_a_slack_endpoint_receives_only_the_text(rig: Rig) -> None:
    with receiving() as receiver:
        slack_id, _ = rig.endpoint(receiver.url, format=WebhookFormat.SLACK)
        held_payload(rig, own_endpoint=False)
        (delivery,) = rig.deliveries(event_type="comment.held", endpoint_id=slack_id)
        rig.deliver(delivery.id)
        (received,) = receiver.wait_for(1)
    body = json.loads(received.body)
    assert list(body) == ["text"]
    assert body["text"].startswith("Commentaire retenu pour modération")
