"""Which built-in model versions are in force, and their classifiers, loaded once per process.

A fresh install scores with the models shipped in ``moderation/classifier_data``. Once a
site trains its own (``services.training``), the active :class:`ModelVersion` row of each
kind takes over; activating another row (or none: back to the shipped model) is a rollback.
A loaded version is kept per process, keyed by its id, so a worker decodes a model once and
notices a newly activated version at its next batch.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import threading
import time
from importlib import resources

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from moderation.config import Settings
from moderation.errors import ModelVersionNotFound
from moderation.models import ModelVersion
from moderation.pipeline.classifiers import BuiltinClassifier
from moderation.pipeline.classifiers import Encoder
from moderation.pipeline.classifiers import ModelBundle
from moderation.pipeline.classifiers import bundle_from_arrays
from moderation.pipeline.classifiers import bundle_to_arrays
from moderation.pipeline.classifiers import header_from_arrays
from moderation.pipeline.text_features import FeatureMemo
from moderation.pipeline.types import Classifier

KINDS = ("spam", "toxicity")
#: The key of a shipped model in the cache and in the CLI's listings.
SHIPPED = "shipped"

#: kind -> (the key of the version loaded, its model): one model per kind is kept.
_cache: dict[str, tuple[str, ModelBundle]] = {}
_lock = threading.Lock()


def current_classifiers(
    session: Session, settings: Settings, encoder: Encoder | None = None
) -> tuple[Classifier | None, Classifier | None]:
    """The built-in (spam, toxicity) classifiers in force; ``None`` for a kind switched off.

    ``encoder`` is the sentence encoder of the cascade (``wiring.sentence_encoder``); without
    it the models score with their n-gram heads alone.
    """
    if not settings.builtin_models:
        return None, None
    active = _active(session)
    found: list[Classifier | None] = []
    memo = FeatureMemo()  # both models read the same comments: their n-grams hashed once
    for kind in KINDS:
        bundle = bundle_for(session, kind, active.get(kind))
        found.append(
            None
            if bundle is None
            else BuiltinClassifier(bundle, encoder, time.perf_counter, features=memo)
        )
    return found[0], found[1]


def active_rows(session: Session) -> dict[str, int]:
    """The id of the active version row of each kind that has one."""
    return {kind: version_id for kind, (version_id, _) in _active(session).items()}


def _active(session: Session) -> dict[str, tuple[int, str]]:
    rows = session.execute(
        sa.select(ModelVersion.kind, ModelVersion.id, ModelVersion.version).where(
            ModelVersion.is_active.is_(True)
        )
    )
    return {kind: (version_id, name) for kind, version_id, name in rows}


def bundle_for(
    session: Session, kind: str, version: int | tuple[int, str] | None
) -> ModelBundle | None:
    """The model of a version row (its id, or id and name), or the shipped one.

    Decoded once per process: the last model loaded for each kind is kept, keyed by the
    row's id and name, so activating another version replaces it at the next batch.
    """
    if isinstance(version, int):
        row = session.get(ModelVersion, version)
        version = None if row is None else (row.id, row.version)
    key = SHIPPED if version is None else f"{version[0]}:{version[1]}"
    with _lock:
        cached = _cache.get(kind)
    if cached is not None and cached[0] == key:
        return cached[1]
    if version is None:
        bundle = shipped_bundle(kind)
    else:
        row = session.get(ModelVersion, version[0])
        bundle = None if row is None else decode(row.weights)
    if bundle is not None:
        with _lock:
            _cache[kind] = (key, bundle)
    return bundle


def shipped_bundle(kind: str) -> ModelBundle | None:
    """The model the package ships for ``kind`` (``None`` if the file is absent)."""
    source = resources.files("moderation").joinpath("classifier_data", f"{kind}.npz")
    if not source.is_file():
        return None
    return decode(source.read_bytes())


@functools.cache
def shipped_version(kind: str) -> str | None:
    """The name of the model the package ships for ``kind``, read without decoding it.

    Only the archive's small header is read (``np.load`` opens members lazily); the
    package's files do not change while a process runs, so the answer is kept.
    """
    source = resources.files("moderation").joinpath("classifier_data", f"{kind}.npz")
    if not source.is_file():
        return None
    with source.open("rb") as handle, np.load(handle, allow_pickle=False) as arrays:
        return str(header_from_arrays(arrays)["version"])


def encode(bundle: ModelBundle) -> bytes:
    """A bundle as the bytes of a compressed ``.npz`` file (no pickled objects)."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **bundle_to_arrays(bundle))
    return buffer.getvalue()


