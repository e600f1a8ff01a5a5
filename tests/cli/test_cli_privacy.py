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

    @staticmethod
    def _rectify(db: Path, *argv: str) -> tuple[int, str, str]:
        """``privacy rectify ann`` a day later, with a join address for the new links."""
        return run(
            db, "privacy", "rectify", "ann", *argv, "--url", "https://example.org/join/{token}",
            now=NOW + dt.timedelta(days=1),
        )  # fmt: skip

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
        status, out, err = self._rectify(db, "--request", "r1", "--locale", "en_GB")
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

    def test_reissued_invitation_speaks_the_locale(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In Dutch the invitation to send again has Dutch headers, as ``teams invite``
        prints them: ``Aan:`` and ``Onderwerp:``, never ``To:`` and ``Subject:``."""
        db = tmp_path / "p.db"
        self._teams(db)
        monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", self.KEYS)
        status, out, err = self._rectify(db, "--email", "ann@new.example", "--locale", "nl_NL")
        assert status == 0, err
        message = out.split("\n\n", 2)[2]
        assert message.startswith("Aan: ann@new.example\nOnderwerp: ")
        assert "To:" not in out
        assert "Subject:" not in out

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


class TestClosingRequests:
    """forward, complete, refuse, extend and lift: every request can be closed from the
    command line, and a closed one leaves ``overdue``."""

    def test_pupil_request_forwarded_leaves_overdue(self, tmp_path: Path) -> None:
        """A pupil's request recorded with --controller says it must be forwarded; once
        forwarded it no longer shows as overdue (trial report: listed forever)."""
        db = tmp_path / "p.db"
        status, out, _ = run(
            db, "privacy", "request", "p1", "access", "--controller", "school-7", "--id", "r1",
            "--locale", "en_GB",
        )  # fmt: skip
        assert status == 0
        assert out == (
            "Request r1 from p1: access, received; answer by 30 March 2026 (Europe/Amsterdam).\n"
            "The data is processed for school-7, who answers this request: pass it on to "
            "them, then record that with: subscriptionkit privacy forward r1\n"
        )
        later = NOW + dt.timedelta(days=40)
        assert (
            "Request r1 from p1" in run(db, "privacy", "overdue", "--locale", "en_GB", now=later)[1]
        )
        status, out, _ = run(db, "privacy", "forward", "r1", "--locale", "en_GB")
        assert (status, out) == (
            0,
            "Request r1 from p1: access, forwarded to the controller on 2 March 2026.\n",
        )
        status, out, _ = run(db, "privacy", "overdue", "--locale", "en_GB", now=later)
        assert (status, out) == (0, "No request is overdue.\n")
        status, out, _ = run(db, "privacy", "forward", "r1", "--format", "json")
        assert status == 1  # closed already

    def test_in_dutch(self, tmp_path: Path) -> None:
        """The forwarding note and the lifted restriction read in Dutch with --locale nl_NL."""
        db = tmp_path / "p.db"
        nl = ("--locale", "nl_NL")
        _, out, _ = run(db, "privacy", "request", "p1", "rectification", "--controller",
                        "school-7", "--id", "r1", *nl)  # fmt: skip
        assert out.splitlines()[1] == (
            "De gegevens worden verwerkt voor school-7, die dit verzoek beantwoordt: stuur het "
            "door en leg dat daarna vast met: subscriptionkit privacy forward r1"
        )
        run(db, "privacy", "request", "ann", "restriction", "--purpose", "marketing", "--id", "r2")
        run(db, "privacy", "verify-identity", "r2", "--by", "dpo")
        run(db, "privacy", "complete", "r2")
        _, out, _ = run(db, "privacy", "lift", "r2", *nl, now=NOW + dt.timedelta(days=3))
        assert out == (
            "Beperking r2 van ann opgeheven vanaf 5 maart 2026 om 10:00: de verwerking voor "
            "marketing gaat weer verder.\n"
        )

    def test_forwarding_a_request_without_controller_is_refused(self, tmp_path: Path) -> None:
        """Only a controller's request is forwarded; the platform's own is carried out."""
        db = tmp_path / "p.db"
        assert run(db, "privacy", "request", "ann", "access", "--id", "r1")[0] == 0
        status, out, err = run(db, "privacy", "forward", "r1")
        assert (status, out) == (1, "")
        assert "expected a request with a controller to forward to, got none" in err

    def test_extend_verify_complete_lift(self, tmp_path: Path) -> None:
        """A restriction: extended by a month with its reason (the new deadline shown),
        identity checked, completed, lifted; JSON output carries the steps."""
        db = tmp_path / "p.db"
        en = ("--locale", "en_GB")
        run(db, "privacy", "request", "ann", "restriction", "--purpose", "marketing", "--id", "r1")
        status, out, _ = run(db, "privacy", "extend", "r1", "--months", "1", "--reason",
                             "many requests at once", *en)  # fmt: skip
        assert (status, out) == (
            0,
            "Request r1 from ann: restriction, received; answer by 30 April 2026 "
            "(Europe/Amsterdam).\n",
        )
        assert run(db, "privacy", "verify-identity", "r1", "--by", "dpo")[0] == 0
        day = dt.timedelta(days=1)
        status, out, _ = run(db, "privacy", "complete", "r1", *en, now=NOW + day)
        assert (status, out) == (
            0,
            "Request r1 from ann: restriction, answered on 3 March 2026.\n",
        )
        status, out, _ = run(db, "privacy", "lift", "r1", *en, now=NOW + 9 * day)
        assert (status, out) == (
            0,
            "Restriction r1 of ann lifted from 11 March 2026 at 10:00: processing for "
            "marketing resumes.\n",
        )
        status, out, _ = run(db, "privacy", "lift", "r1", "--format", "json", now=NOW + 10 * day)
        assert status == 1
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            done = uow.requests.get("r1").to_dict()
        store.close()
        assert done["extensions"] == [
            {"months": 1, "reason": "many requests at once", "at": "2026-03-02T09:00:00+00:00"}
        ]
        assert done["lifted_at"] == "2026-03-11T09:00:00+00:00"

    def test_extension_after_the_deadline_names_the_moment(self, tmp_path: Path) -> None:
        """Too late to extend: the message shows the moment as ISO text, no repr."""
        db = tmp_path / "p.db"
        run(db, "privacy", "request", "ann", "access", "--id", "r1")
        status, _, err = run(db, "privacy", "extend", "r1", "--months", "2", "--reason", "busy",
                             now=NOW + dt.timedelta(days=40))  # fmt: skip
        assert status == 1
        assert "got an extension at 2026-04-11T09:00:00+00:00" in err
        assert "datetime" not in err
        assert "DateTime(" not in err
        assert "datetime.datetime(" not in err

    def test_refuse_with_reason(self, tmp_path: Path) -> None:
        """A refusal closes the request with its reason; it leaves overdue."""
        db = tmp_path / "p.db"
        run(db, "privacy", "request", "ann", "access", "--id", "r1")
        status, out, _ = run(db, "privacy", "refuse", "r1", "--reason",
                             "identity not confirmed", "--format", "json")  # fmt: skip
        assert status == 0
        [refused] = json.loads(out)
        assert (refused["status"], refused["note"]) == ("refused", "identity not confirmed")
        later = NOW + dt.timedelta(days=40)
        assert run(db, "privacy", "overdue", "--format", "json", now=later)[1] == "[]\n"

    @pytest.mark.parametrize(
        ("kind", "extra", "command"),
        [
            ("access", (), "subscriptionkit privacy export ann --request r1"),
            ("portability", (), "subscriptionkit privacy export ann --request r1"),
            ("erasure", (), "subscriptionkit privacy erase ann --request r1"),
            (
                "rectification",
                ("--name", "Ann B"),
                "subscriptionkit privacy rectify ann --request r1",
            ),
        ],
    )
    def test_complete_points_to_the_command_that_does_the_work(
        self, tmp_path: Path, kind: str, extra: tuple[str, ...], command: str
    ) -> None:
        """`complete` never marks an access, erasure or rectification answered while its
        work is undone: it names the command that does the work and closes it."""
        db = tmp_path / "p.db"
        run(db, "privacy", "request", "ann", kind, *extra, "--id", "r1")
        run(db, "privacy", "verify-identity", "r1", "--by", "dpo")
        status, out, err = run(db, "privacy", "complete", "r1")
        assert (status, out) == (1, "")
        article = "an" if kind[0] in "aeiou" else "a"
        assert f"'{command}' carries out and marks answered" in err
        assert f"got {article} {kind} request" in err


class TestErasureAndOpenRequests:
    """An erasure closes the subject's other open requests, or waits for an access answer."""

    def test_erasure_closes_a_rectification_and_waits_for_access(self, tmp_path: Path) -> None:
        """An open access request stops the erasure (nothing changes); once it is answered,
        the erasure closes the open rectification, says so, and nothing is overdue."""
        db = tmp_path / "p.db"
        en = ("--locale", "en_GB")
        run(db, "privacy", "request", "ann", "access", "--id", "r-access")
        run(db, "privacy", "request", "ann", "rectification", "--name", "Ann B", "--id", "r-fix")
        status, out, err = run(db, "privacy", "erase", "ann", *en)
        assert (status, out) == (1, "")
        assert "subject 'ann' cannot be erased yet: request 'r-access'" in err
        run(db, "privacy", "verify-identity", "r-access", "--by", "dpo")
        assert run(db, "privacy", "export", "ann", "--request", "r-access")[0] == 0
        status, out, _ = run(db, "privacy", "erase", "ann", *en)
        assert status == 0
        assert (
            "  Request r-fix (rectification) closed as answered: nothing of the subject is "
            "left to act on.\n"
        ) in out
        later = NOW + dt.timedelta(days=60)
        assert run(db, "privacy", "overdue", *en, now=later)[1] == "No request is overdue.\n"


class TestMisspeltPurposeCommand:
    """`privacy withdraw` with a typo is refused, naming the purposes known."""

    def test_withdraw_typo(self, tmp_path: Path) -> None:
        """'newsleter' is no purpose: an error, not 'no consent to withdraw'."""
        db = tmp_path / "p.db"
        run(db, "privacy", "consent", "ann", "--implicit", "newsletter_signup", "--source", "f")
        status, out, err = run(db, "privacy", "withdraw", "ann", "newsleter")
        assert (status, out) == (1, "")
        assert "no purpose 'newsleter' in the register of processing" in err
