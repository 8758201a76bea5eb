"""The field types every contract shares: keys and ids in paths, numbers in query strings.

Each is an ``Annotated`` type carrying its own check, so the rule that validates a value
and the JSON Schema that documents it come from the same line.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import Field

from moderation.config import Settings
from moderation.validation import FieldProblem
from moderation.web.schemas.contract import Checked

#: The columns' sizes: a longer key or id names nothing, and PostgreSQL would refuse it.
ARTICLE_KEY_MAX_LENGTH = 200
PUBLIC_ID_MAX_LENGTH = 32
QUERY_TEXT_MAX_LENGTH = 500
CURSOR_MAX_LENGTH = 1000


def _plain(max_len: int) -> Checked:
    def check(raw: object, _settings: Settings) -> object:
        # Control characters (NUL first: PostgreSQL cannot store it) never belong to a key.
        if not isinstance(raw, str):
            raise FieldProblem("invalid_type")
        if len(raw) > max_len:
            raise FieldProblem("too_long", {"max": max_len})
        if any(unicodedata.category(ch) == "Cc" for ch in raw):
            raise FieldProblem("control_chars")
        return raw

    return Checked(check, fixed={"maxLength": max_len, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$"})


ArticleKey = Annotated[str, _plain(ARTICLE_KEY_MAX_LENGTH), Field(min_length=1)]
PublicId = Annotated[str, _plain(PUBLIC_ID_MAX_LENGTH), Field(min_length=1)]
#: Free text in a query string (a search, an article filter).
QueryText = Annotated[str, _plain(QUERY_TEXT_MAX_LENGTH)]
#: An opaque pagination cursor, handed out by the previous page.
Cursor = Annotated[str, _plain(CURSOR_MAX_LENGTH)]


def _whole_number(raw: object) -> int:
    # ``str.isdigit`` says yes to "²" and "١": only ASCII digits are a number here.
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if not isinstance(raw, str) or not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise FieldProblem("invalid_value")
    return int(raw)


def _page_size(raw: object, settings: Settings) -> int:
    value = _whole_number(raw)
    if not 1 <= value <= settings.page_size_max:
        raise FieldProblem("invalid_value")
    return value


def _natural(raw: object, _settings: Settings) -> int:
    return _whole_number(raw)


#: ``?limit=``: from 1 to ``Settings.page_size_max``.
PageSize = Annotated[
    int, Checked(_page_size, limits={"maximum": "page_size_max"}, fixed={"minimum": 1})
]
#: A whole number from 0 (ids and counters in query strings).
Natural = Annotated[int, Checked(_natural, fixed={"minimum": 0})]


def _blank_is_none(raw: object, _settings: Settings) -> object:
    return None if raw == "" else raw


#: Annotation for optional query parameters: ``?name=`` (empty) means "not given".
BLANK_IS_NONE = Checked(_blank_is_none, also={"const": ""})
