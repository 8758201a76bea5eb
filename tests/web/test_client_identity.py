"""Who a client is, for limits and reports: IPv4 /32 or IPv6 /64, no User-Agent, no address kept.

Also: address block rules that the privacy setting would make useless are refused.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.cli import block_add
from moderation.config import IpStorage
from moderation.db import db
from moderation.errors import ValidationFailed
from moderation.models import BlockRule
from moderation.models import CommentStatus
from moderation.models import Report
from moderation.services import wordlists
from moderation.services.ports import SystemClock
from moderation.services.privacy import client_key
from moderation.services.privacy import reporter_hash
from tests.helpers import URL
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_status
from tests.helpers import valid

V6 = "2001:db8:aaaa:bbbb::"


def test_client_key_is_the_ipv4_address_or_the_ipv6_slash_64() -> None:
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key(V6 + "1") == client_key(V6 + "ffff:1234") == "2001:db8:aaaa:bbbb::/64"
    assert client_key("2001:db8:aaaa:bbbc::1") != client_key(V6 + "1")
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7"
    assert client_key(None) == client_key("nonsense") == "unknown"


def test_reporter_hash_ignores_the_user_agent_and_the_host_part_of_a_slash_64() -> None:
    assert reporter_hash("s", V6 + "1") == reporter_hash("s", V6 + "2")
    assert reporter_hash("s", "203.0.113.7") != reporter_hash("s", "203.0.113.8")


def _approved(app: Flask) -> str:
    client = app.test_client()
    public_id = post(client)
    set_status(app, public_id, CommentStatus.APPROVED)
    return public_id


def test_changing_user_agent_or_ipv6_address_does_not_report_twice(app: Flask) -> None:
    add_article(app)
    public_id = _approved(app)
    client = app.test_client()
    url = f"/api/v1/comments/{public_id}/reports"
    for agent, address in [
        ("Firefox", V6 + "1"),
        ("Chrome", V6 + "1"),
        ("curl/8", V6 + "9:9:9"),
    ]:
        response = client.post(
            url,
            json={"reason": "spam"},
            headers={"User-Agent": agent},
            environ_base={"REMOTE_ADDR": address},
        )
        assert response.status_code == 202
    other = client.post(
        url, json={"reason": "spam"}, environ_base={"REMOTE_ADDR": "2001:db8:aaaa:cccc::1"}
    )
    assert other.status_code == 202
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Report.id))) == 2


def _stored_keys(app: Flask) -> list[str]:
    storage = app.extensions["moderation.ratelimiter"]._limiter.storage  # noqa: SLF001
    inner = storage.storage
    if isinstance(inner, dict):
        return [str(k) for k in inner]
    return [k.decode() for k in inner.keys("*")]


@pytest.mark.parametrize("mode", list(IpStorage))
def test_rotating_within_a_slash_64_is_still_limited_and_no_address_is_stored(
    app_with, mode: IpStorage
) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_with(rate_limit="2 per minute", ip_storage=mode)
    add_article(app)
    client = app.test_client()
    codes = [
        client.post(
            URL.format(key="a1"),
            json=valid(body=f"Message numéro {i}"),
            environ_base={"REMOTE_ADDR": f"{V6}{i + 1:x}"},
        ).status_code
        for i in range(3)
    ]
    assert codes == [202, 202, 429]
    keys = _stored_keys(app)
    assert keys
    for key in keys:
        assert "2001" not in key, key
        assert "db8" not in key, key


def test_ipv4_neighbours_have_their_own_limits(app_with) -> None:  # type: ignore[no-untyped-def]
    app: Flask = app_with(rate_limit="1 per minute")
    add_article(app)
    client = app.test_client()
    first = client.post(
        URL.format(key="a1"), json=valid(), environ_base={"REMOTE_ADDR": "203.0.113.7"}
    )
    neighbour = client.post(
        URL.format(key="a1"),
        json=valid(body="Autre texte"),
        environ_base={"REMOTE_ADDR": "203.0.113.8"},
    )
    assert (first.status_code, neighbour.status_code) == (202, 202)
    for key in _stored_keys(app):
        assert "203.0.113" not in key


def _add(app: Flask, kind: str, value: str, mode: IpStorage) -> None:
    with app.app_context():
        wordlists.add_block(
            db.session(),
            kind,
            value,
            action="spam",
            expires_at=None,
            note="",
            actor="test",
            now=SystemClock().now(),
            ip_storage=mode,
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("mode", "kind", "value", "code"),
    [
        (IpStorage.TRUNCATED, "ip", "203.0.113.7", "ip_rule_truncated"),
        (IpStorage.TRUNCATED, "cidr", "203.0.113.0/28", "ip_rule_truncated"),
        (IpStorage.TRUNCATED, "cidr", "2001:db8:1:2::/64", "ip_rule_truncated"),
        (IpStorage.NONE, "cidr", "203.0.113.0/24", "ip_rule_not_kept"),
        (IpStorage.NONE, "ip", "203.0.113.7", "ip_rule_not_kept"),
    ],
)
def test_address_rules_that_could_never_match_are_refused(
    app: Flask, mode: IpStorage, kind: str, value: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _add(app, kind, value, mode)
    assert [e.code for e in refused.value.errors] == [code]


@pytest.mark.parametrize(
    ("mode", "kind", "value"),
    [
        (IpStorage.TRUNCATED, "cidr", "203.0.113.0/24"),
        (IpStorage.TRUNCATED, "cidr", "2001:db8:1::/48"),
        (IpStorage.FULL, "ip", "203.0.113.7"),
        (IpStorage.FULL, "cidr", "203.0.113.0/28"),
    ],
)
def test_address_rules_that_can_match_are_kept(
    app: Flask, mode: IpStorage, kind: str, value: str
) -> None:
    _add(app, kind, value, mode)
    with app.app_context():
        assert db.session.scalar(sa.select(BlockRule.value)) == value


def test_cli_explains_why_an_exact_address_is_refused(app: Flask) -> None:
    result = app.test_cli_runner().invoke(block_add, ["ip", "203.0.113.7"])
    assert result.exit_code != 0
    assert "only each address's /24 network is kept" in result.output
    assert "cidr" in result.output


def test_refusal_is_worded_for_the_moderator(app: Flask) -> None:
    from moderation.web.i18n import field_message

    with app.test_request_context(headers={"Accept-Language": "fr"}):
        assert field_message("ip_rule_truncated", {"prefix": 24}) == (
            "Seul le réseau /24 de chaque adresse est conservé : bloquez plutôt le réseau."
        )
