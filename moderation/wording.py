"""The words for the domain's codes, shared by the web pages and the workers.

Reasons (``banned_word`` ...) and webhook notifications are worded here, through
Flask-Babel, so that both catalogs (fr, en) translate them. The pages word them in the
reader's language (``moderation.web.i18n`` re-exports the table); the workers, which have
no request, word them in the site's language through :class:`SiteWording`, which forces
``MODERATION_DEFAULT_LOCALE`` inside their app context.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import LazyString
from flask_babel import force_locale
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

REASON_MESSAGES: dict[str, LazyString] = {
    "honeypot_filled": _l("Hidden field filled in (automated submission)"),
    "blocked_email": _l("Email address on the block list (%(action)s, entry %(entry_id)s)"),
    "blocked_email_domain": _l("Email domain %(domain)s is blocked"),
    "blocked_ip": _l("IP address on the block list (%(action)s, entry %(entry_id)s)"),
    "blocked_network": _l("Network on the block list (%(action)s, entry %(entry_id)s)"),
    "allow_listed": _l("Author on the allow list (entry %(entry_id)s): soft checks skipped"),
    "disposable_email": _l("Throwaway email address (%(domain)s)"),
    "blocked_link_domain": _l("Link to a blocked domain: %(domain)s"),
    "blocked_website_domain": _l("Website on a blocked domain: %(domain)s"),
    "too_many_links": _l("%(count)s links (limit %(limit)s)"),
    "banned_word": _l("Banned word “%(word)s”"),
    "held_word": _l("Word to review “%(word)s”"),
    "flagged_word": _l("Flagged word “%(word)s”"),
    "campaign": _l(
        "Part of a campaign: %(similar)s similar comments on %(articles)s articles "
        "by %(authors)s authors"
    ),
    "premoderation_all": _l("Premoderation: every comment is reviewed"),
    "premoderation_links": _l("Premoderation: comments with links are reviewed"),
    "premoderation_first_time": _l("Premoderation: first comment from this author"),
    "surge": _l("Surge of comments on this article: every comment is reviewed"),
    "flood_author": _l("%(count)s recent comments from this author (limit %(limit)s)"),
    "flood_ip": _l("%(count)s recent comments from this address (limit %(limit)s)"),
    "trusted_author": _l("Trusted author (%(approved)s approved comments): soft checks skipped"),
    "poor_reputation": _l("%(rejected)s of %(total)s recent comments refused (%(rate)s%%)"),
    "typed_too_fast": _l("Sent %(seconds)s s after the form opened (at least %(minimum)s s)"),
    "no_form_token": _l("Sent without a usable form token (missing, expired, reused or forged)"),
    "newsroom_name": _l("Author name poses as the newsroom (“%(name)s”)"),
    "duplicate_comment": _l("Same text already posted by this author on this article"),
    "shouting": _l("Written in capitals (%(percent)s%% of letters)"),
    "gibberish_repeats": _l("Mostly repeated characters (%(percent)s%%)"),
    "gibberish_no_vowels": _l("Word without vowels “%(word)s”"),
    "gibberish_low_entropy": _l("Letters too repetitive to be text (entropy %(entropy)s)"),
    "language_not_accepted": _l("Written in %(language)s; accepted: %(accepted)s"),
    "score_above_hold": _l("%(label)s %(value)s (model %(version)s), above %(threshold)s: held"),
    "score_above_reject": _l(
        "%(label)s %(value)s (model %(version)s), above %(threshold)s: refused"
    ),
    "classifier_unavailable": _l("%(backend)s did not answer: decided without it"),
    "classifier_required_unavailable": _l(
        "Check failed: %(backend)s did not answer and is required: held for a person"
    ),
    "check_failed": _l("Automatic check failed %(attempts)s times"),
    "moderator_action": _l("Moderator decision"),
    "undo": _l("Moderator undid their previous decision"),
}


#: What classifiers score, as moderators name it (« toxicité 0,93 »).
ATTRIBUTE_NAMES: dict[str, LazyString] = {
    "spam": _l("spam"),
    "toxicity": _l("toxicity"),
    "severe_toxicity": _l("severe toxicity"),
    "insult": _l("insult"),
    "threat": _l("threat"),
    "identity_attack": _l("identity attack"),
    "sexual": _l("sexual content"),
}

#: Outside backends, as moderators name them (the built-in models keep their own name).
BACKEND_NAMES: dict[str, LazyString] = {
    "builtin": _l("built-in model"),
    "akismet": _l("Akismet"),
    "openai": _l("moderation service"),
    "perspective": _l("Perspective"),
}

_SCORE_CODES = frozenset({"score_above_hold", "score_above_reject"})


def reason_text(code: str, params: object) -> str | None:
    """One reason in the current language (``None`` for a code with no wording).

    Score reasons name the attribute in the reader's words and write numbers the local
    way (0,93 in French), with the model version that gave the score.
    """
    template = REASON_MESSAGES.get(code)
    if template is None:
        return None
    values = dict(params) if isinstance(params, dict) else {}
    if code in _SCORE_CODES:
        label = str(values.get("label", ""))
        values["label"] = str(ATTRIBUTE_NAMES.get(label, label))
        for name in ("value", "threshold"):
            values[name] = _decimal(values.get(name))
    if "backend" in values:
        backend = str(values["backend"])
        values["backend"] = str(BACKEND_NAMES.get(backend, backend))
    try:
        return str(template) % values
    except (KeyError, TypeError, ValueError):
        return str(template)


def _decimal(value: object) -> str:
    try:
        number = float(str(value))
    except ValueError:
        return str(value)
    return str(format_decimal(number, format="0.00"))


def reason_summary(reasons: list[dict[str, object]]) -> str:
    """One line for moderators, in their language: « Mot interdit « x » ; 3 liens »."""
    parts = []
    for reason in reasons:
        text = reason_text(str(reason.get("code", "")), reason.get("params") or {})
        if text is not None:
            parts.append(text)
    return " ; ".join(parts)


#: Texts of the Slack-compatible webhook messages (``%(...)s`` filled by the caller).
WEBHOOK_TEXTS: dict[str, LazyString] = {
    "comment.held": _l("Comment held for review on “%(title)s”, by %(author)s"),
    "comment.reported": _l("Comment reported by a reader on “%(title)s”, by %(author)s"),
    "article.surge": _l(
        "Surge of comments on “%(title)s”: every new comment is premoderated until %(until)s"
    ),
    "webhook.test": _l(
        "Test message from the comment moderation service: this endpoint is set up correctly."
    ),
    "reasons": _l("Reasons: %(summary)s"),
    "report_reason": _l("Report: %(reason)s (%(count)s so far)"),
    "open_comment": _l("Open in the moderation workspace"),
}

#: Readers' report reasons, as the report form names them.
REPORT_REASONS: dict[str, LazyString] = {
    "spam": _l("Spam or advertising"),
    "abusive": _l("Abusive or hateful"),
    "off_topic": _l("Off-topic"),
    "other": _l("Something else"),
}


class SiteWording:
    """Words in one fixed language, for work done outside any request (the workers).

    Needs an app context whose app has Flask-Babel; each call forces ``locale``.
    """

    def __init__(self, locale: str) -> None:
        self.locale = locale

    def reasons(self, reasons: list[dict[str, Any]]) -> str:
        with force_locale(self.locale):
            return reason_summary(reasons)

    def text(self, key: str, **params: object) -> str:
        with force_locale(self.locale):
            if key.startswith("report:"):
                template = REPORT_REASONS.get(key.removeprefix("report:"), REPORT_REASONS["other"])
            else:
                template = WEBHOOK_TEXTS[key]
            return str(template) % params if params else str(template)

    def moment(self, value: dt.datetime) -> str:
        with force_locale(self.locale):
            return str(format_datetime(value, "short"))
