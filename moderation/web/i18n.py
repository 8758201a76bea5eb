"""The reader's language, and the words for every error and reason code.

The domain speaks in codes (``FieldError.code``, rule reason codes); this module holds the
one table that words them, through Flask-Babel so both catalogs (fr, en) translate them.
"""

from __future__ import annotations

from flask import current_app
from flask import request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

SUPPORTED_LOCALES = ("fr", "en")

FIELD_LABELS: dict[str, LazyString] = {
    "author_name": _l("Name"),
    "email": _l("Email"),
    "website": _l("Website"),
    "body": _l("Comment"),
    "parent_id": _l("Reply to"),
}

FIELD_MESSAGES: dict[str, LazyString] = {
    "required": _l("This field is required."),
    "invalid_type": _l("This field must be text."),
    "too_long": _l("This field must be at most %(max)s characters long."),
    "too_short": _l("This field must be at least %(min)s characters long."),
    "control_chars": _l("This field contains characters that are not allowed."),
    "invalid_email": _l("Enter a valid email address."),
    "invalid_url": _l("Enter a web address starting with http:// or https://."),
    "invalid_parent": _l("The comment you are replying to cannot be found."),
    "too_deep": _l("Replies cannot be nested more than %(max)s levels deep."),
    "empty_after_cleaning": _l("The comment is empty once formatting is removed."),
    "invalid_value": _l("This value is not allowed."),
}

REASON_MESSAGES: dict[str, LazyString] = {
    "honeypot_filled": _l("Hidden field filled in (automated submission)"),
    "banned_word": _l("Banned word “%(word)s”"),
    "too_many_links": _l("%(count)s links (limit %(limit)s)"),
    "premoderation_all": _l("Premoderation: every comment is reviewed"),
    "premoderation_links": _l("Premoderation: comments with links are reviewed"),
    "premoderation_first_time": _l("Premoderation: first comment from this author"),
    "score_above_hold": _l("Classifier score for %(label)s above %(threshold)s: held"),
    "score_above_reject": _l("Classifier score for %(label)s above %(threshold)s: refused"),
    "check_failed": _l("Automatic check failed %(attempts)s times"),
    "moderator_action": _l("Moderator decision"),
}


def select_locale() -> str:
    """``?lang=`` if given, else the best ``Accept-Language`` match, else the site default."""
    asked = request.args.get("lang", "")
    if asked in SUPPORTED_LOCALES:
        return asked
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best or str(current_app.config["MODERATION_DEFAULT_LOCALE"])


def field_message(code: str, params: dict[str, int | str]) -> str:
    template = FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid_value"])
    return str(template) % params if params else str(template)


def reason_summary(reasons: list[dict[str, object]]) -> str:
    """One line for moderators, in their language: « Mot interdit « x » ; 3 liens »."""
    parts = []
    for reason in reasons:
        code = str(reason.get("code", ""))
        template = REASON_MESSAGES.get(code)
        if template is None:
            continue
        params = reason.get("params") or {}
        try:
            parts.append(str(template) % params)
        except (KeyError, TypeError, ValueError):
            parts.append(str(template))
    return " ; ".join(parts)
