"""Hypothesis strategies and a naive reference for the metering tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pendulum
from hypothesis import strategies as st

from subscriptionkit.metering import BILLABLE_CATEGORIES, ActivityEvent, CountMoment, Month

AMS = "Europe/Amsterdam"
CATEGORIES = ("cross_method_test", "objective_mastery", "engagement", "login", "report")
FIRST = Month(2023, 11)
MONTHS = tuple(FIRST + k for k in range(8))
LOW = pendulum.datetime(2023, 1, 1, tz=AMS).int_timestamp
HIGH = pendulum.datetime(2024, 8, 1, tz=AMS).int_timestamp

# (school, pupil, grade, category, epoch second)
Row = tuple[str, str, int, str, int]


@st.composite
def rows(draw: st.DrawFn, max_size: int = 120) -> list[Row]:
    """Random event rows over few schools and pupils, around the counted months."""
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["s1", "s2", "s3"]),
                st.sampled_from([f"p{i}" for i in range(12)]),
                st.integers(1, 8),
                st.sampled_from(CATEGORIES),
                st.integers(LOW, HIGH),
            ),
            max_size=max_size,
        )
    )


def naive_month(
    rows: Iterable[Row],
    month: Month,
    grades: frozenset[int] | None = None,
    policy: CountMoment | None = None,
) -> dict[str, dict[str, int]]:
    """The rule, one event at a time: per school, per billable pupil, the counted grade."""
    start, end = (policy or CountMoment()).window(month, AMS)
    latest: dict[tuple[str, str], tuple[int, int]] = {}
    for s, p, g, c, t in rows:
        if c not in BILLABLE_CATEGORIES or (grades is not None and g not in grades):
            continue
        if start.int_timestamp <= t < end.int_timestamp:
            latest[(s, p)] = max(latest.get((s, p), (t, g)), (t, g))
    out: dict[str, dict[str, int]] = {}
    for (s, p), (_, g) in latest.items():
        out.setdefault(s, {})[p] = g
    return out


def event(
    pupil: str, at: dt.datetime, grade: int = 3, category: str = "engagement", school: str = "s1"
) -> ActivityEvent:
    """An event with an id derived from its content."""
    return ActivityEvent(
        f"{school}/{pupil}/{at.isoformat()}/{category}/{grade}", school, pupil, grade, category, at
    )
