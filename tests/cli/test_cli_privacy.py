"""The privacy commands, end to end on a SQLite database."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.storage.sql import SqlStore

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def run(db: Path, *argv: str, now: dt.datetime = NOW) -> tuple[int, str, str]:
    """Run one command against ``db``; return (status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    status = main(["--db", str(db), *argv], out=out, err=err, clock=FixedClock(now))
    return status, out.getvalue(), err.getvalue()


def _pupil_p1(db: Path, schools: tuple[str, ...]) -> SqlStore:
    """A database where each of ``schools`` has an event of its pupil ``p1``; its store."""
    assert run(db, "privacy", "overdue")[0] == 0  # makes the schema
    store = SqlStore(str(db))
    with store.unit_of_work() as uow:
        uow.activity.add(
            ActivityEvent(f"e-{school}", school, "p1", 3, "engagement", NOW) for school in schools
        )
        uow.commit()
    return store


class TestPrivacyCommands:
    """A request answered within four weeks, from the command line."""

    def test_consent_request_export_erase(self, tmp_path: Path) -> None:
        """Consent, request, identity check, overdue, export, erasure."""
        db = tmp_path / "p.db"
        assert (
            run(
                db,
                "privacy",
                "consent",
                "ann",
                "--implicit",
                "newsletter_signup",
                "--source",
                "footer",
                "--id",
                "c1",
            )[0]
            == 0
        )
        status, out, _ = run(db, "privacy", "request", "ann", "erasure", "--id", "r1")
        assert status == 0
        assert "due 2026-03-30T23:59:59.999999+02:00" in out
        status, out, _ = run(db, "privacy", "overdue", now=NOW + dt.timedelta(days=40))
        assert "Request r1" in out
        status, _, err = run(db, "privacy", "erase", "ann", "--request", "r1")
        assert status == 1
        assert "no identity check is recorded" in err
        assert run(db, "privacy", "verify-identity", "r1", "--by", "dpo-1")[0] == 0
        export = tmp_path / "ann.json"
        assert run(db, "privacy", "export", "ann", "--output", str(export))[0] == 0
        document = json.loads(export.read_text(encoding="utf-8"))
        assert [c["consent_id"] for c in document["sections"]["consents"]] == ["c1"]
        status, out, _ = run(db, "privacy", "erase", "ann", "--request", "r1")
        assert status == 0
        assert "consents: 1 changed" in out
        status, out, _ = run(db, "privacy", "export", "ann")
        assert json.loads(out)["sections"]["consents"] == []
        assert run(db, "privacy", "overdue")[1] == "No request is overdue.\n"

    def test_erase_pupil_of_one_school(self, tmp_path: Path) -> None:
        """``--school``: only that school's pupil is pseudonymised, not a namesake elsewhere."""
        db = tmp_path / "p.db"
        store = _pupil_p1(db, ("s-a", "s-b"))
        status, out, err = run(db, "privacy", "erase", "p1", "--school", "s-a")
        assert status == 0, err
        assert "activity: 1 changed" in out
        with store.unit_of_work() as uow:
            pupils = {e.school_id: e.pupil_id for e in uow.activity.events()}
        store.close()
        assert pupils["s-b"] == "p1"
        assert pupils["s-a"].startswith("anon-")

    def test_without_school_names_the_pupils_schools(self, tmp_path: Path) -> None:
        """No ``--school``: the account is erased, the pupils' events are left, and a note
        names their schools and the option; the export's note goes to stderr."""
        db = tmp_path / "p.db"
        _pupil_p1(db, ("s-b", "s-a")).close()
        status, out, err = run(db, "privacy", "export", "p1")
        assert status == 0, err
        assert json.loads(out)["scope"] == {"school_id": None, "activity": "excluded"}
        assert "activity events are out of scope" in err
        assert "a pupil's in s-a, s-b" in err
        assert "--school" in err
        status, out, err = run(db, "privacy", "erase", "p1")
        assert status == 0, err
        assert "activity: 0 changed" in out
        assert "a pupil's in s-a, s-b, left as it is" in out
        status, out, err = run(db, "privacy", "export", "p1", "--school", "s-a")
        assert (status, err) == (0, "")
        status, out, _ = run(db, "privacy", "erase", "nobody")
        assert "no school holds events of a pupil 'nobody'" in out

    def test_withdraw_and_retention(self, tmp_path: Path) -> None:
        """Withdrawing from now on; the retention list."""
        db = tmp_path / "p.db"
        run(db, "privacy", "consent", "bob", "promotion", "--source", "web", "--text-version", "v1")
        status, out, _ = run(
            db, "privacy", "withdraw", "bob", "promotion", now=NOW + dt.timedelta(days=1)
        )
        assert (status, out.startswith("Withdrew 1 consent(s) of bob for promotion")) == (0, True)
        later = NOW + dt.timedelta(days=800)
        status, out, _ = run(db, "privacy", "retention", now=later)
        assert "Due: consents of bob (promotion" in out
        status, out, _ = run(db, "privacy", "retention", "--purge", now=later)
        assert "Purged: consents of bob" in out
        assert run(db, "privacy", "retention", now=later)[1] == "Nothing is due for deletion.\n"