def decode(data: bytes) -> ModelBundle:
    """The inverse of :func:`encode`; refuses pickled content."""
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return bundle_from_arrays({name: arrays[name] for name in arrays.files})


def forget_loaded() -> None:
    """Drop the decoded models (tests; a process that must reload)."""
    with _lock:
        _cache.clear()


def bundle_in_force(session: Session, kind: str) -> ModelBundle | None:
    """The model scoring ``kind`` now: the active version, else the shipped one."""
    return bundle_for(session, kind, _active(session).get(kind))


def versions(session: Session, kind: str | None = None) -> list[ModelVersion]:
    """Every stored version (newest first), of one kind or all."""
    query = sa.select(ModelVersion).order_by(ModelVersion.id.desc())
    if kind is not None:
        query = query.where(ModelVersion.kind == kind)
    return list(session.scalars(query))


def activate(session: Session, kind: str, version_id: int | None, now: dt.datetime) -> None:
    """Put version row ``version_id`` in force for ``kind`` (``None``: the shipped model).

    The previous version is switched off first, in the same transaction, so at most one
    row per kind is ever active.
    """
    if version_id is not None:
        row = session.get(ModelVersion, version_id)
        if row is None or row.kind != kind:
            raise ModelVersionNotFound(str(version_id))
    session.execute(
        sa.update(ModelVersion)
        .where(ModelVersion.kind == kind, ModelVersion.is_active.is_(True))
        .values(is_active=False)
        .execution_options(synchronize_session="fetch")
    )
    if version_id is not None:
        session.execute(
            sa.update(ModelVersion)
            .where(ModelVersion.id == version_id)
            .values(is_active=True, activated_at=now)
            .execution_options(synchronize_session="fetch")
        )
    session.flush()


def find(session: Session, name: str) -> ModelVersion:
    """A version by its name (``spam-site-2026-12-02-1``) or its numeric id."""
    row = session.scalar(sa.select(ModelVersion).where(ModelVersion.version == name))
    if row is None and name.isdigit():
        row = session.get(ModelVersion, int(name))
    if row is None:
        raise ModelVersionNotFound(name)
    return row


def rollback_target(session: Session, kind: str, active_id: int) -> int | None:
    """The id of the version a rollback from ``active_id`` goes to (``None``: the shipped model).

    "Before" is by activation time: the most recently activated other version of the kind.
    """
    return session.scalar(
        sa.select(ModelVersion.id)
        .where(
            ModelVersion.kind == kind,
            ModelVersion.id != active_id,
            ModelVersion.activated_at.is_not(None),
        )
        .order_by(ModelVersion.activated_at.desc(), ModelVersion.id.desc())
        .limit(1)
    )


def rollback(session: Session, kind: str, now: dt.datetime) -> ModelVersion | None:
    """Go back to the version in force before the current one (or to the shipped model).

    Returns the version now in force (``None``: the shipped model).
    """
    active = active_rows(session).get(kind)
    if active is None:
        raise ModelVersionNotFound(f"{kind}: the shipped model is already in force")
    previous = rollback_target(session, kind, active)
    activate(session, kind, previous, now)
    return None if previous is None else session.get(ModelVersion, previous)
