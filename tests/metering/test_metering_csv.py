"""Reading activity events from CSV: encodings, separators, line numbers, hostile input."""

from __future__ import annotations

import codecs
import datetime as dt
import io
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptionkit.errors import InvalidCsv, InvalidEvent
from subscriptionkit.metering import read_events_csv
from subscriptionkit.metering._csv import MAX_LINE, EventRow

NAMES = ("event_id", "school_id", "pupil_id", "grade", "category", "processed_at")
ROWS = (
    ("e1", "s1", "p1", "3", "engagement", "2026-03-02T10:00:00+01:00"),
    ("e2", "s1", "p2", "8", "cross_method_test", "2026-03-31T23:30:00Z"),
)
EXPECTED = [
    EventRow(
        "e1",
        "s1",
        "p1",
        3,
        "engagement",
        dt.datetime(2026, 3, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    ),
    EventRow(
        "e2", "s1", "p2", 8, "cross_method_test", dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    ),
]


def _text(sep: str = ",", end: str = "\n", rows: tuple[tuple[str, ...], ...] = ROWS) -> str:
    return "".join(sep.join(r) + end for r in (NAMES, *rows))


class TestFormats:
    @pytest.mark.parametrize("sep", [",", ";", "\t"])
    @pytest.mark.parametrize("end", ["\n", "\r\n"])
    @pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
    def test_spreadsheet_exports_read_alike(self, sep: str, end: str, bom: bytes) -> None:
        """A BOM, ';' or tab separators and CRLF endings give the same rows as plain CSV."""
        data = bom + _text(sep, end).encode("utf-8")
        assert list(read_events_csv(io.BytesIO(data))) == EXPECTED
        text = data.decode("utf-8")
        assert list(read_events_csv(io.StringIO(text, newline=""))) == EXPECTED
        assert list(read_events_csv(text.splitlines(keepends=True))) == EXPECTED

    def test_dutch_export_with_commas_in_values(self) -> None:
        """With ';' as separator a ',' inside a value is data, and quoting still works."""
        rows = (("e1", "school, Utrecht", '"p;1"', "3", "engagement", "2026-03-02T10:00:00Z"),)
        got = list(read_events_csv(io.StringIO(_text(";", "\r\n", rows), newline="")))
        assert (got[0].school_id, got[0].pupil_id) == ("school, Utrecht", "p;1")

    def test_columns_in_any_order_and_extra_columns(self) -> None:
        """Columns are found by name; columns the reader does not need are ignored."""
        text = "note,processed_at,grade,pupil_id,category,school_id,event_id\n"
        text += "hi,2026-03-02T10:00:00+01:00,3,p1,engagement,s1,e1\n"
        assert list(read_events_csv(io.StringIO(text))) == EXPECTED[:1]


class TestEncodings:
    @pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
    def test_other_encodings_name_utf8_and_the_line(self, encoding: str) -> None:
        """A Windows-1252 export is refused at the line of its first non-UTF-8 byte."""
        rows = (*ROWS, ("e3", "école", "p3", "3", "engagement", "2026-03-02T10:00:00Z"))
        data = _text(rows=rows).encode(encoding)
        reader = read_events_csv(io.BytesIO(data))
        assert [next(reader), next(reader)] == EXPECTED
        with pytest.raises(InvalidCsv) as info:
            next(reader)
        assert (info.value.field, info.value.line) == ("encoding", 4)
        assert "must be UTF-8 text" in str(info.value)
        assert "0xE9" in str(info.value)

    def test_utf16_is_refused_at_once(self) -> None:
        """UTF-16 (as some spreadsheets save 'Unicode text') is named, on line 1."""
        with pytest.raises(InvalidCsv, match="UTF-16") as info:
            list(read_events_csv(io.BytesIO(_text().encode("utf-16"))))
        assert info.value.line == 1

    def test_text_file_with_wrong_encoding_is_no_raw_error(self) -> None:
        """A text stream that fails to decode raises InvalidCsv, not UnicodeDecodeError."""
        raw = io.BytesIO(_text().encode("utf-8") + "e3,s1,é".encode("latin-1"))
        with pytest.raises(InvalidCsv, match="UTF-8"):
            list(read_events_csv(io.TextIOWrapper(raw, encoding="utf-8", newline="")))

    def test_lines_of_another_type_are_refused(self) -> None:
        """An iterable of something other than text or bytes is refused by line."""
        with pytest.raises(InvalidCsv) as info:
            list(read_events_csv([_text(rows=()), 42]))  # type: ignore[list-item]
        assert (info.value.field, info.value.line) == ("line", 2)


class TestHeader:
    def test_duplicate_column_is_refused(self) -> None:
        """A column named twice is ambiguous: refused, naming the column."""
        text = "event_id,school_id,pupil_id,grade,grade,category,processed_at\n"
        with pytest.raises(InvalidCsv, match="the column 'grade' twice") as info:
            list(read_events_csv(io.StringIO(text)))
        assert (info.value.field, info.value.line) == ("header", 1)

    def test_duplicate_extra_column_is_refused_too(self) -> None:
        """Any name twice is refused, even of a column the reader would ignore."""
        with pytest.raises(InvalidCsv, match="'note' twice"):
            list(read_events_csv(io.StringIO(",".join((*NAMES, "note", "note")) + "\n")))

    def test_unnamed_trailing_columns_are_allowed(self) -> None:
        """Trailing empty header cells (a spreadsheet's stray separators) are not names."""
        text = ";".join((*NAMES, "", "")) + "\r\n" + ";".join((*ROWS[0], "", "")) + "\r\n"
        assert list(read_events_csv(io.StringIO(text, newline=""))) == EXPECTED[:1]

    def test_missing_columns_and_empty_file(self) -> None:
        """The header names what it lacks; an empty file is refused as such."""
        with pytest.raises(InvalidCsv, match="missing grade"):
            list(read_events_csv(io.StringIO("event_id,school_id,pupil_id,category,x\n")))
        with pytest.raises(InvalidCsv, match="an empty file"):
            list(read_events_csv(io.BytesIO(b"")))


class TestLineNumbers:
    def test_row_errors_name_the_file_line(self) -> None:
        """Blank lines and a quoted value over two lines do not shift the line named."""
        text = _text(rows=ROWS[:1]) + "\n"  # line 3 is blank
        # A category may hold a line break (ids may not: control characters are refused).
        text += 'e2,s1,p2,3,"report\nviewed",2026-03-02T10:00:00Z\n'  # lines 4-5
        text += "e3,s1,p3,9,engagement,2026-03-02T10:00:00Z\n"  # line 6
        reader = read_events_csv(io.StringIO(text, newline=""))
        rows = (next(reader), next(reader))
        assert [(r.pupil_id, r.category) for r in rows] == [
            ("p1", ROWS[0][4]),
            ("p2", "report\nviewed"),
        ]
        with pytest.raises(InvalidEvent) as info:
            next(reader)
        err = info.value
        assert (err.line, err.index, err.field, err.got) == (6, 2, "grade", "9")
        assert str(err).startswith("line 6: activity event grade must be a grade from 1 to 8")

    def test_short_row_names_its_line(self) -> None:
        """A row with too few values is refused with its line."""
        with pytest.raises(InvalidEvent, match=r"^line 4: activity event row"):
            list(read_events_csv(io.StringIO(_text() + "e3,s1\n")))

    def test_row_without_an_extra_column_is_refused(self) -> None:
        """The header names 7 columns; a row of 6 leaves one out (the six needed are all
        there, yet a value is missing): refused with its line, the count expected and the
        count given, as a row with one value too many is."""
        header = ",".join((*NAMES, "note")) + "\n"
        for row, got in ((",".join(ROWS[0]), 6), (",".join((*ROWS[0], "x", "y")), 8)):
            with pytest.raises(InvalidEvent) as info:
                list(read_events_csv(io.StringIO(header + ",".join((*ROWS[1], "ok")) + "\n" + row)))
            assert (info.value.line, info.value.index, info.value.field) == (3, 1, "row")
            assert str(info.value) == (
                "line 3: activity event row must be 7 values, one for each column of the "
                "header (event_id, school_id, pupil_id, grade, category, processed_at, note), "
                f"got {got}"
            )


class _Endless(io.RawIOBase):
    """A stream of one line that never ends; counts the bytes it handed out."""

    def __init__(self, prefix: bytes) -> None:
        self.prefix = prefix
        self.delivered = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        start = self.prefix[self.delivered : self.delivered + n]
        chunk = start + b"x" * (n - len(start))
        buffer[:n] = chunk
        self.delivered += n
        return n


class TestHostileInput:
    @pytest.mark.parametrize("binary", [True, False])
    def test_endless_line_is_refused_early(self, binary: bool) -> None:
        """A line without end is refused once MAX_LINE characters are read, not at EOF."""
        stream = _Endless(_text(rows=ROWS[:1]).encode())
        source = io.BufferedReader(stream)
        with pytest.raises(InvalidCsv) as info:
            list(read_events_csv(source if binary else io.TextIOWrapper(source, "utf-8")))
        assert (info.value.field, info.value.line) == ("line", 3)
        assert stream.delivered < 2 * MAX_LINE  # read a bounded amount, then stopped

    def test_endless_header_is_refused_early(self) -> None:
        """The header line is bounded too, with a smaller limit if asked."""
        stream = _Endless(b"")
        with pytest.raises(InvalidCsv, match="at most 1,000 characters") as info:
            list(read_events_csv(io.BufferedReader(stream), max_line=1000))
        assert info.value.line == 1
        assert stream.delivered < 100_000

    def test_huge_field_is_no_raw_csv_error(self) -> None:
        """A 200 KB quoted field ends in InvalidCsv (csv's field limit), with its line."""
        text = _text() + 'e3,s1,"' + "p" * 200_000 + '",3,engagement,2026-03-02T10:00:00Z\n'
        with pytest.raises(InvalidCsv) as info:
            list(read_events_csv(io.StringIO(text, newline="")))
        assert (info.value.field, info.value.line) == ("quoting", 4)

    @settings(max_examples=300, deadline=None)
    @given(st.binary(max_size=400), st.sampled_from([b"", codecs.BOM_UTF8]))
    def test_any_bytes_give_rows_or_a_library_error(self, tail: bytes, bom: bytes) -> None:
        """Whatever follows a valid header, the reader yields rows or raises InvalidEvent."""
        data = bom + _text().encode() + tail
        rows, error = _outcome(io.BytesIO(data))
        if error is None:
            assert rows[:2] == EXPECTED
        else:
            assert error.line is not None
            assert error.line >= 2

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.text(max_size=30), max_size=8))
    def test_any_text_lines_give_rows_or_a_library_error(self, lines: list[str]) -> None:
        """Arbitrary text lines never raise anything but InvalidEvent, with a line."""
        _, error = _outcome(iter([_text(rows=()), *lines]))
        assert error is None or error.line is not None


def _outcome(source: io.BytesIO | Iterator[str]) -> tuple[list[EventRow], InvalidEvent | None]:
    """The rows read, or the library error (anything else propagates and fails the test)."""
    try:
        return list(read_events_csv(source)), None
    except InvalidEvent as exc:
        return [], exc


def _generated(n: int) -> Iterator[str]:
    yield _text(rows=())
    for i in range(n):
        yield f"e{i},s{i % 3},p{i},{1 + i % 8},engagement,2026-01-01T00:00:00Z\n"


def test_streams_without_keeping_rows() -> None:
    """Rows come one at a time from a generator of lines, in order."""
    reader = read_events_csv(_generated(10_000))
    assert next(reader).event_id == "e0"
    assert sum(1 for _ in reader) == 9_999
