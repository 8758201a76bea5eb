"""Akismet, through the ``akismet`` package: comment-check as a spam score, and feedback.

The commenter's original context goes with each call (address as the privacy settings kept
it, browser, referrer, permalink, language), never the moderator's. Akismet answers yes or
no: "spam" becomes a ``spam`` score of 0.8 (held for a person at the default thresholds:
Akismet errs on news comments), "ham" 0.0. ``X-akismet-pro-tip: discard`` (blatant spam)
scores 1.0, marked spam without review, when the site allows it (``AKISMET_DISCARD``);
the score's version then says ``discard``.

Every request goes through :class:`~moderation.integrations.backend_http.PolicyTransport`
(timeouts, retries, breaker, ``Retry-After``), which also points the package at
``MODERATION_AKISMET_URL`` when it is not Akismet's own address.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import akismet
import httpx

from moderation.errors import PermanentError
from moderation.errors import TransientError
from moderation.integrations.backend_http import PolicyTransport
from moderation.integrations.backend_http import RemoteClassifier
from moderation.integrations.backend_http import ResilientHttp
from moderation.integrations.backend_http import ResultCache
from moderation.integrations.backend_http import elapsed_ms
from moderation.integrations.backend_http import policy_client
from moderation.pipeline.types import Score
from moderation.pipeline.types import Submission

T = TypeVar("T")

NAME = "akismet"
#: The version recorded with Akismet's scores: its API version (the model is theirs).
VERSION = "1.1"
DISCARD_VERSION = "1.1-discard"
#: Akismet's plain "spam" answer, as a score: above the default hold threshold only.
PROBABLE_SPAM = 0.8


class AkismetClassifier(RemoteClassifier):
    """``comment-check`` as the ``spam`` attribute (1.0 spam, 0.0 ham)."""

    name = NAME

    def __init__(
        self,
        key: str,
        site_url: str,
        transport: PolicyTransport,
        *,
        discard_allowed: bool = False,
        honeypot_field: str | None = None,
        cache: ResultCache | None = None,
    ) -> None:
        super().__init__(ResilientHttp(transport), cache)
        self.discard_allowed = discard_allowed
        self.honeypot_field = honeypot_field
        self.client = akismet.SyncClient(
            config=akismet.Config(key=key, url=site_url), http_client=policy_client(transport)
        )

    def score_one(self, submission: Submission) -> Score | None:
        if not submission.ip:
            # The address is Akismet's one required field: without it (privacy settings
            # keep none) it has no opinion to give.
            return None
        started = time.perf_counter()
        verdict = self._call(
            lambda: self.client.comment_check(submission.ip or "", **self._arguments(submission))
        )
        discard = verdict is akismet.CheckResponse.DISCARD and self.discard_allowed
        value = 1.0 if discard else (PROBABLE_SPAM if verdict else 0.0)
        return Score(
            NAME,
            DISCARD_VERSION if discard else VERSION,
            {"spam": value},
            latency_ms=elapsed_ms(started),
        )

    def report(self, submission: Submission, *, author_email: str, is_spam: bool) -> None:
        """Report a moderator's decision back (submit-spam or submit-ham)."""
        if not submission.ip:
            return
        arguments = self._arguments(submission)
        arguments["comment_author_email"] = author_email
        ip = submission.ip
        if is_spam:
            self._call(lambda: self.client.submit_spam(ip, **arguments))
        else:
            self._call(lambda: self.client.submit_ham(ip, **arguments))

    def _call(self, operation: Callable[[], T]) -> T:
        try:
            return operation()
        except akismet.APIKeyError:
            raise PermanentError("akismet: the key or site URL is refused") from None
        except akismet.ProtocolError:
            raise self.http.malformed("unexpected answer") from None
        except akismet.RequestError as error:
            cause = error.__cause__
            if isinstance(cause, TransientError):
                raise cause from None
            if isinstance(cause, httpx.HTTPStatusError):
                raise PermanentError(f"akismet: HTTP {cause.response.status_code}") from None
            raise TransientError("akismet: request failed") from None

    def _arguments(self, submission: Submission) -> akismet.AkismetArguments:
        found = _arguments(submission)
        if self.honeypot_field:
            found["honeypot_field_name"] = self.honeypot_field
        return found


def _arguments(submission: Submission) -> akismet.AkismetArguments:
    found: akismet.AkismetArguments = {
        "comment_type": "comment",
        "comment_content": submission.text,
        "comment_author": submission.author_name,
    }
    if submission.website:
        found["comment_author_url"] = submission.website
    if submission.user_agent:
        found["user_agent"] = submission.user_agent
    if submission.referrer:
        found["referrer"] = submission.referrer
    if submission.permalink:
        found["permalink"] = submission.permalink
    if submission.language:
        found["blog_lang"] = submission.language
    return found
