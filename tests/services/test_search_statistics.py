"""Trigram statistics for the queue's searches: what they sample, which parts of a term
they send to the index, and that they never change what a search finds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from moderation.db import db
from moderation.models import Comment
from moderation.models import CommentStatus
from moderation.models import SearchTrigram
from moderation.services import queue
from moderation.services import search_statistics
from moderation.services.queue import QueueFilter
from moderation.services.queue import Tab
from moderation.services.search_statistics import index_parts
from moderation.services.search_statistics import parts
from moderation.services.search_statistics import trigrams
from tests.backends import Backend
from tests.helpers import add_article
from tests.helpers import post
from tests.helpers import set_created_at
from tests.helpers import set_status
from tests.services.test_queue import NOW
from tests.services.test_queue import listed


def test_a_word_gives_the_trigrams_of_its_padded_lower_case_form() -> None:
    assert trigrams("Le 5") == {"  l", " le", "le ", "  5", " 5 "}
    assert trigrams("a_b, a") == {"  a", " a ", "  b", " b "}
    assert trigrams("…") == set()


def test_a_term_splits_into_its_words_with_the_separators_beside_them() -> None:
    term = "  les transports, remarque 5 "
    found = parts(term)
    texts = [term.strip()[part.start : part.end] for part in found]
    assert texts == ["les ", " transports,", " remarque ", " 5"]
    # The wildcard before "les" says nothing of what comes before the word: no padding
    # there; the space after it is in the term, so the word ends there.
    assert found[0].trigrams == {"les", "es "}
    assert found[3].trigrams == {"  5"}
    # A lone letter touching a wildcard on both sides gives the index nothing to read.
    assert parts("a") == []


def test_the_rarest_part_alone_when_it_is_rare_enough() -> None:
    shares = {"rem": 1.0, "ema": 1.0, "mar": 1.0, "arq": 1.0, "rqu": 1.0, "que": 1.0}
    shares |= {"ue ": 1.0, "  1": 0.2, " 12": 0.02, "123": 0.01, "234": 0.004, "345": 0.001}
    assert index_parts("remarque 12345", shares) == [" 12345"]
    # Absent from the statistics means rarer than what they keep.
    every = dict.fromkeys(trigrams("remarque"), 1.0)
    assert index_parts("remarque marmotte", every) == [" marmotte"]


def test_the_common_parts_are_left_to_the_check_of_the_whole_term() -> None:
    shares = {gram: 0.33 for gram in trigrams("les")} | {gram: 1.0 for gram in trigrams("remarque")}
    shares |= {gram: 0.17 for gram in trigrams("transports")} | {"  5": 0.11}
    assert index_parts("les transports, remarque 5", shares) == [" transports,", " 5"]


def test_parts_that_share_a_separator_are_asked_for_as_one_piece() -> None:
    # The index gets the pieces in order, with anything between them ("%budget-vote %"):
    # "budget-" and "-vote " share their hyphen, so they must stay one piece, or the
    # pattern would want two hyphens.
    shares = {gram: 0.05 for gram in trigrams("budget vote")}
    shares |= {gram: 0.9 for gram in trigrams("municipal")}
    assert index_parts("budget-vote municipal", shares) == ["budget-vote "]
    # Two separators apart, the pieces only touch: they stay two.
    shares |= {gram: 0.9 for gram in trigrams("le")}
    assert index_parts("budget, le vote", shares) == ["budget,", " vote"]


def test_the_whole_term_when_no_part_stands_out_or_nothing_is_known() -> None:
    shares = {gram: 0.05 for gram in trigrams("budget municipal")}
    assert index_parts("budget municipal", shares) is None  # every part kept
    common = {gram: 0.9 for gram in trigrams("de la")}
    assert index_parts("de la", common) is None  # every part common
    assert index_parts("budget municipal", {}) is None  # no statistics
    assert index_parts("budget", {"bud": 0.0}) is None  # one part is the whole term


def _comments(app: Flask, bodies: list[str], names: list[str]) -> list[str]:
    add_article(app)
    client = app.test_client()
    ids = []
    for n, (body, name) in enumerate(zip(bodies, names, strict=True)):
        public_id = post(client, body=body, author_name=name)
        set_status(app, public_id, CommentStatus.HELD)
        set_created_at(app, public_id, NOW - dt.timedelta(minutes=len(bodies) - n))
        ids.append(public_id)
    return ids


def test_statistics_count_each_trigram_once_per_comment_on_postgresql(
    app: Flask, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_statistics, "MIN_SAMPLE", 4)
    bodies = ["Le vieux quai.", "Le budget, le budget.", "Le budget voté.", "Un budget.", "La mer."]
    names = ["Zoé", "Léa", "Léa", "Marc", "Léa"]
    _comments(app, bodies, names)
    with app.app_context():
        sampled = search_statistics.refresh(db.session())
        db.session.commit()
        rows = db.session.execute(sa.select(SearchTrigram)).scalars().all()
        stored = {(row.field, row.trigram): row.share for row in rows}
    if backend.name != "postgres":
        # No trigram index to guide elsewhere: nothing is sampled or stored.
        assert (sampled, stored) == (0, {})
        return
    # A table this small is sampled whole.
    assert sampled == 5
    assert stored[("body_text", "bud")] == 0.6  # three comments, one of them twice
    assert stored[("body_text", "  l")] == 0.8  # « Le » in three, « La » in one
    assert ("body_text", "vie") not in stored  # seen once: not kept (absent means rare)
    assert stored[("author_name", " lé")] == 0.6
    assert ("author_name", " zo") not in stored
    assert {field for field, _ in stored} == set(search_statistics.FIELDS)


def test_a_large_table_is_sampled_old_and_new_alike(
    app: Flask, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Older comments count as much as the newest: the index is asked when the newest hold
    # too few matches, and what is common changes over time (« remarque 1… » then « 2… »).
    monkeypatch.setattr(search_statistics, "SAMPLE", 40)
    monkeypatch.setattr(search_statistics, "MIN_SAMPLE", 10)
    _comments(app, ["Un premier avis."], ["A"])
    with app.app_context():
        template = db.session.scalars(sa.select(Comment)).one()
        columns = {
            c.key: getattr(template, c.key) for c in Comment.__table__.columns if c.key != "id"
        }
        db.session.execute(
            sa.insert(Comment),
            [
                columns
                | {
                    "public_id": f"p{n}",
                    "body_text": f"Ancien {n}" if n < 2_000 else f"Récent {n}",
                    "created_at": NOW - dt.timedelta(minutes=4_000 - n),
                }
                for n in range(4_000)
            ],
        )
        db.session.commit()
        sampled = search_statistics.refresh(db.session())
        db.session.commit()
        shares = dict(
            db.session.execute(
                sa.select(SearchTrigram.trigram, SearchTrigram.share).where(
                    SearchTrigram.field == "body_text"
                )
            ).all()
        )
    if backend.name != "postgres":
        assert (sampled, shares) == (0, {})
        return
    assert 10 <= sampled <= 80
    # Half the table is old, half recent: both show in the sample.
    assert 0.1 < shares.get(" an", 0.0) < 0.9
    assert 0.1 < shares.get(" ré", 0.0) < 0.9


def test_too_few_comments_leave_no_statistics(
    app: Flask, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_statistics, "MIN_SAMPLE", 3)
    with app.app_context():
        db.session.add(SearchTrigram(field="body_text", trigram="old", share=0.5))
        db.session.commit()
    _comments(app, ["Un budget.", "Deux budgets."], ["A", "B"])
    with app.app_context():
        sampled = search_statistics.refresh(db.session())
        db.session.commit()
        left = db.session.scalars(sa.select(SearchTrigram.trigram)).all()
    assert (sampled, left) == ((2, []) if backend.name == "postgres" else (0, ["old"]))


@pytest.mark.parametrize("window", [1, 1_000])
def test_searches_find_the_same_comments_with_statistics(
    app: Flask, backend: Backend, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    # The statistics (refreshed here, on PostgreSQL) choose what the trigram index is
    # asked for; the whole term is still checked, so the answers are those of a plain
    # substring search, in order.
    monkeypatch.setattr(queue, "SEARCH_WINDOW", window)
    monkeypatch.setattr(search_statistics, "MIN_SAMPLE", 1)
    bodies = [
        *[f"Sur les transports, remarque {n}." for n in range(12)],
        "Sur les écoles, remarque 123457.",
        "Remarque 5 % : le_budget, 50% voté.",
        "Les transports,remarque 5 (sans espace).",
        "Un vote-budget remarque ici.",
        "Le vote-budget, remarquez.",
    ]
    names = [f"Lecteur {n % 4}" for n in range(len(bodies) - 1)] + ["Lectrice 42"]
    ids = _comments(app, bodies, names)
    with app.app_context():
        sampled = search_statistics.refresh(db.session())
        db.session.commit()
    assert sampled == (len(bodies) if backend.name == "postgres" else 0)

    def expected(term: str, field: list[str]) -> list[str]:
        return [i for i, text in zip(ids, field, strict=True) if term.lower() in text.lower()]

    for term in [
        "remarque 123457",
        "les transports, remarque 5",
        "transports, remarque 1",
        "remarque 5 % : le_budget",
        "REMARQUE 1",
        "sur les",
        "remarque 99",
        "vote-budget remarque",  # two pieces sharing the hyphen, one pattern
    ]:
        found = listed(app, QueueFilter(tab=Tab.ALL, text=term, order=queue.Order.OLDEST), 2)
        assert found == expected(term, bodies), term
    for name in ["lecteur 2", "Lectrice 42", "teur 1"]:
        filters = QueueFilter(tab=Tab.ALL, author_name=name, order=queue.Order.OLDEST)
        assert listed(app, filters, limit=3) == expected(name, names), name


def test_the_index_is_asked_for_the_rare_part_only(
    app: Flask, backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_statistics, "MIN_SAMPLE", 1)
    ids = _comments(app, [f"Remarque {n} sur le budget." for n in range(100)], ["A"] * 100)
    with app.app_context():
        search_statistics.refresh(db.session())
        db.session.commit()
        conditions = queue._indexed_substrings(db.session(), QueueFilter(text="remarque 77"))
        query = sa.select(Comment.public_id).where(*conditions)
        found = db.session.scalars(query).all()
        if backend.name == "postgres":
            db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(db.session.scalars(sa.text("EXPLAIN " + _literal(query))).all())
    assert found == [ids[77]]
    if backend.name == "postgres":
        # « remarque » is in every sampled comment, « 77 » in none: the index reads the
        # trigrams of the number only, and the whole term is checked on the rows found.
        index_conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        assert index_conditions, plan
        assert all("'% 77%'" in line and "remarque" not in line for line in index_conditions)
        assert "'%remarque 77%'" in plan


def _literal(query: sa.Select[Any]) -> str:
    return str(query.compile(db.engine, compile_kwargs={"literal_binds": True})).replace("%%", "%")
