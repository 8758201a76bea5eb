"""The reader's language, and the words for every error and reason code.

The domain speaks in codes (``FieldError.code``, rule reason codes); this module holds the
tables that word them for the web, through Flask-Babel so both catalogs (fr, en) translate
them. Reason codes are worded in ``moderation.wording``, which the workers share.
"""

from __future__ import annotations

from flask import current_app
from flask import request
from flask import session
from flask_babel import LazyString
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l

# The reason wording is shared with the workers (webhook messages): it lives in
# ``moderation.wording``, and the pages use it from here as before.
from moderation.wording import REASON_MESSAGES as REASON_MESSAGES
from moderation.wording import reason_summary as reason_summary
from moderation.wording import reason_text as reason_text

SUPPORTED_LOCALES = ("fr", "en")

FIELD_LABELS: dict[str, LazyString] = {
    "author_name": _l("Name"),
    "email": _l("Email"),
    "website": _l("Website"),
    "body": _l("Comment"),
    "parent_id": _l("Reply to"),
    "url": _l("Address"),
    "description": _l("Description"),
    "event_types": _l("Events"),
    "format": _l("Format"),
    "is_active": _l("Active"),
    "include_email": _l("Include the author’s email"),
    "grace_hours": _l("Grace period (hours)"),
    "since": _l("Since"),
    "status": _l("Status"),
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
    "wrong_password": _l("This is not your current password."),
    "already_taken": _l("An account already uses this address."),
    "last_admin": _l("The desk must keep at least one active administrator."),
    # Admin pages: settings, articles, lists.
    "out_of_range": _l("Enter a value between %(min)s and %(max)s."),
    "not_a_whole_number": _l("Enter a whole number."),
    "not_a_number": _l("Enter a number, such as 0.5."),
    "hold_above_reject": _l("The hold threshold must not be above the reject threshold."),
    "invalid_languages": _l("Enter language codes separated by commas, such as fr, en."),
    "bad_date": _l("Enter a date such as 2026-12-31."),
    "bad_line": _l("Line %(line)s cannot be read: check its format."),
    "too_many_lines": _l("At most %(max)s lines can be imported at once."),
    "url_scheme": _l("Use an address starting with https://."),
    "url_invalid": _l("This is not a usable web address."),
    "url_credentials": _l("The address must not contain a user name or password."),
    "url_host": _l("This host name is reserved for local networks and cannot be used."),
    "url_unresolvable": _l("This host name could not be found."),
    "url_address": _l(
        "This address leads to a private, local or reserved network: it is not allowed."
    ),
    "url_http": _l("Use https:// (plain http is only allowed for the configured networks)."),
    "endpoint_disabled": _l("This endpoint is turned off: turn it on first."),
    "event_types_slack": _l(
        "A Slack endpoint can receive only held and reported comments, surges and tests."
    ),
    "ip_rule_truncated": _l(
        "Only the /%(prefix)s network of each address is kept: block the network instead."
    ),
    "article_url_off_site": _l(
        "Enter the article's address on one of the configured sites (http:// or https://)."
    ),
    "ip_rule_not_kept": _l("No address is kept (privacy setting): address rules cannot apply."),
}

#: The comment count heading, singular and plural (extracted from the page templates).
COUNT_PLURAL = ("%(num)d comment", "%(num)d comments")

#: Every string the embedded widget shows, served to it by ``/api/v1/embed/messages``.
WIDGET_MESSAGES: dict[str, LazyString] = {
    "be_first": _l("Be the first to comment"),
    "section_label": _l("Comments"),
    "leave_comment": _l("Leave a comment"),
    "reply_to": _l("Reply to %(name)s"),
    "cancel_reply": _l("Cancel reply"),
    "name": _l("Name"),
    "email": _l("Email"),
    "website": _l("Website"),
    "comment": _l("Comment"),
    "required_note": _l("Your email address will not be published. Required fields are marked *"),
    "remember_me": _l("Save my name and email in this browser for the next time I comment."),
    "submit": _l("Post comment"),
    "submitting": _l("Sending…"),
    "pending_notice": _l("Your comment is awaiting moderation."),
    "pending_badge": _l("Awaiting moderation"),
    "approved_notice": _l("Your comment has been published."),
    "rejected_notice": _l("Your comment was not published."),
    "reply": _l("Reply"),
    "reply_to_removed": _l("In reply to a comment that was removed"),
    "older_comments": _l("Older comments"),
    "newer_comments": _l("Newer comments"),
    "report": _l("Report"),
    "report_title": _l("Why are you reporting this comment?"),
    "report_spam": _l("Spam or advertising"),
    "report_abusive": _l("Abusive or hateful"),
    "report_off_topic": _l("Off-topic"),
    "report_other": _l("Something else"),
    "report_send": _l("Send report"),
    "report_cancel": _l("Cancel"),
    "report_thanks": _l("Thank you, the moderators will take a look."),
    "sort_label": _l("Sort"),
    "sort_oldest": _l("Oldest first"),
    "sort_newest": _l("Newest first"),
    "load_more": _l("Load more comments"),
    "loading": _l("Loading comments…"),
    "load_error": _l("The comments could not be loaded."),
    "network_error": _l("The comment could not be sent. Please try again."),
    "honeypot_label": _l("Leave this field empty"),
    "fix_errors": _l("Please correct the highlighted fields."),
    "closed": _l("Comments are closed for this article."),
}


def widget_messages() -> dict[str, str]:
    """The widget's strings in the current request's language.

    The comment count is the plural entry the pages use too; the widget gets both forms
    unformatted (``%(num)d`` kept) and picks one by the count itself.
    """
    translations = get_translations()
    messages = {key: str(text) for key, text in WIDGET_MESSAGES.items()}
    messages["count_one"] = translations.ungettext(*COUNT_PLURAL, 1)
    messages["count_other"] = translations.ungettext(*COUNT_PLURAL, 2)
    return messages


def select_locale() -> str:
    """``?lang=`` if given, else the best ``Accept-Language`` match, else the site default."""
    asked = request.args.get("lang", "")
    if asked in SUPPORTED_LOCALES:
        return asked
    # Moderators choose once; the workspace remembers it in their session cookie.
    if request.blueprint == "workspace" and session.get("lang") in SUPPORTED_LOCALES:
        return str(session["lang"])
    best = request.accept_languages.best_match(SUPPORTED_LOCALES)
    return best or str(current_app.config["MODERATION_DEFAULT_LOCALE"])


def field_message(code: str, params: dict[str, int | str]) -> str:
    template = FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid_value"])
    return str(template) % params if params else str(template)
