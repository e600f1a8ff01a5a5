"""``status``: subscriptions, reminders, stored events, teams, invoices, privacy requests."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from subscriptionkit.cli import _status, main
from subscriptionkit.cli._subscriptions import reminders_due, shown_database
from subscriptionkit.clock import FixedClock
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.storage import Store
from subscriptionkit.storage.sql import SCHEMA_VERSION, SqlStore
from subscriptionkit.testing import active_subscription

NOW = FixedClock(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))
KEY = "ab" * 32


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


class TestStatus:
    """What the database holds, counted inside it."""

    def test_counts_everything_stored(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Two subscriptions, three events, one team, two invoices (one paid)."""
        monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", f"k1={KEY}")
        db = str(tmp_path / "sk.db")
        at = "2026-08-01T09:00+02:00"
        for argv in (
            ["subscriptions", "subscribe", "school-1", "focus-po-1-2", "--id", "s1", "--at", at],
            [
                "subscriptions", "subscribe", "acme", "teams", "--seats", "5",
                "--seat-price", "60.00", "--id", "s2", "--at", at,
            ],
            [
                "teams", "create", "s2", "--name", "Sales", "--as", "ann", "--owner-name", "Ann",
                "--owner-email", "ann@example.org", "--id", "t1",
            ],
            ["billing", "advance", "s1", "--pupils", "1=28", "--at", at],
            ["billing", "seats", "s2", "--at", at],
        ):  # fmt: skip
            code, _out, err = run("--db", db, *argv)
            assert code == 0, err
        store = SqlStore(db)
        with store.unit_of_work() as uow:
            uow.activity.add(
                ActivityEvent(f"e{i}", "school-1", f"p{i}", 1, "engagement", NOW.now())
                for i in range(3)
            )
            uow.ledger.set_status("2026-000001", "paid")
            uow.commit()
        store.close()

        code, out, err = run("--db", db, "status", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert out.splitlines() == [
            f"Database: {db}",
            f"Schema version: {SCHEMA_VERSION}",
            "Subscriptions: 2",
            "  active: 2",
            "Reminders due today: 0",
            "Activity events: 3",
            "Teams: 1",
            "Issued invoices: 2",
            "  open: 1",
            "Open privacy requests: 0",
        ]

    def test_a_count_the_store_does_not_keep_is_left_out(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The privacy hook: None (no requests kept) prints nothing, a number its line."""
        db = str(tmp_path / "sk.db")
        _code, out, _err = run("--db", db, "status", "--locale", "en_GB")
        assert out.splitlines()[-1] == "Open privacy requests: 0"

        class Requests:
            def open_requests(self) -> list[str]:
                return ["r1", "r2"]

        class WithPrivacy:
            requests = Requests()

        assert _status._open_requests(WithPrivacy()) == 2  # type: ignore[arg-type]
        assert _status._open_requests(object()) is None  # type: ignore[arg-type]
        counts = [
            (label, (lambda _uow: 2) if count is _status._open_requests else count)
            for label, count in _status.COUNTS
        ]
        monkeypatch.setattr(_status, "COUNTS", counts)
        _code, out, _err = run("--db", db, "status", "--locale", "en_GB")
        assert out.splitlines()[-1] == "Open privacy requests: 2"


class TestShownDatabase:
    """A database URL's password never reaches the output."""

    @pytest.mark.parametrize(
        ("url", "shown"),
        [
            (
                "postgresql+psycopg://app:s3cret@db.example:5432/sk",
                "postgresql+psycopg://app:***@db.example:5432/sk",
            ),
            ("postgresql://app:p@ss@word@db/sk", "postgresql://app:***@db/sk"),
            ("postgresql://app@db/sk", "postgresql://app@db/sk"),
            ("school.db", "school.db"),
            (":memory:", ":memory:"),
        ],
    )
    def test_password_hidden(self, url: str, shown: str) -> None:
        """user:password@ becomes user:***@; everything else is shown as given."""
        assert shown_database(url) == shown


class TestOneReminderRule:
    """``status`` and the ``subscriptions reminders`` job count by one rule, on every store."""

    def test_status_counts_what_the_job_would_send_and_stores_nothing(self, store: Store) -> None:
        """A Teams subscription from 3 December 2025: on 29 November 2026 its last day to
        cancel (the 28th) has passed; on 19 November its renewal reminder is due."""
        sub = active_subscription(
            "teams", "e", at=dt.datetime(2025, 12, 3, 10, 0, tzinfo=dt.UTC), seats=3
        )
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        now = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
        for day, expected in ((dt.date(2026, 11, 29), []), (dt.date(2026, 11, 19), ["renewal"])):
            with store.unit_of_work() as uow:
                found = reminders_due(uow, day, now, "Europe/Amsterdam", store=False)
            assert [r.kind for r in found] == expected
        later = dt.datetime(2027, 1, 2, 9, 0, tzinfo=dt.UTC)
        with store.unit_of_work() as uow:
            assert (
                reminders_due(uow, dt.date(2027, 1, 2), later, "Europe/Amsterdam", store=False)
                == []
            )
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).periods == 1
