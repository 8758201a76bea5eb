"""The OpenAPI 3.1 description of both APIs, served at ``/api/v1/openapi.json``.

Kept true by tests that validate real responses against these schemas.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import json

bp = Blueprint("openapi", __name__, url_prefix="/api/v1")

_TS = {"type": "string", "format": "date-time"}
_NULLABLE_STR = {"type": ["string", "null"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "code", "detail"],
                    "properties": {
                        "field": {"type": "string"},
                        "code": {"type": "string"},
                        "pointer": {"type": "string"},
                        "label": {"type": "string"},
                        "detail": {"type": "string"},
                    },
                },
            },
            "fields": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "NewComment": {
        "type": "object",
        "required": ["author_name", "email", "body"],
        "properties": {
            "author_name": {"type": "string", "minLength": 1, "maxLength": 80},
            "email": {"type": "string", "format": "email", "description": "Never published."},
            "website": {"type": "string", "maxLength": 200},
            "body": {"type": "string", "minLength": 1, "maxLength": 5000},
            "parent_id": {"type": "string"},
            "article_url": {"type": "string"},
            "article_title": {"type": "string"},
            "render_token": {
                "type": "string",
                "description": "From /api/v1/articles/{article_key}/form-token (single-use).",
            },
            "company": {"type": "string", "description": "Honeypot: must stay empty."},
        },
    },
    "Accepted": {
        "type": "object",
        "required": ["id", "status", "author_token"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string"},
            "status": {"const": "pending"},
            "author_token": {
                "type": "string",
                "description": "Shown once: send it as Moderation-Author-Token to read the "
                "comment while it is not public.",
            },
        },
    },
    "PublicComment": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "parent_id",
            "parent_removed",
            "author_name",
            "website",
            "html",
            "created_at",
            "reply_count",
            "replies",
        ],
        "properties": {
            "id": {"type": "string"},
            "parent_id": _NULLABLE_STR,
            "parent_removed": {
                "type": "boolean",
                "description": "A reply to a comment that is not public (never named).",
            },
            "author_name": {"type": "string"},
            "website": _NULLABLE_STR,
            "html": {"type": "string", "description": "Sanitized HTML, safe to insert."},
            "created_at": _TS,
            "reply_count": {"type": "integer", "minimum": 0},
            "replies": {"type": "array", "items": _ref("PublicComment")},
        },
    },
    "Article": {
        "type": "object",
        "additionalProperties": False,
        "required": ["key", "title", "url", "is_open"],
        "properties": {
            "key": {"type": "string"},
            "title": {"type": "string"},
            "url": {"type": "string"},
            "is_open": {"type": "boolean"},
        },
    },
    "Thread": {
        "type": "object",
        "additionalProperties": False,
        "required": ["article", "total", "sort", "comments", "next_cursor"],
        "properties": {
            "article": _ref("Article"),
            "total": {"type": "integer", "minimum": 0},
            "sort": {"enum": ["oldest", "newest"]},
            "comments": {"type": "array", "items": _ref("PublicComment")},
            "next_cursor": _NULLABLE_STR,
        },
    },
    "Status": {"enum": ["pending", "approved", "held", "spam", "rejected"]},
    "CommentStatus": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "id",
            "article",
            "parent_id",
            "parent_removed",
            "author_name",
            "website",
            "html",
            "status",
            "created_at",
            "decided_at",
        ],
        "properties": {
            "id": {"type": "string"},
            "article": {"type": "string"},
            "parent_id": _NULLABLE_STR,
            "parent_removed": {"type": "boolean"},
            "author_name": {"type": "string"},
            "website": _NULLABLE_STR,
            "html": {"type": "string"},
            "status": _ref("Status"),
            "created_at": _TS,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
        },
    },
    "Counts": {
        "type": "object",
        "additionalProperties": False,
        "required": ["counts"],
        "properties": {"counts": {"type": "object", "additionalProperties": {"type": "integer"}}},
    },
    "Reason": {
        "type": "object",
        "required": ["rule", "code"],
        "properties": {
            "rule": {"type": "string"},
            "code": {"type": "string"},
            "params": {"type": "object"},
            "spans": {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "integer"},
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
            "score": {"type": ["number", "null"]},
        },
    },
    "ModeratorComment": {
        "allOf": [
            {
                "type": "object",
                "required": ["email", "body_text", "reasons", "summary", "scores"],
                "properties": {
                    "id": {"type": "string"},
                    "article": {"type": "string"},
                    "parent_id": _NULLABLE_STR,
                    "author_name": {"type": "string"},
                    "website": _NULLABLE_STR,
                    "html": {"type": "string"},
                    "status": {"enum": ["pending", "approved", "held", "spam", "rejected"]},
                    "created_at": _TS,
                    "decided_at": {"type": ["string", "null"]},
                    "email": {"type": "string"},
                    "body_text": {"type": "string"},
                    "ip": _NULLABLE_STR,
                    "user_agent": _NULLABLE_STR,
                    "reasons": {"type": "array", "items": _ref("Reason")},
                    "summary": {"type": "string"},
                    "scores": {"type": "object"},
                    "report_count": {"type": "integer", "minimum": 0},
                    "language": _NULLABLE_STR,
                    "campaign_id": {"type": ["integer", "null"]},
                    "log": {"type": "array", "items": _ref("Decision")},
                },
            }
        ]
    },
    "Decision": {
        "type": "object",
        "required": ["source", "actor", "from_status", "to_status", "reasons", "at"],
        "properties": {
            "source": {"enum": ["rules", "classifiers", "moderator", "system"]},
            "actor": {"type": "string"},
            "from_status": {"type": "string"},
            "to_status": {"type": "string"},
            "reasons": {"type": "array", "items": _ref("Reason")},
            "summary": {"type": "string"},
            "policy_version": {"type": "string"},
            "at": _TS,
        },
    },
    "ModeratorList": {
        "type": "object",
        "required": ["comments", "next_cursor"],
        "properties": {
            "comments": {"type": "array", "items": _ref("ModeratorComment")},
            "next_cursor": _NULLABLE_STR,
        },
    },
    "NewReport": {
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"enum": ["spam", "abusive", "off_topic", "other"]}},
    },
    "Recorded": {
        "type": "object",
        "additionalProperties": False,
        "required": ["status"],
        "properties": {"status": {"const": "recorded"}},
    },
    "EmbedMessages": {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "lang",
            "max_depth",
            "page_size",
            "honeypot_field",
            "messages",
        ],
        "properties": {
            "lang": {"enum": ["fr", "en"]},
            "max_depth": {"type": "integer"},
            "page_size": {"type": "integer"},
            "honeypot_field": {"type": "string"},
            "messages": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "ModeratorDecision": {
        "type": "object",
        "required": ["action"],
        "properties": {
            "action": {"enum": ["approve", "hold", "reject", "spam"]},
            "reason": {"type": "string", "maxLength": 500},
        },
    },
}

_KEY = {"name": "article_key", "in": "path", "required": True, "schema": {"type": "string"}}
_ID = {"name": "public_id", "in": "path", "required": True, "schema": {"type": "string"}}
_LANG = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "fr or en: the language of error messages.",
}

PATHS: dict[str, Any] = {
    "/api/v1/articles/{article_key}/comments": {
        "post": {
            "summary": "Submit a comment (answered before any check runs)",
            "parameters": [_KEY, _LANG],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _ref("NewComment")},
                    "application/x-www-form-urlencoded": {"schema": _ref("NewComment")},
                },
            },
            "responses": {
                "202": _json_response("Stored, awaiting its check", _ref("Accepted")),
                "400": _problem_response("Malformed request"),
                "403": _problem_response("Comments are closed for this article"),
                "404": _problem_response("Unknown article"),
                "413": _problem_response("Request too large"),
                "415": _problem_response("Unsupported content type"),
                "422": _problem_response("Invalid fields, one message per field"),
                "429": _problem_response("Rate limited; see Retry-After"),
            },
        },
        "get": {
            "summary": "Approved comments of an article, threaded",
            "parameters": [
                _KEY,
                {"name": "sort", "in": "query", "schema": {"enum": ["oldest", "newest"]}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            "responses": {
                "200": _json_response("One page of top-level comments", _ref("Thread")),
                "304": {"description": "Not modified (ETag)"},
                "404": _problem_response("Unknown article"),
                "422": _problem_response("Invalid parameter"),
            },
        },
    },
    "/api/v1/articles/{article_key}/form-token": {
        "get": {
            "summary": "A single-use form token for one article (when the form was shown)",
            "parameters": [_KEY],
            "responses": {
                "200": _json_response(
                    "The token",
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["render_token"],
                        "properties": {"render_token": {"type": "string"}},
                    },
                )
            },
        }
    },
    "/api/v1/comments/{public_id}": {
        "get": {
            "summary": "An approved comment, or the author's own comment and its status",
            "parameters": [
                _ID,
                {
                    "name": "Moderation-Author-Token",
                    "in": "header",
                    "schema": {"type": "string"},
                    "description": "The author token intake returned.",
                },
                {
                    "name": "Moderation-Handoff",
                    "in": "header",
                    "schema": {"type": "string"},
                    "description": "A hand-off from the form endpoint's redirect (single-use).",
                },
            ],
            "responses": {
                "200": _json_response("The comment", _ref("CommentStatus")),
                "404": _problem_response("Unknown comment, or not public and not yours"),
            },
        }
    },
    "/api/v1/comments/{public_id}/reports": {
        "post": {
            "summary": "Report a published comment (one report per reader)",
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("NewReport")}},
            },
            "responses": {
                "202": _json_response("Recorded (or already recorded)", _ref("Recorded")),
                "404": _problem_response("No published comment has that id"),
                "422": _problem_response("Unknown reason"),
                "429": _problem_response("Rate limited; see Retry-After"),
            },
        }
    },
    "/api/v1/embed/messages": {
        "get": {
            "summary": "The widget's strings and settings in the reader's language",
            "parameters": [
                {"name": "lang", "in": "query", "schema": {"enum": ["fr", "en"]}},
                _LANG,
            ],
            "responses": {"200": _json_response("Strings and settings", _ref("EmbedMessages"))},
        }
    },
    "/api/v1/counts": {
        "get": {
            "summary": "Approved-comment counts for many articles",
            "parameters": [
                {
                    "name": "article",
                    "in": "query",
                    "required": True,
                    "explode": True,
                    "schema": {"type": "array", "items": {"type": "string"}, "maxItems": 100},
                }
            ],
            "responses": {
                "200": _json_response("Counts by article key", _ref("Counts")),
                "422": _problem_response("No or too many articles"),
            },
        }
    },
    "/api/v1/moderation/comments": {
        "get": {
            "summary": "A queue or a search, with reasons and emails",
            "security": [{"token": []}],
            "parameters": [
                {
                    "name": "tab",
                    "in": "query",
                    "schema": {
                        "enum": ["review", "reported", "spam", "rejected", "approved", "all"]
                    },
                },
                {
                    "name": "order",
                    "in": "query",
                    "schema": {"enum": ["oldest", "newest", "priority"]},
                },
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "status", "in": "query", "schema": _ref("Status")},
                {"name": "article", "in": "query", "schema": {"type": "string"}},
                {"name": "campaign", "in": "query", "schema": {"type": "integer"}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                {
                    "name": "limit",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            "responses": {
                "200": _json_response("One page", _ref("ModeratorList")),
                "401": _problem_response("Missing or invalid token"),
                "422": _problem_response("Invalid parameter"),
            },
        }
    },
    "/api/v1/moderation/comments/{public_id}": {
        "get": {
            "summary": "One comment with its moderation log",
            "security": [{"token": []}],
            "parameters": [_ID],
            "responses": {
                "200": _json_response("The comment", _ref("ModeratorComment")),
                "401": _problem_response("Missing or invalid token"),
                "404": _problem_response("Unknown comment"),
            },
        }
    },
    "/api/v1/moderation/campaigns/{campaign_id}/decision": {
        "post": {
            "summary": "One decision for every comment of a campaign",
            "security": [{"token": []}],
            "parameters": [
                {
                    "name": "campaign_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer"},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ModeratorDecision")}},
            },
            "responses": {
                "200": _json_response(
                    "The comments that changed",
                    {
                        "type": "object",
                        "required": ["campaign_id", "changed"],
                        "properties": {
                            "campaign_id": {"type": "integer"},
                            "changed": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                ),
                "401": _problem_response("Missing or invalid token"),
                "404": _problem_response("Unknown campaign"),
                "422": _problem_response("Unknown action"),
            },
        }
    },
    "/api/v1/moderation/articles/{article_key}/surge/end": {
        "post": {
            "summary": "End an article's surge mode",
            "security": [{"token": []}],
            "parameters": [_KEY],
            "responses": {
                "200": _json_response("Surge mode is off", {"type": "object"}),
                "401": _problem_response("Missing or invalid token"),
                "404": _problem_response("Unknown article"),
            },
        }
    },
    "/api/v1/moderation/comments/{public_id}/decision": {
        "post": {
            "summary": "Approve, hold, reject or mark as spam",
            "security": [{"token": []}],
            "parameters": [_ID],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ModeratorDecision")}},
            },
            "responses": {
                "200": _json_response("The comment after the decision", _ref("ModeratorComment")),
                "401": _problem_response("Missing or invalid token"),
                "404": _problem_response("Unknown comment"),
                "409": _problem_response("Not possible from the current status"),
                "422": _problem_response("Unknown action"),
            },
        }
    },
}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Comment moderation API",
            "version": "1.0.0",
            "description": "Public comment API and moderator API. Errors are RFC 9457 "
            "problem details in the language asked by Accept-Language (fr, en).",
        },
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "token": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "Issued by `moderation create-token NAME`.",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return current_app.response_class(json.dumps(document()), mimetype="application/json")
