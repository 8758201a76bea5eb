"""``moderation train|evaluate|model ...``: the built-in models from the command line.

Training and version changes go through the same services as the worker's retrain; each
command commits once. ``evaluate`` writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.db import db
from moderation.errors import ModelVersionNotFound
from moderation.errors import ValidationFailed
from moderation.models import ModelVersion
from moderation.pipeline.classifiers import Encoder
from moderation.services import evaluation
from moderation.services import model_admin
from moderation.services import model_versions
from moderation.services import training
from moderation.services import wiring
from moderation.services.ports import Deps

KIND = click.Choice(model_versions.KINDS)


def _deps() -> Deps:
    return current_app.extensions["moderation.deps"]  # type: ignore[no-any-return]


def _encoder(use: bool) -> Encoder | None:
    return wiring.sentence_encoder(_deps().settings) if use else None


def _examples(path: Path) -> list[training.Example]:
    try:
        return training.read_examples(path)
    except ValidationFailed as exc:
        raise click.ClickException("; ".join(f"{e.field}: {e.code}" for e in exc.errors)) from None


def _figures(label: str, metrics: Any) -> str:
    if metrics is None:
        return f"{label}: not measured"
    auc = "n/a" if metrics.roc_auc is None else f"{metrics.roc_auc:.4f}"
    return (
        f"{label}: ROC-AUC {auc}, precision {metrics.precision:.3f}, recall "
        f"{metrics.recall:.3f}, F1 {metrics.f1:.3f}, decided at p>=0.95 "
        f"{metrics.auto_share_at_p95:.1%} ({metrics.rows} rows)"
    )


@click.command("train")
@click.argument("kind", type=KIND)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--encoder/--no-encoder", default=True, help="Use the sentence encoder.")
@with_appcontext
def train_command(kind: str, csv_file: Path, encoder: bool) -> None:
    """Train a KIND model from CSV_FILE (text,label[,lang]); it goes live if not worse."""
    examples = _examples(csv_file)
    now = _deps().clock.now()
    with click.progressbar(length=1, label=f"training {kind}") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(done - bar.pos)

        try:
            result = training.train_from_csv(
                db.session(), now, kind, examples, _encoder(encoder), progress
            )
        except ValidationFailed as exc:
            db.session.rollback()
            raise click.ClickException("; ".join(e.code for e in exc.errors)) from None
    db.session.commit()
    click.echo(f"held-out report ({result.row.training['held_out'] if result.row else 0} rows):")
    click.echo("  " + _figures("new version", result.new))
    click.echo("  " + _figures("in force", result.current))
    name = result.row.version if result.row else "-"
    state = "now in force" if result.activated else "stored, NOT activated (worse on held-out)"
    click.echo(f"{name}: {state}")


@click.command("evaluate")
@click.argument("kind", type=KIND)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "version", default=None, help="A stored version (default: shipped).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on standard output.")
@click.option("--encoder/--no-encoder", default=True, help="Use the sentence encoder.")
@with_appcontext
def evaluate_command(
    kind: str, csv_file: Path, version: str | None, as_json: bool, encoder: bool
) -> None:
    """Measure the KIND model on CSV_FILE (writes nothing)."""
    examples = _examples(csv_file)
    try:
        bundle = evaluation.model_to_evaluate(db.session(), kind, version)
    except ModelVersionNotFound as exc:
        raise click.ClickException(f"not found: {exc}") from None
    threshold = _deps().settings.score_hold_at
    report = evaluation.evaluate(bundle, examples, _encoder(encoder), threshold)
    db.session.rollback()
    if as_json:
        click.echo(json.dumps(report, sort_keys=True))
        return
    confusion = report["confusion"]
    assert isinstance(confusion, dict)
    click.echo(f"model {report['model']} on {report['rows']} rows ({report['positives']} positive)")
    click.echo(f"ROC-AUC {report['roc_auc']}")
    click.echo(
        f"at threshold {threshold}: precision {report['precision']}, recall "
        f"{report['recall']}, F1 {report['f1']}"
    )
    click.echo(
        "confusion: "
        + ", ".join(f"{name.replace('_', ' ')} {count}" for name, count in confusion.items())
    )
    click.echo(f"share decided at precision >= 0.95: {report['auto_share_at_p95']}")


@click.group("model")
def model_group() -> None:
    """Built-in model versions: list, activate, roll back, retrain (see docs/models.md)."""


def _line(row: ModelVersion) -> str:
    new = (row.validation or {}).get("new") or {}
    auc = new.get("roc_auc")
    figures = "-" if auc is None else f"{auc:.4f}"
    state = "ACTIVE" if row.is_active else "-"
    counts = row.training or {}
    return (
        f"{row.id}\t{row.kind}\t{row.version}\t{state}\t{row.source}\t"
        f"examples={counts.get('examples', 0)}\theld-out AUC={figures}\t"
        f"{row.created_at:%Y-%m-%d %H:%M}"
    )


@model_group.command("list")
@click.argument("kind", type=KIND, required=False)
@with_appcontext
def list_command(kind: str | None) -> None:
    """Stored versions, newest first; a kind with none active uses its shipped model."""
    session = db.session()
    active = model_versions.active_rows(session)
    for each in (kind,) if kind else model_versions.KINDS:
        if each not in active:
            bundle = model_versions.shipped_bundle(each)
            name = bundle.version if bundle else "(none)"
            click.echo(f"-\t{each}\t{name}\tACTIVE\tshipped")
    for row in model_versions.versions(session, kind):
        click.echo(_line(row))


@model_group.command("activate")
@click.argument("kind", type=KIND)
@click.argument("version")
@with_appcontext
def activate_command(kind: str, version: str) -> None:
    """Put VERSION (a name, an id, or 'shipped') in force for KIND."""
    session = db.session()
    now = _deps().clock.now()
    try:
        row_id = (
            None if version == model_versions.SHIPPED else model_versions.find(session, version).id
        )
        # Audited like the workspace's button, with no moderator: an operator's command.
        model_admin.activate(session, kind, row_id, now=now, moderator_id=None)
    except ModelVersionNotFound as exc:
        db.session.rollback()
        raise click.ClickException(f"not found: {exc}") from None
    db.session.commit()
    click.echo(f"{kind}: {version} in force")


@model_group.command("rollback")
@click.argument("kind", type=KIND)
@with_appcontext
def rollback_command(kind: str) -> None:
    """Go back to the version of KIND in force before the current one."""
    session = db.session()
    try:
        switch = model_admin.roll_back(
            session,
            kind,
            expected_id=model_versions.active_rows(session).get(kind),
            now=_deps().clock.now(),
            moderator_id=None,
        )
    except ModelVersionNotFound as exc:
        db.session.rollback()
        raise click.ClickException(f"nothing to roll back: {exc}") from None
    db.session.commit()
    click.echo(f"{kind}: {switch.after or 'shipped'} in force")


@model_group.command("retrain")
@click.argument("kind", type=KIND)
@click.option("--encoder/--no-encoder", default=True, help="Use the sentence encoder.")
@with_appcontext
def retrain_command(kind: str, encoder: bool) -> None:
    """Adapt KIND to the moderators' decisions now (as the periodic task does)."""
    now = _deps().clock.now()
    result = training.retrain_from_decisions(db.session(), now, kind, _encoder(encoder))
    db.session.commit()
    click.echo(_figures("new version", result.new))
    click.echo(_figures("in force", result.current))
    name = result.row.version if result.row else "-"
    click.echo(f"{name}: {result.reason}")


@model_group.command("build-shipped")
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--version", default=None, help="Version suffix (default: today's date).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(__file__).parent / "classifier_data",
    show_default="the package's classifier_data folder",
)
def build_shipped_command(data_dir: Path, version: str | None, out: Path) -> None:
    """Train the cold-start models from the public sets in DATA_DIR (docs/models.md)."""
    from moderation.integrations.sentence_encoder import UniversalSentenceEncoder

    suffix = version or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    with click.progressbar(length=1, label="training the shipped models") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)

        bundles = training.build_shipped(data_dir, UniversalSentenceEncoder(), suffix, progress)
    out.mkdir(parents=True, exist_ok=True)
    for kind, bundle in bundles.items():
        data = model_versions.encode(bundle)
        (out / f"{kind}.npz").write_bytes(data)
        click.echo(
            f"{kind}: {bundle.version}, {len(data) / 1e6:.1f} MB, "
            f"families {', '.join(bundle.families)}"
        )


def register(main: click.Group) -> None:
    """Add these commands to the ``moderation`` group."""
    main.add_command(train_command)
    main.add_command(evaluate_command)
    main.add_command(model_group)
