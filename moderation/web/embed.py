"""What news sites embed: ``/embed.js``, its strings, the no-JavaScript comment page, and a
WordPress-compatible form endpoint.

The no-JavaScript page shows the same thread and form as the widget. Its form posts here,
goes through the same intake service, and comes back with a message, or with each error
next to its field and everything typed kept. It may be framed only by the configured sites.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import json
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from moderation import urls
from moderation.db import db
from moderation.errors import ArticleClosed
from moderation.errors import ArticleNotFound
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.services import articles as article_service
from moderation.services import comment_views
from moderation.services import comments as comment_service
from moderation.services import reports as report_service
from moderation.services.ports import Deps
from moderation.services.privacy import reporter_hash
from moderation.web.api import rate_limited
from moderation.web.cors import frame_ancestors
from moderation.web.i18n import field_message
from moderation.web.i18n import widget_messages
from moderation.web.intake import HANDOFF_PARAMETER
from moderation.web.intake import RENDER_TOKEN_FIELD
from moderation.web.intake import client_info
from moderation.web.intake import render_token
from moderation.web.schemas import FORM
from moderation.web.schemas import HTML
from moderation.web.schemas import MULTIPART
from moderation.web.schemas import Operation
from moderation.web.schemas import Reply
from moderation.web.schemas import declare
from moderation.web.schemas import ok
from moderation.web.schemas import problem
from moderation.web.schemas import responses
from moderation.web.schemas.contract import validate
from moderation.web.schemas.forms import PageComment
from moderation.web.schemas.forms import WordPressComment
from moderation.web.schemas.public import ArticlePath
from moderation.web.schemas.public import CommentPath
from moderation.web.schemas.public import EmbedQuery
from moderation.web.schemas.public import NewReport

bp = Blueprint("embed", __name__)

SORTS = ("oldest", "newest")


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


@bp.get("/embed.js")
def embed_script() -> BaseResponse:
    """The widget. Cached for an hour; any page may load it (it is a script, not data)."""
    response = send_from_directory(current_app.static_folder or "", "embed.js", max_age=3600)
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/api/v1/embed/messages")
@declare(
    Operation(
        "The widget's strings and settings in the reader's language",
        query=EmbedQuery,
        responses={200: ok(responses.EmbedMessages, "Strings and settings")},
    )
)
def messages(query: EmbedQuery) -> Response:
    """The widget's strings in the reader's language and its settings.

    The form token is per article and single-use: ``/api/v1/articles/<key>/form-token``.
    """
    settings = _deps().settings
    body = {
        "lang": str(get_locale() or settings.default_locale),
        "max_depth": settings.max_depth,
        "page_size": settings.page_size,
        "honeypot_field": settings.honeypot_field,
        "messages": widget_messages(),
    }
    response = current_app.response_class(json.dumps(body), mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Accept-Language")
    return response


def _render_page(
    article_key: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    sort = request.args.get("sort", "oldest")
    sort = sort if sort in SORTS else "oldest"
    try:
        page, earlier, later = _thread(
            article_key, sort, request.args.get("cursor") or None, request.args.get("back") == "1"
        )
    except ArticleNotFound:
        page, earlier, later = None, False, False
    reply_to = None
    reply_id = (values or {}).get("parent_id") or request.args.get("reply_to")
    if page is not None and reply_id:
        reply_to = _find(page.nodes, reply_id)
    html = render_template(
        "embed/thread.html",
        article_key=article_key,
        page=page,
        errors=errors or {},
        values=values or {},
        posted=request.args.get("posted"),
        reported=request.args.get("reported"),
        reply_to=reply_to,
        sort=sort,
        sorts=SORTS,
        back_cursor=_cursor_of(page, 0) if earlier else None,
        forward_cursor=_cursor_of(page, -1) if later else None,
        honeypot_field=_deps().settings.honeypot_field,
        render_token_field=RENDER_TOKEN_FIELD,
        render_token=render_token(article_key),
        lang=str(get_locale() or "fr"),
        report_reasons=[
            ("spam", "report_spam"),
            ("abusive", "report_abusive"),
            ("off_topic", "report_off_topic"),
            ("other", "report_other"),
        ],
        messages=widget_messages(),
    )
    response = current_app.response_class(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        f"base-uri 'none'; {frame_ancestors(_deps().settings)}"
    )
    return response


def _thread(
    article_key: str, sort: str, cursor: str | None, back: bool
) -> tuple[comment_service.ThreadPage, bool, bool]:
    """One page of the thread for the no-JavaScript page, on the API's cursors, and
    whether there are comments before it and after it (in the order shown).

    A cursor says "after this comment"; the page before it is the page after it in the
    other order, read backwards, so paging back needs no cursor of another kind.
    """
    limit = _deps().settings.page_size
    session = db.session()
    try:
        if back and cursor:
            other = "newest" if sort == "oldest" else "oldest"
            page = comment_service.public_thread(
                session, article_key, sort=other, cursor=cursor, limit=limit
            )
            nodes = list(reversed(page.nodes))
            return dataclasses.replace(page, nodes=nodes), page.next_cursor is not None, True
        page = comment_service.public_thread(
            session, article_key, sort=sort, cursor=cursor, limit=limit
        )
        return page, cursor is not None, page.next_cursor is not None
    except ValueError:
        # A cursor made by hand: the first page, rather than an error page.
        page = comment_service.public_thread(session, article_key, sort=sort, limit=limit)
        return page, False, page.next_cursor is not None


def _cursor_of(page: comment_service.ThreadPage | None, index: int) -> str | None:
    if page is None or not page.nodes:
        return None
    return comment_service.encode_cursor(page.nodes[index].comment.id)


def _find(nodes: list[comment_service.ThreadNode], public_id: str) -> Any:
    for node in nodes:
        if node.comment.public_id == public_id:
            return node.comment
        found = _find(node.children, public_id)
        if found is not None:
            return found
    return None


@bp.get("/embed/articles/<path:article_key>")
@declare(
    Operation(
        "The comment section as a page that needs no JavaScript",
        path=ArticlePath,
        responses={200: Reply("The page", media_type=HTML)},
    )
)
def thread_page(article_key: str) -> Response:
    """The comment section as a plain page (no JavaScript needed)."""
    return _render_page(article_key)


@bp.post("/embed/articles/<path:article_key>/comments")
@declare(
    Operation(
        "The no-JavaScript page's comment form",
        path=ArticlePath,
        body=PageComment,
        body_types=(FORM, MULTIPART),
        parse_body=False,
        responses={
            303: Reply("Stored: back to the page, with a message"),
            403: Reply("Comments are closed (the page, with the message)", media_type=HTML),
            404: Reply("Unknown article (the page, with the message)", media_type=HTML),
            413: problem("Request too large"),
            422: Reply("The page, each error next to its field", media_type=HTML),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def post_from_page(article_key: str) -> BaseResponse:
    """The no-JavaScript form: store the comment, then go back to the page."""
    limited = rate_limited("comment")
    if limited is not None:
        return limited
    values = request.form.to_dict()
    try:
        receipt = _submit(article_key, values)
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {e.field: field_message(e.code, e.params) for e in exc.errors}
        return _render_page(article_key, errors=errors, values=values, status=422)
    except (ArticleNotFound, ArticleClosed) as exc:
        # A page, not a JSON problem: say it above the form and keep what was typed.
        db.session.rollback()
        status, message = _page_refusal(exc)
        return _render_page(article_key, errors={"_form": message}, values=values, status=status)
    # An exact repost or a filled honeypot comes back exactly like an accepted comment.
    public_id = receipt.public_id
    target = url_for(
        "embed.thread_page",
        article_key=article_key,
        posted=public_id,
        lang=str(get_locale() or "fr"),
        _anchor="comments",
    )
    return redirect(target, code=303)


def _page_refusal(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, ArticleClosed):
        return 403, _("Comments are closed for this article.")
    return 404, _("This article is unknown.")


def _submit(article_key: str, values: dict[str, str]) -> comment_service.Receipt:
    fields = validate(PageComment, values, _deps().settings)
    return comment_service.accept_comment(
        db.session(),
        _deps(),
        fields.draft(),
        article_key=article_key,
        article_url=fields.article_url,
        article_title=fields.article_title,
        article_signature=fields.article_signature,
        client=client_info(fields.hints(), article_key),
    )


@bp.post("/embed/comments/<public_id>/reports")
@declare(
    Operation(
        "The no-JavaScript page's report form",
        path=CommentPath,
        body=NewReport,
        body_types=(FORM,),
        responses={
            303: Reply("Recorded: back to the page"),
            404: problem("No published comment has that id"),
            422: problem("Unknown reason"),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def report_from_page(public_id: str, body: NewReport) -> BaseResponse:
    """The no-JavaScript report form."""
    limited = rate_limited("report")
    if limited is not None:
        return limited
    comment = comment_service.get_comment(db.session(), public_id)
    article_key = db.session.get_one(Article, comment.article_id).key
    report_service.file_report(
        db.session(),
        _deps(),
        public_id,
        body.reason.value,
        reporter_hash(_deps().settings.secret_key, request.remote_addr),
    )
    target = url_for(
        "embed.thread_page",
        article_key=article_key,
        reported=public_id,
        lang=str(get_locale() or "fr"),
        _anchor=f"c-{public_id}",
    )
    return redirect(target, code=303)


@bp.post("/wp-comments-post.php")
@declare(
    Operation(
        "A WordPress theme's comment form, as it is",
        body=WordPressComment,
        body_types=(FORM, MULTIPART),
        parse_body=False,
        responses={
            303: Reply("Stored: back to the article (or to the no-JavaScript page)"),
            403: problem("Comments are closed for this article"),
            404: problem("Unknown article"),
            413: problem("Request too large"),
            422: Reply("The errors, with a link back to the article", media_type=HTML),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def wordpress_form() -> BaseResponse:
    """Accept a WordPress theme's comment form as it is, then send the reader back.

    ``comment_post_ID`` is the article key. The reader returns to ``redirect_to`` or the
    ``Referer``, only if it is on a configured site, with a short-lived single-use
    hand-off (``moderation_handoff=<id>.<proof>``) so the widget on that page can show
    the reader their comment while it waits; the widget never stores it.
    """
    limited = rate_limited("comment")
    if limited is not None:
        return limited
    form = request.form.to_dict()
    back = _safe_return_url(form.get("redirect_to") or request.headers.get("Referer"))
    try:
        fields = validate(WordPressComment, form, _deps().settings)
        article_key = fields.article_key
        if not article_key:
            raise ArticleNotFound(article_key)
        receipt = comment_service.accept_comment(
            db.session(),
            _deps(),
            fields.draft(),
            article_key=article_key,
            article_url="",
            article_title="",
            client=client_info(fields.hints(), article_key),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        errors = [(e.field, field_message(e.code, e.params)) for e in exc.errors]
        html = render_template("embed/form_errors.html", errors=errors, back=back)
        return current_app.response_class(html, status=422, mimetype="text/html")
    public_id = receipt.public_id
    handoff = comment_views.handoff_for(_deps(), receipt)
    if back is None:
        return redirect(
            url_for(
                "embed.thread_page", article_key=article_key, posted=public_id, _anchor="comments"
            ),
            code=303,
        )
    if handoff is None:
        return redirect(_with_query(back), code=303)
    return redirect(_with_query(back, **{HANDOFF_PARAMETER: f"{public_id}.{handoff}"}), code=303)


def _safe_return_url(candidate: str | None) -> str | None:
    """``candidate`` if it is an http(s) address on a configured site (no open redirect)."""
    # Read as the browser will follow it: "https://evil.example\\@www.journal.example/"
    # leads to evil.example, and the address handed back is the browser's own reading.
    address = urls.web_url(candidate)
    if address is None or not article_service.host_allowed(address, _deps().settings.allowed_sites):
        return None
    return address


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, "comments"))
