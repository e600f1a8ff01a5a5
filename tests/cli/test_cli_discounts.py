"""``billing discount``: give, list and end a subscription's discounts; ``billing seats`` and
``teams seats`` apply them; ``subscriptions cancel`` and the catch-up of ``subscriptions
reminders`` end them (seed 000)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import attrs
import pytest

from subscriptionkit import plans
from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.money import eur

NOW = FixedClock(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))
START = "2026-08-01T09:00+02:00"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


def ok(*argv: str) -> str:
    code, out, err = run(*argv)
    assert (code, err) == (0, ""), err
    return out


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A SQLite file with sub-7 on Teams, 10 seats at € 60, from 1 August 2026."""
    path = str(tmp_path / "sk.db")
    ok(
        "--db", path, "subscriptions", "subscribe", "school-7", "teams", "--id", "sub-7",
        "--seats", "10", "--seat-price", "60", "--at", START,
    )  # fmt: skip
    return path


def listed(db: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads(
        ok("--db", db, "billing", "discount", "list", "sub-7", "--format", "json")
    )
    return data


def test_added_discounts_are_listed(db: str) -> None:
    out = ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch",
             "--percent", "10", "--terms", "1")  # fmt: skip
    assert out.splitlines()[0] == "Kortingen van sub-7"
    assert "launch" in out
    assert "10%" in out
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "loyal", "--per-seat", "5.00")
    assert listed(db) == [
        {"id": "launch", "subscription_id": "sub-7", "kind": "percent", "value": "10",
         "currency": None, "first_term": 1, "terms": 1, "ended_at": None},
        {"id": "loyal", "subscription_id": "sub-7", "kind": "per_seat", "value": "5.00",
         "currency": "EUR", "first_term": 1, "terms": None, "ended_at": None},
    ]  # fmt: skip


def test_no_discounts_yet(db: str) -> None:
    out = ok("--db", db, "billing", "discount", "list", "sub-7", "--locale", "en_GB")
    assert out == "No discounts for subscription sub-7.\n"


def test_the_seat_invoice_carries_the_stored_discounts(db: str) -> None:
    """€ 600,00 for 10 seats; 10 % is € 60,00 off, € 5,00 a seat € 50,00: € 490,00."""
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch", "--percent", "10")
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "loyal", "--per-seat", "5")
    out = ok("--db", db, "billing", "seats", "sub-7", "--at", START, "--format", "json")
    [invoice] = json.loads(out)
    assert invoice["net"] == "490.00"
    kinds = [line["kind"] for line in invoice["lines"]]
    assert kinds == ["seats", "discount_percent", "discount_per_seat"]


def test_cancelling_ends_the_discounts_and_they_never_apply_again(db: str) -> None:
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch", "--percent", "10")
    ok("--db", db, "subscriptions", "cancel", "sub-7", "--at", "2026-09-01T10:00+02:00")
    [discount] = listed(db)
    assert discount["ended_at"] == "2026-09-01T08:00:00+00:00"
    # Ending again keeps the first end.
    ok("--db", db, "billing", "discount", "end", "launch", "--at", "2026-10-01T10:00+02:00")
    assert listed(db)[0]["ended_at"] == "2026-09-01T08:00:00+00:00"


def test_ending_a_discount_by_hand(db: str) -> None:
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch", "--percent", "10")
    out = ok("--db", db, "billing", "discount", "end", "launch", "--at", "2026-08-01T10:00+02:00")
    assert "1 augustus 2026" in out
    out = ok("--db", db, "billing", "seats", "sub-7", "--at", START, "--format", "json")
    assert [line["kind"] for line in json.loads(out)[0]["lines"]] == ["seats"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--percent", "101"], "at most 100"),
        (["--per-seat", "0"], "positive"),
    ],
)
def test_wrong_values_are_refused(db: str, argv: list[str], message: str) -> None:
    code, out, err = run("--db", db, "billing", "discount", "add", "sub-7", "--id", "d", *argv)
    assert (code, out) == (1, "")
    assert message in err
    assert listed(db) == []


