"""Generated data for the demo story: a primary school's pupils and their activity (internal).

Everything comes from one :class:`random.Random`, so a seed gives the same school, the same
events and therefore the same invoices. The school is plausible, not real: 22 to 32
pupils per grade; pupils move up a grade when the school year starts (the fourth Monday of
August), grade 8 leaves and a new grade 1 arrives; there is no school in the summer and
Christmas holidays; most pupils have data processed in some weeks, a few never.
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import attrs

from .clock import instant
from .metering import ActivityEvent

#: Billable categories (seed 002) and one that is never billed, as a platform logs them.
_CATEGORIES = ("cross_method_test", "objective_mastery", "engagement", "login")
_WEIGHTS = (3, 3, 3, 1)


def school_year(day: _dt.date) -> int:
    """The calendar year a school year starts in: on or after the fourth Monday of August."""
    first = _dt.date(day.year, 8, 1)
    start = first + _dt.timedelta(days=(7 - first.weekday()) % 7 + 21)
    return day.year if day >= start else day.year - 1


def _holiday(day: _dt.date) -> bool:
    summer = _dt.date(day.year, 7, 11) <= day < _dt.date(day.year, 8, 24)
    christmas = (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 4)
    return summer or christmas


@attrs.frozen
class Pupil:
    """A pupil: an id, the grade in the school year ``first_year`` and how active they are."""

    id: str
    grade_in_first_year: int
    first_year: int
    activity: float  # the chance of processed data in a school week

    def grade(self, year: int) -> int:
        """The pupil's grade in the school year starting in ``year`` (above 8: left)."""
        return self.grade_in_first_year + (year - self.first_year)


@attrs.frozen
class School:
    """A generated school: its id, its pupils and the zone its days are in."""

    id: str
    pupils: tuple[Pupil, ...]
    tz: str = "Europe/Amsterdam"

    def pupils_by_grade(self, day: _dt.date) -> dict[int, int]:
        """Pupils per grade on ``day``: what the school reports ("Mijn gegevens")."""
        year = school_year(day)
        out: dict[int, int] = {}
        for pupil in self.pupils:
            grade = pupil.grade(year)
            if 1 <= grade <= 8:
                out[grade] = out.get(grade, 0) + 1
        return dict(sorted(out.items()))


def make_school(rng: random.Random, school_id: str, *, first_year: int, years: int) -> School:
    """A school in the school year ``first_year`` and the new grade-1 pupils of the
    ``years`` after it."""
    pupils = []
    for grade in range(1, 9):
        pupils += _cohort(rng, first_year - grade + 1, grade, first_year)
    for year in range(first_year + 1, first_year + years + 1):
        pupils += _cohort(rng, year, 1, year)
    return School(school_id, tuple(pupils))


def _cohort(rng: random.Random, cohort: int, grade: int, year: int) -> list[Pupil]:
    size = rng.randint(22, 32)
    return [
        Pupil(
            f"{cohort}-{n:02d}",
            grade,
            year,
            0.0 if rng.random() < 0.08 else rng.uniform(0.15, 0.6),
        )
        for n in range(1, size + 1)
    ]


def activity(
    rng: random.Random, school: School, start: _dt.datetime, end: _dt.datetime
) -> Iterator[ActivityEvent]:
    """Events of the school's pupils in the school weeks of ``[start, end)``, in time order
    per week; event ids number the events from ``start``'s date."""
    zone = ZoneInfo(school.tz)
    day = start.astimezone(zone).date()
    day -= _dt.timedelta(days=day.weekday())  # the Monday of the first week
    stamp = start.astimezone(zone).strftime("%Y%m%d")
    first, after = instant(start), instant(end)
    n = 0
    while True:
        year = school_year(day)
        week: list[ActivityEvent] = []
        for pupil in school.pupils:
            grade = pupil.grade(year)
            if not 1 <= grade <= 8 or rng.random() >= pupil.activity:
                continue
            when = _dt.datetime.combine(
                day + _dt.timedelta(days=rng.randrange(5)),
                _dt.time(rng.randint(8, 14), rng.randrange(60)),
                zone,
            )
            if _holiday(when.date()) or not first <= instant(when) < after:
                continue
            category = rng.choices(_CATEGORIES, _WEIGHTS)[0]
            n += 1
            week.append(ActivityEvent(f"{stamp}-{n}", school.id, pupil.id, grade, category, when))
        yield from sorted(week, key=lambda e: (e.epoch, e.event_id))
        day += _dt.timedelta(days=7)
        if instant(_dt.datetime.combine(day, _dt.time(0), zone)) >= after:
            return
