"""What one reader may see of one comment: everyone the approved ones, the author the rest.

A comment's public id is no secret once the comment has been shown (thread JSON, page
anchors, a reply's parent id), so it proves nothing: a comment that is not approved is
shown only to whoever proves authorship (see ``authorship``), and to anyone else it does
not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from moderation.errors import CommentNotFound
from moderation.models import Article
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.services import authorship
from moderation.services.comments import Receipt
from moderation.services.comments import get_comment
from moderation.services.ports import Deps


@dataclass(frozen=True, slots=True)
class ReaderView:
    """One comment as a given reader may see it.

    ``parent_public_id`` names the parent only while it is public; ``parent_removed``
    says the comment answers one that is not (anymore). ``status`` is what the author is
    told: an exact repost, refused silently, stays "pending" to them.
    """

    comment: Comment
    article: Article
    status: CommentStatus
    parent_public_id: str | None
    parent_removed: bool


def comment_for_reader(
    session: Session,
    deps: Deps,
    public_id: str,
    *,
    author_token: str | None = None,
    handoff: str | None = None,
) -> ReaderView:
    """The comment with that public id, if this reader may see it.

    Anyone may see an approved comment (it is in the thread). Any other comment is shown
    only to its author (the author token, or a hand-off spent by this call); to anyone
    else it does not exist, so a takedown sticks and nothing tells "held" from "unknown".

    :raises CommentNotFound:
    """
    comment = get_comment(session, public_id)
    if comment.status != CommentStatus.APPROVED and not (
        authorship.holds_token(comment, author_token)
        or authorship.redeem_handoff(
            session, deps.settings.secret_key, comment, handoff, deps.clock.now()
        )
    ):
        raise CommentNotFound(public_id)
    article = session.get_one(Article, comment.article_id)
    parent = session.get(Comment, comment.parent_id) if comment.parent_id is not None else None
    visible = parent is not None and parent.status == CommentStatus.APPROVED
    status = comment.status
    if status == CommentStatus.REJECTED and _silently_refused(comment):
        status = CommentStatus.PENDING
    return ReaderView(
        comment,
        article,
        status,
        parent.public_id if visible and parent is not None else None,
        comment.parent_id is not None and not visible,
    )


def _silently_refused(comment: Comment) -> bool:
    return any(r.get("code") == "duplicate_comment" for r in comment.reasons or [])


def handoff_for(deps: Deps, receipt: Receipt) -> str | None:
    """A short-lived hand-off for a receipt (a decoy-shaped one when nothing was kept)."""
    if receipt.comment is None:
        return f"{int(deps.clock.now().timestamp()) + 300}.{authorship.decoy_token()[:43]}"
    return authorship.make_handoff(deps.settings.secret_key, receipt.comment, deps.clock.now())
