"""Quotes and what-if comparisons: what a plan costs for given seats or pupils."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs
from moneyed import Money

from .._checks import accepts, items
from .._i18n import Translator
from .._table import Table, Tabular
from ..errors import InvalidGrade, InvalidQuoteRequest
from ..money import DEFAULT_LOCALE, format_money, line_amount, total
from ._model import ALL_GRADES, Plan, PupilPlan, SeatPlan


@attrs.frozen
class QuoteLine:
    """One priced line of a quote: a grade band (per-pupil plans) or the seats.

    ``monthly`` is ``None`` for seat plans: they are priced per year only.
    Each amount is rounded once, by :func:`subscriptionkit.money.line_amount`.
    """

    label: str
    grades: tuple[int, ...]
    quantity: int
    unit_price_month: Money | None
    unit_price_year: Money
    monthly: Money | None
    yearly: Money


@attrs.frozen
class Quote(Tabular):
    """What a plan costs for the given seats or pupils.

    For per-pupil plans, ``monthly_total`` uses the published price per pupil per month
    (the usage rate) and ``yearly_total`` the published price per pupil per year (the
    basis of the advance invoice). Both are published facts, so both are shown; neither
    is derived from the other.

    Attributes:
        uncovered: ``(grade, pupils)`` pairs the plan does not cover (not priced).
    """

    plan_id: str
    plan_name: str
    currency: str
    lines: tuple[QuoteLine, ...]
    uncovered: tuple[tuple[int, int], ...] = ()

    @property
    def quantity(self) -> int:
        """Seats or pupils priced, over all lines."""
        return sum(line.quantity for line in self.lines)

    @property
    def monthly_total(self) -> Money | None:
        """Sum of the monthly line amounts, or ``None`` for seat plans."""
        monthly = [line.monthly for line in self.lines]
        if any(m is None for m in monthly):
            return None
        return total((m for m in monthly if m is not None), self.currency)

    @property
    def yearly_total(self) -> Money:
        """Sum of the yearly line amounts."""
        return total((line.yearly for line in self.lines), self.currency)

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """Return the quote as a localized :class:`Table` (for text or HTML)."""
        t = Translator(locale)

        def fm(m: Money | None) -> str:
            return "" if m is None else format_money(m, locale)

        headers: tuple[str, ...]
        rows: tuple[tuple[str, ...], ...]
        footer: tuple[str, ...]
        seat = not self.lines or not self.lines[0].grades
        if seat:
            headers = (
                t.gettext("Seats"),
                t.gettext("Price per seat per year"),
                t.gettext("Per year"),
            )
            rows = tuple(
                (str(ln.quantity), fm(ln.unit_price_year), fm(ln.yearly)) for ln in self.lines
            )
            footer = (t.gettext("Total"), "", fm(self.yearly_total))
        else:
            headers = (
                t.gettext("Grades"),
                t.gettext("Pupils"),
                t.gettext("Per pupil per month"),
                t.gettext("Per month"),
                t.gettext("Per pupil per year"),
                t.gettext("Per year"),
            )
            rows = tuple(
                (
                    ln.label,
                    str(ln.quantity),
                    fm(ln.unit_price_month),
                    fm(ln.monthly),
                    fm(ln.unit_price_year),
                    fm(ln.yearly),
                )
                for ln in self.lines
            )
            footer = (
                t.gettext("Total"),
                str(self.quantity),
                "",
                fm(self.monthly_total),
                "",
                fm(self.yearly_total),
            )
        notes = tuple(
            t.gettext("Not covered by this plan: grade {grade}, {pupils} pupils").format(
                grade=grade, pupils=pupils
            )
            for grade, pupils in self.uncovered
        )
        return Table(self.plan_name, headers, rows, footer, notes)

    def to_rows(self) -> list[dict[str, Any]]:
        """Return one dict per line (amounts as ``Decimal``), ready for ``pandas.DataFrame``."""
        return [
            {
                "plan_id": self.plan_id,
                "label": ln.label,
                "grades": ln.grades,
                "quantity": ln.quantity,
                "unit_price_month": None
                if ln.unit_price_month is None
                else ln.unit_price_month.amount,
                "monthly": None if ln.monthly is None else ln.monthly.amount,
                "unit_price_year": ln.unit_price_year.amount,
                "yearly": ln.yearly.amount,
                "currency": self.currency,
            }
            for ln in self.lines
        ]


def _check_pupils(pupils: Mapping[int, int]) -> dict[int, int]:
    if not isinstance(pupils, Mapping):
        raise InvalidQuoteRequest(
            f"pupils must be a mapping of grade to pupil count such as {{1: 28, 2: 30}}, "
            f"got {type(pupils).__name__}"
        )
    out: dict[int, int] = {}
    for grade, count in pupils.items():
        if not isinstance(grade, int) or isinstance(grade, bool) or grade not in ALL_GRADES:
            raise InvalidGrade(got=grade, expected=ALL_GRADES)
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidQuoteRequest(
                f"the pupil count for grade {grade} must be a whole number >= 0, got {count!r}"
            )
        out[grade] = count
    return out


@accepts(plan=((SeatPlan, PupilPlan), "a SeatPlan or PupilPlan"))
def quote(
    plan: Plan, *, seats: int | None = None, pupils: Mapping[int, int] | None = None
) -> Quote:
    """Price ``plan`` for ``seats`` (seat plans) or ``pupils`` by grade (per-pupil plans).

    Args:
        plan: the plan to price.
        seats: the number of seats, for a :class:`SeatPlan`.
        pupils: pupils per grade, e.g. ``{1: 28, 2: 30}``, for a :class:`PupilPlan`.
            Grades the plan does not cover are listed in :attr:`Quote.uncovered`.

    Raises:
        SeatCountOutOfRange: seats outside the plan's range (checked before the price).
        PriceNotConfigured: a seat plan without a configured price.
        InvalidGrade: a grade outside 1–8.
        InvalidQuoteRequest: the wrong kind of quantity for the plan.

    >>> from subscriptionkit.plans import default_catalog
    >>> q = quote(default_catalog()["focus-po-combi"], pupils={1: 28, 2: 30, 3: 31})
    >>> [(line.label, line.quantity, line.monthly.amount) for line in q.lines]
    [('1-2', 58, Decimal('55.68')), ('3-8', 31, Decimal('9.30'))]
    >>> q.yearly_total
    Money('778.60', 'EUR')
    """
    if isinstance(plan, SeatPlan):
        if pupils is not None or seats is None:
            raise InvalidQuoteRequest(
                f"plan {plan.id!r} is priced per seat: pass seats=<{plan.min_seats}–{plan.max_seats}>, "
                f"got seats={seats!r}, pupils={pupils!r}"
            )
        count = plan.check_seats(seats)
        price = plan.price()
        line = QuoteLine("seats", (), count, None, price, None, line_amount(price, count))
        return Quote(plan.id, plan.name, plan.currency, (line,))
    if seats is not None or pupils is None:
        raise InvalidQuoteRequest(
            f"plan {plan.id!r} is priced per pupil: pass pupils={{grade: count, ...}}, "
            f"got seats={seats!r}, pupils={pupils!r}"
        )
    counts = _check_pupils(pupils)
    lines = []
    for band in plan.bands:
        n = sum(counts.get(g, 0) for g in band.grades)
        lines.append(
            QuoteLine(
                label=band.label,
                grades=band.grades,
                quantity=n,
                unit_price_month=band.price_per_pupil_month,
                unit_price_year=band.price_per_pupil_year,
                monthly=line_amount(band.price_per_pupil_month, n),
                yearly=line_amount(band.price_per_pupil_year, n),
            )
        )
    uncovered = tuple(sorted((g, c) for g, c in counts.items() if g not in plan.grades and c))
    return Quote(plan.id, plan.name, plan.currency, tuple(lines), uncovered)


@attrs.frozen
class Comparison(Tabular):
    """A what-if table: several plans priced for the same pupils (or seats).

    Renders as HTML in Jupyter, as aligned text with ``str()`` or :meth:`format`,
    and converts to rows for pandas with :meth:`to_rows`.
    """

    quotes: tuple[Quote, ...]

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """Return the comparison as a localized :class:`Table`."""
        t = Translator(locale)
        rows = tuple(
            (
                q.plan_name,
                str(q.quantity),
                "" if q.monthly_total is None else format_money(q.monthly_total, locale),
                format_money(q.yearly_total, locale),
            )
            for q in self.quotes
        )
        headers = (
            t.gettext("Plan"),
            t.gettext("Priced"),
            t.gettext("Per month"),
            t.gettext("Per year"),
        )
        return Table(t.gettext("Comparison"), headers, rows)

    def __str__(self) -> str:
        return self.format()

    def to_rows(self) -> list[dict[str, Any]]:
        """Return one dict per plan (amounts as ``Decimal``), ready for ``pandas.DataFrame``."""
        return [
            {
                "plan_id": q.plan_id,
                "plan": q.plan_name,
                "priced": q.quantity,
                "monthly": None if q.monthly_total is None else q.monthly_total.amount,
                "yearly": q.yearly_total.amount,
                "currency": q.currency,
            }
            for q in self.quotes
        ]


def compare(
    plans: Iterable[Plan], *, pupils: Mapping[int, int] | None = None, seats: int | None = None
) -> Comparison:
    """Price several plans for the same pupils (per-pupil plans) or seats (seat plans).

    Plans of the other kind are skipped, so ``compare(catalog.values(), pupils=...)``
    compares the per-pupil plans of a catalog.

    Raises:
        InvalidQuoteRequest: neither or both of ``pupils`` and ``seats`` given, or no plan
            of the matching kind.

    >>> from subscriptionkit.plans import default_catalog
    >>> table = compare(default_catalog().values(), pupils={1: 20, 2: 20, 5: 25})
    >>> [(row["plan_id"], str(row["monthly"])) for row in table.to_rows()]
    [('focus-po-1-2', '38.40'), ('focus-po-3-8', '7.50'), ('focus-po-combi', '45.90'), ('focus-po-1-8', '62.40')]
    """
    if (pupils is None) == (seats is None):
        raise InvalidQuoteRequest(
            f"compare needs exactly one of pupils= or seats=, got pupils={pupils!r}, seats={seats!r}"
        )
    kind = PupilPlan if pupils is not None else SeatPlan
    chosen = [p for p in items(plans, "plans", "an iterable of plans") if isinstance(p, kind)]
    if not chosen:
        raise InvalidQuoteRequest(
            f"compare found no {'per-pupil' if pupils is not None else 'seat'} plans to price; got none"
        )
    return Comparison(tuple(quote(p, seats=seats, pupils=pupils) for p in chosen))
