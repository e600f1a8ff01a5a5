"""count_csv: the columnar pyarrow reader and numpy engine give the streaming reader's
counts and errors, on plain files, spreadsheet exports and hostile ones."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from metering_csv_helpers import NAMES, ODD, changed_file, csv_bytes, csv_rows, odd_changes
from subscriptionkit import plans
from subscriptionkit.errors import InvalidEvent, InvalidInput
from subscriptionkit.metering import (
    Month,
    MonthlyCounts,
    _arrow,
    count_csv,
    month_range,
    monthly_counts,
    read_events_csv,
)

if not _arrow.available():  # pragma: no cover - the dev extra installs it
    _why = "the columnar reader needs pyarrow: pip install 'subscriptionkit[arrow]'"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(_why + " (CI=true: these tests must run)", pytrace=False)
    pytest.skip(_why, allow_module_level=True)

MONTHS = month_range(Month(2025, 1), Month(2026, 6))


def _plan(plan_id: str) -> plans.PupilPlan:
    plan = plans.default_catalog()[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


def _expected(data: bytes, plan: plans.PupilPlan, school: str | None = None) -> MonthlyCounts:
    rows = read_events_csv(io.BytesIO(data))
    return monthly_counts(
        (r for r in rows if school is None or r.school_id == school), plan, MONTHS
    )


class TestSameCounts:
    @pytest.mark.parametrize(
        "plan_id", ["focus-po-1-2", "focus-po-3-8", "focus-po-combi", "focus-po-1-8"]
    )
    @pytest.mark.parametrize("reader", ["auto", "arrow", "python"])
    def test_every_plan_and_reader(self, tmp_path: Path, plan_id: str, reader: str) -> None:
        """Both readers and both engines give the streaming engine's counts, in order."""
        data = csv_bytes(csv_rows(1, 3000))
        path = tmp_path / "events.csv"
        path.write_bytes(data)
        got = count_csv(path, _plan(plan_id), MONTHS, reader=reader)  # type: ignore[arg-type]
        expected = _expected(data, _plan(plan_id))
        assert got == expected
        assert list(got.counts) == list(expected.counts)

    @pytest.mark.parametrize(("sep", "end", "bom"), [(";", "\r\n", True), ("\t", "\n", False)])
    def test_spreadsheet_exports_take_the_columnar_path(
        self, sep: str, end: str, bom: bool
    ) -> None:
        """A BOM, ';' and CRLF are read by pyarrow itself, with the same counts."""
        data = csv_bytes(csv_rows(2, 500), sep, end, bom)
        assert _arrow.read_columns(io.BytesIO(data)) is not None
        plan = _plan("focus-po-combi")
        assert count_csv(io.BytesIO(data), plan, MONTHS) == _expected(data, plan)

    def test_one_school(self) -> None:
        """school_id counts that school only; an unknown school counts nothing."""
        data = csv_bytes(csv_rows(3, 800))
        plan = _plan("focus-po-combi")
        got = count_csv(io.BytesIO(data), plan, MONTHS, school_id="school-2")
        assert got == _expected(data, plan, "school-2")
        assert got.schools == ("school-2",)
        assert count_csv(io.BytesIO(data), plan, MONTHS, school_id="nope").counts == {}

    def test_progress_reports_bytes_up_to_the_size(self) -> None:
        """progress gets a rising byte count that ends at the file's size, on both paths."""
        data = csv_bytes(csv_rows(4, 5000))
        for reader in ("arrow", "python"):  # type: Literal["arrow", "python"]
            seen: list[int] = []
            count_csv(
                io.BytesIO(data),
                _plan("focus-po-1-8"),
                MONTHS,
                progress=seen.append,
                reader=reader,
            )
            assert seen == sorted(seen)
            assert seen[-1] == len(data)


