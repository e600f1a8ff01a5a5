"""The storage-backed commands, round trip on a SQLite file."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.storage.sql import SCHEMA_VERSION, SqlStore

NOW = FixedClock(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


def fields(text: str) -> dict[str, str]:
    """Parse the label/value lines of `subscriptions show`."""
    rows = [line.split("  ", 1) for line in text.splitlines() if line.strip()]
    return {label.strip(): value.strip() for label, value in rows}


class TestRoundTrip:
    def test_trial_activate_upgrade_cancel_show(self, tmp_path: Path) -> None:
        """start-trial, activate, upgrade and cancel on one file; show reports the dates."""
        db = str(tmp_path / "sk.db")
        code, out, err = run(
            "--db", db, "subscriptions", "start-trial", "school-1", "--id", "s1",
            "--length", "P3M", "--at", "2026-01-31T09:00+01:00", "--locale", "en_GB",
        )  # fmt: skip
        assert (code, err) == (0, "")
        assert fields(out)["Trial"] == "31 January 2026 at 09:00 – 30 April 2026 at 09:00"

        code, out, err = run(
            "--db", db, "subscriptions", "activate", "s1", "focus-po-1-2",
            "--at", "2026-04-30T09:00+02:00", "--locale", "en_GB",
        )  # fmt: skip
        assert code == 0, err
        shown = fields(out)
        assert shown["Status"] == "active"
        assert shown["Paid through"] == "30 April 2027 at 09:00"
        assert shown["Cancel by"] == "30 March 2027"
        assert shown["Renewal reminder"] == "28 February 2027"

        code, out, err = run(
            "--db", db, "subscriptions", "upgrade", "s1", "focus-po-combi",
            "--at", "2026-09-01T09:00+02:00", "--locale", "en_GB",
        )  # fmt: skip
        assert code == 0, err
        assert fields(out)["Year started"] == "1 September 2026 at 09:00"
        assert fields(out)["Paid through"] == "1 September 2027 at 09:00"

        code, out, err = run(
            "--db", db, "subscriptions", "cancel", "s1", "--at", "2027-08-01T09:00+02:00",
            "--locale", "nl_NL",
        )  # fmt: skip
        assert code == 0, err

        code, out, err = run("--db", db, "subscriptions", "show", "s1", "--locale", "nl_NL")
        shown = fields(out)
        assert code == 0
        assert shown["Abonnementsvorm"].startswith("Combi Focus PO 1-2 & Focus PO 3-8 (basis)")
        assert shown["Status"] == "opgezegd, loopt tot het einde van de betaalde periode"
        assert shown["Betaald tot"] == "1 september 2027 om 09:00"

    def test_late_cancellation_fails_with_one_line(self, tmp_path: Path) -> None:
        """A cancellation after the last day exits 1 and names the deadline: its end."""
        db = str(tmp_path / "sk.db")
        run("--db", db, "subscriptions", "subscribe", "team-1", "teams", "--seats", "5",
            "--seat-price", "60.00", "--id", "t1", "--at", "2026-01-10T09:00+01:00")  # fmt: skip
        code, out, err = run(
            "--db", db, "subscriptions", "cancel", "t1", "--at", "2027-01-06T00:00:00+01:00"
        )
        assert code == 1
        assert out == ""
        assert err.count("\n") == 1
        assert "the deadline was 2027-01-05T23:59:59.999999+01:00" in err

    def test_second_trial_is_refused(self, tmp_path: Path) -> None:
        """The database keeps the one-trial-per-customer rule across commands."""
        db = str(tmp_path / "sk.db")
        assert run("--db", db, "subscriptions", "start-trial", "school-2")[0] == 0
        code, _out, err = run("--db", db, "subscriptions", "start-trial", "school-2")
        assert code == 1
        assert "already had its trial" in err

    def test_reminders_and_list(self, tmp_path: Path) -> None:
        """reminders prints the localized texts due that day; list shows one line each."""
        db = str(tmp_path / "sk.db")
        run("--db", db, "subscriptions", "subscribe", "school-3", "focus-po-1-2", "--id", "f1",
            "--at", "2026-01-15T09:00+01:00")  # fmt: skip
        code, out, _ = run(
            "--db", db, "subscriptions", "reminders", "--on", "2026-11-15", "--locale", "nl_NL"
        )
        assert code == 0
        assert "[renewal] f1 school-3" in out
        assert "Je abonnement Focus PO 1-2 wordt verlengd op 15 januari 2027" in out
        code, out, _ = run("--db", db, "subscriptions", "list", "--locale", "en_GB")
        assert out == "f1  school-3  focus-po-1-2  active  15 January 2027\n"

    def test_reminders_catch_up_keep_a_backlog_and_mark_sent(self, tmp_path: Path) -> None:
        """reminders stores due renewals first, shows what is unsent up to the day, and
        with --mark-sent shows each reminder once; every change reaches the audit log."""
        db = str(tmp_path / "sk.db")
        run("--db", db, "subscriptions", "subscribe", "school-4", "focus-po-1-2", "--id", "f4",
            "--at", "2025-10-01T09:00+02:00")  # fmt: skip
        run("--db", db, "subscriptions", "subscribe", "school-5", "focus-po-1-2", "--id", "f5",
            "--at", "2026-01-15T09:00+01:00")  # fmt: skip
        # 21 November: f4 renewed on 1 October (stored now); f5's renewal reminder was due
        # on 15 November and nobody ran the job: it is still due.
        code, out, _ = run(
            "--db", db, "subscriptions", "reminders", "--mark-sent", "--locale", "en_GB"
        )
        assert code == 0
        assert [line for line in out.splitlines() if line.startswith("[")] == [
            "[renewal] f5 school-5"
        ]
        code, out, _ = run("--db", db, "subscriptions", "reminders", "--locale", "en_GB")
        assert out == "No reminders due on 21 November 2026.\n"
        store = SqlStore(db)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get("f4").periods == 2
            kinds = [e.kind for e in uow.audit.for_subject("subscription", "f4")]
        store.close()
        assert kinds == ["activated", "renewed"]

    def test_status_creates_the_default_database(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --db, status opens ./subscriptionkit.db (or $SUBSCRIPTIONKIT_DB)."""
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("SUBSCRIPTIONKIT_DB", raising=False)
        code, out, err = run("status", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert out.splitlines()[:3] == [
            "Database: subscriptionkit.db",
            f"Schema version: {SCHEMA_VERSION}",
            "Subscriptions: 0",
        ]
        assert (tmp_path / "subscriptionkit.db").exists()
        monkeypatch.setenv("SUBSCRIPTIONKIT_DB", str(tmp_path / "other.db"))
        assert run("status")[0] == 0
        assert (tmp_path / "other.db").exists()

    def test_bad_moment_is_a_usage_error(self, tmp_path: Path) -> None:
        """--at without an offset is refused by the parser (exit 2)."""
        code, _out, err = run(
            "--db",
            str(tmp_path / "x.db"),
            "subscriptions",
            "cancel",
            "s1",
            "--at",
            "2026-01-01T09:00",
        )
        assert code == 2
        assert "'2026-01-01T09:00' is not a moment: it has no UTC offset; expected one" in err

    @pytest.mark.parametrize(
        ("value", "fault"),
        [
            # The reported value: month 13 was told it lacked an offset.
            ("2026-13-06T10:00:00+01:00", "there is no month 13; months are 01 to 12"),
            ("2026-02-29T10:00+01:00", "there is no day 29 in February 2026; it has 28 days"),
            ("2026-06-31T10:00Z", "there is no day 31 in June 2026; it has 30 days"),
            ("2026-06-03T24:00+02:00", "there is no hour 24; hours are 00 to 23"),
            ("2026-06-03T10:60+02:00", "there is no minute 60; minutes are 00 to 59"),
            ("2026-06-03T10:00+24:00", "the UTC offset +24:00 is out of range"),
            ("2026-13-06T10:00", "there is no month 13; months are 01 to 12"),
            ("2026-06-03", "it is a day without a time and UTC offset"),
            ("next tuesday", "expected an ISO 8601 moment with its UTC offset"),
        ],
    )
    def test_bad_moment_names_the_real_fault(self, value: str, fault: str) -> None:
        """A moment refused names what is wrong with it: a month, day, hour, minute or
        offset out of range comes before a missing offset."""
        code, _out, err = run("--db", ":memory:", "subscriptions", "cancel", "s1", "--at", value)
        assert code == 2
        assert err.startswith(
            f"subscriptionkit: error: argument --at: {value!r} is not a moment: {fault}"
        )

    def test_moments_of_every_form_still_read(self) -> None:
        """Offsets as +01:00, +0100, +01 and Z, seconds and fractions, and pendulum's
        compact form give the same instant."""
        from subscriptionkit.cli._common import moment_option

        moments = {
            moment_option(v).in_timezone("UTC")
            for v in (
                "2026-03-06T09:00:00Z",
                "2026-03-06T10:00+01:00",
                "2026-03-06T10:00:00.000+0100",
                "2026-03-06 10:00+01",
                "20260306T100000+0100",
            )
        }
        assert len(moments) == 1

    @pytest.mark.parametrize(
        ("value", "fault"),
        [
            ("2026-13-01", "'2026-13-01' is not a day: there is no month 13; months are 01 to 12"),
            ("2026-11-31", "'2026-11-31' is not a day: there is no day 31 in November 2026"),
            ("1-12-2026", "'1-12-2026' is not a day: expected a day written YYYY-MM-DD"),
        ],
    )
    def test_bad_day_names_the_real_fault(self, value: str, fault: str) -> None:
        """--on (and every day option) names the fault of a day it refuses."""
        code, _out, err = run("--db", ":memory:", "subscriptions", "reminders", "--on", value)
        assert code == 2
        assert f"argument --on: {fault}" in err


LATE = FixedClock(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC))


