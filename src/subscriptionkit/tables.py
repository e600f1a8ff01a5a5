"""Results as tables: aligned text, HTML in Jupyter in a chosen locale, and DataFrames.

Quotes, comparisons, invoices, issued invoices, team progress and monthly counts are
:class:`Tabular`: ``format(locale)`` gives aligned text, the result renders as an HTML table
in Jupyter (in the default locale, ``nl_NL``) and ``display(locale)`` returns the
:class:`Table` to show in another locale. Their rows convert to pandas and polars
DataFrames with **exact** amounts (``Decimal`` values, never floats): :meth:`Tabular.to_pandas`
and :meth:`Tabular.to_polars`, or :func:`to_pandas` / :func:`to_polars` on any rows.

>>> from subscriptionkit import plans
>>> quote = plans.quote(plans.default_catalog()["focus-po-combi"], pupils={1: 28, 2: 30, 3: 31})
>>> print(quote.display("en_GB"))
Combi Focus PO 1-2 & Focus PO 3-8 (basis)
Grades  Pupils  Per pupil per month  Per month  Per pupil per year  Per year
1-2         58                €0.96     €55.68              €11.50   €667.00
3-8         31                €0.30      €9.30               €3.60   €111.60
Total       89                          €64.98                       €778.60
>>> frame = quote.to_pandas()
>>> frame["yearly"].sum()
Decimal('778.60')

pandas and polars are optional (the ``pandas`` and ``polars`` extras); without them the
conversions raise :class:`~subscriptionkit.errors.MissingDependency` naming the extra.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._checks import items
from ._table import Table, Tabular
from ._translate import require
from .errors import InvalidArgument, InvalidInput

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["Table", "Tabular", "to_pandas", "to_polars"]

_EXPECTED = "a Tabular result or an iterable of mappings (dicts)"


def _records(rows: Tabular | Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(rows, Tabular):
        return rows._records()
    out = []
    for index, row in enumerate(items(rows, "rows", _EXPECTED)):
        if not isinstance(row, Mapping):
            raise InvalidArgument(name=f"rows[{index}]", expected="a mapping (dict)", got=row)
        out.append(dict(row))
    return out


def to_pandas(rows: Tabular | Iterable[Mapping[str, Any]]) -> pandas.DataFrame:
    """A pandas DataFrame of a result's rows, or of rows given as dicts (one per row).

    Amounts stay ``Decimal`` values (an ``object`` column): sums are exact, to the cent.

    Args:
        rows: a :class:`Tabular` result, or one mapping per row (its keys the columns).

    Raises:
        InvalidArgument: ``rows`` is neither a result nor an iterable of mappings.
        MissingDependency: pandas is not installed (the ``pandas`` extra).

    >>> from decimal import Decimal
    >>> to_pandas([{"plan": "teams", "yearly": Decimal("600.00")}]).loc[0, "yearly"]
    Decimal('600.00')
    """
    records = _records(rows)
    require("pandas", extra="pandas", feature="to_pandas")
    import pandas as pd

    return pd.DataFrame.from_records(records)


def to_polars(rows: Tabular | Iterable[Mapping[str, Any]]) -> polars.DataFrame:
    """A polars DataFrame of a result's rows, or of rows given as dicts (one per row).

    ``Decimal`` values become polars ``Decimal`` columns whose scale is the largest of the
    column's values (``0.96`` and ``11.5`` give ``0.96`` and ``11.50``): exact, no floats.

    Args:
        rows: a :class:`Tabular` result, or one mapping per row (its keys the columns).

    Raises:
        InvalidArgument: ``rows`` is neither a result nor an iterable of mappings.
        InvalidInput: a column mixes values polars cannot hold in one column.
        MissingDependency: polars is not installed (the ``polars`` extra).

    >>> from decimal import Decimal
    >>> frame = to_polars([{"yearly": Decimal("11.5")}, {"yearly": Decimal("0.96")}])
    >>> frame["yearly"].to_list()
    [Decimal('11.50'), Decimal('0.96')]
    """
    records = _records(rows)
    require("polars", extra="polars", feature="to_polars")
    import polars as pl

    if not records:
        return pl.DataFrame()
    try:
        return pl.from_dicts(records, infer_schema_length=None)
    except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(
            f"to_polars: the rows must give each column one type polars can hold, got "
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
