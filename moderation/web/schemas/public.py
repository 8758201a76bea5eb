"""The public API's contract: what readers' browsers and news sites may send.

A new comment's fields run the checkers of ``moderation.validation`` with the limits of
``Settings``; the honeypot field is read under the name the settings give it.
"""

from __future__ import annotations

from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationInfo
from pydantic import model_validator
from pydantic.json_schema import SkipJsonSchema

from moderation import validation
from moderation.config import Settings
from moderation.models import ReportReason
from moderation.web.schemas.contract import Checked
from moderation.web.schemas.contract import settings_of
from moderation.web.schemas.fields import ArticleKey
from moderation.web.schemas.fields import Cursor
from moderation.web.schemas.fields import PageSize
from moderation.web.schemas.fields import PublicId
from moderation.web.schemas.fields import QueryText

ARTICLE_URL_MAX_LENGTH = 2000
ARTICLE_SIGNATURE_MAX_LENGTH = 100
ARTICLE_TITLE_MAX_LENGTH = 500
ARTICLE_SIGNATURE_MAX_LENGTH = 100
RENDER_TOKEN_MAX_LENGTH = 300

#: Marks a body schema that carries the honeypot field, named in the document from Settings.
HONEYPOT_MARK = "x-honeypot"


def _name(raw: object, settings: Settings) -> str:
    return validation.author_name(raw, settings.name_max_length)


def _email(raw: object, settings: Settings) -> str:
    return validation.email(raw, settings.check_deliverability)


def _website(raw: object, settings: Settings) -> str | None:
    return validation.website(raw, settings.website_max_length)


def _body(raw: object, settings: Settings) -> str:
    return validation.body(raw, settings.body_min_length, settings.body_max_length)


def _parent(raw: object, _settings: Settings) -> str | None:
    return validation.parent_id(raw)


def _clip(max_len: int) -> Checked:
    def check(raw: object, _settings: Settings) -> str:
        # Hints about the article, not the reader's words: anything unusable becomes "",
        # and NUL goes (PostgreSQL cannot store it). Longer values are cut, not refused.
        if not isinstance(raw, str):
            return ""
        return raw.replace("\x00", "").strip()[:max_len]

    return Checked(check)


def _token(raw: object, _settings: Settings) -> str | None:
    # An unusable token is no token: the intake treats both the same way.
    return raw if isinstance(raw, str) and len(raw) <= RENDER_TOKEN_MAX_LENGTH else None


class NewComment(BaseModel):
    """A reader's comment, as JSON or as a form."""

    model_config = ConfigDict(json_schema_extra={HONEYPOT_MARK: True})

    author_name: Annotated[
        str, Checked(_name, limits={"maxLength": "name_max_length"}, fixed={"minLength": 1})
    ]
    email: Annotated[
        str,
        Checked(
            _email,
            fixed={
                "format": "email",
                "maxLength": validation.EMAIL_MAX_LENGTH,
                "description": "Never published.",
            },
        ),
    ]
    website: Annotated[
        str | None, Checked(_website, limits={"maxLength": "website_max_length"})
    ] = None
    body: Annotated[
        str,
        Checked(_body, limits={"minLength": "body_min_length", "maxLength": "body_max_length"}),
    ]
    parent_id: Annotated[
        str | int | None,
        Checked(_parent, fixed={"maxLength": validation.PARENT_ID_MAX_LENGTH}),
    ] = None
    article_url: Annotated[str, _clip(ARTICLE_URL_MAX_LENGTH)] = ""
    article_title: Annotated[str, _clip(ARTICLE_TITLE_MAX_LENGTH)] = ""
    article_signature: Annotated[str, _clip(ARTICLE_SIGNATURE_MAX_LENGTH)] = Field(
        default="",
        description="The site's HMAC-SHA256 (hex) over key, article_url and article_title: "
        "needed to create an unknown article.",
    )
    render_token: Annotated[
        str | None,
        Checked(_token),
        Field(description="From /api/v1/articles/{article_key}/form-token (single-use)."),
    ] = None
    #: Whether the honeypot field (named by ``Settings.honeypot_field``) was filled in.
    honeypot_filled: SkipJsonSchema[bool] = False

    @model_validator(mode="before")
    @classmethod
    def _read_honeypot(cls, data: Any, info: ValidationInfo) -> Any:
        if isinstance(data, dict):
            name = settings_of(info).honeypot_field
            # Whatever the client sent under our own attribute's name, only the real
            # honeypot field decides.
            data = {**data, "honeypot_filled": bool(data.get(name))}
        return data

    def draft(self) -> validation.CommentDraft:
        """The checked fields as the intake service takes them."""
        return validation.CommentDraft(
            author_name=self.author_name,
            email=self.email,
            body=self.body,
            website=self.website,
            parent_id=None if self.parent_id is None else str(self.parent_id),
            honeypot_filled=self.honeypot_filled,
        )

    def hints(self) -> dict[str, object]:
        """The non-comment fields the intake reads (the render token)."""
        return {"render_token": self.render_token}


class ArticlePath(BaseModel):
    article_key: ArticleKey


class CommentPath(BaseModel):
    public_id: PublicId


class ThreadQuery(BaseModel):
    sort: Literal["oldest", "newest"] = "oldest"
    cursor: Cursor | None = None
    limit: PageSize | None = Field(
        default=None, description="Top-level comments per page (default: the page size)."
    )


class CountsQuery(BaseModel):
    article: Annotated[list[ArticleKey], Field(min_length=1, max_length=100)]


class NewReport(BaseModel):
    """A reader's report: why the comment should not stay up."""

    reason: ReportReason


class EmbedQuery(BaseModel):
    lang: QueryText | None = Field(
        default=None, description="fr or en; any other value falls back to Accept-Language."
    )
