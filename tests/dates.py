"""Fixed dates for tests that check formatted dates: one per month, whatever today is.

A test that formats "now" passes or fails with the calendar (a French month name with an
accent, a summer-time offset); these tests pin every date they format instead.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
ENGLISH_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def one_per_month(year: int = 2026) -> list[dt.datetime]:
    """The 15th of each month at 10:30 UTC (so 11:30 in Paris in winter, 12:30 in summer)."""
    return [dt.datetime(year, month, 15, 10, 30, tzinfo=dt.UTC) for month in range(1, 13)]


def french_long(moment: dt.datetime) -> str:
    """What ``Intl.DateTimeFormat("fr", {dateStyle: "long", timeStyle: "short"})`` shows."""
    local = moment.astimezone(PARIS)
    return f"{local.day} {FRENCH_MONTHS[local.month - 1]} {local.year} à {local:%H:%M}"


def english_long(moment: dt.datetime) -> str:
    """What ``Intl.DateTimeFormat("en", {dateStyle: "long", timeStyle: "short"})`` shows."""
    local = moment.astimezone(PARIS)
    hour = local.hour % 12 or 12
    half = "AM" if local.hour < 12 else "PM"
    month = ENGLISH_MONTHS[local.month - 1]
    return f"{month} {local.day}, {local.year} at {hour}:{local:%M} {half}"
