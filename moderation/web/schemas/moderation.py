"""The moderator and webhook-administration APIs' contract (bearer-token clients).

Shapes and types are checked here; what needs the database or the network (a campaign's
existence, the webhook address guard) stays with the services, shared with the CLI and
the workspace pages.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel
from pydantic import Field
from pydantic import StrictBool
from pydantic import StrictFloat
from pydantic import StrictInt
from pydantic import StrictStr

from moderation.models import CommentStatus
from moderation.models import DeliveryStatus
from moderation.models import WebhookFormat
from moderation.services import webhooks
from moderation.services.decisions import Action
from moderation.services.events import EventType
from moderation.services.queue import Order
from moderation.services.queue import Tab
from moderation.web.schemas.fields import BLANK_IS_NONE
from moderation.web.schemas.fields import ArticleKey
from moderation.web.schemas.fields import Cursor
from moderation.web.schemas.fields import Natural
from moderation.web.schemas.fields import PageSize
from moderation.web.schemas.fields import PublicId
from moderation.web.schemas.fields import QueryText

NOTE_MAX_LENGTH = 500


class QueueQuery(BaseModel):
    """A queue (``tab``) or a status, with search and filters."""

    tab: Annotated[Tab | None, BLANK_IS_NONE] = None
    order: Annotated[Order | None, BLANK_IS_NONE] = None
    status: Annotated[CommentStatus | None, BLANK_IS_NONE] = None
    q: QueryText = ""
    article: QueryText = ""
    campaign: Annotated[Natural | None, BLANK_IS_NONE] = None
    cursor: Annotated[Cursor | None, BLANK_IS_NONE] = None
    limit: Annotated[PageSize | None, BLANK_IS_NONE] = Field(
        default=None, description="Comments per page (default 50)."
    )


class CommentPath(BaseModel):
    public_id: PublicId


class CampaignPath(BaseModel):
    campaign_id: int


class SurgePath(BaseModel):
    article_key: ArticleKey


class ArticleCorrection(BaseModel):
    """An article's corrected details (at least one; the service checks the URL)."""

    url: StrictStr | None = None
    title: StrictStr | None = None


class ModeratorDecision(BaseModel):
    """A moderator's decision; ``reason`` is a note for the log."""

    action: Action
    reason: Annotated[StrictStr | None, Field(max_length=NOTE_MAX_LENGTH)] = None


class EndpointPath(BaseModel):
    endpoint_id: int


class DeliveryPath(BaseModel):
    delivery_id: int


class EndpointFields(BaseModel):
    """An endpoint's fields; all optional when changing one, ``url`` needed to create."""

    url: Annotated[StrictStr | None, Field(max_length=webhooks.URL_MAX_LENGTH)] = None
    description: Annotated[StrictStr | None, Field(max_length=webhooks.DESCRIPTION_MAX_LENGTH)] = (
        None
    )
    event_types: list[EventType] | None = None
    format: WebhookFormat | None = None
    is_active: StrictBool | None = None
    include_email: StrictBool | None = None

    def given(self) -> dict[str, object]:
        """The fields the request set, as the webhook service parses them."""
        return self.model_dump(mode="json", exclude_none=True)


class NewEndpoint(EndpointFields):
    url: Annotated[StrictStr, Field(max_length=webhooks.URL_MAX_LENGTH)]


class SecretRotation(BaseModel):
    grace_hours: StrictFloat | StrictInt = Field(
        default=24, description="Hours the old secret keeps signing."
    )


class Redelivery(BaseModel):
    since: StrictStr = Field(description="A date (2026-11-01) or an ISO 8601 time (UTC if bare).")


class DeliveriesQuery(BaseModel):
    status: Annotated[DeliveryStatus | None, BLANK_IS_NONE] = None
    limit: Annotated[PageSize | None, BLANK_IS_NONE] = Field(
        default=None, description="Deliveries per page (default 50)."
    )
    before: Annotated[Natural | None, BLANK_IS_NONE] = Field(
        default=None, description="A delivery id: the page starts after it."
    )