def _outcome(data: bytes, reader: str) -> tuple[object, ...]:
    plan = _plan("focus-po-combi")
    try:
        return ("counts", count_csv(io.BytesIO(data), plan, MONTHS, reader=reader))  # type: ignore[arg-type]
    except InvalidEvent as exc:
        return ("error", type(exc), exc.field, exc.line, str(exc))


class TestSameErrors:
    @pytest.mark.parametrize(("field", "value"), [(f, v) for f, vs in ODD.items() for v in vs])
    def test_odd_value(self, field: str, value: str) -> None:
        """An odd value on line 3 is accepted or refused alike, with the same line."""
        rows = csv_rows(5, 4)
        row = list(rows[1])
        row[NAMES.index(field)] = value
        rows[1] = tuple(row)
        data = csv_bytes(rows)
        assert _outcome(data, "auto") == _outcome(data, "python")

    @pytest.mark.parametrize(
        "data",
        [
            csv_bytes(csv_rows(6, 5))
            + "e9,école,p1,3,engagement,2026-01-01T00:00:00Z\n".encode("cp1252"),
            csv_bytes(csv_rows(6, 5)).decode().encode("utf-16"),
            csv_bytes(csv_rows(6, 5)).replace(b"grade", b"event_id", 1),
            csv_bytes(csv_rows(6, 5)) + b"e9,s1,p1,3,engagement,2026-01-01T00:00:00Z,extra\n",
            csv_bytes(csv_rows(6, 5)) + b"e9,s1,p1,3,engagement\n",
            b"event_id,school_id,pupil_id,grade,category,processed_at,note\n"
            b"e1,s1,p1,3,engagement,2026-03-02T10:00:00+01:00,x\n"
            b"e2,s1,p2,3,engagement,2026-03-02T10:00:00+01:00\n",
            csv_bytes(csv_rows(6, 5))
            + b'e9,s1,"p'
            + b"x" * 200_000
            + b'",3,engagement,2026-01-01T00:00:00Z\n',
            csv_bytes(csv_rows(6, 5))
            + b"e9,s1,p1,"
            + b" " * 200_000
            + b"3,engagement,2026-01-01T00:00:00Z\n",
            csv_bytes(csv_rows(6, 5)) + b'e9,s1,"p1\n1",3,engagement,2026-01-01T00:00:00Z\n',
            csv_bytes(csv_rows(6, 5)) + b"\n\n" + b"e9,s1,p1,3,engagement,2026-01-01T00:00:00Z\n",
            csv_bytes(csv_rows(6, 5)) + b"e9,s1,p1\x00,3,engagement,2026-01-01T00:00:00Z\n",
            csv_bytes([]),
            b"",
            csv_bytes(csv_rows(6, 5)) + b"e1,s1,p9,3,engagement,2026-01-01T00:00:00Z\n",
            csv_bytes([*csv_rows(6, 5), csv_rows(6, 5)[3]]),
            csv_bytes([*csv_rows(6, 5), (*csv_rows(6, 5)[3][:3], "8", *csv_rows(6, 5)[3][4:])]),
            csv_bytes(csv_rows(6, 5)) + b"\n\n" + csv_bytes(csv_rows(6, 2)).split(b"\n", 1)[1],
        ],
        ids=[
            "cp1252",
            "utf16",
            "duplicate-column",
            "extra-value",
            "short-row",
            "row-without-the-extra-column",
            "huge-field",
            "huge-padded-grade",
            "newline-in-value",
            "blank-lines",
            "nul",
            "header-only",
            "empty",
            "reused-id",
            "redelivered",
            "reused-id-other-grade",
            "reused-ids-after-blank-lines",
        ],
    )
    def test_broken_files(self, data: bytes) -> None:
        """Broken or unusual files give the streaming reader's outcome, line and all."""
        assert _outcome(data, "auto") == _outcome(data, "python")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(odd_changes())
    def test_any_odd_values(self, changes: list[tuple[str, str]]) -> None:
        """Random odd values in random places: the readers never disagree."""
        data = changed_file(changes)
        assert _outcome(data, "auto") == _outcome(data, "python")


