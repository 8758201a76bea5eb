"""The workspace's forms (Flask-WTF): fields, limits and messages in the reader's language.

Each form carries its CSRF token; the blueprint's guard checks it too, before any view.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import FloatField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import Regexp

from moderation.models import ModeratorRole
from moderation.services import model_versions
from moderation.services import moderators
from moderation.services.authors import BlockScope
from moderation.services.decisions import Action
from moderation.services.decisions import RejectionReason

REQUIRED = _l("This field is required.")
BAD_DATE = _l("Enter a date such as 2026-12-31.")
BAD_NUMBER = _l("Enter a number between 0 and 1.")


class SignInForm(FlaskForm):  # type: ignore[misc]  # flask_wtf is untyped
    email = StringField(
        _l("Email"),
        validators=[DataRequired(REQUIRED), Length(max=moderators.EMAIL_MAX_LENGTH)],
        render_kw={"autocomplete": "username", "autofocus": True, "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):  # type: ignore[misc]
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(REQUIRED), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(REQUIRED), Length(max=1000)],
        render_kw={"autocomplete": "new-password", "minlength": moderators.PASSWORD_MIN_LENGTH},
    )


ROLE_CHOICES = [
    SelectChoice(ModeratorRole.MODERATOR.value, _l("Moderator")),
    SelectChoice(ModeratorRole.ADMIN.value, _l("Administrator")),
]


class InviteForm(FlaskForm):  # type: ignore[misc]
    email = StringField(
        _l("Email"),
        validators=[DataRequired(REQUIRED), Length(max=moderators.EMAIL_MAX_LENGTH)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    display_name = StringField(
        _l("Name shown in the log"), validators=[Length(max=moderators.NAME_MAX_LENGTH)]
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=ModeratorRole.MODERATOR.value)


class RoleForm(FlaskForm):  # type: ignore[misc]
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class NewPasswordForm(FlaskForm):  # type: ignore[misc]
    new_password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(REQUIRED), Length(max=1000)],
        render_kw={"autocomplete": "new-password", "minlength": moderators.PASSWORD_MIN_LENGTH},
    )


class QueueSearchForm(FlaskForm):  # type: ignore[misc]
    """Search and filters of a queue, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    tab = HiddenField(default="review")
    author = HiddenField()
    q = StringField(_l("Text"), validators=[Optional(), Length(max=200)])
    author_name = StringField(_l("Author name"), validators=[Optional(), Length(max=200)])
    email = StringField(_l("Author email"), validators=[Optional(), Length(max=320)])
    article = StringField(_l("Article"), validators=[Optional(), Length(max=200)])
    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice("fr", _l("French")),
            SelectChoice("en", _l("English")),
        ],
        default="",
        validators=[Optional()],
    )
    date_from = DateField(_l("From"), validators=[Optional()], invalid_value_message=BAD_DATE)
    date_to = DateField(_l("To"), validators=[Optional()], invalid_value_message=BAD_DATE)
    score_min = FloatField(
        _l("Minimum score"),
        validators=[Optional(), NumberRange(0, 1, BAD_NUMBER)],
    )
    score_max = FloatField(
        _l("Maximum score"),
        validators=[Optional(), NumberRange(0, 1, BAD_NUMBER)],
    )
    campaign = IntegerField(
        _l("Campaign"),
        validators=[Optional(), NumberRange(1, None, _l("Enter a campaign number."))],
    )
    order = SelectField(
        _l("Order"),
        choices=[
            SelectChoice("", _l("Default (oldest first in work queues)")),
            SelectChoice("oldest", _l("Oldest first")),
            SelectChoice("newest", _l("Newest first")),
            SelectChoice("priority", _l("Priority (risk, then age)")),
        ],
        default="",
        validators=[Optional()],
    )


class DecisionForm(FlaskForm):  # type: ignore[misc]
    action = SelectField(
        choices=[SelectChoice(a.value, a.value) for a in Action], validators=[DataRequired()]
    )
    reason = SelectField(
        _l("Reason"),
        choices=[SelectChoice(r.value, r.value) for r in RejectionReason],
        default=RejectionReason.OTHER.value,
    )
    explain = BooleanField(_l("Send the explanation"))
    language = SelectField(
        _l("In"),
        choices=[SelectChoice("fr", _l("French")), SelectChoice("en", _l("English"))],
        default="fr",
    )


class AuthorForm(FlaskForm):  # type: ignore[misc]
    """Trust or block the author of a comment, for some days (empty: no end)."""

    what = SelectField(choices=[SelectChoice("trust", "trust"), SelectChoice("block", "block")])
    days = IntegerField(validators=[Optional(), NumberRange(1, 3650)])
    scope = SelectMultipleField(
        choices=[SelectChoice(s.value, s.value) for s in BlockScope], validate_choice=True
    )
    reject_waiting = BooleanField()


class ModelChangeForm(FlaskForm):  # type: ignore[misc]
    """A button of the models page: activate a version, or roll back a kind.

    ``version`` is a stored version's id or ``shipped``: for ``activate`` the version to put
    in force, for ``rollback`` the one the page showed in force (the service refuses if
    another is in force by then).
    """

    action = SelectField(
        choices=[SelectChoice("activate", "activate"), SelectChoice("rollback", "rollback")]
    )
    kind = SelectField(choices=[SelectChoice(k, k) for k in model_versions.KINDS])
    version = StringField(
        validators=[DataRequired(), Regexp(rf"^(?:{model_versions.SHIPPED}|[1-9][0-9]{{0,17}})\Z")]
    )

    def version_id(self) -> int | None:
        """The chosen version's id (``None``: the shipped model); after validation."""
        value = str(self.version.data)
        return None if value == model_versions.SHIPPED else int(value)
