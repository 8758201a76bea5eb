"""Site settings admins change at run time: stored values laid over the environment's.

The environment (``Settings``) gives every default. An admin may override a few values
that make sense to tune while the site runs (premoderation, the policy's thresholds, the
link limit, accepted languages, surge detection, automatic closing); each override is a
``site_settings`` row and each change an audit entry. Services never read those values
from ``deps.settings`` directly: they ask :func:`effective`, which returns a ``Settings``
with the overrides applied, read once per transaction (one request or one task) and
dropped from the cache when an admin saves a change.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation import pipeline
from moderation.config import PremoderationMode
from moderation.config import Settings
from moderation.db import forget
from moderation.db import per_transaction
from moderation.db import remember
from moderation.errors import FieldError
from moderation.errors import ValidationFailed
from moderation.models import SiteSetting
from moderation.services import audit
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps
from moderation.services.wordlists import rules_for

_CACHE_KEY = "moderation.site_settings"
_LANGUAGE = re.compile(r"[a-z]{2,3}")


class Kind(StrEnum):
    CHOICE = "choice"
    WHOLE = "whole"
    NUMBER = "number"
    LANGUAGES = "languages"


@dataclass(frozen=True, slots=True)
class Editable:
    """A ``Settings`` field admins may change, with the values it accepts."""

    key: str
    kind: Kind
    minimum: float = 0
    maximum: float = 0
    choices: tuple[str, ...] = ()


EDITABLE: tuple[Editable, ...] = (
    Editable("premoderation", Kind.CHOICE, choices=tuple(m.value for m in PremoderationMode)),
    Editable("close_after_days", Kind.WHOLE, 0, 3650),
    Editable("max_links", Kind.WHOLE, 1, 100),
    Editable("accepted_languages", Kind.LANGUAGES),
    Editable("score_hold_at", Kind.NUMBER, 0.01, 1),
    Editable("score_reject_at", Kind.NUMBER, 0.01, 1),
    Editable("surge_window_minutes", Kind.WHOLE, 1, 1440),
    Editable("surge_factor", Kind.NUMBER, 1, 100),
    Editable("surge_min_comments", Kind.WHOLE, 1, 100_000),
    Editable("surge_held_share", Kind.NUMBER, 0.01, 1),
    Editable("surge_minutes", Kind.WHOLE, 1, 10_080),
)
BY_KEY = {spec.key: spec for spec in EDITABLE}


def effective(session: Session, base: Settings) -> Settings:
    """``base`` with the admins' overrides applied (read once per transaction)."""

    # A request or a task reads the table once, and the next transaction (another
    # request, the next task) sees any change.
    def load() -> tuple[Settings, Settings]:
        return base, _overridden(session, base)

    cached = per_transaction(session, _CACHE_KEY, load)
    if cached[0] is not base:  # asked about other settings: remember those instead
        forget(session, _CACHE_KEY)
        cached = per_transaction(session, _CACHE_KEY, load)
    return cached[1]


def effective_from(session: Session, base: Settings, stored: Mapping[str, Any]) -> Settings:
    """:func:`effective`, from the stored values a caller read in a statement of its own
    (:func:`stored_values`); remembered for the transaction like a value read here."""
    value = _applied(base, stored.items())
    remember(session, _CACHE_KEY, (base, value))
    return value


def stored_values(dialect: str) -> sa.ScalarSelect[Any]:
    """The stored values as one JSON object, as a column of a caller's statement."""
    if dialect == "postgresql":
        aggregate = sa.func.json_object_agg(SiteSetting.key, SiteSetting.value)
    else:  # SQLite keeps JSON as text: json() embeds each value as JSON, not as a string
        aggregate = sa.func.json_group_object(SiteSetting.key, sa.func.json(SiteSetting.value))
    return sa.select(aggregate).scalar_subquery()


def decode_stored_values(value: object) -> dict[str, Any]:
    """What :func:`stored_values` gave: a mapping, JSON text, or nothing (no row)."""
    if isinstance(value, str | bytes):
        value = json.loads(value)
    return dict(value) if isinstance(value, Mapping) else {}


def _overridden(session: Session, base: Settings) -> Settings:
    return _applied(base, session.execute(sa.select(SiteSetting.key, SiteSetting.value)).all())


def _applied(base: Settings, stored: Iterable[tuple[str, Any]]) -> Settings:
    changes: dict[str, object] = {}
    for key, value in stored:
        spec = BY_KEY.get(key)
        if spec is not None:
            # A value stored by an older version that no longer parses is ignored, so a
            # bad row can never stop the service: the environment's value applies.
            try:
                changes[key] = _from_stored(spec, value)
            except (TypeError, ValueError):
                continue
    return base.replace(**changes) if changes else base


