"""`meter` with the database: store a CSV's events, then count inside the database."""

from __future__ import annotations

import io
from pathlib import Path

from subscriptionkit.cli import main

CSV = """event_id,school_id,pupil_id,grade,category,processed_at
e1,s1,p1,2,engagement,2026-01-10T10:00:00+01:00
e2,s1,p2,5,cross_method_test,2026-02-10T10:00:00+01:00
e3,s1,p3,7,login,2026-02-10T10:00:00+01:00
e4,s2,p1,4,objective_mastery,2026-02-11T10:00:00+01:00
"""


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


class TestMeterWithDatabase:
    def test_store_then_count_from_the_database(self, tmp_path: Path) -> None:
        """--store keeps the events (once); without a file the database is counted."""
        db, csv = str(tmp_path / "m.db"), tmp_path / "events.csv"
        csv.write_text(CSV, encoding="utf-8")
        args = ("--plan", "focus-po-combi", "--from", "2026-01", "--to", "2026-02")
        code, from_csv, _ = run("meter", str(csv), *args, "--locale", "en_GB")
        assert code == 0
        code, stored, err = run(
            "--db", db, "meter", str(csv), "--store", *args, "--locale", "en_GB"
        )
        assert (code, err) == (0, "stored 4 new events\n")
        assert stored == from_csv
        code, _, err = run("--db", db, "meter", str(csv), "--store", *args)
        assert err == "0 nieuwe activiteiten opgeslagen\n"  # in the default locale, Dutch
        code, counted, _ = run("--db", db, "meter", *args, "--locale", "en_GB")
        assert (code, counted) == (0, from_csv)

    def test_one_school(self, tmp_path: Path) -> None:
        """--school limits the database count to one school."""
        db, csv = str(tmp_path / "m.db"), tmp_path / "events.csv"
        csv.write_text(CSV, encoding="utf-8")
        run(
            "--db",
            db,
            "meter",
            str(csv),
            "--store",
            "--plan",
            "focus-po-1-8",
            "--from",
            "2026-02",
            "--to",
            "2026-02",
        )
        code, out, _ = run(
            "--db",
            db,
            "meter",
            "--plan",
            "focus-po-1-8",
            "--from",
            "2026-02",
            "--to",
            "2026-02",
            "--school",
            "s2",
            "--locale",
            "en_GB",
        )
        assert code == 0
        assert out.splitlines()[1:] == [
            "School    Month  Grades  Pupils  Usage",
            "s2      2026-02     1-8       1  €0.96",
            "Total                         1  €0.96",
        ]
