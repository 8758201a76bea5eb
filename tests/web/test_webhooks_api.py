"""The admin webhook API: admins only, secrets shown once, field errors in the reader's
language, delivery log with attempts, test messages and redelivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from moderation.db import db
from moderation.models import ModeratorRole
from moderation.services import moderators
from moderation.services.ports import SystemClock
from tests.helpers import add_article
from tests.helpers import moderator_token
from tests.helpers import post
from tests.webhook_receivers import Reply
from tests.webhook_receivers import receiving
from workers import webhooks as webhook_tasks

BASE = "/api/v1/admin/webhooks"


def admin_token(app: Flask) -> str:
    with app.app_context():
        now = SystemClock().now()
        admin = moderators.create_moderator(
            db.session, "chef@example.org", role=ModeratorRole.ADMIN, display_name="Chef", now=now
        )
        raw = moderators.create_token(db.session, admin, "tests", now)
        db.session.commit()
        return raw


@pytest.fixture
def admin(app_with: Callable[..., Flask]) -> tuple[Flask, FlaskClient, dict[str, str]]:
    app = app_with(webhook_allowed_networks=("127.0.0.1/32",))
    return app, app.test_client(), {"Authorization": f"Bearer {admin_token(app)}"}


def create(client: FlaskClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    response = client.post(f"{BASE}/endpoints", json=fields, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def deliver(app: Flask, delivery_id: int) -> None:
    with app.app_context():
        webhook_tasks.deliver_webhook(delivery_id)
        db.session.commit()


def test_only_an_admin_token_opens_the_webhook_api(admin: Any) -> None:
    app, client, headers = admin
    assert client.get(f"{BASE}/endpoints").status_code == 401
    moderator = {"Authorization": f"Bearer {moderator_token(app)}"}
    refused = client.get(f"{BASE}/endpoints", headers=moderator)
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    answer = client.get(f"{BASE}/endpoints", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"


def test_the_secret_is_shown_on_creation_and_never_listed(admin: Any) -> None:
    _, client, headers = admin
    created = create(
        client,
        headers,
        url="http://127.0.0.1:9/hook",
        description="CMS de la rédaction",
        event_types=["comment.held", "comment.reported"],
    )
    assert created["secret"].startswith("whsec_")
    endpoint = created["endpoint"]
    assert endpoint["event_types"] == ["comment.held", "comment.reported"]
    assert (endpoint["format"], endpoint["is_active"], endpoint["include_email"]) == (
        "standard",
        True,
        False,
    )
    for path in ("/endpoints", f"/endpoints/{endpoint['id']}"):
        text = client.get(BASE + path, headers=headers).get_data(as_text=True)
        assert "whsec_" not in text
        assert created["secret"] not in text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        (
            "fr",
            "Cette adresse mène à un réseau privé, local ou réservé : elle n’est pas autorisée.",
        ),
        ("en", "This address leads to a private, local or reserved network: it is not allowed."),
    ],
)
def test_a_private_address_is_refused_field_by_field_in_the_readers_language(
    admin: Any, language: str, message: str
) -> None:
    _, client, headers = admin
    response = client.post(
        f"{BASE}/endpoints",
        json={"url": "https://169.254.169.254/latest/meta-data/", "format": "fax"},
        headers={**headers, "Accept-Language": language},
    )
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert set(fields) == {"format"}  # the format is wrong first; the address is checked next
    response = client.post(
        f"{BASE}/endpoints",
        json={"url": "https://169.254.169.254/latest/meta-data/"},
        headers={**headers, "Accept-Language": language},
    )
    assert response.get_json()["fields"] == {"url": message}


def test_changing_an_endpoint_checks_it_again(admin: Any) -> None:
    _, client, headers = admin
    endpoint_id = create(client, headers, url="http://127.0.0.1:9/hook")["endpoint"]["id"]
    path = f"{BASE}/endpoints/{endpoint_id}"
    changed = client.patch(path, json={"event_types": [], "include_email": True}, headers=headers)
    assert changed.status_code == 200
    assert changed.get_json()["include_email"] is True
    refused = client.patch(path, json={"url": "http://[::1]/"}, headers=headers)
    assert refused.status_code == 422
    assert client.get(path, headers=headers).get_json()["url"] == "http://127.0.0.1:9/hook"


def test_rotation_answers_the_new_secret_and_the_end_of_the_grace_period(admin: Any) -> None:
    _, client, headers = admin
    created = create(client, headers, url="http://127.0.0.1:9/hook")
    path = f"{BASE}/endpoints/{created['endpoint']['id']}/secret"
    rotated = client.post(path, json={"grace_hours": 12}, headers=headers).get_json()
    assert rotated["secret"] != created["secret"]
    assert rotated["endpoint"]["previous_secret_valid_until"] is not None
    bad = client.post(path, json={"grace_hours": "long"}, headers=headers)
    assert bad.status_code == 422


def test_a_test_message_its_log_and_a_redelivery(admin: Any) -> None:
    app, client, headers = admin
    with receiving(Reply(500, body=b"boom"), Reply(200)) as receiver:
        endpoint_id = create(client, headers, url=receiver.url)["endpoint"]["id"]
        sent = client.post(f"{BASE}/endpoints/{endpoint_id}/test", headers=headers)
        assert sent.status_code == 202
        delivery_id = sent.get_json()["id"]
        deliver(app, delivery_id)
        log = client.get(f"{BASE}/endpoints/{endpoint_id}/deliveries", headers=headers).get_json()
        assert [d["id"] for d in log["deliveries"]] == [delivery_id]
        assert log["deliveries"][0]["status"] == "pending"
        detail = client.get(f"{BASE}/deliveries/{delivery_id}", headers=headers).get_json()
        assert detail["payload"]["type"] == "webhook.test"
        (attempt,) = detail["attempt_log"]
        assert (attempt["status_code"], attempt["error"], attempt["response_excerpt"]) == (
            500,
            "http_500",
            "boom",
        )
        again = client.post(f"{BASE}/deliveries/{delivery_id}/redeliver", headers=headers)
        assert again.status_code == 202
        deliver(app, delivery_id)
        receiver.wait_for(2)
    detail = client.get(f"{BASE}/deliveries/{delivery_id}", headers=headers).get_json()
    assert detail["status"] == "delivered"
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 200]


def test_redeliver_all_failed_since_a_date(admin: Any) -> None:
    app, client, headers = admin
    add_article(app)
    with receiving(Reply(400)) as receiver:
        endpoint_id = create(client, headers, url=receiver.url)["endpoint"]["id"]
        post(app.test_client())
        with app.app_context():
            from moderation.models import WebhookDelivery

            delivery = db.session.query(WebhookDelivery).one()
            delivery.failures = 9  # the last attempt of the schedule comes next
            db.session.commit()
            delivery_id = delivery.id
        deliver(app, delivery_id)
    path = f"{BASE}/endpoints/{endpoint_id}/redeliver"
    missing = client.post(path, json={}, headers=headers)
    assert missing.status_code == 422
    assert set(missing.get_json()["fields"]) == {"since"}
    done = client.post(path, json={"since": "2000-01-01"}, headers=headers)
    assert done.get_json() == {"redelivered": 1}
    none = client.post(path, json={"since": "2999-01-01"}, headers=headers)
    assert none.get_json() == {"redelivered": 0}


def test_a_deleted_endpoint_is_gone(admin: Any) -> None:
    _, client, headers = admin
    endpoint_id = create(client, headers, url="http://127.0.0.1:9/hook")["endpoint"]["id"]
    assert client.delete(f"{BASE}/endpoints/{endpoint_id}", headers=headers).status_code == 204
    missing = client.get(f"{BASE}/endpoints/{endpoint_id}", headers=headers)
    assert missing.status_code == 404
    assert missing.get_json()["type"].endswith("webhook-not-found")


def test_the_event_types_are_listed(admin: Any) -> None:
    _, client, headers = admin
    listed = client.get(f"{BASE}/event-types", headers=headers).get_json()
    assert "comment.created" in listed["event_types"]
    assert listed["slack"] == ["comment.held", "comment.reported", "article.surge"]
