"""Retention periods: how long a purpose's records are kept after their last use, and
when the statutory retention of invoices starts."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Final

import attrs
import pendulum

from .._checks import accepts
from ..clock import DEFAULT_TIMEZONE, day_end, instant, local
from ..errors import InvalidRegister

__all__ = ["Retention", "fiscal_year_end"]

#: The wall clock on which a local day ends first (UTC+14, Kiribati): what retention
#: bounds a listing with, so no time zone's record is left out.
_FIRST_TO_END: Final = "Etc/GMT-14"


_PERIOD: Final = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?", re.ASCII)


@attrs.frozen
class Retention:
    """How long records of a purpose are kept after their last use: whole years, months
    and days, counted on the calendar of the subject's time zone (ISO 8601 ``P7Y``).

    Args:
        years, months, days: whole numbers, at least 0.

    Raises:
        InvalidRegister: a negative or non-integer part.

    >>> import datetime as dt
    >>> Retention.parse("P7Y").expires(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)).isoformat()
    '2033-03-01T23:59:59.999999+01:00'
    """

    years: int = 0
    months: int = 0
    days: int = 0

    def __attrs_post_init__(self) -> None:
        for name in ("years", "months", "days"):
            value = getattr(self, name)
            if type(value) is not int or value < 0:
                raise InvalidRegister(
                    f"retention {name} must be a whole number >= 0, got {value!r}"
                )

    @classmethod
    def parse(cls, text: str) -> Retention:
        """Read an ISO 8601 period of years, months, weeks and days (``"P7Y"``, ``"P4W"``).

        Raises:
            InvalidRegister: anything else.
        """
        match = _PERIOD.fullmatch(text) if isinstance(text, str) else None
        if match is None or text == "P":
            raise InvalidRegister(
                f"a retention period must be an ISO 8601 period such as 'P7Y', 'P6M' or "
                f"'P4W', got {text!r}"
            )
        years, months, weeks, days = (int(g) if g else 0 for g in match.groups())
        return cls(years=years, months=months, days=7 * weeks + days)

    def __str__(self) -> str:
        parts = (("Y", self.years), ("M", self.months), ("D", self.days))
        return "P" + ("".join(f"{n}{unit}" for unit, n in parts if n) or "0D")

    def expires(
        self, since: _dt.datetime, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the last instant a record last used at ``since`` may be kept: the end of
        the local day this period after it (month ends clamp: Aug 31 + 6 months = Feb 28/29).

        Raises:
            NaiveDatetimeError: ``since`` has no time zone.
        """
        return self.expires_on(local(since, tz).date(), tz=tz)

    def expires_on(
        self, day: _dt.date, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE
    ) -> pendulum.DateTime:
        """Return the last instant a record whose period counts from the local day ``day``
        may be kept: the end of the local day in ``tz`` this period after it."""
        shifted = pendulum.date(day.year, day.month, day.day).add(
            years=self.years, months=self.months, days=self.days
        )
        return day_end(_dt.date(shifted.year, shifted.month, shifted.day), tz=tz)

    def first_year_kept(self, at: _dt.datetime) -> _dt.date:
        """Return 1 January of the first fiscal year whose records are all still kept at
        ``at`` in every time zone, when the period counts from the end of the fiscal year
        (:func:`fiscal_year_end`): records of earlier years may be due, later ones are not.

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.

        >>> import datetime as dt
        >>> Retention(years=7).first_year_kept(dt.datetime(2027, 1, 1, tzinfo=dt.UTC)).isoformat()
        '2020-01-01'
        """
        moment = instant(at, "at")
        year = moment.year + 1
        while self.expires_on(_dt.date(year - 1, 12, 31), tz=_FIRST_TO_END) >= moment:
            year -= 1
        return _dt.date(year, 1, 1)


def _retention(value: object) -> Retention:
    if isinstance(value, Retention):
        return value
    if isinstance(value, str):
        return Retention.parse(value)
    raise InvalidRegister(f"retention must be a Retention or a period such as 'P7Y', got {value!r}")


@accepts(day=(_dt.date, "a date"))
def fiscal_year_end(day: _dt.date, *, tz: str | _dt.tzinfo = DEFAULT_TIMEZONE) -> pendulum.DateTime:
    """Return the end of the fiscal year ``day`` falls in: the last instant of 31 December
    in ``tz``. The fiscal year is the calendar year (BW 2:10a: "Het boekjaar is het
    kalenderjaar", unless the articles of association say otherwise).

    Dutch tax law keeps the books 7 years (AWR art. 52(4); BW 2:10(3)) from the moment
    data no longer belong to the current books (Besluit Fiscaal Bestuursrecht 2017,
    §20.1), in practice from the end of the fiscal year: an invoice closed on
    2019-03-15 is kept to the end of 2026-12-31 and may go from 2027-01-01.

    >>> import datetime as dt
    >>> fiscal_year_end(dt.date(2019, 3, 15)).isoformat()
    '2019-12-31T23:59:59.999999+01:00'
    """
    return day_end(_dt.date(day.year, 12, 31), tz=tz)
