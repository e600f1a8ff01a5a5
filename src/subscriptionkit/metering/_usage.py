"""The metering rules: billable pupils, monthly counts per band, monthly usage (internal)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal

import attrs

from .._checks import Kind, accepts, argument, items
from .._i18n import Translator
from .._table import Table, Tabular
from .._translate import require
from ..clock import DEFAULT_TIMEZONE, day_start, ensure_aware, instant, timezone
from ..errors import InvalidEvent, InvalidInput
from ..money import DEFAULT_LOCALE, Money, line_amount
from ..plans import PupilPlan
from ._engine import BillableCounter, CountTable
from ._events import BILLABLE_CATEGORIES, ActivityEvent, epoch_seconds
from ._window import WINDOW_MONTHS, CountMoment, Month, Timeline

Engine = Literal["python", "numpy", "auto"]

_PUPIL_PLAN: Kind = (PupilPlan, "a PupilPlan")
_MOMENT: Kind = (CountMoment, "a CountMoment")


@accepts(
    at=(_dt.datetime, "a timezone-aware datetime"),
    school_id=(str, "a school id"),
    window_months=(int, "a whole number of months"),
)
def billable_pupils(
    events: Iterable[ActivityEvent],
    *,
    at: _dt.datetime,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    school_id: str | None = None,
    grades: Iterable[int] | None = None,
    window_months: int = WINDOW_MONTHS,
) -> frozenset[str]:
    """Return the pupils of one school that are billable at the moment ``at``.

    A pupil is billable when at least one event with a billable :class:`Category` was
    processed for it in the half-open window ``[at − window_months months, at)``; the
    months are calendar months on the wall clock of ``tz`` (pendulum, month-end clamped).
    Pass a month's count moment (:meth:`CountMoment.at`) as ``at`` to get that month's
    pupils.

    Pupil ids are only unique within a school, so this works on one school: give
    ``school_id``, or events of a single school.

    Args:
        events: the events (any order; duplicates are harmless).
        at: the count moment (aware).
        tz: the customer's time zone.
        school_id: the school to count; events of other schools are ignored.
        grades: count only events of these grades (a plan's grades); default all.
        window_months: the look-back, 9 in the published terms.

    Raises:
        InvalidInput: ``school_id`` is not given and the events are of several schools.
        NaiveDatetimeError: ``at`` is naive.

    >>> import datetime as dt
    >>> cet = dt.timezone(dt.timedelta(hours=1))
    >>> events = [
    ...     ActivityEvent("e1", "s1", "anna", 3, "engagement", dt.datetime(2025, 6, 1, tzinfo=cet)),
    ...     ActivityEvent("e2", "s1", "bram", 3, "login", dt.datetime(2026, 2, 1, tzinfo=cet)),
    ... ]
    >>> sorted(billable_pupils(events, at=CountMoment().at(Month(2026, 2))))
    ['anna']
    """
    moment = ensure_aware(at, "at")
    zone = timezone(tz)
    end = epoch_seconds(moment)
    seen = moment.in_timezone(zone)
    try:
        earlier = seen.subtract(months=window_months)
    except (ValueError, OverflowError):
        raise InvalidInput(
            f"the window of {window_months} months before {seen.isoformat()} reaches outside "
            "the years 1 to 9999; expected a later moment or a shorter window"
        ) from None
    if instant(day_start(seen.date(), tz=zone)) == instant(moment):
        # A count moment is the first instant of a day: the window starts at the first
        # instant of the same day months earlier (as CountMoment.window), even where DST
        # skips or repeats that day's midnight.
        earlier = day_start(earlier.date(), tz=zone)
    start = epoch_seconds(earlier)
    allowed = None if grades is None else frozenset(items(grades, "grades", "grades 1-8"))
    found: set[str] = set()
    schools: set[str] = set()
    for index, e in enumerate(items(events, "events", "an iterable of ActivityEvent")):
        if not isinstance(e, ActivityEvent):
            raise InvalidEvent(field="event", got=e, expected="an ActivityEvent", index=index)
        if school_id is not None and e.school_id != school_id:
            continue
        schools.add(e.school_id)
        if (
            e.category in BILLABLE_CATEGORIES
            and (allowed is None or e.grade in allowed)
            and start <= e.epoch < end
        ):
            found.add(e.pupil_id)
    if school_id is None and len(schools) > 1:
        raise InvalidInput(
            f"billable_pupils counts one school: pass school_id= or events of one school; "
            f"got events of {len(schools)} schools ({', '.join(sorted(schools)[:5])}...)"
        )
    return frozenset(found)


@attrs.frozen
class MonthlyCounts(Tabular):
    """Billable pupils per school, per month, per grade band of one plan.

    Renders as a table (a row per school and month, a column per band) with
    :meth:`~subscriptionkit.tables.Tabular.format`, in Jupyter, and as a DataFrame.

    Attributes:
        plan_id: the plan whose bands and grades were used.
        months: the months counted, ascending.
        bands: the band labels, in the plan's order.
        counts: ``{(school_id, month, band_label): pupils}`` for every school with
            billable pupils, every month and every band (zeros included).
    """

    plan_id: str
    months: tuple[Month, ...]
    bands: tuple[str, ...]
    counts: Mapping[tuple[Hashable, Month, str], int]

    @classmethod
    def from_table(cls, table: CountTable, plan: PupilPlan) -> MonthlyCounts:
        """Group an engine's :class:`CountTable` into the plan's bands."""
        argument(table, CountTable, "table", "a CountTable")
        argument(plan, PupilPlan, "plan", "a PupilPlan")
        labels = tuple(b.label for b in plan.bands)
        counts: dict[tuple[Hashable, Month, str], int] = {}
        for school in sorted(table.totals, key=_sort_key):
            if len(labels) == 1:
                per_band = {labels[0]: table.totals[school]}
            else:
                if table.by_grade is None:
                    raise InvalidInput(
                        f"plan {plan.id!r} has {len(labels)} bands: counts per grade are "
                        "needed, got totals only"
                    )
                per_band = {}
                zero = (0,) * len(table.months)
                for band in plan.bands:
                    rows = [table.by_grade[school].get(g, zero) for g in band.grades]
                    per_band[band.label] = tuple(sum(c) for c in zip(zero, *rows, strict=True))
            for i, month in enumerate(table.months):
                for label in labels:
                    counts[(school, month, label)] = per_band[label][i]
        return cls(plan.id, table.months, labels, counts)

    @property
    def schools(self) -> tuple[Hashable, ...]:
        """The schools with billable pupils, sorted."""
        return tuple(sorted({k[0] for k in self.counts}, key=_sort_key))

    def count(self, school_id: Hashable, month: Month, band: str | None = None) -> int:
        """Billable pupils of a school in a month, in one band or (``None``) all bands."""
        if band is not None:
            return self.counts.get((school_id, month, band), 0)
        return sum(self.counts.get((school_id, month, b), 0) for b in self.bands)

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The counts as a localized :class:`~subscriptionkit.tables.Table`."""
        t = Translator(locale)
        headers = (
            t.gettext("School"),
            t.gettext("Month"),
            *(f"{t.gettext('Grades')} {band}" for band in self.bands),
        )
        rows = tuple(
            (str(school), str(month), *(str(self.count(school, month, b)) for b in self.bands))
            for school in self.schools
            for month in self.months
        )
        return Table(f"{t.gettext('Pupils')} · {self.plan_id}", headers, rows)

    def _records(self) -> list[dict[str, Any]]:
        return [
            {"school_id": s, "month": m, "band": b, "pupils": n} for s, m, b, n in self.to_rows()
        ]

    def to_rows(self) -> list[tuple[Hashable, str, str, int]]:
        """Return ``(school_id, "YYYY-MM", band, pupils)`` rows, sorted, for CSV or SQL."""
        return [(s, str(m), b, n) for (s, m, b), n in self.counts.items()]

    def to_dict(self) -> dict[Hashable, dict[str, dict[str, int]]]:
        """Return ``{school_id: {"YYYY-MM": {band: pupils}}}`` (JSON-friendly keys)."""
        out: dict[Hashable, dict[str, dict[str, int]]] = {}
        for (s, m, b), n in self.counts.items():
            out.setdefault(s, {}).setdefault(str(m), {})[b] = n
        return out


def _sort_key(value: Hashable) -> tuple[str, str]:
    return (type(value).__name__, str(value))


def _months(months: Iterable[Month]) -> tuple[Month, ...]:
    out = items(months, "months", "an iterable of Month (see month_range)")
    for m in out:
        if not isinstance(m, Month):
            raise InvalidInput(f"months must be Month values, got {type(m).__name__}: {m!r}")
    return out


def _counter(
    plan: PupilPlan,
    months: Iterable[Month],
    tz: str | _dt.tzinfo,
    policy: CountMoment | None,
    billable: Iterable[object],
) -> BillableCounter:
    timeline = Timeline.build(_months(months), tz, policy)
    return BillableCounter(
        timeline, grades=plan.grades, by_grade=len(plan.bands) > 1, billable=frozenset(billable)
    )


@accepts(plan=_PUPIL_PLAN, policy=_MOMENT)
def monthly_counts(
    events: Iterable[ActivityEvent | Sequence[Any]],
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
) -> MonthlyCounts:
    """Count billable pupils per school, month and grade band of ``plan``.

    An event counts when its category is billable and the plan covers its grade. A pupil
    counts in a month when it has a counting event in that month's window (see
    :class:`CountMoment`), in the band of the grade of its **latest** counting event in
    the window (same second: the higher grade). A pupil moving from grade 2 to 3 is
    counted in band 1-2 until its first grade-3 event, in band 3-8 from the month of that
    event on, and never twice.

    Args:
        events: :class:`ActivityEvent` objects, or rows in
            ``event_id, school_id, pupil_id, grade, category, processed_at`` order
            (as :func:`read_events_csv` yields); streamed, never kept.
        plan: the plan; its grades filter and its bands group.
        months: consecutive, ascending months (:func:`month_range`).
        tz: the customer's time zone.
        policy: when months are counted; default :class:`CountMoment` ``()``.

    Raises:
        InvalidInput: no months, or months not consecutive.
        InvalidEvent: an item is neither an event nor a row (field ``row``), or a
            counting row has a bad grade or time; ``index`` says which.
    """
    counter = _counter(plan, months, tz, policy, BILLABLE_CATEGORIES)
    counter.add_rows(events)
    return MonthlyCounts.from_table(counter.table(), plan)


@accepts(
    columns=(Mapping, "a mapping of column name to column"),
    plan=_PUPIL_PLAN,
    policy=_MOMENT,
    engine=(str, "'python', 'numpy' or 'auto'"),
)
def count_columns(
    columns: Mapping[str, Any],
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    billable: Iterable[object] = BILLABLE_CATEGORIES,
    engine: Engine = "auto",
) -> MonthlyCounts:
    """Like :func:`monthly_counts`, for events given as columns (lists or numpy arrays).

    Args:
        columns: ``school_id``, ``pupil_id``, ``grade``, ``category`` and
            ``processed_at`` (epoch seconds, or aware datetimes for the Python engine).
        plan: the plan; its grades filter and its bands group.
        months: consecutive, ascending months.
        tz: the customer's time zone.
        policy: when months are counted.
        billable: the category values that count, if categories are encoded.
        engine: ``"python"`` (streams in chunks), ``"numpy"`` (sort-based, needs the
            ``numpy`` extra) or ``"auto"`` (numpy when installed). Both give identical
            results.

    Raises:
        InvalidInput: a column is missing, or ``engine`` is unknown.
    """
    missing = [
        c
        for c in ("school_id", "pupil_id", "grade", "category", "processed_at")
        if c not in columns
    ]
    if missing:
        raise InvalidInput(
            f"columns must include {', '.join(missing)}; "
            f"got {', '.join(map(repr, columns)) or 'no columns'}"
        )
    cols = (
        columns["school_id"],
        columns["pupil_id"],
        columns["grade"],
        columns["category"],
        columns["processed_at"],
    )
    if engine == "auto":
        engine = "numpy" if _has_numpy() else "python"
    counter = _counter(plan, months, tz, policy, billable)
    if engine == "numpy":
        require("numpy", extra="numpy", feature='engine="numpy"')
        from ._fast import count_arrays

        table = count_arrays(
            counter.timeline,
            *cols,
            allowed_grades=plan.grades,
            by_grade=counter.by_grade,
            billable=frozenset(billable),
        )
    elif engine == "python":
        counter.add_columns(*cols)
        table = counter.table()
    else:
        raise InvalidInput(f"engine must be 'python', 'numpy' or 'auto', got {engine!r}")
    return MonthlyCounts.from_table(table, plan)


def _has_numpy() -> bool:
    import importlib.util

    return importlib.util.find_spec("numpy") is not None


@attrs.frozen
class UsageLine:
    """One month's usage of one school in one band: pupils × price per pupil per month.

    Attributes:
        school_id: the school.
        month: the month.
        band: the band label (``"1-2"``).
        pupils: billable pupils counted.
        unit_price: the band's price per pupil per month.
        amount: ``pupils × unit_price``, rounded once by the library's policy.
    """

    school_id: Hashable
    month: Month
    band: str
    pupils: int
    unit_price: Money
    amount: Money


@accepts(counts=(MonthlyCounts, "MonthlyCounts"), plan=_PUPIL_PLAN)
def monthly_usage(counts: MonthlyCounts, plan: PupilPlan) -> tuple[UsageLine, ...]:
    """Price monthly counts: one line per school, month and band (rounded per line).

    Usage is computed every month but not invoiced monthly; billing sums it into the
    year-end true-up. Sum lines with :func:`subscriptionkit.money.total`.

    Raises:
        InvalidInput: ``counts`` was computed for another plan.
    """
    price = {b.label: b.price_per_pupil_month for b in plan.bands}
    amounts = usage_amounts(counts, plan)
    return tuple(
        UsageLine(s, m, b, n, price[b], amounts[(b, n)]) for (s, m, b), n in counts.counts.items()
    )


@accepts(counts=(MonthlyCounts, "MonthlyCounts"), plan=_PUPIL_PLAN)
def usage_amounts(counts: MonthlyCounts, plan: PupilPlan) -> dict[tuple[str, int], Money]:
    """The amount of each distinct ``(band label, pupils)`` in ``counts``: pupils × the
    band's price per pupil per month, rounded once, as on a :class:`UsageLine`.

    A year of a few thousand schools holds tens of thousands of lines but a few hundred
    distinct amounts: price (and format) each once, and sum them times their number.

    Raises:
        InvalidInput: ``counts`` was computed for another plan.

    >>> from subscriptionkit import plans
    >>> combi = plans.default_catalog()["focus-po-combi"]
    >>> counts = MonthlyCounts(combi.id, (Month(2026, 3),), ("1-2", "3-8"),
    ...                        {("s1", Month(2026, 3), "1-2"): 2, ("s1", Month(2026, 3), "3-8"): 0})
    >>> usage_amounts(counts, combi)
    {('1-2', 2): Money('1.92', 'EUR'), ('3-8', 0): Money('0.00', 'EUR')}
    """
    if counts.plan_id != plan.id:
        raise InvalidInput(
            f"counts were made for plan {counts.plan_id!r}; expected counts for {plan.id!r}"
        )
    price = {b.label: b.price_per_pupil_month for b in plan.bands}
    distinct = dict.fromkeys((b, n) for (_, _, b), n in counts.counts.items())
    return {(b, n): line_amount(price[b], n) for b, n in distinct}
