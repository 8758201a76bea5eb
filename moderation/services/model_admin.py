"""The admins' view of the models: each kind's versions, the shadow report, audited switches.

The models page reads everything it shows through :func:`overview` (the stored versions
without their weights, which one is in force, where a rollback would go, and the shadow
report at the thresholds in force). A switch goes through ``services.model_versions``, the
one place versions are turned on and off, and is one audit entry naming the version left
and the version taken, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.errors import ModelVersionChanged
from moderation.errors import ModelVersionNotFound
from moderation.models import ModelVersion
from moderation.services import audit
from moderation.services import model_versions
from moderation.services import shadow
from moderation.services import site_settings
from moderation.services.audit import AuditAction
from moderation.services.ports import Deps


@dataclass(frozen=True, slots=True)
class VersionSummary:
    """One stored version as the page lists it (the weights stay in the database)."""

    id: int
    kind: str
    version: str
    #: ``csv`` (an operator's file) or ``moderators`` (the site's decisions).
    source: str
    #: The name of the version it was adapted from, if any.
    parent: str | None
    is_active: bool
    #: As stored by the training: ``examples``, ``positives``, ``held_out``.
    training: Mapping[str, Any]
    #: As stored by the gate: ``new`` and ``in_force`` figures, ``in_force_version``.
    validation: Mapping[str, Any]
    created_at: dt.datetime
    activated_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class KindModels:
    """A kind's versions, newest first, and what is in force."""

    kind: str
    versions: tuple[VersionSummary, ...]
    #: The site's version in force (``None``: the shipped model scores).
    in_force: VersionSummary | None
    #: The name of the model the package ships (``None``: the package has none).
    shipped_version: str | None
    #: Where a rollback would go, when one is possible (``None``: the shipped model).
    rollback_to: VersionSummary | None


@dataclass(frozen=True, slots=True)
class Overview:
    kinds: tuple[KindModels, ...]
    #: ``False`` when the settings switch the built-in models off: their versions score nothing.
    builtin_models: bool
    #: Each backend's scores against the moderators' decisions (``services.shadow``).
    reports: tuple[shadow.BackendReport, ...]


@dataclass(frozen=True, slots=True)
class Switch:
    """What a change did: the version left and the one in force (``None``: shipped)."""

    kind: str
    before: str | None
    after: str | None

    @property
    def changed(self) -> bool:
        return self.before != self.after


_COLUMNS = (
    ModelVersion.id,
    ModelVersion.kind,
    ModelVersion.version,
    ModelVersion.source,
    ModelVersion.parent_id,
    ModelVersion.is_active,
    ModelVersion.training,
    ModelVersion.validation,
    ModelVersion.created_at,
    ModelVersion.activated_at,
)


def overview(session: Session, deps: Deps) -> Overview:
    """Everything the models page shows, in a few queries."""
    rows = session.execute(sa.select(*_COLUMNS).order_by(ModelVersion.id.desc())).all()
    names = {row.id: row.version for row in rows}
    summaries = [
        VersionSummary(
            id=row.id,
            kind=row.kind,
            version=row.version,
            source=row.source,
            parent=names.get(row.parent_id) if row.parent_id is not None else None,
            is_active=row.is_active,
            # JSON as the training stored it; anything but an object reads as empty.
            training=row.training if isinstance(row.training, dict) else {},
            validation=row.validation if isinstance(row.validation, dict) else {},
            created_at=row.created_at,
            activated_at=row.activated_at,
        )
        for row in rows
    ]
    by_id = {s.id: s for s in summaries}
    kinds = []
    for kind in model_versions.KINDS:
        mine = tuple(s for s in summaries if s.kind == kind)
        in_force = next((s for s in mine if s.is_active), None)
        target = (
            model_versions.rollback_target(session, kind, in_force.id)
            if in_force is not None
            else None
        )
        kinds.append(
            KindModels(
                kind=kind,
                versions=mine,
                in_force=in_force,
                shipped_version=model_versions.shipped_version(kind),
                rollback_to=by_id.get(target) if target is not None else None,
            )
        )
    # The thresholds the worker decides with: the environment's, or an admin's override.
    policy = site_settings.policy(session, deps)
    return Overview(
        kinds=tuple(kinds),
        builtin_models=deps.settings.builtin_models,
        reports=tuple(shadow.shadow_report(session, policy)),
    )


def _name(session: Session, version_id: int | None) -> str | None:
    if version_id is None:
        return None
    row = session.scalar(sa.select(ModelVersion.version).where(ModelVersion.id == version_id))
    if row is None:
        raise ModelVersionNotFound(str(version_id))
    return row


def activate(
    session: Session,
    kind: str,
    version_id: int | None,
    *,
    now: dt.datetime,
    moderator_id: int | None,
) -> Switch:
    """Put a version of ``kind`` in force (``None``: the shipped model); audited.

    Activating the version already in force changes nothing and records nothing (its
    activation time stays, so a later rollback still goes where it would have).
    """
    _check_kind(kind)
    before = model_versions.active_rows(session).get(kind)
    if version_id == before:
        name = _name(session, before)
        return Switch(kind, name, name)
    # Raises ModelVersionNotFound for an unknown id or a version of another kind.
    model_versions.activate(session, kind, version_id, now)
    return _record(
        session, AuditAction.MODEL_ACTIVATED, kind, before, version_id, now, moderator_id
    )


def roll_back(
    session: Session,
    kind: str,
    *,
    expected_id: int | None,
    now: dt.datetime,
    moderator_id: int | None,
) -> Switch:
    """Go back to the version of ``kind`` in force before the current one; audited.

    ``expected_id`` is the version the person saw in force: if another is in force now
    (someone switched meanwhile, or the form was sent twice) nothing is done and
    :class:`ModelVersionChanged` is raised, so a rollback never goes further back than
    the page said. With the shipped model in force there is nothing to go back to
    (:class:`ModelVersionNotFound`). ``moderator_id`` is ``None`` from the command line.
    """
    _check_kind(kind)
    before = model_versions.active_rows(session).get(kind)
    if before != expected_id:
        raise ModelVersionChanged(kind)
    previous = model_versions.rollback(session, kind, now)
    after = None if previous is None else previous.id
    return _record(session, AuditAction.MODEL_ROLLED_BACK, kind, before, after, now, moderator_id)


def _check_kind(kind: str) -> None:
    if kind not in model_versions.KINDS:
        raise ModelVersionNotFound(kind)


def _record(
    session: Session,
    action: AuditAction,
    kind: str,
    before: int | None,
    after: int | None,
    now: dt.datetime,
    moderator_id: int | None,
) -> Switch:
    shipped = model_versions.shipped_version(kind) or model_versions.SHIPPED
    switch = Switch(kind, _name(session, before), _name(session, after))
    audit.record(
        session,
        action,
        now=now,
        moderator_id=moderator_id,
        details={
            "kind": kind,
            "from_id": before,
            "to_id": after,
            # The log page shows "changes" as "kind: from → to"; shipped models by name.
            "changes": {kind: {"from": switch.before or shipped, "to": switch.after or shipped}},
        },
    )
    session.flush()
    return switch
