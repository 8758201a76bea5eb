"""The admins' word list and block list, and the rule set built from them.

The word list (our seed lists plus the admins' entries) is compiled once per version: the
version changes with every edit, so workers pick up a change at their next check without
recompiling on every comment.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import pipeline
from moderation.config import IpStorage
from moderation.config import Settings
from moderation.db import forget
from moderation.db import per_transaction
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import BlockRule
from moderation.models import WordListEntry
from moderation.pipeline import wordlists as compiled_lists
from moderation.services.privacy import TRUNCATED_PREFIX


def wordlist_version(session: Session) -> str:
    """Changes whenever an entry is added or removed (read once per transaction: a
    worker's batch of checks asks for every comment)."""
    return per_transaction(session, _VERSION_KEY, lambda: _version(session))


def _version(session: Session) -> str:
    count, last = session.execute(
        sa.select(sa.func.count(WordListEntry.id), sa.func.max(WordListEntry.id))
    ).one()
    return f"db{count}-{last or 0}"


_VERSION_KEY = "moderation.wordlist_version"


def changed(session: Session) -> None:
    """Entries were added or removed in this transaction: read the version again."""
    forget(session, _VERSION_KEY)


#: Compiled rule sets by (word-list version, settings); a handful at most.
_RULES: dict[tuple[str, Settings], tuple[pipeline.Rule, ...]] = {}


def current_rules(session: Session, settings: Settings) -> tuple[pipeline.Rule, ...]:
    """The full rule set for the worker, with the word list at its current version."""
    key = (wordlist_version(session), settings)
    rules = _RULES.get(key)
    if rules is None:
        rows = session.execute(
            sa.select(
                WordListEntry.term,
                WordListEntry.action,
                WordListEntry.language,
                WordListEntry.article_key,
            ).order_by(WordListEntry.id)
        ).all()
        entries: list[pipeline.WordEntry] = []
        if settings.seed_word_lists:
            entries += [*compiled_lists.SEED_FR, *compiled_lists.SEED_EN]
        entries += [
            pipeline.WordEntry(term, pipeline.WordAction(action), language, article_key=article)
            for term, action, language, article in rows
        ]
        seed = compiled_lists.SEED_VERSION if settings.seed_word_lists else "none"
        wordlist = pipeline.compile_wordlist(entries, f"{seed}+{key[0]}")
        rules = rules_for(settings, wordlist)
        if len(_RULES) >= 8:
            _RULES.clear()
        _RULES[key] = rules
    return rules


def rules_for(
    settings: Settings, wordlist: pipeline.CompiledWordList | None = None
) -> tuple[pipeline.Rule, ...]:
    """The rule set the settings describe, with ``wordlist`` (intake uses none)."""
    return pipeline.default_rules(
        banned_words=settings.banned_words,
        max_links=settings.max_links,
        wordlist=wordlist,
        blocked_domains=settings.blocked_domains,
        trust_after=settings.trust_after,
        max_reject_rate=settings.max_reject_rate,
        max_author_recent=settings.flood_max_per_author,
        max_ip_recent=settings.flood_max_per_network,
        campaign_min_similar=settings.campaign_min_similar,
        min_seconds=settings.min_seconds_to_write,
        newsroom_names=settings.newsroom_names,
    )


def add_word(
    session: Session,
    term: str,
    *,
    action: str,
    language: str,
    article_key: str | None,
    actor: str,
    now: dt.datetime,
) -> WordListEntry:
    """Add a term to the word list.

    :raises ValidationFailed: an unusable term, action or language.
    """
    try:
        entry = pipeline.WordEntry(term.strip(), pipeline.WordAction(action), language)
    except ValueError:
        raise ValidationFailed([FieldError("term", "invalid_value")]) from None
    row = WordListEntry(
        term=entry.term,
        action=entry.action.value,
        language=entry.language,
        article_key=article_key,
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    changed(session)
    return row


def remove_word(session: Session, term: str) -> int:
    """Remove every entry for ``term``; returns how many."""
    result = session.execute(sa.delete(WordListEntry).where(WordListEntry.term == term.strip()))
    changed(session)
    return int(result.rowcount)  # type: ignore[attr-defined]  # CursorResult on DELETE


def words(session: Session) -> Sequence[WordListEntry]:
    return session.scalars(sa.select(WordListEntry).order_by(WordListEntry.term)).all()


def _refuse_unmatchable(kind: pipeline.BlockKind, value: str, ip_storage: IpStorage) -> None:
    if ip_storage is IpStorage.NONE:
        raise ValidationFailed([FieldError("kind", "ip_rule_not_kept")])
    if ip_storage is IpStorage.TRUNCATED:
        network = ipaddress.ip_network(value, strict=False)
        kept = TRUNCATED_PREFIX[network.version]
        if kind is pipeline.BlockKind.IP or network.prefixlen > kept:
            raise ValidationFailed([FieldError("kind", "ip_rule_truncated", {"prefix": kept})])


def add_block(
    session: Session,
    kind: str,
    value: str,
    *,
    action: str,
    expires_at: dt.datetime | None,
    note: str,
    actor: str,
    now: dt.datetime,
    ip_storage: IpStorage,
) -> BlockRule:
    """Add a block-list entry (``email`` values must already be keyed hashes).

    Address rules are compared with what ``ip_storage`` keeps of each comment's address,
    so an entry that could never match is refused rather than stored to do nothing: an
    exact address (or a network narrower than /24, /48) when only networks are kept, any
    address rule when none is.

    :raises ValidationFailed: unknown kind or action, a malformed address or network, or
        an address rule the privacy setting makes useless.
    """
    try:
        entry = pipeline.BlockEntry(kind=kind, value=value.strip().lower(), action=action)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationFailed([FieldError("kind", "invalid_value")]) from None
    if entry.kind in (pipeline.BlockKind.IP, pipeline.BlockKind.CIDR):
        try:
            ipaddress.ip_network(entry.value, strict=False)
        except ValueError:
            raise ValidationFailed([FieldError("value", "invalid_value")]) from None
        _refuse_unmatchable(entry.kind, entry.value, ip_storage)
    row = BlockRule(
        kind=entry.kind.value,
        value=entry.value,
        action=entry.action.value,
        expires_at=expires_at,
        note=note[:500],
        created_by=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row
