"""Metering: activity events, the rolling 9-month billable-pupil rule, monthly usage.

Every month each school's **billable pupils** are counted: a pupil counts when, in the
nine months before the count moment, data was processed for it in at least one of three
categories (:class:`Category`). The count × the band's price per pupil per month is the
month's usage, kept for the year-end true-up (seed 002, "Betalen naar gebruik").

* :class:`ActivityEvent`, :class:`EventLog` (idempotent by event id) and
  :func:`read_events_csv` bring events in (:func:`count_csv` counts a file at once, with
  pyarrow and numpy when the ``arrow`` extra is installed);
* :class:`CountMoment` and :class:`Month` define exactly which window a month counts;
* :func:`billable_pupils`, :func:`monthly_counts`, :func:`count_columns` and
  :func:`monthly_usage` apply the rule; :class:`BillableCounter` is the streaming engine
  underneath (pure Python; a numpy path gives identical results), :class:`SchoolMeter`
  the incremental one;
* :func:`spark_monthly_counts` and :func:`spark_monthly_count_rows` run the same rule as
  a Spark job (extra ``spark``), for data that outgrows one machine.

See ``docs/metering.md`` for the rule, worked examples and the figures.
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._count_csv import count_csv
    from ._csv import EventRow, read_events_csv
    from ._engine import BillableCounter, CountTable
    from ._events import (
        BILLABLE_CATEGORIES,
        FIELDS,
        ActivityEvent,
        Category,
        EventLog,
        IngestResult,
        epoch_seconds,
    )
    from ._meter import SchoolMeter
    from ._spark import spark_monthly_count_rows, spark_monthly_counts
    from ._usage import (
        MonthlyCounts,
        UsageLine,
        billable_pupils,
        count_columns,
        monthly_counts,
        monthly_usage,
        usage_amounts,
    )
    from ._window import WINDOW_MONTHS, CountMoment, Month, Timeline, month_range

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "BILLABLE_CATEGORIES",
    "FIELDS",
    "WINDOW_MONTHS",
    "ActivityEvent",
    "BillableCounter",
    "Category",
    "CountMoment",
    "CountTable",
    "EventLog",
    "EventRow",
    "IngestResult",
    "Month",
    "MonthlyCounts",
    "SchoolMeter",
    "Timeline",
    "UsageLine",
    "billable_pupils",
    "count_columns",
    "count_csv",
    "epoch_seconds",
    "month_range",
    "monthly_counts",
    "monthly_usage",
    "read_events_csv",
    "spark_monthly_count_rows",
    "spark_monthly_counts",
    "usage_amounts",
]
