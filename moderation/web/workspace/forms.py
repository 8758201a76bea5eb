"""The workspace's forms (Flask-WTF): fields, limits and messages in the reader's language.

Each form carries its CSRF token; the blueprint's guard checks it too, before any view.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length

from moderation.models import ModeratorRole
from moderation.services import moderators

REQUIRED = _l("This field is required.")


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
