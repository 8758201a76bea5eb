"""The contracts of the HTML forms: the no-JavaScript page and WordPress themes' forms.

The no-JavaScript form posts the public API's fields (:class:`NewComment`). A WordPress
theme posts its own names; :class:`WordPressComment` maps them onto the same checkers, and
its errors carry our field names so that each message is worded and labelled as elsewhere.
"""

from __future__ import annotations

from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationInfo
from pydantic import model_validator
from pydantic.json_schema import SkipJsonSchema

from moderation import validation
from moderation.config import Settings
from moderation.web.schemas.contract import Checked
from moderation.web.schemas.contract import settings_of
from moderation.web.schemas.public import HONEYPOT_MARK
from moderation.web.schemas.public import NewComment
from moderation.web.schemas.public import _body
from moderation.web.schemas.public import _email
from moderation.web.schemas.public import _name
from moderation.web.schemas.public import _website

RETURN_URL_MAX_LENGTH = 2000
RENDER_TOKEN_MAX_LENGTH = 300


def _parent(raw: object, _settings: Settings) -> str | None:
    # WordPress sends "0" for a comment that replies to nothing.
    if isinstance(raw, str) and raw.strip() in ("", "0"):
        return None
    return validation.parent_id(raw.strip() if isinstance(raw, str) else raw)


def _text(max_len: int) -> Checked:
    def check(raw: object, _settings: Settings) -> str:
        if not isinstance(raw, str):
            return ""
        return raw.replace("\x00", "").strip()[:max_len]

    return Checked(check, fixed={"maxLength": max_len})


class WordPressComment(BaseModel):
    """A WordPress theme's comment form (``wp-comments-post.php``), unchanged."""

    model_config = ConfigDict(json_schema_extra={HONEYPOT_MARK: True}, populate_by_name=False)

    article_key: Annotated[str, _text(200)] = Field(
        default="",
        validation_alias="comment_post_ID",
        description="The article key (the post id in WordPress).",
    )
    author_name: Annotated[
        str, Checked(_name, limits={"maxLength": "name_max_length"}, fixed={"minLength": 1})
    ] = Field(validation_alias="author")
    email: Annotated[str, Checked(_email, fixed={"maxLength": validation.EMAIL_MAX_LENGTH})]
    website: Annotated[
        str | None, Checked(_website, limits={"maxLength": "website_max_length"})
    ] = Field(default=None, validation_alias="url")
    body: Annotated[
        str,
        Checked(_body, limits={"minLength": "body_min_length", "maxLength": "body_max_length"}),
    ] = Field(validation_alias="comment")
    parent_id: Annotated[
        str | None, Checked(_parent, fixed={"maxLength": validation.PARENT_ID_MAX_LENGTH})
    ] = Field(default=None, validation_alias="comment_parent")
    redirect_to: Annotated[str, _text(RETURN_URL_MAX_LENGTH)] = ""
    render_token: Annotated[str, _text(RENDER_TOKEN_MAX_LENGTH)] = ""
    honeypot_filled: SkipJsonSchema[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _read_honeypot(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            data = {**data, "honeypot_filled": bool(data.get(settings_of(info).honeypot_field))}
        return data

    def draft(self) -> validation.CommentDraft:
        return validation.CommentDraft(
            author_name=self.author_name,
            email=self.email,
            body=self.body,
            website=self.website,
            parent_id=self.parent_id,
            honeypot_filled=self.honeypot_filled,
        )

    def hints(self) -> dict[str, object]:
        return {"render_token": self.render_token or None}


#: The no-JavaScript form posts exactly the API's fields.
PageComment = NewComment
