"""What news sites embed: ``/embed.js``, its strings, the no-JavaScript comment page, and a
WordPress-compatible form endpoint.

The no-JavaScript page shows the same thread and form as the widget. Its form posts here,
goes through the same intake service, and comes back with a message, or with each error
next to its field and everything typed kept. It may be framed only by the configured sites.
"""

from __future__ import annotations

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

from moderation.db import db
from moderation.errors import ArticleClosed
from moderation.errors import ArticleNotFound
from moderation.errors import DuplicateComment
from moderation.errors import ValidationFailed
from moderation.models import Article
from moderation.services import articles as article_service
from moderation.services import comments as comment_service
from moderation.services import reports as report_service
from moderation.services.ports import Deps
from moderation.services.privacy import reporter_hash
from moderation.web.api import rate_limited
from moderation.web.cors import frame_ancestors
from moderation.web.i18n import field_message
from moderation.web.i18n import widget_messages
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

PAGE_LIMIT = 100


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
    """The widget's strings in the reader's language, its settings and a render token."""
    settings = _deps().settings
    body = {
        "lang": str(get_locale() or settings.default_locale),
        "max_depth": settings.max_depth,
        "page_size": settings.page_size,
        "honeypot_field": settings.honeypot_field,
        "render_token": render_token(),
        "messages": widget_messages(),
    }
    response = current_app.response_class(json.dumps(body), mimetype="application/json")
    # The token carries the time: never serve it from a cache.
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
    try:
        page = comment_service.public_thread(
            db.session(),
            article_key,
            sort=request.args.get("sort", "oldest")
            if request.args.get("sort") in ("oldest", "newest")
            else "oldest",
            cursor=None,
            limit=PAGE_LIMIT,
        )
    except ArticleNotFound:
        page = None
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
        honeypot_field=_deps().settings.honeypot_field,
        render_token_field=RENDER_TOKEN_FIELD,
        render_token=render_token(),
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
            409: Reply("Already posted (the page, with the message)", media_type=HTML),
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
        comment = _submit(article_key, values)
    except ValidationFailed as exc:
        db.session.rollback()
        errors = {e.field: field_message(e.code, e.params) for e in exc.errors}
        return _render_page(article_key, errors=errors, values=values, status=422)
    except (ArticleNotFound, ArticleClosed, DuplicateComment) as exc:
        # A page, not a JSON problem: say it above the form and keep what was typed.
        db.session.rollback()
        status, message = _page_refusal(exc)
        return _render_page(article_key, errors={"_form": message}, values=values, status=status)
    public_id = comment.public_id
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
    if isinstance(exc, DuplicateComment):
        return 409, _("You have already posted this comment.")
    return 404, _("This article is unknown.")


def _submit(article_key: str, values: dict[str, str]) -> Any:
    fields = validate(PageComment, values, _deps().settings)
    return comment_service.submit_comment(
        db.session(),
        _deps(),
        fields.draft(),
        article_key=article_key,
        article_url=fields.article_url,
        article_title=fields.article_title,
        client=client_info(fields.hints()),
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
        reporter_hash(_deps().settings.secret_key, request.remote_addr, request.user_agent.string),
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
            409: problem("Already posted"),
            413: problem("Request too large"),
            422: Reply("The errors, with a link back to the article", media_type=HTML),
            429: problem("Rate limited; see Retry-After"),
        },
    )
)
def wordpress_form() -> BaseResponse:
    """Accept a WordPress theme's comment form as it is, then send the reader back.

    ``comment_post_ID`` is the article key. The reader returns to ``redirect_to`` or the
    ``Referer``, only if it is on a configured site, with ``moderation_comment=<id>`` so
    the widget on that page can show the pending message.
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
        comment = comment_service.submit_comment(
            db.session(),
            _deps(),
            fields.draft(),
            article_key=article_key,
            article_url="",
            article_title="",
            client=client_info(fields.hints()),
        )
    except ValidationFailed as exc:
        db.session.rollback()
        errors = [(e.field, field_message(e.code, e.params)) for e in exc.errors]
        html = render_template("embed/form_errors.html", errors=errors, back=back)
        return current_app.response_class(html, status=422, mimetype="text/html")
    public_id = comment.public_id
    if back is None:
        return redirect(
            url_for(
                "embed.thread_page", article_key=article_key, posted=public_id, _anchor="comments"
            ),
            code=303,
        )
    return redirect(_with_query(back, moderation_comment=public_id), code=303)


def _safe_return_url(candidate: str | None) -> str | None:
    """``candidate`` if it is an http(s) address on a configured site (no open redirect)."""
    if not candidate:
        return None
    parts = urlsplit(candidate)
    if parts.scheme not in ("http", "https"):
        return None
    if not article_service.host_allowed(candidate, _deps().settings.allowed_sites):
        return None
    return candidate


def _with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode(params)]))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, "comments"))
