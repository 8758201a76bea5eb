"""The README's receiver example, run as written against real deliveries."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from moderation.db import db
from moderation.services import webhook_delivery
from moderation.services import webhooks
from tests.webhook_helpers import Rig

README = Path(__file__).resolve().parent.parent / "README.md"


def receiver_example() -> str:
    section = README.read_text(encoding="utf-8").split("### Receiving webhooks", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert match is not None
    return match.group(1)


def test_the_readme_receiver_verifies_real_deliveries_and_ignores_retries(
    rig: Rig, capsys: pytest.CaptureFixture[str]
) -> None:
    code = receiver_example()
    assert 'Webhook("whsec_…")' in code
    endpoint_id, secret = rig.endpoint("http://127.0.0.1:9/hooks/comments")
    # The example with this test's secret; everything else runs exactly as printed.
    namespace: dict[str, object] = {"__name__": "__main__"}
    exec(compile(code.replace("whsec_…", secret), "README.md", "exec"), namespace)  # noqa: S102
    server = make_server("127.0.0.1", 0, namespace["app"])  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/hooks/comments"
        fields = webhooks.parse_fields({"url": url}, creating=False)
        webhooks.update_endpoint(db.session, rig.deps, endpoint_id, fields)
        db.session.commit()
        public_id = rig.comment()
        (delivery,) = rig.deliveries()
        assert rig.deliver(delivery.id) == "delivered"
        # The same message again: accepted, and not handled twice.
        webhook_delivery.redeliver(db.session, rig.deps, delivery.id)
        db.session.commit()
        assert rig.deliver(delivery.id) == "delivered"
        # Signed with a secret the receiver does not know: refused with 400.
        webhooks.rotate_secret(db.session, rig.deps, endpoint_id, dt.timedelta(0))
        webhook_delivery.redeliver(db.session, rig.deps, delivery.id)
        db.session.commit()
        assert rig.deliver(delivery.id) == "pending"
    finally:
        server.shutdown()
    log = webhook_delivery.attempts_of(db.session, delivery.id)
    assert [a.status_code for a in log] == [204, 204, 400]
    printed = capsys.readouterr().out.splitlines()
    link = f"{rig.deps.settings.site_url}/moderate/comments/{public_id}"
    assert printed == [f"comment.created {link}"]
