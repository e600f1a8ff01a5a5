"""Plain tables rendered as aligned text or HTML, and the results that render as them (internal).

Documented where users import them: :mod:`subscriptionkit.tables`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .money import DEFAULT_LOCALE

if TYPE_CHECKING:
    import pandas
    import polars


@attrs.frozen
class Table:
    """A title, a header row and body rows of already-formatted cells, in one locale.

    Columns after the first are right-aligned (they hold numbers and amounts). ``str()``
    gives the aligned text; in Jupyter it renders as an HTML table.

    >>> from subscriptionkit import plans
    >>> quote = plans.quote(plans.default_catalog()["focus-po-1-2"], pupils={1: 28, 2: 30})
    >>> table = quote.display("en_GB")
    >>> table.headers[:3], table.footer
    (('Grades', 'Pupils', 'Per pupil per month'), ('Total', '58', '', '€55.68', '', '€667.00'))
    >>> table.html().startswith("<table><caption>Focus PO 1-2</caption>")
    True
    """

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    footer: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()

    def _all_rows(self) -> list[Sequence[str]]:
        rows: list[Sequence[str]] = [self.headers, *self.rows]
        if self.footer is not None:
            rows.append(self.footer)
        return rows

    def text(self) -> str:
        """Render as aligned text for a terminal."""
        rows = self._all_rows()
        columns = list(zip(*rows, strict=True))
        # Column by column (first left-aligned, the others right): each distinct cell is
        # padded once, and the lines are joined without a Python step per cell. Fast for
        # tables of tens of thousands of rows, such as a year of usage of every school,
        # whose columns repeat a few thousand values.
        padded = []
        for i, column in enumerate(columns):
            width = max(map(len, column))
            pad = str.ljust if i == 0 else str.rjust
            cells = {cell: pad(cell, width) for cell in set(column)}
            padded.append(map(cells.__getitem__, column))
        lines = map(str.rstrip, map("  ".join, zip(*padded, strict=True)))
        return "\n".join([self.title, *(lines if columns else [""] * len(rows)), *self.notes])

    def html(self) -> str:
        """Render as an HTML table (for Jupyter's ``_repr_html_``)."""
        esc = html.escape

        def cells(tag: str, row: Sequence[str]) -> str:
            return "".join(
                f'<{tag} style="text-align:{"left" if i == 0 else "right"}">{esc(c)}</{tag}>'
                for i, c in enumerate(row)
            )

        body = "".join(f"<tr>{cells('td', r)}</tr>" for r in self.rows)
        foot = f"<tfoot><tr>{cells('th', self.footer)}</tr></tfoot>" if self.footer else ""
        notes = "".join(f"<p>{esc(n)}</p>" for n in self.notes)
        return (
            f"<table><caption>{esc(self.title)}</caption>"
            f"<thead><tr>{cells('th', self.headers)}</tr></thead>"
            f"<tbody>{body}</tbody>{foot}</table>{notes}"
        )

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        return self.html()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's plain text
        printer.text(self.text())


class Tabular:
    """A result that renders as a :class:`Table`: quotes, comparisons, invoices, counts.

    It shows as aligned text with :meth:`format`, as HTML in Jupyter (in ``nl_NL``, the
    library's default locale; :meth:`display` chooses another), and converts to a pandas or
    polars DataFrame with exact amounts (:meth:`to_pandas`, :meth:`to_polars`).

    >>> from subscriptionkit import plans
    >>> quote = plans.quote(plans.default_catalog()["focus-po-1-2"], pupils={1: 28, 2: 30})
    >>> print(quote.display("en_GB"))
    Focus PO 1-2
    Grades  Pupils  Per pupil per month  Per month  Per pupil per year  Per year
    1-2         58                €0.96     €55.68              €11.50   €667.00
    Total       58                          €55.68                       €667.00
    >>> quote.display("nl_NL").footer[-1]
    '€ 667,00'
    """

    __slots__ = ()

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The result as a :class:`Table` in ``locale`` (each result defines it)."""
        raise NotImplementedError

    def _records(self) -> list[dict[str, Any]]:
        """One dict per row, amounts as ``Decimal`` (each result's ``to_rows`` by default)."""
        return self.to_rows()  # type: ignore[attr-defined,no-any-return]

    def format(self, locale: str = DEFAULT_LOCALE) -> str:
        """Render as aligned text for ``locale`` (``"nl_NL"``, ``"en_GB"``...).

        Raises:
            InvalidInput: ``locale`` is not a known locale.
        """
        return self.table(locale).text()

    def display(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The :class:`Table` to show in Jupyter (as HTML) or print, in ``locale``.

        The result itself renders in the default locale (``nl_NL``); end a notebook cell
        with ``quote.display("en_GB")`` to show it in another.

        Raises:
            InvalidInput: ``locale`` is not a known locale.
        """
        return self.table(locale)

    def _repr_html_(self) -> str:
        return self.table().html()

    def to_pandas(self) -> pandas.DataFrame:
        """The rows as a pandas DataFrame; amounts stay exact ``Decimal`` values.

        Raises:
            MissingDependency: pandas is not installed (the ``pandas`` extra).
        """
        from .tables import to_pandas

        return to_pandas(self)

    def to_polars(self) -> polars.DataFrame:
        """The rows as a polars DataFrame; amounts are exact ``Decimal`` columns.

        Raises:
            MissingDependency: polars is not installed (the ``polars`` extra).
        """
        from .tables import to_polars

        return to_polars(self)
