"""The ``billing`` commands on a SQLite file: advance, usage, true-up, seats, show."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.storage.sql import SqlStore

NOW = FixedClock(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))
AMS = ZoneInfo("Europe/Amsterdam")
START = "2026-08-01T09:00+02:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite file with school-1 on Focus PO 1-2 from 1 August 2026 (subscription s1)."""
    path = str(tmp_path / "sk.db")
    code, _out, err = run(
        "--db", path, "subscriptions", "subscribe", "school-1", "focus-po-1-2",
        "--id", "s1", "--at", START,
    )  # fmt: skip
    assert code == 0, err
    return path


def store_events(path: str, events: list[ActivityEvent]) -> None:
    store = SqlStore(path)
    with store.unit_of_work() as uow:
        uow.activity.add(events)
        uow.commit()
    store.close()


def event(n: int, pupil: str, grade: int, at: dt.datetime) -> ActivityEvent:
    return ActivityEvent(f"e{n}", "school-1", pupil, grade, "engagement", at)


def invoices(path: str) -> list[dict[str, object]]:
    code, out, err = run("--db", path, "billing", "show", "--format", "json")
    assert code == 0, err
    data: list[dict[str, object]] = json.loads(out)
    return data


class TestAdvance:
    """``billing advance`` issues the year's advance into the ledger, once."""

    def test_the_worked_example(self, db: str) -> None:
        """58 pupils in grades 1-2: € 667,00 + 21 % VAT € 140,07 = € 807,07, number 2026-000001."""
        code, out, err = run(
            "--db", db, "billing", "advance", "s1", "--pupils", "1=28,2=30", "--at", START,
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert out.splitlines()[0] == "Factuur 2026-000001 · 1 augustus 2026"
        assert "Voorinvestering 1 aug 2026 – 31 jul 2027, groep 1-2  21%  € 667,00" in out
        assert "Btw 21% over € 667,00" in out
        assert out.splitlines()[-2].endswith("€ 807,07")
        assert out.splitlines()[-1] == "Status: openstaand"
        [issued] = invoices(db)
        assert (issued["number"], issued["gross"], issued["status"]) == (
            "2026-000001",
            "807.07",
            "open",
        )

    def test_a_period_is_billed_once(self, db: str) -> None:
        """A second advance for the same year is refused, naming the invoice."""
        argv = ("--db", db, "billing", "advance", "s1", "--pupils", "1=28", "--at", START)
        assert run(*argv)[0] == 0
        code, out, err = run(*argv)
        assert (code, out) == (1, "")
        assert err == (
            "subscriptionkit: error: the advance of subscription 's1' for the period from "
            "2026-08-01 was issued already as invoice 2026-000001; expected a period not yet "
            "billed\n"
        )
        assert len(invoices(db)) == 1

    def test_counted_from_activity_after_the_first_weeks(self, db: str) -> None:
        """Without --pupils: the pupils with data in the first four weeks, once they passed."""
        code, _out, err = run("--db", db, "billing", "advance", "s1", "--at", START)
        assert code == 1
        assert "--pupils" in err
        assert "2026-08-29" in err
        at = dt.datetime(2026, 8, 10, 10, tzinfo=AMS)
        store_events(
            db,
            [
                event(1, "p1", 1, at),
                event(2, "p2", 2, at),
                event(3, "p3", 5, at),  # grade 5: not covered by Focus PO 1-2
                event(4, "p4", 1, dt.datetime(2026, 9, 1, 10, tzinfo=AMS)),  # after the window
            ],
        )
        code, out, err = run(
            "--db", db, "billing", "advance", "s1", "--at", "2026-09-01T09:00+02:00",
            "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        [issued] = json.loads(out)
        assert [(ln["quantity"], ln["amount"]) for ln in issued["lines"]] == [("2", "23.00")]

    def test_a_seat_plan_has_no_advance(self, tmp_path: Path) -> None:
        """Teams is billed with `billing seats`: the message says so."""
        path = str(tmp_path / "t.db")
        run(
            "--db", path, "subscriptions", "subscribe", "acme", "teams", "--seats", "5",
            "--seat-price", "60.00", "--id", "t1",
        )  # fmt: skip
        code, _out, err = run("--db", path, "billing", "advance", "t1", "--pupils", "1=2")
        assert code == 1
        assert "'billing seats'" in err


class TestTrueUp:
    """``billing true-up``: last year's advance credited, its usage, the new advance."""

    def test_year_end_invoice(self, db: str) -> None:
        """The invoices telescope: advance + true-up = usage of the year + the new advance."""
        run("--db", db, "billing", "advance", "s1", "--pupils", "1=28,2=30", "--at", START)
        # Two pupils active all year: p1 from August, p2 from January.
        store_events(
            db,
            [
                event(1, "p1", 1, dt.datetime(2026, 8, 3, 10, tzinfo=AMS)),
                event(2, "p1", 1, dt.datetime(2027, 3, 3, 10, tzinfo=AMS)),
                event(3, "p2", 2, dt.datetime(2027, 1, 5, 10, tzinfo=AMS)),
            ],
        )
        code, out, err = run(
            "--db", db, "billing", "true-up", "s1", "--pupils", "1=30,2=30",
            "--at", "2027-08-02T09:00+02:00", "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        [true_up] = json.loads(out)
        assert true_up["number"] == "2027-000001"
        assert true_up["purpose"] == "true_up"
        kinds = [(ln["kind"], ln["quantity"], ln["amount"]) for ln in true_up["lines"]]
        # p1: August to March + 8 months = 12 count moments (Sep 2026..Aug 2027) all within
        # 9 months of an event; p2: February..August 2027 = 7. 19 pupil-months × € 0,96.
        assert kinds == [
            ("advance_credit", "58", "-667.00"),
            ("usage", "19", "18.24"),
            ("advance", "60", "690.00"),
        ]
        total = Decimal("667.00") + Decimal(true_up["net"])
        assert total == Decimal("18.24") + Decimal("690.00")

        code, _out, err = run(
            "--db", db, "billing", "true-up", "s1", "--pupils", "1=30",
            "--at", "2027-08-03T09:00+02:00",
        )  # fmt: skip
        assert code == 1
        assert "was issued already as invoice 2027-000001" in err

    def test_dated_when_issued_in_number_order(self, tmp_path: Path) -> None:
        """The reported case: after 2027-000001 of 10/02/2027, a true-up at 1 March 2027
        of a year renewed on 31 January is 2027-000002 dated 01/03/2027, not 31/01/2027;
        an explicit earlier date is refused."""
        db = str(tmp_path / "sk.db")
        for argv in (
            ["s", "focus-po-1-2", "--id", "s1", "--at", "2026-01-31T09:00+01:00"],
            ["t", "teams", "--seats", "3", "--seat-price", "60", "--id", "t1",
             "--at", "2026-02-10T09:00+01:00"],
        ):  # fmt: skip
            assert run("--db", db, "subscriptions", "subscribe", *argv)[0] == 0
        at = "2026-01-31T09:00+01:00"
        assert run("--db", db, "billing", "advance", "s1", "--pupils", "1=28", "--at", at)[0] == 0
        code, out, err = run("--db", db, "billing", "seats", "t1", "--at",
                             "2027-02-10T09:00+01:00", "--format", "json")  # fmt: skip
        assert code == 0, err
        assert [(d["number"], d["issued_on"]) for d in json.loads(out)] == [
            ("2027-000001", "2027-02-10")
        ]
        code, _out, err = run("--db", db, "billing", "true-up", "s1", "--pupils", "1=28",
                              "--at", "2027-03-01T09:00+01:00", "--issued-on", "2027-01-31")  # fmt: skip
        assert code == 1
        assert "must be dated on or after 2027-02-10" in err
        code, out, err = run("--db", db, "billing", "true-up", "s1", "--pupils", "1=28",
                             "--at", "2027-03-01T09:00+01:00", "--format", "json")  # fmt: skip
        assert code == 0, err
        [true_up] = json.loads(out)
        assert (true_up["number"], true_up["issued_on"]) == ("2027-000002", "2027-03-01")
        assert true_up["lines"][-1]["start"] == "2027-01-31"  # the period is separate

    def test_not_before_the_renewal(self, db: str) -> None:
        """In the first year there is nothing to true up: exit 1, naming the renewal."""
        run("--db", db, "billing", "advance", "s1", "--pupils", "1=28", "--at", START)
        code, _out, err = run(
            "--db", db, "billing", "true-up", "s1", "--pupils", "1=28", "--at", START
        )
        assert code == 1
        assert "first year" in err
        assert "2027-08-01" in err
        assert "--at" in err

    def test_no_true_up_for_a_customer_that_stops(self, db: str) -> None:
        """Cancelled, then expired at the renewal: it says so, and issues nothing."""
        run("--db", db, "billing", "advance", "s1", "--pupils", "1=28", "--at", START)
        code, _out, err = run(
            "--db", db, "subscriptions", "cancel", "s1", "--at", "2027-01-10T09:00+01:00"
        )
        assert code == 0, err
        code, out, err = run(
            "--db", db, "billing", "true-up", "s1", "--pupils", "1=28",
            "--at", "2027-08-02T09:00+02:00", "--locale", "en_GB",
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert (
            out
            == "No true-up: subscription s1 did not renew, and a customer that stops gets none.\n"
        )
        assert len(invoices(db)) == 1

    def test_needs_the_advance(self, db: str) -> None:
        """Without an advance in the ledger, the message points at `billing advance`."""
        code, _out, err = run(
            "--db", db, "billing", "true-up", "s1", "--pupils", "1=28",
            "--at", "2027-08-02T09:00+02:00",
        )  # fmt: skip
        assert code == 1
        assert "'billing advance'" in err


class TestSeats:
    """``billing seats``: a seat plan's period, once; seat changes stay with `teams seats`."""

    def test_period_invoice(self, tmp_path: Path) -> None:
        """5 seats × € 60,00 = € 300,00 + VAT; a second run is refused."""
        path = str(tmp_path / "t.db")
        run(
            "--db", path, "subscriptions", "subscribe", "acme", "teams", "--seats", "5",
            "--seat-price", "60.00", "--id", "t1", "--at", START,
        )  # fmt: skip
        argv = ("--db", path, "billing", "seats", "t1", "--at", START, "--locale", "en_GB")
        code, out, err = run(*argv)
        assert code == 0, err
        assert "Seats 1 Aug 2026 – 31 Jul 2027  21%  €300.00" in out
        assert "Total incl. VAT" in out
        assert "€363.00" in out
        code, _out, err = run(*argv)
        assert code == 1
        assert "the seats of subscription 't1'" in err


class TestShowAndUsage:
    """``billing show`` and ``billing usage``: text for people, JSON and CSV for machines."""

    def test_empty_ledger_says_so(self, db: str) -> None:
        """No invoices: one sentence, not an empty table; JSON is an empty list."""
        assert run("--db", db, "billing", "show", "--locale", "en_GB") == (
            0,
            "No invoices issued yet.\n",
            "",
        )
        assert run("--db", db, "billing", "show", "--format", "json") == (0, "[]\n", "")

    def test_a_filter_that_matches_nothing_says_so(self, db: str) -> None:
        """The reported case: with invoices in the ledger, ``--customer nobody`` says none
        match, not that none were issued."""
        run("--db", db, "billing", "advance", "s1", "--pupils", "1=28", "--at", START)
        for flag, value in (("--customer", "nobody"), ("--subscription", "s9"), ("--series", "X")):
            assert run("--db", db, "billing", "show", flag, value, "--locale", "en_GB") == (
                0,
                "No issued invoices match the filters given.\n",
                "",
            )
        _code, out, _err = run("--db", db, "billing", "show", "--customer", "nobody")
        assert out == "Geen uitgegeven facturen die aan de opgegeven filters voldoen.\n"

    def test_list_one_and_csv(self, db: str) -> None:
        """The list is a summary table; a number shows the invoice; CSV has a row per line."""
        run("--db", db, "billing", "advance", "s1", "--pupils", "1=28,2=30", "--at", START)
        run(
            "--db", db, "billing", "advance", "s1", "--pupils", "1=28",
            "--at", "2027-08-02T09:00+02:00", "--series", "X",
        )  # fmt: skip
        code, out, err = run("--db", db, "billing", "show", "--locale", "en_GB")
        assert code == 0, err
        lines = out.splitlines()
        assert lines[0] == "2 invoices"
        assert lines[2].split() == [
            "2026-000001", "01/08/2026", "school-1", "s1", "€667.00", "€807.07", "open",
        ]  # fmt: skip
        code, out, _err = run("--db", db, "billing", "show", "X-000001", "--locale", "en_GB")
        assert out.startswith("Invoice X-000001 · 2 August 2027\n")  # dated when issued
        code, out, _err = run("--db", db, "billing", "show", "--format", "csv", "--series", "X")
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["number"], r["line"], r["amount"], r["vat"]) for r in rows] == [
            ("X-000001", "advance", "322.00", "21%")
        ]
        code, _out, err = run("--db", db, "billing", "show", "2026-000009")
        assert code == 1
        assert err.startswith("subscriptionkit: error: ")

    def test_usage_so_far(self, db: str) -> None:
        """The months counted since the year started, with their amounts; nothing issued."""
        code, out, err = run(
            "--db", db, "billing", "usage", "s1", "--at", START, "--locale", "en_GB"
        )
        assert (code, err) == (0, "")
        assert (
            out == "No usage counted yet for subscription s1: the year started on 1 August 2026.\n"
        )
        store_events(db, [event(1, "p1", 1, dt.datetime(2026, 8, 3, 10, tzinfo=AMS))])
        code, out, err = run(
            "--db", db, "billing", "usage", "s1", "--at", "2026-11-02T09:00+01:00",
            "--format", "csv",
        )  # fmt: skip
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [(r["month"], r["pupils"], r["amount"]) for r in rows] == [
            ("2026-08", "1", "0.96"),
            ("2026-09", "1", "0.96"),
            ("2026-10", "1", "0.96"),
        ]
        code, out, err = run(
            "--db", db, "billing", "usage", "s1", "--at", "2026-11-02T09:00+01:00",
            "--locale", "en_GB",
        )  # fmt: skip
        assert out.splitlines()[-1].split() == ["Total", "3", "€2.88"]
        assert invoices(db) == []
