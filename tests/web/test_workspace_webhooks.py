"""The webhook pages: admins register, change, rotate, turn off and on, delete and test
endpoints, read each one's delivery log and send deliveries again; moderators cannot;
every act that matters is audited, every answer from a receiver is shown as text."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from moderation.config import Settings
from moderation.db import db
from moderation.models import AuditEntry
from moderation.models import DeliveryStatus
from moderation.models import Moderator
from moderation.models import ModeratorRole
from moderation.models import WebhookDelivery
from moderation.models import WebhookEndpoint
from moderation.services import moderators
from moderation.services import webhooks
from moderation.web.workspace.webhooks import LOG_PAGE_SIZE
from tests.backends import Backend
from tests.conftest import FrozenClock
from tests.conftest import _clean
from tests.conftest import build_app
from tests.web.workspace import csrf_token
from tests.web.workspace import signed_in_client
from tests.webhook_helpers import LOOPBACK
from tests.webhook_helpers import Recording
from tests.webhook_receivers import Reply
from tests.webhook_receivers import receiving
from workers import webhooks as webhook_tasks

START = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
SECRET = re.compile(r'id="secret" readonly value="(whsec_[A-Za-z0-9+/=]+)"')
HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@dataclass
class Desk:
    app: Flask
    clock: FrozenClock
    publisher: Recording
    admin: FlaskClient

    def token(self, path: str = "/moderate/webhooks") -> str:
        return csrf_token(self.admin, path)

    def post(self, path: str, **data: Any) -> Any:
        return self.admin.post(path, data={"csrf_token": self.token(), **data})

    def create(self, url: str, **fields: Any) -> tuple[int, str]:
        response = self.post("/moderate/webhooks", url=url, **fields)
        assert response.status_code == 201, response.get_data(as_text=True)[:2000]
        found = SECRET.search(response.get_data(as_text=True))
        assert found, "no secret on the page"
        with self.app.app_context():
            endpoint_id = db.session.scalar(sa.select(sa.func.max(WebhookEndpoint.id)))
        assert endpoint_id is not None
        return endpoint_id, found.group(1)

    def endpoint(self, endpoint_id: int) -> WebhookEndpoint | None:
        with self.app.app_context():
            found = db.session.get(WebhookEndpoint, endpoint_id)
            if found is not None:
                db.session.expunge(found)
            return found

    def audit(self) -> list[tuple[str, int | None, dict[str, Any]]]:
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.action.like("webhook_%"))
                .order_by(AuditEntry.id)
            ).all()
            return [(r.action, r.moderator_id, dict(r.details)) for r in rows]

    def deliveries(self, endpoint_id: int) -> list[WebhookDelivery]:
        with self.app.app_context():
            rows = db.session.scalars(
                sa.select(WebhookDelivery)
                .where(WebhookDelivery.endpoint_id == endpoint_id)
                .order_by(WebhookDelivery.id)
            ).all()
            for row in rows:
                db.session.expunge(row)
            return list(rows)

    def deliver(self, delivery_id: int) -> str | None:
        with self.app.app_context():
            status = webhook_tasks.deliver_webhook(delivery_id)
            db.session.commit()
            return status

    def admin_id(self) -> int:
        with self.app.app_context():
            found = db.session.scalar(
                sa.select(Moderator.id).where(Moderator.email == "ada@example.org")
            )
            assert found is not None
            return found


@pytest.fixture
def desk(settings: Settings, backend: Backend) -> Iterator[Desk]:
    """An admin signed in to an app whose clock stands still; 127.0.0.1 may receive."""
    clock = FrozenClock(START)
    publisher = Recording()
    app = build_app(
        settings.replace(webhook_allowed_networks=LOOPBACK), clock=clock, publisher=publisher
    )
    yield Desk(app, clock, publisher, signed_in_client(app, "ada", ModeratorRole.ADMIN))
    _clean(app, backend)


def text(response: Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def test_registering_an_endpoint_shows_its_secret_once_and_audits_it(desk: Desk) -> None:
    endpoint_id, secret = desk.create(
        "http://127.0.0.1:9/hook",
        description="CMS de la rédaction",
        event_types=["comment.held", "comment.reported"],
    )
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert stored.secret == secret
    assert stored.event_types == ["comment.held", "comment.reported"]
    assert (stored.format.value, stored.is_active, stored.include_email) == (
        "standard",
        True,
        False,
    )
    assert stored.created_by == desk.admin_id()
    # Never again: neither the list nor the endpoint's own page shows it.
    for path in ("/moderate/webhooks", f"/moderate/webhooks/{endpoint_id}"):
        page = text(desk.admin.get(path))
        assert "CMS de la rédaction" in page
        assert secret not in page
    assert desk.audit() == [
        ("webhook_created", desk.admin_id(), {"endpoint_id": endpoint_id, "format": "standard"})
    ]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_refused_address_is_explained_next_to_its_field(desk: Desk, lang: str) -> None:
    desk.admin.get(f"/moderate/webhooks?lang={lang}")
    response = desk.post("/moderate/webhooks", url="http://169.254.169.254/latest/meta-data")
    assert response.status_code == 422
    expected = {
        "fr": "Cette adresse mène à un réseau privé, local ou réservé",
        "en": "This address leads to a private, local or reserved network",
    }[lang]
    page = text(response)
    assert expected in page
    assert 'id="url-error"' in page
    assert 'aria-invalid="true"' in page
    assert desk.audit() == []
    with desk.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_control_characters_in_a_description_are_refused(desk: Desk) -> None:
    desk.admin.get("/moderate/webhooks?lang=en")
    response = desk.post(
        "/moderate/webhooks", url="http://127.0.0.1:9/hook", description="CMS\x00\x1b[31m"
    )
    assert response.status_code == 422
    page = text(response)
    assert "This field contains characters that are not allowed." in page
    assert 'id="description-error"' in page
    with desk.app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(WebhookEndpoint.id))) == 0


def test_a_slack_endpoint_for_every_comment_event_is_refused(desk: Desk) -> None:
    desk.admin.get("/moderate/webhooks?lang=en")
    response = desk.post(
        "/moderate/webhooks",
        url="http://127.0.0.1:9/slack",
        format="slack",
        event_types=["comment.created"],
    )
    assert response.status_code == 422
    assert "A Slack endpoint can receive only held and reported comments" in text(response)


def test_including_emails_is_opt_in_with_a_warning_and_can_be_changed(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    page = text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}?lang=en"))
    assert "every comment message will then carry its author’s email address" in page
    checkbox = re.search(r'<input[^>]*id="include_email"[^>]*>', page)
    assert checkbox
    assert "checked" not in checkbox.group(0)  # off unless chosen
    response = desk.post(
        f"/moderate/webhooks/{endpoint_id}",
        url="http://127.0.0.1:9/other",
        description="Annuaire interne",
        include_email="y",
        event_types=["comment.created"],
    )
    assert response.status_code == 302
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert (stored.url, stored.description, stored.include_email, stored.event_types) == (
        "http://127.0.0.1:9/other",
        "Annuaire interne",
        True,
        ["comment.created"],
    )
    assert "with author emails" in text(desk.admin.get("/moderate/webhooks"))
    checkbox = re.search(
        r'<input[^>]*id="include_email"[^>]*>',
        text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}")),
    )
    assert checkbox
    assert "checked" in checkbox.group(0)
    # An edit that the SSRF guard refuses changes nothing.
    refused = desk.post(f"/moderate/webhooks/{endpoint_id}", url="http://10.1.2.3/hook")
    assert refused.status_code == 422
    assert desk.endpoint(endpoint_id).url == "http://127.0.0.1:9/other"  # type: ignore[union-attr]


def test_rotating_shows_the_new_secret_once_and_the_old_one_signs_during_the_grace(
    desk: Desk,
) -> None:
    endpoint_id, first = desk.create("http://127.0.0.1:9/hook")
    response = desk.post(f"/moderate/webhooks/{endpoint_id}/secret", grace_hours="6")
    assert response.status_code == 200
    found = SECRET.search(text(response))
    assert found
    assert found.group(1) != first
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert (stored.secret, stored.previous_secret) == (found.group(1), first)
    assert stored.previous_secret_expires_at == START + dt.timedelta(hours=6)
    page = text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}"))
    assert found.group(1) not in page
    assert first not in page
    assert [a for a, _, _ in desk.audit()] == ["webhook_created", "webhook_secret_rotated"]


def test_a_grace_period_beyond_a_week_is_refused(desk: Desk) -> None:
    endpoint_id, first = desk.create("http://127.0.0.1:9/hook")
    desk.admin.get("/moderate/webhooks?lang=en")
    response = desk.post(f"/moderate/webhooks/{endpoint_id}/secret", grace_hours="200")
    assert response.status_code == 422
    assert "Enter a number of hours from 0 to 168." in text(response)
    assert desk.endpoint(endpoint_id).secret == first  # type: ignore[union-attr]


def test_an_endpoint_the_service_turned_off_is_shown_with_its_reason_and_turned_on_again(
    desk: Desk,
) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    with desk.app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        endpoint.is_active = False
        endpoint.disabled_reason = "gone"
        endpoint.disabled_at = START
        db.session.commit()
    desk.admin.get("/moderate/?lang=en")
    page = text(desk.admin.get("/moderate/webhooks"))
    assert "The receiver answered 410 Gone" in page
    assert 'class="alarm"' in page
    assert 'id="disabled-endpoints"' in page
    # The queue tells admins, and only them.
    queue = text(desk.admin.get("/moderate/"))
    assert 'id="webhook-alert"' in queue
    assert "The receiver answered 410 Gone" in queue
    moderator = signed_in_client(desk.app, "mona", ModeratorRole.MODERATOR)
    assert 'id="webhook-alert"' not in text(moderator.get("/moderate/"))

    response = desk.post(f"/moderate/webhooks/{endpoint_id}/enable")
    assert response.status_code == 302
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert (stored.is_active, stored.disabled_reason, stored.disabled_at) == (True, None, None)
    assert 'id="webhook-alert"' not in text(desk.admin.get("/moderate/"))
    assert [a for a, _, _ in desk.audit()] == ["webhook_created", "webhook_enabled"]


def test_an_endpoint_failing_for_days_says_how_many(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    with desk.app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None
        endpoint.is_active, endpoint.disabled_reason = False, "failing"
        db.session.commit()
    page = text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}?lang=fr"))
    assert "Toutes les tentatives ont échoué pendant 5 jours" in page


def test_turning_an_endpoint_off_fails_what_waits_and_is_audited(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    desk.post(f"/moderate/webhooks/{endpoint_id}/test")
    response = desk.post(f"/moderate/webhooks/{endpoint_id}/disable")
    assert response.status_code == 302
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert (stored.is_active, stored.disabled_reason) == (False, None)
    page = text(desk.admin.get("/moderate/webhooks?lang=en"))
    assert "Turned off by an administrator." in page
    assert 'id="disabled-endpoints"' not in page  # not an alarm: someone chose it
    assert [a for a, _, _ in desk.audit()] == ["webhook_created", "webhook_disabled"]


def test_deleting_asks_for_a_confirmation_then_removes_the_log_too(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    desk.post(f"/moderate/webhooks/{endpoint_id}/test")
    unconfirmed = desk.post(f"/moderate/webhooks/{endpoint_id}/delete")
    assert unconfirmed.status_code == 422
    assert desk.endpoint(endpoint_id) is not None
    confirmed = desk.post(f"/moderate/webhooks/{endpoint_id}/delete", confirm="y")
    assert confirmed.status_code == 302
    assert desk.endpoint(endpoint_id) is None
    assert desk.deliveries(endpoint_id) == []
    assert desk.audit()[-1] == (
        "webhook_deleted",
        desk.admin_id(),
        {"endpoint_id": endpoint_id, "format": "standard"},
    )
    assert desk.admin.get(f"/moderate/webhooks/{endpoint_id}").status_code == 404


def test_a_test_event_is_delivered_and_its_attempt_shown_as_inert_text(desk: Desk) -> None:
    with receiving(Reply(500, HOSTILE.encode(), (("Content-Type", "text/html"),))) as receiver:
        endpoint_id, _ = desk.create(receiver.url, description=HOSTILE)
        response = desk.post(f"/moderate/webhooks/{endpoint_id}/test")
        assert response.status_code == 302
        assert response.headers["Location"].endswith(
            f"/moderate/webhooks/{endpoint_id}/deliveries?done=test"
        )
        [delivery] = desk.deliveries(endpoint_id)
        assert desk.publisher.deliveries() == [delivery.id]
        assert desk.deliver(delivery.id) == "pending"  # a 500: tried again later
        receiver.wait_for(1)
    page = text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}/deliveries?lang=en"))
    row = page[page.index(f'id="delivery-{delivery.id}"') :]
    assert "webhook.test" in row
    assert '<td class="status-code">500</td>' in row
    assert "The receiver answered HTTP 500" in row
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in row
    assert delivery.message_id in row
    for listing in (page, text(desk.admin.get("/moderate/webhooks"))):
        assert HOSTILE not in listing
        assert "<script>alert" not in listing
        assert "onerror=" not in listing.replace("onerror=&#34;", "")


def test_the_log_is_filtered_by_status(desk: Desk) -> None:
    with receiving(Reply(200, b"merci"), Reply(410, b"gone")) as receiver:
        endpoint_id, _ = desk.create(receiver.url)
        desk.post(f"/moderate/webhooks/{endpoint_id}/test")
        desk.post(f"/moderate/webhooks/{endpoint_id}/test")
        first, second = desk.deliveries(endpoint_id)
        # One worker task sends the endpoint's due deliveries in turn.
        desk.deliver(first.id)
        assert [d.status for d in desk.deliveries(endpoint_id)] == [
            DeliveryStatus.DELIVERED,
            DeliveryStatus.FAILED,
        ]
    log = f"/moderate/webhooks/{endpoint_id}/deliveries"
    failed = text(desk.admin.get(f"{log}?status=failed"))
    assert f'id="delivery-{second.id}"' in failed
    assert f'id="delivery-{first.id}"' not in failed
    delivered = text(desk.admin.get(f"{log}?status=delivered"))
    assert f'id="delivery-{first.id}"' in delivered
    assert f'id="delivery-{second.id}"' not in delivered
    everything = text(desk.admin.get(log))
    assert f'id="delivery-{first.id}"' in everything
    assert f'id="delivery-{second.id}"' in everything
    # The 410 turned the endpoint off: the log says so, with the way back.
    assert "410 Gone" in everything
    assert f'action="/moderate/webhooks/{endpoint_id}/enable"' in everything


def test_one_delivery_or_every_failed_one_since_a_date_is_sent_again(desk: Desk) -> None:
    with receiving(Reply(400, b"non")) as receiver:
        endpoint_id, _ = desk.create(receiver.url)
        for _ in range(3):
            desk.post(f"/moderate/webhooks/{endpoint_id}/test")
        old, middle, recent = desk.deliveries(endpoint_id)
        with desk.app.app_context():
            for day, delivery in enumerate((old, middle, recent)):
                db.session.execute(
                    sa.update(WebhookDelivery)
                    .where(WebhookDelivery.id == delivery.id)
                    .values(
                        status=DeliveryStatus.FAILED,
                        next_attempt_at=None,
                        finished_at=START,
                        created_at=START + dt.timedelta(days=day),
                    )
                )
            db.session.commit()
        desk.publisher.sent.clear()
        one = desk.post(f"/moderate/webhooks/deliveries/{old.id}/redeliver")
        assert one.status_code == 302
        assert [d.status for d in desk.deliveries(endpoint_id)] == [
            DeliveryStatus.PENDING,
            DeliveryStatus.FAILED,
            DeliveryStatus.FAILED,
        ]
        assert desk.publisher.deliveries() == [old.id]
        # Created on the 21st and 22nd (Paris time): the first one is older.
        since = (START + dt.timedelta(days=1)).date().isoformat()
        response = desk.post(f"/moderate/webhooks/{endpoint_id}/redeliver", since=since)
        assert response.status_code == 302
        assert "count=2" in response.headers["Location"]
        assert sorted(desk.publisher.deliveries()) == sorted([old.id, middle.id, recent.id])
        assert {d.status for d in desk.deliveries(endpoint_id)} == {DeliveryStatus.PENDING}
        assert desk.deliver(recent.id) == "pending"
        assert receiver.wait_for(1)[0].headers["webhook-id"] == recent.message_id
    page = text(desk.admin.get(response.headers["Location"] + "&lang=en"))
    assert "2 deliveries will be sent again." in page


def test_sending_again_without_a_date_says_so(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    desk.admin.get("/moderate/webhooks?lang=en")
    response = desk.post(f"/moderate/webhooks/{endpoint_id}/redeliver", since="")
    assert response.status_code == 422
    assert "This field is required." in text(response)


def test_moderators_see_no_webhook_page_nor_action(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    moderator = signed_in_client(desk.app, "mona", ModeratorRole.MODERATOR)
    token = csrf_token(moderator, "/moderate/account")
    assert "/moderate/webhooks" not in text(moderator.get("/moderate/"))
    for path in ("/moderate/webhooks", f"/moderate/webhooks/{endpoint_id}/deliveries"):
        assert moderator.get(path).status_code == 403
    for path, data in (
        ("/moderate/webhooks", {"url": "http://127.0.0.1:9/x"}),
        (f"/moderate/webhooks/{endpoint_id}/secret", {"grace_hours": "0"}),
        (f"/moderate/webhooks/{endpoint_id}/delete", {"confirm": "y"}),
        (f"/moderate/webhooks/{endpoint_id}/disable", {}),
        (f"/moderate/webhooks/{endpoint_id}/test", {}),
    ):
        assert moderator.post(path, data={"csrf_token": token, **data}).status_code == 403
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert stored.is_active
    assert desk.deliveries(endpoint_id) == []
    assert [a for a, _, _ in desk.audit()] == ["webhook_created"]
    assert "/moderate/webhooks" in text(desk.admin.get("/moderate/"))


def test_no_webhook_action_without_the_csrf_token(desk: Desk) -> None:
    endpoint_id, secret = desk.create("http://127.0.0.1:9/hook")
    for path, data in (
        ("/moderate/webhooks", {"url": "http://127.0.0.1:9/x"}),
        (f"/moderate/webhooks/{endpoint_id}/secret", {"grace_hours": "0"}),
        (f"/moderate/webhooks/{endpoint_id}/delete", {"confirm": "y"}),
        (f"/moderate/webhooks/{endpoint_id}/test", {}),
    ):
        assert desk.admin.post(path, data=data).status_code == 400
        forged = desk.admin.post(path, data={"csrf_token": "forged", **data})
        assert forged.status_code == 400
    stored = desk.endpoint(endpoint_id)
    assert stored is not None
    assert stored.secret == secret
    assert desk.deliveries(endpoint_id) == []
    assert len(desk.audit()) == 1


def test_the_log_pages_back_through_older_deliveries(desk: Desk) -> None:
    endpoint_id, _ = desk.create("http://127.0.0.1:9/hook")
    with desk.app.app_context():
        deps = desk.app.extensions["moderation.deps"]
        for _ in range(LOG_PAGE_SIZE + 2):
            webhooks.send_test(db.session, deps, endpoint_id)
        db.session.commit()
    ids = [d.id for d in desk.deliveries(endpoint_id)]
    first = text(desk.admin.get(f"/moderate/webhooks/{endpoint_id}/deliveries"))
    assert first.count('class="delivery ') == LOG_PAGE_SIZE
    assert f'id="delivery-{ids[-1]}"' in first
    older = re.search(r'id="older" href="([^"]+)"', first)
    assert older
    second = text(desk.admin.get(older.group(1).replace("&amp;", "&")))
    shown = re.findall(r'id="delivery-(\d+)"', second)
    assert [int(i) for i in shown] == [ids[1], ids[0]]
    assert 'id="older"' not in second


def test_the_admin_api_audits_what_the_pages_audit(desk: Desk) -> None:
    with desk.app.app_context():
        admin = db.session.get(Moderator, desk.admin_id())
        assert admin is not None
        token = moderators.create_token(db.session, admin, "tests", START)
        db.session.commit()
    api = desk.app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    base = "/api/v1/admin/webhooks/endpoints"
    created = api.post(base, json={"url": "http://127.0.0.1:9/hook"}, headers=headers)
    assert created.status_code == 201
    endpoint_id = created.get_json()["endpoint"]["id"]
    assert api.post(f"{base}/{endpoint_id}/secret", json={}, headers=headers).status_code == 200
    off = api.patch(f"{base}/{endpoint_id}", json={"is_active": False}, headers=headers)
    assert off.status_code == 200
    on = api.patch(f"{base}/{endpoint_id}", json={"is_active": True}, headers=headers)
    assert on.status_code == 200
    assert api.delete(f"{base}/{endpoint_id}", headers=headers).status_code == 204
    assert [(a, who) for a, who, _ in desk.audit()] == [
        ("webhook_created", desk.admin_id()),
        ("webhook_secret_rotated", desk.admin_id()),
        ("webhook_disabled", desk.admin_id()),
        ("webhook_enabled", desk.admin_id()),
        ("webhook_deleted", desk.admin_id()),
    ]