def test_a_duplicate_id_is_refused(db: str) -> None:
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "d", "--percent", "10")
    code, _out, err = run("--db", db, "billing", "discount", "add", "sub-7", "--id", "d",
                          "--percent", "20")  # fmt: skip
    assert code == 1
    assert "exists already" in err


def test_a_per_pupil_subscription_is_refused(db: str) -> None:
    ok("--db", db, "subscriptions", "subscribe", "school-1", "focus-po-1-2", "--id", "s1",
       "--at", START)  # fmt: skip
    code, _out, err = run("--db", db, "billing", "discount", "add", "s1", "--id", "d",
                          "--percent", "10")  # fmt: skip
    assert code == 1
    assert "seat plan" in err


def test_teams_seats_applies_the_stored_discounts(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One seat added on day one: € 60,00 less 10 %."""
    monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", "k1=" + "ab" * 32)
    ok("--db", db, "teams", "create", "sub-7", "--name", "Sales", "--as", "ann",
       "--owner-name", "Ann", "--owner-email", "ann@example.org", "--id", "t1",
       "--at", START)  # fmt: skip
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch", "--percent", "10")
    out = ok("--db", db, "teams", "seats", "t1", "11", "--as", "ann", "--locale", "en_GB",
             "--at", START)  # fmt: skip
    assert "Discount 10% on seats" in out
    assert "-€6.00" in out


def test_the_daily_catch_up_ends_the_discounts_of_a_term_that_ran_out(tmp_path: Path) -> None:
    """``subscriptions reminders`` expires a term without automatic renewal, and its
    discounts end at the expiry, as a cancellation ends them."""
    teams = plans.teams_plan(eur("60.00"))
    catalog = tmp_path / "plans.json"
    plans.Catalog([attrs.evolve(teams, terms=attrs.evolve(teams.terms, auto_renew=False))]).dump(
        catalog
    )
    db = str(tmp_path / "sk.db")
    ok("--db", db, "subscriptions", "subscribe", "school-7", "teams", "--id", "sub-7",
       "--seats", "10", "--catalog", str(catalog), "--at", "2025-08-01T09:00+02:00")  # fmt: skip
    ok("--db", db, "billing", "discount", "add", "sub-7", "--id", "launch", "--percent", "10")
    assert listed(db)[0]["ended_at"] is None
    ok("--db", db, "subscriptions", "reminders")
    shown = ok("--db", db, "subscriptions", "show", "sub-7", "--locale", "en_GB")
    assert "expired" in shown
    assert listed(db)[0]["ended_at"] == "2026-08-01T07:00:00+00:00"


def test_discounts_together_never_take_the_seat_invoice_below_zero(tmp_path: Path) -> None:
    """The reported case: € 70 a seat off a € 60 seat is refused; 95 %, 10 % and € 5 a seat
    on € 600,00 take € 570,00, then the € 30,00 left, then nothing: total € 0,00."""
    db = str(tmp_path / "sk.db")
    at = "2026-01-01T00:00+01:00"
    ok("--db", db, "subscriptions", "subscribe", "acme", "teams", "--seats", "10",
       "--seat-price", "60", "--id", "a1", "--at", at)  # fmt: skip
    code, out, err = run("--db", db, "billing", "discount", "add", "a1", "--id", "big2",
                         "--per-seat", "70", "--locale", "en_GB")  # fmt: skip
    assert (code, out) == (1, "")
    assert "a per-seat discount must be at most the price per seat per year" in err
    assert "(60 EUR), got 70 EUR" in err
    for argv in (["--id", "all", "--percent", "95"], ["--id", "launch", "--percent", "10",
                 "--terms", "1"], ["--id", "loyal", "--per-seat", "5.00"]):  # fmt: skip
        ok("--db", db, "billing", "discount", "add", "a1", *argv)
    [invoice] = json.loads(ok("--db", db, "billing", "seats", "a1", "--at", at, "--format", "json"))
    assert [(line["kind"], line["amount"]) for line in invoice["lines"]] == [
        ("seats", "600.00"),
        ("discount_percent", "-570.00"),
        ("discount_percent", "-30.00"),
    ]
    assert invoice["net"] == "0.00"
    text = ok("--db", db, "billing", "show", "--locale", "en_GB")
    assert "-€" not in text.split("Total")[-1]
