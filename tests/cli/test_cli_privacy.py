"""The privacy commands, end to end on a SQLite database."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import attrs
import pytest

from subscriptionkit import billing, teams
from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.metering import ActivityEvent
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.subscriptions import Status
from subscriptionkit.testing import active_subscription

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
        # The deadline is the end of the subject's local day, shown as that day (nl_NL).
        assert out == (
            "Verzoek r1 van ann: verwijdering, ontvangen; uiterlijk 30 maart 2026 beantwoorden "
            "(Europe/Amsterdam).\n"
        )
        status, out, _ = run(
            db, "privacy", "overdue", "--locale", "en_GB", now=NOW + dt.timedelta(days=40)
        )
        assert out == (
            "Request r1 from ann: erasure, received; the answer was due by 30 March 2026 "
            "(Europe/Amsterdam).\n"
        )
        status, out, _ = run(
            db, "privacy", "overdue", "--format", "json", now=NOW + dt.timedelta(days=40)
        )
        assert [r["due_at"] for r in json.loads(out)] == ["2026-03-30T23:59:59.999999+02:00"]
        status, _, err = run(db, "privacy", "erase", "ann", "--request", "r1")
        assert status == 1
        assert "no identity check is recorded" in err
        assert run(db, "privacy", "verify-identity", "r1", "--by", "dpo-1")[0] == 0
        export = tmp_path / "ann.json"
        assert run(db, "privacy", "export", "ann", "--output", str(export))[0] == 0
        document = json.loads(export.read_text(encoding="utf-8"))
        assert [c["consent_id"] for c in document["sections"]["consents"]] == ["c1"]
        status, out, _ = run(db, "privacy", "erase", "ann", "--request", "r1", "--locale", "en_GB")
        assert status == 0
        assert "  consents: 1 record removed or pseudonymised\n" in out
        assert "  invoices: kept; Dutch tax law keeps invoices" in out
        status, out, _ = run(db, "privacy", "export", "ann")
        assert json.loads(out)["sections"]["consents"] == []
        assert run(db, "privacy", "overdue")[1] == "Geen enkel verzoek is over de termijn.\n"
        assert run(db, "privacy", "overdue", "--locale", "en_GB")[1] == "No request is overdue.\n"
        assert run(db, "privacy", "overdue", "--format", "json")[1] == "[]\n"

    def test_erase_pupil_of_one_school(self, tmp_path: Path) -> None:
        """``--school``: only that school's pupil is pseudonymised, not a namesake elsewhere."""
        db = tmp_path / "p.db"
        store = _pupil_p1(db, ("s-a", "s-b"))
        status, out, err = run(db, "privacy", "erase", "p1", "--school", "s-a")
        assert status == 0, err
        assert "  activiteit: 1 gegeven verwijderd of gepseudonimiseerd\n" in out
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
        status, out, err = run(db, "privacy", "export", "p1", "--locale", "en_GB")
        assert status == 0, err
        assert json.loads(out)["scope"] == {"school_id": None, "activity": "excluded"}
        assert "activity events are out of scope" in err
        assert "a pupil's in s-a, s-b" in err
        assert "--school" in err
        status, out, err = run(db, "privacy", "erase", "p1", "--locale", "en_GB")
        assert status == 0, err
        assert "  activity: 0 records removed or pseudonymised\n" in out
        assert "a pupil's in s-a, s-b, left as it is" in out
        status, out, err = run(db, "privacy", "export", "p1", "--school", "s-a")
        assert (status, err) == (0, "")
        status, out, _ = run(db, "privacy", "erase", "nobody", "--locale", "en_GB")
        assert "no school holds events of a pupil 'nobody'" in out
        status, out, _ = run(db, "privacy", "erase", "niemand")
        assert out.endswith(
            "Let op: zonder --school vallen activiteiten buiten de reikwijdte; geen school heeft "
            "activiteiten van een leerling 'niemand'.\n"
        )

    def test_withdraw_and_retention(self, tmp_path: Path) -> None:
        """Withdrawing from now on; the retention list."""
        db = tmp_path / "p.db"
        status, out, _ = run(
            db, "privacy", "consent", "bob", "promotion", "--source", "web", "--text-version",
            "v1", "--id", "c1", "--locale", "en_GB",
        )  # fmt: skip
        assert out == (
            "Consent c1: bob consents to promotion (explicit), from 2 March 2026 at 10:00.\n"
        )
        status, out, _ = run(
            db, "privacy", "withdraw", "bob", "promotion", now=NOW + dt.timedelta(days=1)
        )
        assert (status, out) == (
            0,
            "1 toestemming van bob voor promotion ingetrokken, vanaf 3 maart 2026 om 10:00.\n",
        )
        later = NOW + dt.timedelta(days=800)
        status, out, _ = run(db, "privacy", "retention", "--locale", "en_GB", now=later)
        assert out == (
            "Due for deletion: consents of bob (purpose promotion, last used on 3 March 2026, "
            "retention ended on 3 March 2027).\n"
        )
        status, out, _ = run(db, "privacy", "retention", "--format", "json", now=later)
        assert json.loads(out) == [
            {
                "section": "consents", "subject_id": "bob", "school_id": None,
                "purpose": "promotion", "records": [], "last_used": "2026-03-03T09:00:00+00:00",
                "kept_until": "2027-03-03T23:59:59.999999+01:00",
            }
        ]  # fmt: skip
        status, out, _ = run(db, "privacy", "retention", "--purge", now=later)
        assert out == (
            "Verwijderd: toestemmingen van bob (doel promotion, laatst gebruikt op 3 maart 2026, "
            "bewaartermijn verstreken op 3 maart 2027).\n"
        )
        assert run(db, "privacy", "retention", now=later)[1] == (
            "Er hoeft niets te worden verwijderd.\n"
        )

    def test_request_deadline_in_the_subjects_zone(self, tmp_path: Path) -> None:
        """The deadline is the end of the day on the subject's wall clock (--tz), shown as
        that date; ``--format json`` keeps the ISO moment; a closed request shows its day."""
        db = tmp_path / "p.db"
        late_evening = dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)  # 1 March in New York
        status, out, _ = run(
            db, "privacy", "request", "ann", "access", "--id", "r1", "--tz", "America/New_York",
            "--locale", "en_US", now=late_evening,
        )  # fmt: skip
        assert out == (
            "Request r1 from ann: access, received; answer by March 29, 2026 (America/New_York).\n"
        )
        status, out, _ = run(db, "privacy", "verify-identity", "r1", "--by", "dpo", "--format",
                             "json", now=late_evening)  # fmt: skip
        assert json.loads(out)[0]["due_at"] == "2026-03-29T23:59:59.999999-04:00"
        status, out, _ = run(db, "privacy", "export", "ann", "--request", "r1", "--output",
                             str(tmp_path / "ann.json"), "--locale", "en_GB")  # fmt: skip
        assert (status, out) == (0, f"Exported 1 record to {tmp_path / 'ann.json'}.\n")


