"""Signatures made with the standardwebhooks package verify with it, and only unaltered."""

from __future__ import annotations

import datetime as dt

import pytest
from standardwebhooks.webhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from moderation.integrations.webhook_signing import signature_headers
from moderation.services.webhooks import new_secret

BODY = '{"type":"comment.held","data":{"comment":{"text":"Écrit à Besançon"}}}'.encode()


def now() -> dt.datetime:
    # Verification compares the timestamp with the wall clock, as a receiver would.
    return dt.datetime.now(dt.UTC)


def test_a_signed_message_verifies_with_the_package() -> None:
    secret = new_secret()
    headers = signature_headers("msg_abc", now(), BODY, [secret])
    assert Webhook(secret).verify(BODY, headers)["type"] == "comment.held"
    assert headers["webhook-signature"].startswith("v1,")


def _flip(text: str, index: int) -> str:
    replacement = "1" if text[index] != "1" else "2"
    return text[:index] + replacement + text[index + 1 :]


@pytest.mark.parametrize("part", ["webhook-id", "webhook-timestamp", "body"])
def test_flipping_any_byte_of_id_timestamp_or_body_fails_verification(part: str) -> None:
    secret = new_secret()
    headers = signature_headers("msg_2Rk7sYc0Pq", now(), BODY, [secret])
    original = BODY.decode() if part == "body" else headers[part]
    for index in range(len(original)):
        changed = _flip(original, index)
        body = changed.encode() if part == "body" else BODY
        altered = headers if part == "body" else {**headers, part: changed}
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(body, altered)


def test_a_timestamp_more_than_five_minutes_old_fails_verification() -> None:
    secret = new_secret()
    recent = signature_headers("msg_x", now() - dt.timedelta(minutes=4), BODY, [secret])
    Webhook(secret).verify(BODY, recent)
    stale = signature_headers("msg_x", now() - dt.timedelta(minutes=5, seconds=5), BODY, [secret])
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, stale)


def test_during_a_rotation_both_secrets_verify_and_a_third_does_not() -> None:
    old, new = new_secret(), new_secret()
    headers = signature_headers("msg_rot", now(), BODY, [new, old])
    assert len(headers["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, headers)
    Webhook(new).verify(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_secrets_have_the_specification_form() -> None:
    import base64

    secret = new_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert new_secret() != secret
