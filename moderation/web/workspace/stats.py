"""The statistics page: the desk's figures for 7, 30 or 90 days, as charts and tables."""

from __future__ import annotations

from flask import current_app
from flask import render_template
from flask import request
from flask_babel import format_date
from flask_babel import format_percent
from flask_babel import gettext as _

from moderation.db import db
from moderation.models import CommentStatus
from moderation.services import stats as stats_service
from moderation.services.ports import Deps
from moderation.web.workspace import bp
from moderation.web.workspace import charts
from moderation.web.workspace.auth import admin_required
from moderation.web.workspace.labels import STATUS_LABELS

#: The stylesheet's class for each outcome's colour.
OUTCOME_CSS = {
    CommentStatus.APPROVED: "series-approved",
    CommentStatus.HELD: "series-held",
    CommentStatus.PENDING: "series-pending",
    CommentStatus.REJECTED: "series-rejected",
    CommentStatus.SPAM: "series-spam",
}


@bp.get("/stats")
@admin_required
def stats() -> str:
    deps: Deps = current_app.extensions["moderation.deps"]
    days = request.args.get("days", 30, type=int)
    if days not in stats_service.PERIODS:
        days = 30
    figures = stats_service.compute(db.session(), deps.clock.now(), days)
    day_labels = [str(format_date(day, "d MMM")) for day in figures.days]
    every = {7: 1, 30: 5, 90: 14}[days]
    outcomes = [
        charts.Series(OUTCOME_CSS[status], str(STATUS_LABELS[status]), values)
        for status, values in figures.by_outcome.items()
    ]
    share = figures.automatic_share
    return render_template(
        "workspace/stats.html",
        figures=figures,
        days=days,
        periods=stats_service.PERIODS,
        day_labels=day_labels,
        outcome_series=outcomes,
        outcome_chart=charts.stacked_columns(day_labels, outcomes, every=every),
        report_chart=charts.stacked_columns(
            day_labels,
            [charts.Series("series-reports", _("Reports"), figures.reports)],
            every=every,
        ),
        decided_chart=charts.horizontal_bars(
            [
                (_("Decided automatically"), figures.automatic.count),
                (_("Decided by people"), figures.human.count),
            ],
            "series-decided",
        ),
        top_chart=charts.horizontal_bars(
            [(a.title or a.key, a.comments) for a in figures.top_articles], "series-articles"
        ),
        automatic_share=format_percent(share) if share is not None else "—",
        human_share=format_percent(1 - share) if share is not None else "—",
    )
