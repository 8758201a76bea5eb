"""``moderation shadow-report``: each backend's scores against the moderators' decisions.

Kept beside cli.py (which is near its size); reads only, writes nothing.
"""

from __future__ import annotations

import dataclasses
import json

import click
from flask import current_app
from flask.cli import with_appcontext

from moderation.db import db
from moderation.services import shadow
from moderation.services import site_settings
from moderation.services.ports import Deps


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


@click.command("shadow-report")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, for scripts.")
@with_appcontext
def shadow_report_command(as_json: bool) -> None:
    """Agreement, precision/recall and the share decided alone, per backend, vs moderators."""
    deps: Deps = current_app.extensions["moderation.deps"]
    session = db.session()
    # The thresholds the workers decide with: an admin's override in the settings counts.
    reports = shadow.shadow_report(session, site_settings.policy(session, deps))
    if not reports:
        click.echo("No comment decided by a moderator has scores yet.")
        return
    for report in reports:
        if as_json:
            click.echo(json.dumps(dataclasses.asdict(report), sort_keys=True))
            continue
        mode = "shadow" if report.shadow else "live"
        click.echo(
            f"{report.backend} {report.version} [{mode}] {report.attribute}: "
            f"{report.rows} decided by moderators ({report.positives} positive)"
        )
        click.echo(
            f"  at hold {report.hold_at} / refuse {report.reject_at}: agreement "
            f"{_percent(report.agreement)}, would decide alone {_percent(report.decided_alone)}"
            f" (right {_percent(report.decided_alone_correct)})"
        )
        for point in report.curve:
            click.echo(
                f"  threshold {point.threshold:.2f}: precision {_percent(point.precision)}, "
                f"recall {_percent(point.recall)}"
            )


def register(main: click.Group) -> None:
    """Add these commands to the ``moderation`` group."""
    main.add_command(shadow_report_command)
