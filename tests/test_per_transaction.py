"""Values remembered for one transaction: read again in the next one, never across."""

from __future__ import annotations

from flask import Flask

from moderation.db import db
from moderation.db import forget
from moderation.db import per_transaction


def test_a_value_is_read_once_per_transaction_and_again_after_it(app: Flask) -> None:
    reads: list[int] = []

    def load() -> int:
        reads.append(1)
        db.session.execute(db.text("SELECT 1"))  # what a real load does: it begins one
        return len(reads)

    with app.app_context():
        db.session.commit()  # no transaction open
        assert per_transaction(db.session, "k", load) == 1
        assert per_transaction(db.session, "k", load) == 1
        db.session.commit()
        # A new transaction (none is open yet when asked): read again, not the old value.
        assert per_transaction(db.session, "k", load) == 2
        assert per_transaction(db.session, "k", load) == 2
        db.session.rollback()
        assert per_transaction(db.session, "k", load) == 3
        forget(db.session, "k")
        assert per_transaction(db.session, "k", load) == 4
