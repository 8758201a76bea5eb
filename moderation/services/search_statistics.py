"""How common each trigram is among the comments, and which parts of a search term the
trigram index should be asked for.

PostgreSQL's trigram index answers ``ILIKE '%term%'`` by reading the posting list of every
trigram of the term and intersecting them. The trigrams of a word found in almost every
comment (« de », « que », the site's name) have lists as long as the table, and reading
them is most of a search's time even when another word of the term is in three comments:
on one million comments, ``%remarque 123457%`` spent 20 ms in the index where
``%123457%`` spent 0.4 ms, for the same single row. PostgreSQL keeps no statistics on
trigrams, so this module keeps its own: the share of a sample of the comments that holds
each trigram, refreshed by beat. A search then asks the index for the selective
parts of its term only, and the whole term is checked on the rows they find, so the
statistics decide how fast a search is, never what it finds.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.models import Comment
from moderation.models import SearchTrigram

#: The searched columns, by the name their statistics are stored under.
FIELDS = {"body_text": Comment.body_text, "author_name": Comment.author_name}
#: Comments sampled (about as many), from the whole table.
SAMPLE = 5_000
#: Below this many comments no statistics are kept: a search of so few is fast anyway,
#: and shares measured on them would mislead.
MIN_SAMPLE = 1_000
#: Trigrams seen fewer times than this in the sample are not stored (absent means rare).
MIN_COUNT = 2
#: A part of the term found in at least this share of comments narrows the search little
#: and costs the most to read: it is left to the check of the whole term.
COMMON_SHARE = 0.3
#: A part this rare (or rarer) finds few enough rows on its own.
RARE_SHARE = 0.002

# pg_trgm's word characters: letters and digits (not the underscore).
_WORD = re.compile(r"[^\W_]+")


def trigrams(text: str) -> set[str]:
    """The trigrams pg_trgm takes from ``text``: each word lower-cased, padded with two
    spaces before it and one after."""
    found: set[str] = set()
    for word in _WORD.findall(text.lower()):
        found.update(_padded(word, left=True, right=True))
    return found


def _padded(word: str, *, left: bool, right: bool) -> set[str]:
    padded = ("  " if left else "") + word + (" " if right else "")
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True, slots=True)
class Part:
    """One word of a search term with the separator on each side of it, if any: a
    substring of the term, so every row holding the term holds it."""

    #: Where it is in the (stripped) term.
    start: int
    end: int
    #: The trigrams pg_trgm takes from ``%part%``: a word is padded on a side only where
    #: the separator is there (the wildcard says nothing of what touches the word).
    trigrams: frozenset[str]


def parts(term: str) -> list[Part]:
    """The parts of ``term`` (stripped) that give the index at least one trigram."""
    term = term.strip()
    found = []
    for match in _WORD.finditer(term):
        left, right = match.start() > 0, match.end() < len(term)
        grams = _padded(match.group().lower(), left=left, right=right)
        if grams:
            found.append(Part(match.start() - left, match.end() + right, frozenset(grams)))
    return found


def index_parts(term: str, shares: Mapping[str, float]) -> list[str] | None:
    """The pieces of ``term`` to ask the trigram index for, in the term's order, or
    ``None`` for the whole term.

    ``shares`` are the stored shares of the term's trigrams (an absent trigram is rare);
    empty means no statistics. A part is as common as its rarest trigram. The rarest part
    alone when it is rare enough; otherwise every part but the common ones; the whole term
    when that would leave all of them or none. Parts that touch in the term (words one
    separator apart share it) are returned as one piece, so that the pieces, one after the
    other with anything between them, are always found in a text holding the term.
    """
    return _choose(term, parts(term), shares)


def _choose(term: str, found: list[Part], shares: Mapping[str, float]) -> list[str] | None:
    if len(found) < 2 or not shares:
        return None

    def share(part: Part) -> float:
        return min(shares.get(gram, 0.0) for gram in part.trigrams)

    rarest = min(found, key=lambda part: (share(part), -len(part.trigrams)))
    if share(rarest) <= RARE_SHARE:
        return _joined(term.strip(), [rarest])
    kept = [part for part in found if share(part) < COMMON_SHARE]
    if not kept or len(kept) == len(found):
        return None
    return _joined(term.strip(), kept)


def _joined(term: str, kept: list[Part]) -> list[str]:
    """The substrings of ``term`` covered by ``kept``, overlapping parts made one."""
    spans: list[list[int]] = []
    for part in kept:
        if spans and part.start < spans[-1][1]:
            spans[-1][1] = part.end
        else:
            spans.append([part.start, part.end])
    return [term[start:end] for start, end in spans]


def shares_of(session: Session, field: str, grams: Iterable[str]) -> dict[str, float]:
    """The stored shares of ``grams`` for ``field``; empty when there are no statistics.

    A trigram the sample did not hold twice has no row: it is given 0 (rare) when the
    statistics exist at all.
    """
    wanted = sorted(set(grams))
    rows = session.execute(
        sa.select(SearchTrigram.trigram, SearchTrigram.share).where(
            SearchTrigram.field == field, SearchTrigram.trigram.in_(wanted)
        )
    ).all()
    found = {gram: share for gram, share in rows}
    if found:
        return {gram: found.get(gram, 0.0) for gram in wanted}
    known = session.scalar(
        sa.select(SearchTrigram.trigram).where(SearchTrigram.field == field).limit(1)
    )
    return dict.fromkeys(wanted, 0.0) if known is not None else {}


def plan(session: Session, field: str, term: str) -> list[str] | None:
    """``index_parts`` of ``term`` with the stored shares of ``field`` (no query for a term
    of one part, which is the whole term whatever the statistics say)."""
    found = parts(term)
    if len(found) < 2:
        return None
    grams = set().union(*(part.trigrams for part in found))
    return _choose(term, found, shares_of(session, field, grams))


def _sample(session: Session) -> list[sa.Row[Any]]:
    """About ``SAMPLE`` comments drawn from the whole table, each row with the same chance.

    Not the newest: the trigram index is asked only when the newest comments hold too few
    matches (``queue._search``), so the parts of a term that matter are those of older
    comments, and words come and go (a number, a name in the news).
    """
    total = session.scalar(
        sa.text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('comments')")
    )
    if total is None or total <= 0:  # never analysed
        total = session.scalar(sa.select(sa.func.count()).select_from(Comment))
    # Rows, not pages: a page holds comments of the same minutes. It reads the table (0.2 s
    # for a million comments, once an hour) and returns about the share asked for; no
    # limit but a bound, which would cut the sample's last rows, the newest.
    percent = min(100.0, SAMPLE * 100 / max(int(total or 0), 1))
    sampled = sa.tablesample(Comment.__table__, sa.func.bernoulli(percent))
    columns = [sampled.c[name] for name in FIELDS]
    return list(session.execute(sa.select(*columns).limit(2 * SAMPLE)).all())


def refresh(session: Session) -> int:
    """Sample the comments and replace the statistics; returns the comments sampled.

    PostgreSQL only: elsewhere there is no trigram index to guide (0 is returned). With
    fewer than ``MIN_SAMPLE`` comments the statistics are emptied.
    """
    if session.get_bind().dialect.name != "postgresql":
        return 0
    rows = _sample(session)
    session.execute(sa.delete(SearchTrigram))
    if len(rows) < MIN_SAMPLE:
        return len(rows)
    for index, field in enumerate(FIELDS):
        counts: Counter[str] = Counter()
        for row in rows:
            counts.update(trigrams(row[index] or ""))
        kept = [
            {"field": field, "trigram": gram, "share": count / len(rows)}
            for gram, count in counts.items()
            if count >= MIN_COUNT
        ]
        if kept:
            session.execute(sa.insert(SearchTrigram), kept)
    return len(rows)
