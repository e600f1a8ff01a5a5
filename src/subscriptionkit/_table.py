"""Plain tables rendered as aligned text or HTML (internal; shared by quotes, comparisons, invoices)."""

from __future__ import annotations

import html
from collections.abc import Sequence

import attrs


@attrs.frozen
class Table:
    """A title, a header row and body rows of already-formatted cells.

    Columns after the first are right-aligned (they hold numbers and amounts).
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
        widths = [max(map(len, column)) for column in zip(*rows, strict=True)]
        # One format for every line (first column left, the others right): fast for
        # tables of tens of thousands of rows, such as a year of usage of every school.
        pattern = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths))
        fmt = pattern.format

        out = [self.title, fmt(*self.headers).rstrip()]
        out += [fmt(*r).rstrip() for r in self.rows]
        if self.footer is not None:
            out.append(fmt(*self.footer).rstrip())
        out += list(self.notes)
        return "\n".join(out)

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