class TestEventIds:
    """A reused id follows the rule of EventLog and the stores on both readers."""

    DUP = "e1,s1,p1,2,engagement,2026-03-10T09:00:00+01:00"

    @pytest.mark.parametrize("reader", ["auto", "python"])
    def test_another_event_under_an_id_is_refused_with_both_lines(self, reader: str) -> None:
        data = csv_bytes([]) + f"{self.DUP}\n\n{self.DUP.replace('p1', 'p9')}\n".encode()
        with pytest.raises(InvalidEvent) as caught:
            count_csv(io.BytesIO(data), _plan("focus-po-combi"), MONTHS, reader=reader)  # type: ignore[arg-type]
        assert (caught.value.field, caught.value.line, caught.value.got) == ("event_id", 4, "e1")
        assert str(caught.value) == (
            "line 4: activity event event_id must be an id not already used by a different "
            "event (line 2 has another event with it), got 'e1'"
        )

    @pytest.mark.parametrize("reader", ["auto", "arrow", "python"])
    def test_a_redelivered_event_counts_once(self, reader: str) -> None:
        """The same event again, its moment written with another offset, is skipped."""
        again = self.DUP.replace("09:00:00+01:00", "08:00:00Z")
        data = csv_bytes([]) + f"{self.DUP}\n{again}\n".encode()
        got = count_csv(io.BytesIO(data), _plan("focus-po-combi"), MONTHS, reader=reader)  # type: ignore[arg-type]
        assert got.count("s1", Month(2026, 3)) == 1

    def test_the_columns_leave_the_id_check_to_the_caller(self) -> None:
        """read_columns returns the columns of a file with a reused id; their check says
        so (count_csv then reads the file again to name the lines); a redelivery passes."""
        again = self.DUP.replace("09:00:00+01:00", "08:00:00Z")
        reused = csv_bytes([]) + f"{self.DUP}\n{self.DUP.replace('p1', 'p9')}\n".encode()
        redelivered = csv_bytes([]) + f"{self.DUP}\n{again}\n".encode()
        columns = _arrow.read_columns(io.BytesIO(reused))
        assert columns is not None
        assert columns.one_event_per_id() is False
        columns = _arrow.read_columns(io.BytesIO(redelivered))
        assert columns is not None
        assert columns.one_event_per_id() is True

    def test_colliding_hashes_are_decided_exactly(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """With every id hashing alike, distinct ids still pass and a reuse is still found."""
        import numpy as np

        monkeypatch.setattr(
            _arrow, "_hash_strings", lambda values: np.zeros(len(values), dtype=np.uint64)
        )
        rows = csv_rows(8, 40)
        plan = _plan("focus-po-combi")
        assert count_csv(io.BytesIO(csv_bytes(rows)), plan, MONTHS, reader="arrow") == (
            _expected(csv_bytes(rows), plan)
        )
        data = csv_bytes([*rows, (rows[5][0], *rows[6][1:])])
        assert _outcome(data, "arrow")[:4] == ("error", InvalidEvent, "event_id", 42)

    def test_hashes_of_equal_strings_are_equal(self) -> None:
        import pyarrow as pa

        values = pa.array(["x", "e-1", "a" * 17, "é", "e-1", "a" * 17, "a" * 16, "x" * 9])
        hashes = _arrow._hash_strings(values.slice(1, 6)).tolist()
        assert hashes[0] == hashes[3]
        assert hashes[1] == hashes[4]
        assert len(set(hashes)) == 4
        assert _arrow._hash_strings(values[:0]).tolist() == []


class TestBulkIdCheck:
    @pytest.mark.parametrize(
        ("ids", "plain"),
        [
            (["p1", "school-7", "~!#"], True),
            (["p1", "x" * 64], True),
            (["p1", "x" * 65], False),
            (["p1", ""], False),
            (["p1", "p 2"], False),
            (["p1", "p\x7f"], False),
            (["p1", "pé"], False),
            ([], False),
        ],
    )
    def test_only_plain_ids_pass_in_bulk(self, ids: list[str], plain: bool) -> None:
        """Ids of 1-64 printable ASCII bytes without spaces pass at once; any other goes
        one by one through the library's check (a slice is checked on its own values)."""
        import pyarrow as pa

        values = pa.array(["bad id", *ids, ""])
        assert _arrow._all_plain(values.slice(1, len(ids))) is plain
        assert _arrow._all_plain(values) is False


class TestArguments:
    def test_unknown_reader_and_missing_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad reader name, or 'arrow' without pyarrow, is InvalidInput naming the extra."""
        plan = _plan("focus-po-1-8")
        with pytest.raises(InvalidInput, match="reader must be"):
            count_csv(io.BytesIO(b""), plan, MONTHS, reader="fast")  # type: ignore[arg-type]
        monkeypatch.setattr(_arrow, "available", lambda: False)
        with pytest.raises(InvalidInput, match=r"subscriptionkit\[arrow\]"):
            count_csv(io.BytesIO(b""), plan, MONTHS, reader="arrow")

    def test_missing_file_and_wrong_source(self, tmp_path: Path) -> None:
        """A file that cannot be opened, or a source of the wrong type, is InvalidInput."""
        plan = _plan("focus-po-1-8")
        with pytest.raises(InvalidInput, match="cannot read the CSV file"):
            count_csv(tmp_path / "nope.csv", plan, MONTHS)
        with pytest.raises(InvalidInput, match="source must be a path or a binary file"):
            count_csv(42, plan, MONTHS)  # type: ignore[arg-type]


HEADER = "event_id,school_id,pupil_id,grade,category,processed_at\n"


class TestOneRuleForIdsAndCategories:
    """Ids and categories are matched exactly, so both readers and ``ActivityEvent`` refuse
    what would be matched wrongly (issue 13: ``' p1 '`` and ``'p1'`` were billed as two
    pupils; ``'Engagement'`` was silently unbilled)."""

    @pytest.mark.parametrize("reader", ["arrow", "python"])
    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            (
                "z1,s, p1 ,1,engagement,2026-03-02T10:00:00+01:00\n"
                "z2,s,p1,1,engagement,2026-03-02T10:00:00+01:00\n",
                "line 2: activity event pupil_id must be non-empty text of at most 100 "
                "characters without control characters, with no spaces before or after it, "
                "got ' p1 '",
            ),
            (
                "z1,s,p1,1,Engagement,2026-03-02T10:00:00+01:00\n",
                "line 2: activity event category must be 'engagement' written exactly so, "
                "got 'Engagement'",
            ),
            (
                "z1,s,p1,1,engagement ,2026-03-02T10:00:00+01:00\n",
                "line 2: activity event category must be 'engagement' written exactly so, "
                "got 'engagement '",
            ),
        ],
    )
    def test_the_reported_files(self, tmp_path: Path, reader: str, rows: str, message: str) -> None:
        """The files of the report are refused by both readers alike, naming the line."""
        path = tmp_path / "c.csv"
        path.write_text(HEADER + rows, encoding="utf-8")
        with pytest.raises(InvalidEvent) as raised:
            count_csv(path, _plan("focus-po-combi"), MONTHS, reader=reader)  # type: ignore[arg-type]
        assert str(raised.value) == message

    def test_activity_event_applies_the_same_rule(self) -> None:
        """``ActivityEvent`` refuses what the readers refuse; other categories pass."""
        import datetime as dt

        from subscriptionkit.metering import ActivityEvent

        at = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
        with pytest.raises(InvalidEvent, match="no spaces before or after it, got ' p1 '"):
            ActivityEvent("z1", "s", " p1 ", 1, "engagement", at)
        with pytest.raises(InvalidEvent, match="'engagement' written exactly so"):
            ActivityEvent("z1", "s", "p1", 1, " engagement", at)
        assert ActivityEvent("z1", "s", "p1", 1, "login", at).category == "login"