class TestRectify:
    """``privacy rectify``: the request's corrections everywhere, invitations to send again."""

    KEYS = "k1=" + "ab" * 32

    def _teams(self, db: Path) -> None:
        """Ann on team-1 (ann@old.example); team-2 invited that address, still pending."""
        assert run(db, "privacy", "overdue")[0] == 0  # makes the schema
        keys = teams.TokenKeys.from_hex({"k1": "ab" * 32}, current="k1")
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            for sub_id, team_id, owner in (("acme", "team-1", "olga"), ("bolt", "team-2", "piet")):
                sub = active_subscription("teams", sub_id, seats=5, at=NOW)
                team = teams.create_team(
                    sub, name=team_id.title(), owner_id=owner, owner_name=owner.title(),
                    owner_email=f"{owner}@example.org", at=NOW, team_id=team_id,
                ).team  # fmt: skip
                if team_id == "team-1":
                    team = teams.add_member(
                        team, by=owner, account_id="ann", name="Ann Smit",
                        email="ann@old.example", at=NOW,
                    ).team  # fmt: skip
                else:
                    team = teams.invite(
                        team, by=owner, email="ann@old.example", keys=keys, at=NOW,
                        invitation_id="inv-2",
                    ).team  # fmt: skip
                uow.subscriptions.add(sub)
                uow.teams.add(team)
            uow.commit()
        store.close()

    def test_request_carried_out(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The corrections come from the verified request; the pending invitation's new
        message goes to the corrected address."""
        db = tmp_path / "p.db"
        self._teams(db)
        run(db, "privacy", "request", "ann", "rectification", "--id", "r1",
            "--name", "Ann de Boer", "--email", "ann@new.example")  # fmt: skip
        run(db, "privacy", "verify-identity", "r1", "--by", "dpo")
        status, _, err = run(db, "privacy", "rectify", "ann", "--request", "r1")
        assert (status, "SUBSCRIPTIONKIT_TOKEN_KEYS" in err) == (1, True)
        monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", self.KEYS)
        status, out, err = run(
            db, "privacy", "rectify", "ann", "--request", "r1", "--locale", "en_GB",
            "--url", "https://example.org/join/{token}", now=NOW + dt.timedelta(days=1),
        )  # fmt: skip
        assert status == 0, err
        head, resend, message = out.split("\n\n", 2)
        assert head == (
            "Rectified ann.\n"
            "  teams: 2 records corrected\n"
            "  certificates: 0 records corrected\n"
            "  requests: 0 records corrected"
        )
        assert resend == (
            "Invitation inv-2 of team Team-2 now goes to ann@new.example with a new link (the "
            "old one no longer works). Send it again:"
        )
        assert message.startswith("To: ann@new.example\n")
        assert "https://example.org/join/skt_" in message
        assert "ann@old.example" not in message
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            member = uow.teams.get("team-1").member("ann")
            invitation = uow.teams.get("team-2").invitation("inv-2")
            done = uow.requests.get("r1")
        store.close()
        assert member is not None
        assert invitation is not None
        assert (member.name, member.email, invitation.email) == (
            "Ann de Boer", "ann@new.example", "ann@new.example",
        )  # fmt: skip
        assert done.status.value == "completed"

    def test_needs_a_correction(self, tmp_path: Path) -> None:
        """Neither a request nor --name or --email: status 1, nothing done."""
        status, _, err = run(tmp_path / "p.db", "privacy", "rectify", "ann")
        assert status == 1
        assert "needs the corrected --name or --email" in err


class TestRefusals:
    """What a first-time user got wrong is refused or said plainly (trial report)."""

    def test_an_id_given_again_is_refused(self, tmp_path: Path) -> None:
        """Another subject's consent or request under a taken --id: refused, nothing overwritten."""
        db = tmp_path / "p.db"
        common = ("--source", "a", "--text-version", "v1", "--id", "c-dup")
        assert run(db, "privacy", "consent", "zed", "promotion", *common)[0] == 0
        status, _, err = run(db, "privacy", "consent", "yan", "newsletter", *common)
        assert status == 1
        assert "'c-dup' exists already; expected a new id" in err
        assert run(db, "privacy", "request", "mia-1", "erasure", "--id", "r-dup")[0] == 0
        assert run(db, "privacy", "verify-identity", "r-dup", "--by", "dpo-1")[0] == 0
        status, _, err = run(db, "privacy", "request", "bob-9", "erasure", "--id", "r-dup")
        assert status == 1
        assert "'r-dup' exists already" in err
        status, _, err = run(db, "privacy", "verify-identity", "r-dup", "--by", "dpo-2")
        assert status == 1
        assert "checked already by 'dpo-1'" in err

    def test_implicit_kind_contradicting_the_purpose(self, tmp_path: Path) -> None:
        """`consent S newsletter --implicit review` names both and records nothing."""
        db = tmp_path / "p.db"
        status, out, err = run(
            db, "privacy", "consent", "mia-1", "newsletter", "--implicit", "review", "--source", "x"
        )
        assert (status, out) == (1, "")
        assert "'reviews'" in err
        assert "'newsletter'" in err

    def test_erasing_someone_unknown_says_nothing_was_held(self, tmp_path: Path) -> None:
        """No record about the subject: the answer says so."""
        status, out, _ = run(
            tmp_path / "p.db", "privacy", "erase", "nobody-xyz", "--locale", "en_GB"
        )
        assert status == 0
        assert out.startswith("No records held about nobody-xyz: nothing erased")
        assert "Erased" not in out


class TestInvoiceRetention:
    """Invoices past their seven years, from the command line."""

    def test_listed_by_number_then_purged(self, tmp_path: Path) -> None:
        """Due from 2027-01-01 00:00 in Amsterdam, named by number, then erased."""
        db = tmp_path / "p.db"
        school = attrs.evolve(
            active_subscription("focus-po-1-2", "school-1", at=NOW), status=Status.EXPIRED
        )
        old = attrs.evolve(billing.advance(school, {"1-2": 9}), issued_on=dt.date(2019, 3, 15))
        assert run(db, "privacy", "overdue")[0] == 0  # makes the schema
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            uow.subscriptions.add(school)
            uow.ledger.issue(old, series="2019", vat=VatTreatment.standard("21"))
            uow.commit()
        store.close()
        new_year = dt.datetime(2026, 12, 31, 23, tzinfo=dt.UTC)  # 2027-01-01 in Amsterdam
        before = run(
            db, "privacy", "retention", "--format", "json", now=new_year - dt.timedelta(seconds=1)
        )
        assert json.loads(before[1]) == []
        _, out, _ = run(db, "privacy", "retention", "--format", "json", now=new_year)
        assert [(r["section"], r["records"], r["kept_until"]) for r in json.loads(out)] == [
            ("invoices", ["2019-000001"], "2026-12-31T23:59:59.999999+01:00")
        ]
        assert run(db, "privacy", "retention", "--purge", now=new_year)[0] == 0
        assert (
            json.loads(run(db, "privacy", "retention", "--format", "json", now=new_year)[1]) == []
        )