def overrides(session: Session) -> dict[str, Any]:
    """The stored values by key (JSON form), for the page to mark what differs."""
    return dict(session.execute(sa.select(SiteSetting.key, SiteSetting.value)).all())


def policy(session: Session, deps: Deps) -> pipeline.Policy:
    """The decision policy with the effective thresholds."""
    settings = effective(session, deps.settings)
    current = deps.policy
    if (current.hold_at, current.reject_at) == (settings.score_hold_at, settings.score_reject_at):
        return current
    return dataclasses.replace(
        current, hold_at=settings.score_hold_at, reject_at=settings.score_reject_at
    )


_SCREENING: dict[Settings, tuple[pipeline.Rule, ...]] = {}


def screening_rules(session: Session, deps: Deps) -> tuple[pipeline.Rule, ...]:
    """The cheap intake rules built from the effective settings."""
    settings = effective(session, deps.settings)
    if settings is deps.settings:
        return deps.rules
    rules = _SCREENING.get(settings)
    if rules is None:
        if len(_SCREENING) >= 8:
            _SCREENING.clear()
        rules = _SCREENING[settings] = rules_for(settings)
    return rules


def save(
    session: Session,
    base: Settings,
    raw: Mapping[str, str],
    *,
    moderator_id: int,
    now: Any,
) -> list[str]:
    """Store the submitted values (text from a form); returns the keys that changed.

    A blank value, or one equal to the environment's, removes the override. Nothing is
    stored unless every value is valid.

    :raises ValidationFailed: field by field.
    """
    parsed: dict[str, object] = {}
    errors: list[FieldError] = []
    for spec in EDITABLE:
        if spec.key not in raw:
            continue
        text = raw[spec.key].strip()
        if not text:
            parsed[spec.key] = getattr(base, spec.key)
            continue
        try:
            parsed[spec.key] = _parse(spec, text)
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    current = effective(session, base)
    hold = parsed.get("score_hold_at", current.score_hold_at)
    reject = parsed.get("score_reject_at", current.score_reject_at)
    if not errors and hold > reject:  # type: ignore[operator]
        errors.append(FieldError("score_hold_at", "hold_above_reject"))
    if errors:
        raise ValidationFailed(errors)
    changes: dict[str, dict[str, Any]] = {}
    for key, value in parsed.items():
        before, after = _to_stored(getattr(current, key)), _to_stored(value)
        if before == after:
            continue
        changes[key] = {"from": before, "to": after}
        row = session.get(SiteSetting, key)
        if after == _to_stored(getattr(base, key)):
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(
                SiteSetting(key=key, value=after, updated_by_id=moderator_id, updated_at=now)
            )
        else:
            row.value, row.updated_by_id, row.updated_at = after, moderator_id, now
    if changes:
        audit.record(
            session,
            AuditAction.SETTINGS_CHANGED,
            now=now,
            moderator_id=moderator_id,
            details={"changes": changes},
        )
        session.flush()
        forget(session, _CACHE_KEY)
    return sorted(changes)


def _parse(spec: Editable, text: str) -> object:
    def bad(code: str = "invalid_value") -> ValidationFailed:
        params: dict[str, int | str] = {"min": _plain(spec.minimum), "max": _plain(spec.maximum)}
        return ValidationFailed([FieldError(spec.key, code, params)])

    if spec.kind is Kind.CHOICE:
        if text not in spec.choices:
            raise bad()
        return PremoderationMode(text)
    if spec.kind is Kind.LANGUAGES:
        codes = tuple(dict.fromkeys(c.lower() for c in re.split(r"[\s,]+", text) if c))
        if not codes or not all(_LANGUAGE.fullmatch(c) for c in codes):
            raise bad("invalid_languages")
        return codes
    try:
        number: float = int(text) if spec.kind is Kind.WHOLE else float(text.replace(",", "."))
    except ValueError:
        raise bad("not_a_whole_number" if spec.kind is Kind.WHOLE else "not_a_number") from None
    if not spec.minimum <= number <= spec.maximum:
        raise bad("out_of_range")
    return number


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _to_stored(value: object) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


def _from_stored(spec: Editable, value: Any) -> object:
    if spec.kind is Kind.CHOICE:
        return PremoderationMode(value)
    if spec.kind is Kind.LANGUAGES:
        if not isinstance(value, list) or not value:
            raise ValueError(value)
        return tuple(str(v) for v in value)
    if spec.kind is Kind.WHOLE:
        return int(value)
    return float(value)
