"""Streaming activity events from CSV (internal).

The rules every reader of event CSV files follows (this streaming reader, and the
columnar pyarrow reader of the ``meter`` command, which hands any file it cannot read
exactly this way back to this one):

* text is UTF-8; a UTF-8 byte order mark is skipped; anything else (Windows-1252,
  Latin-1, UTF-16) is refused with :class:`~subscriptionkit.errors.InvalidCsv` naming
  UTF-8 and the line of the first bad byte;
* the separator is ``,`` or ``;`` (spreadsheet exports in Dutch locales) or a tab, chosen
  from the header line; line endings ``\\n`` and ``\\r\\n`` alike;
* the header names each column once; a duplicate is refused, as is a missing column;
* every row has one value for each column of the header: a row with fewer or more values
  is refused, naming its line;
* a line longer than :data:`MAX_LINE` characters is refused as soon as that many have
  been read, so an endless line costs bounded memory;
* errors name the file line (1-based, the header is line 1), never a raw
  ``UnicodeDecodeError`` or ``csv.Error``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Final, NamedTuple

from .._checks import accepts
from .._errors_base import _indefinite
from ..clock import instant
from ..errors import InvalidArgument, InvalidCsv, InvalidEvent
from ._events import FIELDS, check_category, check_grade, check_id, check_time, reused_id

#: The longest line accepted, in characters (bytes when reading a binary file); a row of
#: six ids and a time is well under 1,000.
MAX_LINE: Final = 1 << 20
#: The separators recognised in the header line, most usual first.
SEPARATORS: Final = (",", ";", "\t")

_BOM: Final = "\ufeff"
_UTF8: Final = "UTF-8 text (a UTF-8 byte order mark is allowed); save the file as 'CSV UTF-8'"


class EventRow(NamedTuple):
    """One validated CSV row, in :data:`FIELDS` order (lighter than an ActivityEvent)."""

    event_id: str
    school_id: str
    pupil_id: str
    grade: int
    category: str
    processed_at: _dt.datetime


class Header(NamedTuple):
    """A parsed header line: the separator, the position of each of :data:`FIELDS` and
    the columns it names."""

    separator: str
    positions: tuple[int, ...]
    names: tuple[str, ...]

    @property
    def width(self) -> int:
        """How many columns the header names: the values every row must have."""
        return len(self.names)


def wrong_width(values: int, header: Header, index: int) -> InvalidEvent:
    """The error of a data row (0-based ``index``) with ``values`` values where the
    header names another number of columns: every row has one value per column, fewer
    (a value left out) as well as more (a separator inside an unquoted value)."""
    shown = ", ".join(header.names)
    return InvalidEvent(
        field="row",
        got=values,
        expected=f"{header.width} values, one for each column of the header ({shown})",
        index=index,
    )


def parse_header(line: str) -> Header:
    """Parse the header line (BOM and line ending already removed or not).

    Raises:
        InvalidCsv: a needed column is missing, or a column is named twice.
    """
    text = line.removeprefix(_BOM).rstrip("\r\n")
    best: tuple[int, str, list[str]] | None = None
    for sep in SEPARATORS:
        try:
            names = [n.strip() for n in next(csv.reader([text], delimiter=sep), [])]
        except csv.Error as exc:
            raise InvalidCsv(
                field="header",
                got=f"a line that is not CSV ({exc})",
                expected=f"the column names {', '.join(FIELDS)}",
                line=1,
            ) from None
        known = sum(1 for n in names if n in FIELDS)
        if best is None or known > best[0]:
            best = (known, sep, names)
    assert best is not None
    _, sep, names = best
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            raise InvalidCsv(
                field="header",
                got=f"the column {name!r} twice",
                expected="each column named once",
                line=1,
            )
        seen.add(name)
    missing = [f for f in FIELDS if f not in seen]
    if missing:
        shown = ", ".join(repr(n) for n in names[:10]) or "an empty line"
        raise InvalidCsv(
            field="header",
            got=f"{shown} (missing {', '.join(missing)})",
            expected=f"the columns {', '.join(FIELDS)}, separated by ',' or ';'",
            line=1,
        )
    return Header(sep, tuple(names.index(f) for f in FIELDS), tuple(names))


def _too_long(line: int, max_line: int) -> InvalidCsv:
    return InvalidCsv(
        field="line",
        got=f"more than {max_line:,} characters without a line end",
        expected=f"at most {max_line:,} characters per line",
        line=line,
    )


def _not_utf8(line: int, detail: str) -> InvalidCsv:
    return InvalidCsv(field="encoding", got=detail, expected=_UTF8, line=line)


def _decode_error(exc: UnicodeDecodeError) -> str:
    bad = exc.object[exc.start : exc.start + 1]
    return f"byte 0x{bad.hex().upper()} (not UTF-8; Windows-1252 or Latin-1?)"


def _lines(source: IO[bytes] | IO[str] | Iterable[str], max_line: int) -> Iterator[str]:
    """Yield the source's lines as text, each at most ``max_line`` characters.

    File objects are read with ``readline(limit)`` so an endless line never needs more
    than ``max_line`` characters of memory; bytes are decoded here, line by line, so a
    decoding error names its line.
    """
    readline: Callable[[int], object] | None = getattr(source, "readline", None)
    items: Iterator[object] = iter(()) if readline is not None else iter(source)
    number = 0
    while True:
        number += 1
        try:
            raw = readline(max_line + 1) if readline is not None else next(items, "")
        except UnicodeDecodeError as exc:  # a text file opened with another encoding
            raise _not_utf8(number, _decode_error(exc)) from None
        if not isinstance(raw, str | bytes):
            raise InvalidCsv(
                field="line",
                got=_indefinite(type(raw).__name__),
                expected="text (str) or bytes",
                line=number,
            )
        if not raw:
            return
        if len(raw) > max_line:
            raise _too_long(number, max_line)
        if isinstance(raw, bytes):
            if number == 1 and raw[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                raise _not_utf8(1, "UTF-16 (a UTF-16 byte order mark)")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _not_utf8(number, _decode_error(exc)) from None
        else:
            text = raw
        if number == 1:
            text = text.removeprefix(_BOM)
        yield text


@accepts(max_line=(int, "a whole number of characters"))
def read_events_csv(
    source: IO[bytes] | IO[str] | Iterable[str], *, max_line: int = MAX_LINE
) -> Iterator[EventRow]:
    """Stream validated rows from CSV with a header row.

    Columns (any order, extra columns ignored): ``event_id, school_id, pupil_id, grade,
    category, processed_at``; ``processed_at`` is ISO 8601 with an offset
    (``2026-03-02T10:00:00+01:00`` or ``...Z``). Rows are read one at a time, so a file
    of any size streams. The text is UTF-8 (a byte order mark is skipped), the separator
    ``,``, ``;`` or a tab (taken from the header), line endings ``\\n`` or ``\\r\\n``.

    Args:
        source: a file opened in binary mode (best: this reader decodes and checks the
            encoding), a text file (``newline=""``), ``sys.stdin`` or any iterable of
            lines.
        max_line: the longest line accepted, in characters.

    Raises:
        InvalidArgument: ``source`` is a ``str`` or ``bytes`` (a path or the text itself)
            or cannot be iterated, or ``max_line`` is not an int.
        InvalidCsv: the text is not UTF-8, the header lacks a column or names one twice,
            a line is longer than ``max_line``, or quoting is broken; ``line`` names the
            file line.
        InvalidEvent: a row is malformed; ``line`` is the file line it starts on,
            ``index`` the 0-based data row and ``field`` the column.

    >>> import io
    >>> text = "\\ufeffevent_id;school_id;pupil_id;grade;category;processed_at\\r\\n"
    >>> text += "e1;s1;p1;3;engagement;2026-03-02T10:00:00+01:00\\r\\n"
    >>> [r.grade for r in read_events_csv(io.StringIO(text, newline=""))]
    [3]
    >>> next(read_events_csv(io.BytesIO("event_id,é".encode("latin-1"))))
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.InvalidCsv: CSV line 1: the encoding must be UTF-8 text (a UTF-8 byte order mark is allowed); save the file as 'CSV UTF-8', got byte 0xE9 (not UTF-8; Windows-1252 or Latin-1?)
    """
    if isinstance(source, str | bytes) or not any(
        hasattr(source, name) for name in ("__iter__", "read", "readline")
    ):
        raise InvalidArgument(
            name="source",
            expected="an open file or an iterable of lines (open a path first; wrap text "
            "in io.StringIO)",
            got=source,
        )
    for _, row in numbered_rows(source, max_line):
        yield row


def numbered_rows(
    source: IO[bytes] | IO[str] | Iterable[str], max_line: int = MAX_LINE
) -> Iterator[tuple[int, EventRow]]:
    """The rows of :func:`read_events_csv`, each with the file line it starts on."""
    lines = _lines(source, max_line)
    first = next(lines, None)
    if first is None:
        raise InvalidCsv(
            field="header",
            got="an empty file",
            expected=f"a header line with the columns {', '.join(FIELDS)}",
            line=1,
        )
    return _rows(lines, parse_header(first))


def unique_rows(rows: Iterable[tuple[int, EventRow]]) -> Iterator[tuple[int, EventRow]]:
    """Numbered rows with each event id once: a row equal to an earlier one with its id
    (its moment compared as an instant) is skipped, as the stores skip a redelivered
    event; a row reusing the id of a different event is refused.

    The ids read so far and their events are kept, so memory grows with the file.

    Raises:
        InvalidEvent: an id reused by a different event (field ``event_id``), naming the
            file line of both rows.
    """
    seen: dict[str, tuple[int, tuple[object, ...]]] = {}
    for line, row in rows:
        event = (row.school_id, row.pupil_id, row.grade, row.category, instant(row.processed_at))
        first = seen.setdefault(row.event_id, (line, event))
        if first[0] == line:
            yield line, row
        elif first[1] != event:
            raise reused_id(row.event_id, line=line, first_line=first[0])


def at_line(exc: InvalidEvent, line: int) -> InvalidEvent:
    """``exc``, the error of one row, naming the file line the row starts on: the one way
    every reader of event files (and the stores' ``add_csv``) names a row."""
    return InvalidEvent(
        field=exc.field, got=exc.got, expected=exc.expected, index=exc.index, line=line
    )


def _rows(lines: Iterator[str], header: Header) -> Iterator[tuple[int, EventRow]]:
    at = header.positions
    reader = csv.reader(lines, delimiter=header.separator)
    end = 1  # the last file line read (the header)
    index = 0
    while True:
        start = end + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidCsv(
                field="quoting",
                got=f"{exc} (a quote left open, or a field too long)",
                expected="well-formed CSV: quotes closed, fields under 131,072 characters",
                line=start,
            ) from None
        end = 1 + reader.line_num
        if not row:
            continue  # a blank line
        try:
            if len(row) != header.width:
                raise wrong_width(len(row), header, index)
            e, s, p, g, c, t = (row[i] for i in at)
            yield (
                start,
                EventRow(
                    check_id("event_id", e, index),
                    check_id("school_id", s, index),
                    check_id("pupil_id", p, index),
                    check_grade(g, index),
                    check_category(c, index),
                    check_time(t, index),
                ),
            )
        except InvalidEvent as exc:
            raise at_line(exc, start) from None
        index += 1