def run_on(clock: FixedClock, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=clock)
    return code, out.getvalue(), err.getvalue()


class TestPassedDeadlines:
    """Reported: on 29 November 2026 the job said "Today, 28 November 2026, is the last
    day to cancel", ``status`` counted reminders the job did not send, and ``show`` gave
    the dates of a term that had renewed since."""

    @pytest.fixture
    def db(self, tmp_path: Path) -> str:
        path = str(tmp_path / "sk.db")
        for argv in (
            ["e", "teams", "--seats", "3", "--seat-price", "60", "--id", "e1",
             "--at", "2025-12-03T10:00+01:00"],
            ["g", "teams", "--seats", "3", "--seat-price", "60", "--id", "g1",
             "--at", "2025-03-29T10:00+01:00"],
        ):  # fmt: skip
            code, _out, err = run_on(LATE, "--db", path, "subscriptions", "subscribe", *argv)
            assert (code, err) == (0, "")
        return path

    def test_a_reminder_past_its_deadline_is_never_sent(self, db: str) -> None:
        """e1's last day to cancel was 28 November 2026: on the 29th nothing is due."""
        code, out, _ = run_on(LATE, "--db", db, "subscriptions", "reminders", "--locale", "en_GB")
        assert (code, out) == (0, "No reminders due on 29 November 2026.\n")
        code, out, _ = run_on(
            LATE, "--db", db, "subscriptions", "reminders", "--on", "2027-03-15", "--locale",
            "en_GB",
        )  # fmt: skip
        assert "Today" not in out
        assert "let us know by 28 November 2026" not in out
        code, _out, err = run_on(LATE, "--db", db, "subscriptions", "cancel", "e1")
        assert code == 1
        assert "too late" in err

    def test_the_last_day_is_still_sent_on_the_day(self, db: str) -> None:
        """On 28 November itself both reminders (the renewal one late) are true."""
        on_the_day = FixedClock(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC))
        code, out, _ = run_on(
            on_the_day, "--db", db, "subscriptions", "reminders", "--locale", "en_GB"
        )
        assert code == 0
        assert "Today, 28 November 2026, is the last day to cancel" in out
        assert "let us know by 28 November 2026" in out

    def test_status_counts_what_the_job_sends(self, db: str) -> None:
        code, out, _ = run_on(LATE, "--db", db, "status", "--locale", "en_GB")
        assert code == 0
        assert "Reminders due today: 0" in out.splitlines()
        # status stores nothing: the job still finds g1's renewal to catch up.
        store = SqlStore(db)
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get("g1").periods == 1
        store.close()

    def test_show_gives_the_current_terms_dates(self, db: str) -> None:
        code, out, _ = run_on(LATE, "--db", db, "subscriptions", "show", "g1", "--locale", "en_GB")
        assert code == 0
        shown = fields(out)
        assert shown["Renews"] == "29 March 2027 at 10:00"
        assert shown["Cancel by"] == "24 March 2027"


def test_a_focus_po_trial_is_not_activated_into_teams(tmp_path: Path) -> None:
    """Reported: a Focus PO trial could be activated into teams (seed 002: the trial
    precedes a one-year Focus PO subscription); refused, the trial left as it was."""
    db = str(tmp_path / "sk.db")
    code, _out, err = run("--db", db, "subscriptions", "start-trial", "k", "--id", "k1",
                          "--at", "2026-02-01T09:00+01:00")  # fmt: skip
    assert (code, err) == (0, "")
    code, out, err = run("--db", db, "subscriptions", "activate", "k1", "teams", "--seats", "3",
                         "--seat-price", "60", "--at", "2026-03-01T09:00+01:00")  # fmt: skip
    assert (code, out) == (1, "")
    assert "a Focus PO trial becomes a one-year Focus PO subscription" in err
    assert "got 'teams' (Teams)" in err
    code, out, _err = run("--db", db, "subscriptions", "show", "k1", "--locale", "en_GB",
                          "--at", "2026-02-15T09:00+01:00")  # fmt: skip
    assert fields(out)["Status"] == "on trial"
