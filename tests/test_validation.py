"""Parsing a submission: normalisation and one error per invalid field."""

from __future__ import annotations

import pytest

from moderation.errors import ValidationFailed
from moderation.validation import Limits
from moderation.validation import parse_submission


def codes(data: dict[str, object], limits: Limits | None = None) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_submission(data, limits or Limits())
    return {e.field: e.code for e in caught.value.errors}


def test_valid_submission_is_normalised() -> None:
    draft = parse_submission(
        {
            "author_name": "  Zoé  ",
            "email": "Zoe@EXEMPLE.fr",
            "body": "Bonjour\r\nà tous ",
            "website": "exemple.fr/blog",
            "parent_id": 12,
        },
        Limits(),
    )
    assert draft.author_name == "Zoé"
    assert draft.email == "Zoe@exemple.fr"
    assert draft.body == "Bonjour\nà tous"
    assert draft.website == "https://exemple.fr/blog"
    assert draft.parent_id == "12"
    assert draft.honeypot_filled is False


def test_all_errors_are_reported_together() -> None:
    assert codes({}) == {"author_name": "required", "email": "required", "body": "required"}


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "ftp://exemple.fr",
        "https://user:pw@exemple.fr",
        "http://localhost",
        "https://exemple .fr",
        "data:text/html,x",
        "https://exemple.fr:99999",
        "//exemple.fr",
    ],
)
def test_websites_must_be_plain_http_addresses(website: str) -> None:
    result = codes({"author_name": "A", "email": "a@exemple.fr", "body": "x", "website": website})
    assert result == {"website": "invalid_url"}


def test_lengths_follow_the_limits() -> None:
    limits = Limits(name_max=5, body_min=3, body_max=10)
    result = codes({"author_name": "Abcdefg", "email": "a@b.fr", "body": "ab"}, limits)
    assert result == {"author_name": "too_long", "body": "too_short"}
    assert codes({"author_name": "A", "email": "a@b.fr", "body": "x" * 11}, limits) == {
        "body": "too_long"
    }


@pytest.mark.parametrize("email", ["plain", "a@", "@b.fr", "a b@c.fr", "a@b", "x" * 250 + "@b.fr"])
def test_invalid_emails_are_refused(email: str) -> None:
    assert codes({"author_name": "A", "email": email, "body": "x"})["email"] in (
        "invalid_email",
        "too_long",
    )


def test_honeypot_is_detected() -> None:
    draft = parse_submission(
        {"author_name": "A", "email": "a@b.fr", "body": "x", "company": "Spam Inc"}, Limits()
    )
    assert draft.honeypot_filled is True
