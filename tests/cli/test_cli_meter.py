"""The `meter` command's handler, called with StringIO (counting CSV files in Python)."""

from __future__ import annotations

import argparse
import gc
import io
from pathlib import Path

import pytest

from subscriptionkit.cli import main
from subscriptionkit.cli._metering import add_commands

HEADER = "event_id,school_id,pupil_id,grade,category,processed_at\n"


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


#: Options of a meter run over March 2026 for Focus PO 3-8.
MARCH_3_8 = ("--plan", "focus-po-3-8", "--from", "2026-03", "--to", "2026-03")


class TestCli:
    def _parse(self, *argv: str) -> argparse.Namespace:
        parser = argparse.ArgumentParser()
        add_commands(parser.add_subparsers())
        return parser.parse_args(["meter", *argv])

    def _csv(self, tmp_path: Path, rows: int = 3) -> str:
        path = tmp_path / "events.csv"
        lines = [HEADER]
        for i in range(rows):
            grade = 2 if i % 2 else 5
            lines.append(f"e{i},s1,p{i},{grade},engagement,2026-01-1{i % 9}T10:00:00+01:00\n")
        path.write_text("".join(lines), encoding="utf-8")
        return str(path)

    def test_prints_counts_and_usage(self, tmp_path: Path) -> None:
        """The command prints a line per school, month and band, and a total."""
        args = self._parse(
            self._csv(tmp_path), "--plan", "focus-po-combi", "--from", "2026-01", "--to", "2026-02"
        )
        out, err = io.StringIO(), io.StringIO()
        assert args.handler(args, out, err) == 0
        text = out.getvalue()
        rows = [line.split() for line in text.splitlines()[2:]]
        assert ["s1", "2026-01", "1-2", "1", "€", "0,96"] in rows
        assert ["s1", "2026-02", "3-8", "2", "€", "0,60"] in rows
        assert rows[-1] == ["Totaal", "6", "€", "3,12"]  # 2 months × (0,96 + 2 × 0,30)
        assert text.splitlines()[1].split() == ["School", "Maand", "Groep", "Leerlingen", "Gebruik"]
        assert err.getvalue() == ""

    def test_garbage_collector_left_as_it_was(self, tmp_path: Path) -> None:
        """The command pauses the garbage collector while it counts and restores it."""
        args = self._parse(
            self._csv(tmp_path), "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-01"
        )
        assert gc.isenabled()
        assert args.handler(args, io.StringIO(), io.StringIO()) == 0
        assert gc.isenabled()
        gc.disable()
        try:
            assert args.handler(args, io.StringIO(), io.StringIO()) == 0
            assert not gc.isenabled()
        finally:
            gc.enable()

    def test_progress_bar_on_a_terminal_only(self, tmp_path: Path) -> None:
        """A terminal on stderr gets a progress bar (percentage, bytes, rate); a pipe gets
        nothing, unless --progress asks for the bar."""
        path = self._csv(tmp_path, 5)
        argv = (path, "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-01")
        err = _TTY()
        args = self._parse(*argv)
        assert args.handler(args, io.StringIO(), err) == 0
        shown = err.getvalue()
        assert "100%" in shown
        assert "B/s" in shown
        pipe = io.StringIO()
        assert args.handler(args, io.StringIO(), pipe) == 0
        assert pipe.getvalue() == ""
        forced = self._parse(*argv, "--progress")
        assert forced.handler(forced, io.StringIO(), pipe) == 0
        assert "100%" in pipe.getvalue()

    def test_bad_input_is_one_line(self, tmp_path: Path) -> None:
        """Unknown and seat plans end with status 1, a missing file with 5 (one line each)."""
        path = self._csv(tmp_path)
        for plan, file, status in (
            ("nope", path, 1),
            ("teams", path, 1),
            ("focus-po-1-8", "/no/such", 5),
        ):
            argv = ["meter", file, "--plan", plan, "--from", "2026-01", "--to", "2026-01"]
            err = io.StringIO()
            assert main(argv, out=io.StringIO(), err=err) == status  # the command reports
            assert err.getvalue().startswith("subscriptionkit: error: ")
            assert err.getvalue().count("\n") == 1
        assert err.getvalue() == (
            "subscriptionkit: error: cannot use the file '/no/such': No such file or "
            "directory; expected a readable CSV file of events, or - for standard input\n"
        )

    @pytest.mark.parametrize("store", [False, True], ids=["count", "store"])
    def test_row_short_of_the_header_is_refused(self, tmp_path: Path, store: bool) -> None:
        """The reported file: a 'note' column in the header, line 3 without it. Counting
        and storing refuse it alike, naming the line, the values expected and given."""
        path = tmp_path / "events.csv"
        path.write_text(
            "event_id,school_id,pupil_id,grade,category,processed_at,note\n"
            "e1,s1,p1,3,engagement,2026-03-02T10:00:00+01:00,x\n"
            "e2,s1,p2,3,engagement,2026-03-02T10:00:00+01:00\n",
            encoding="utf-8",
        )
        argv = ["meter", str(path), *MARCH_3_8]
        if store:
            argv = ["--db", str(tmp_path / "sk.db"), *argv, "--store"]
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, out=out, err=err) == 1
        assert out.getvalue() == ""
        assert err.getvalue() == (
            "subscriptionkit: error: line 3: activity event row must be 7 values, one for each "
            "column of the header (event_id, school_id, pupil_id, grade, category, processed_at, "
            "note), got 6\n"
        )

    def test_month_arguments_are_checked(self) -> None:
        """--from must be YYYY-MM."""
        with pytest.raises(SystemExit):
            self._parse("-", "--plan", "x", "--from", "2026-1", "--to", "2026-02")

    def test_month_out_of_range_names_the_month(self) -> None:
        """--from 2026-13 has the right shape: the error names month 13, not the shape."""
        argv = ["meter", "-", "--plan", "x", "--from", "2026-13", "--to", "2026-02"]
        err = io.StringIO()
        assert main(argv, out=io.StringIO(), err=err) == 2
        assert err.getvalue().startswith(
            "subscriptionkit: error: argument --from: '2026-13' is not a month: there is no "
            "month 13; months are 01 to 12"
        )

    def test_processed_at_names_the_real_fault(self, tmp_path: Path) -> None:
        """A CSV time with month 13 is told so, not that it lacks an offset."""
        path = tmp_path / "events.csv"
        path.write_text(HEADER + "e1,s1,p1,3,engagement,2026-13-06T10:00:00+01:00\n")
        argv = ["meter", str(path), *MARCH_3_8]
        err = io.StringIO()
        assert main(argv, out=io.StringIO(), err=err) == 1
        assert err.getvalue() == (
            "subscriptionkit: error: line 2: activity event processed_at must be an ISO 8601 "
            "moment with its UTC offset, such as 2026-03-02T10:00:00+01:00 (there is no month "
            "13; months are 01 to 12), got '2026-13-06T10:00:00+01:00'\n"
        )
