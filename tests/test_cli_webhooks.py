"""``moderation webhooks ...``: register, list, change, rotate, test, log and redeliver."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from moderation.cli_webhooks import webhooks_group
from moderation.db import db
from tests.webhook_receivers import Reply
from tests.webhook_receivers import receiving
from workers import webhooks as webhook_tasks


def test_the_webhook_commands_manage_an_endpoint_end_to_end(
    app_with: Callable[..., Flask],
) -> None:
    app = app_with(webhook_allowed_networks=("127.0.0.1/32",))
    runner = app.test_cli_runner()

    def run(*args: str) -> str:
        result = runner.invoke(webhooks_group, list(args))
        assert result.exit_code == 0, result.output
        return result.output

    with receiving(Reply(503), Reply(200)) as receiver:
        added = run("add", receiver.url, "--event", "comment.held", "--description", "Desk")
        endpoint_id = added.split()[1]
        assert "secret: whsec_" in added
        listed = run("list")
        assert f"{endpoint_id}\ton\tstandard\tcomment.held\t{receiver.url}" in listed
        assert "whsec_" not in listed
        assert "secret: whsec_" in run("rotate", endpoint_id, "--grace-hours", "1")
        queued = run("test", endpoint_id)
        delivery_id = queued.split()[1]
        with app.app_context():
            webhook_tasks.deliver_webhook(int(delivery_id))
            db.session.commit()
        assert "\twebhook.test\tpending\t1\t503" in run("deliveries", endpoint_id)
        assert "\t503\t" in run("attempts", delivery_id)
        assert "queued" in run("redeliver", delivery_id)
        with app.app_context():
            webhook_tasks.deliver_webhook(int(delivery_id))
            db.session.commit()
        assert "\twebhook.test\tdelivered\t2\t200" in run("deliveries", endpoint_id)
    assert "\toff (by an admin)\t" in run("update", endpoint_id, "--disable")
    assert "\ton\tstandard\tall\t" in run("update", endpoint_id, "--enable", "--all-events")
    assert "0 deliveries queued" in run(
        "redeliver", "--endpoint", endpoint_id, "--since", "2000-01-01"
    )
    assert "removed" in run("remove", endpoint_id)
    assert run("list") == ""


def test_a_refused_address_is_reported_by_field(app: Flask) -> None:
    result = app.test_cli_runner().invoke(webhooks_group, ["add", "http://127.0.0.1:8080/"])
    assert result.exit_code == 1
    assert "url: url_address" in result.output
    missing = app.test_cli_runner().invoke(webhooks_group, ["remove", "12345"])
    assert missing.exit_code == 1
    assert "not found" in missing.output
