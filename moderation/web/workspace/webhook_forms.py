"""The forms of the webhook pages (Flask-WTF): fields, limits and messages in the reader's
language. The checks that matter (the address's SSRF guard, a Slack endpoint's events)
are the service's, shared with the admin API and the command line; these forms only turn
what was typed into the values the service takes.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms import widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from moderation.models import DeliveryStatus
from moderation.models import WebhookFormat
from moderation.services import webhooks
from moderation.web.workspace.forms import BAD_DATE
from moderation.web.workspace.forms import REQUIRED

FORMAT_CHOICES = [
    SelectChoice(WebhookFormat.STANDARD.value, _l("Standard Webhooks (signed JSON)")),
    SelectChoice(WebhookFormat.SLACK.value, _l("Slack-compatible message")),
]


class CheckboxesField(SelectMultipleField):  # type: ignore[misc]  # wtforms is untyped
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EndpointForm(FlaskForm):  # type: ignore[misc]
    url = StringField(
        _l("Address"),
        validators=[DataRequired(REQUIRED), Length(max=webhooks.URL_MAX_LENGTH)],
        render_kw={"type": "url", "spellcheck": "false", "autocomplete": "off"},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Optional(), Length(max=webhooks.DESCRIPTION_MAX_LENGTH)],
        render_kw={"rows": 2},
    )
    format = SelectField(_l("Format"), choices=FORMAT_CHOICES, default=WebhookFormat.STANDARD.value)
    event_types = CheckboxesField(
        _l("Events"),
        choices=[SelectChoice(t, t) for t in webhooks.EVENT_TYPES],
        validate_choice=True,
    )
    include_email = BooleanField(_l("Include the author’s email"))

    def fields(self) -> dict[str, Any]:
        """The submitted values as the service's ``parse_fields`` takes them."""
        return {
            "url": self.url.data or "",
            "description": self.description.data or "",
            "format": self.format.data,
            "event_types": list(self.event_types.data or []),
            "include_email": bool(self.include_email.data),
        }


class RotateForm(FlaskForm):  # type: ignore[misc]
    grace_hours = IntegerField(
        _l("Grace period (hours)"),
        default=24,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(0, webhooks.MAX_GRACE_HOURS, _l("Enter a number of hours from 0 to 168.")),
        ],
    )


class DeleteForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField(
        _l("I understand that its delivery log is deleted too"),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


class RedeliverForm(FlaskForm):  # type: ignore[misc]
    since = DateField(
        _l("Failed since"), validators=[InputRequired(REQUIRED)], invalid_value_message=BAD_DATE
    )


STATUS_CHOICES = [
    SelectChoice("", _l("Every status")),
    SelectChoice(DeliveryStatus.PENDING.value, _l("Waiting or in progress")),
    SelectChoice(DeliveryStatus.DELIVERED.value, _l("Delivered")),
    SelectChoice(DeliveryStatus.FAILED.value, _l("Failed")),
]


class LogFilterForm(FlaskForm):  # type: ignore[misc]
    """The delivery log's filter, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="")
    before = HiddenField()

    def chosen_status(self) -> DeliveryStatus | None:
        try:
            return DeliveryStatus(self.status.data) if self.status.data else None
        except ValueError:
            return None

    def before_id(self) -> int | None:
        raw = self.before.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and int(raw) > 0 else None
