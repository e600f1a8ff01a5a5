"""The privacy commands with the values of a first-time user's report (issue 12 follow-up):
consent history that could be rewritten backwards, a rectification closed while nothing
was corrected, a re-run erasure, messages naming parameters, options silently accepted."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from subscriptionkit import teams
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.testing import active_subscription

from .test_cli_privacy import NOW, run


def _zoe(db: Path, *steps: tuple[str, str]) -> list[tuple[int, str, str]]:
    """Run consent ("c") and withdraw ("w") steps of zoe's newsletter consent at moments."""
    done = []
    for step, at in steps:
        if step == "c":
            argv = ["consent", "zoe", "newsletter", "--source", "s", "--text-version", "v1"]
        else:
            argv = ["withdraw", "zoe", "newsletter"]
        done.append(run(db, "privacy", *argv, "--at", at, "--locale", "en_GB"))
    return done


class TestConsentHistory:
    """Consent history only grows forward in time (GDPR Art. 7(1))."""

    def test_reported_steps(self, tmp_path: Path) -> None:
        """The reported sequence: the backdated consent and withdrawal are refused, and the
        export still shows the withdrawal of 1 June."""
        db = tmp_path / "p.db"
        first, withdrawn, again, backdated = _zoe(
            db,
            ("c", "2026-05-01T10:00+02:00"),
            ("w", "2026-06-01T10:00+02:00"),
            ("c", "2026-05-15T10:00+02:00"),
            ("w", "2026-05-10T10:00+02:00"),
        )
        assert (first[0], withdrawn[0]) == (0, 0)
        assert again[0] == 1
        assert "cannot record a consent of subject 'zoe' for purpose 'newsletter'" in again[2]
        assert "before the withdrawal at 2026-06-01T08:00:00+00:00" in again[2]
        assert backdated[0] == 1
        assert "cannot withdraw the consent of subject 'zoe'" in backdated[2]
        assert "Withdrew" not in backdated[1]
        exported = run(db, "privacy", "export", "zoe")[1]
        consents = json.loads(exported)["sections"]["consents"]
        assert [(c["given_at"], c["withdrawn_at"]) for c in consents] == [
            ("2026-05-01T08:00:00+00:00", "2026-06-01T08:00:00+00:00")
        ]

    def test_consent_again_after_the_withdrawal(self, tmp_path: Path) -> None:
        """A consent after the last withdrawal is a new record; withdrawing it leaves the
        first withdrawal as it was."""
        db = tmp_path / "p.db"
        results = _zoe(
            db,
            ("c", "2026-05-01T10:00+02:00"),
            ("w", "2026-06-01T10:00+02:00"),
            ("c", "2026-06-15T10:00+02:00"),
            ("w", "2026-06-20T10:00+02:00"),
        )
        assert [status for status, _, _ in results] == [0, 0, 0, 0]
        assert results[3][1].startswith("Withdrew 1 consent of zoe for newsletter")
        exported = run(db, "privacy", "export", "zoe")[1]
        consents = json.loads(exported)["sections"]["consents"]
        assert [c["withdrawn_at"] for c in consents] == [
            "2026-06-01T08:00:00+00:00",
            "2026-06-20T08:00:00+00:00",
        ]


class TestRectifyNothingMatched:
    """A rectification that corrects nothing says so and leaves the request open."""

    KEYS = "k1=" + "ab" * 32

    def _invited(self, db: Path) -> None:
        """Team-1 invited gus at a misspelt address; gus has no membership."""
        assert run(db, "privacy", "overdue")[0] == 0  # makes the schema
        keys = teams.TokenKeys.from_hex({"k1": "ab" * 32}, current="k1")
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            sub = active_subscription("teams", "acme", seats=5, at=NOW)
            team = teams.create_team(
                sub, name="Team-1", owner_id="olga", owner_name="Olga",
                owner_email="olga@example.org", at=NOW, team_id="team-1",
            ).team  # fmt: skip
            team = teams.invite(
                team, by="olga", email="gus@exampel.org", keys=keys, at=NOW,
                invitation_id="inv-1",
            ).team  # fmt: skip
            uow.subscriptions.add(sub)
            uow.teams.add(team)
            uow.commit()
        store.close()

    def test_request_stays_open_and_the_hint_names_old_email(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The reported steps: no record matched, status 1, the request stays open; with
        --old-email the invitation is corrected and the request answered."""
        db = tmp_path / "p.db"
        self._invited(db)
        monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", self.KEYS)
        later = NOW + dt.timedelta(hours=1)
        assert run(db, "privacy", "request", "gus", "rectification",
                   "--email", "gus@example.org", "--id", "rc-1")[0] == 0  # fmt: skip
        assert run(db, "privacy", "verify-identity", "rc-1", "--by", "dpo")[0] == 0
        status, out, err = run(db, "privacy", "rectify", "gus", "--request", "rc-1", now=later)
        assert (status, out) == (1, "")
        assert "no record of 'gus' matched" in err
        assert "request 'rc-1' stays open" in err
        assert "--old-email ADDRESS" in err
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            assert uow.requests.get("rc-1").is_open
        store.close()
        status, out, err = run(
            db, "privacy", "rectify", "gus", "--request", "rc-1", "--old-email",
            "gus@exampel.org", "--url", "https://example.org/join/{token}",
            "--locale", "en_GB", now=later,
        )  # fmt: skip
        assert status == 0, err
        assert out.startswith("Rectified gus.\n  teams: 1 record corrected\n")
        store = SqlStore(str(db))
        with store.unit_of_work() as uow:
            assert uow.requests.get("rc-1").status.value == "completed"
        store.close()

    def test_without_a_request_it_reads_as_erase_does(self, tmp_path: Path) -> None:
        """`rectify nobody --name X`: "No records held about nobody", as erase says it."""
        status, out, _ = run(
            tmp_path / "p.db", "privacy", "rectify", "nobody", "--name", "X", "--locale", "en_GB"
        )
        assert status == 0
        assert out.startswith("No records held about nobody: nothing corrected.\n")
        assert "--old-email ADDRESS" in out
        assert "Rectified" not in out
        status, out, _ = run(tmp_path / "p.db", "privacy", "rectify", "nobody", "--name", "X")
        assert out.startswith("Geen gegevens over nobody bewaard: niets gecorrigeerd.\n")


class TestErasureRerun:
    """A request answered already is reported as such before anything else."""

    @staticmethod
    def _answered(tmp_path: Path, kind: str, request_id: str, command: str) -> Path:
        """Dan's request of ``kind``, identity checked and carried out by ``command``."""
        db = tmp_path / "p.db"
        assert run(db, "privacy", "request", "dan", kind, "--id", request_id)[0] == 0
        assert run(db, "privacy", "verify-identity", request_id, "--by", "dpo")[0] == 0
        assert run(db, "privacy", command, "dan", "--request", request_id)[0] == 0
        return db

    def test_rerun_says_completed_already(self, tmp_path: Path) -> None:
        """The reported steps: the second `erase dan --request e-1` says the request is
        completed already, with the day, not that it is about a pseudonym."""
        db = self._answered(tmp_path, "erasure", "e-1", "erase")
        status, _, err = run(db, "privacy", "erase", "dan", "--request", "e-1")
        assert status == 1
        assert "request 'e-1': it is completed already (on 2026-03-02T09:00:00+00:00)" in err
        assert "anon-" not in err
        status, _, err = run(db, "privacy", "complete", "e-1")
        assert status == 1
        assert "cannot complete request 'e-1': it is completed already (on 2026-03-02" in err
        assert "anon-" not in err

    def test_export_rerun_says_completed_already(self, tmp_path: Path) -> None:
        """The same for an access request answered by `export --request`."""
        db = self._answered(tmp_path, "access", "a-1", "export")
        status, _, err = run(db, "privacy", "export", "bea", "--request", "a-1")
        assert status == 1
        assert "it is completed already" in err


class TestMessagesInWords:
    """What a command user reads names options and says things in words."""

    @pytest.mark.parametrize(
        ("argv", "said"),
        [
            (("request", "", "access"), "argument SUBJECT: is empty"),
            (("verify-identity", "r1", "--by", " "), "argument --by: is empty"),
            (("request", "ann", "access", "--id", ""), "argument --id: is empty"),
            (
                (
                    "consent",
                    "ann",
                    "newsletter",
                    "--source",
                    "s",
                    "--text-version",
                    "v1",
                    "--id",
                    "",
                ),
                "argument --id: is empty",
            ),
        ],
    )
    def test_blank_text_names_the_option(
        self, tmp_path: Path, argv: tuple[str, ...], said: str
    ) -> None:
        """Blank text is refused by the option's name (an empty --id made a new id)."""
        status, out, err = run(tmp_path / "p.db", "privacy", *argv)
        assert (status, out) == (2, "")
        assert said in err
        assert "subject_id" not in err
        assert "checked_by" not in err

    @pytest.mark.parametrize(
        ("argv", "said"),
        [
            (("access", "--name", "X"), "--name does not apply to an access request, only "
             "to a rectification request; expected it left out, got --name 'X'"),
            (("access", "--purpose", "newsletter"), "--purpose does not apply to an access "
             "request, only to an objection or a restriction request"),
            (("erasure", "--email", "a@example.org"), "--email does not apply to an erasure"),
            (("rectification",), "gives the corrected --name or --email (or both), got "
             "neither"),
        ],
    )  # fmt: skip
    def test_options_a_kind_does_not_take(
        self, tmp_path: Path, argv: tuple[str, ...], said: str
    ) -> None:
        """`privacy request ann access --name X` and the like: refused, nothing recorded."""
        db = tmp_path / "p.db"
        status, out, err = run(db, "privacy", "request", "ann", *argv)
        assert (status, out) == (1, "")
        assert said in err
        assert run(db, "privacy", "overdue", "--format", "json",
                   now=NOW + dt.timedelta(days=60))[1] == "[]\n"  # fmt: skip

    def test_objection_to_a_legal_obligation(self, tmp_path: Path) -> None:
        """The basis in words and what the subject can do, no consent to withdraw."""
        status, _, err = run(
            tmp_path / "p.db", "privacy", "request", "ann", "objection", "--purpose", "invoicing"
        )
        assert status == 1
        assert "rests on a legal obligation (such as keeping tax records)" in err
        assert "a restriction request (GDPR Art. 18)" in err
        assert "legal_obligation" not in err
        assert "withdraw" not in err

    def test_extension_beyond_two_months_says_the_total(self, tmp_path: Path) -> None:
        """`extend --months 1` after two months: the total so far and the most allowed."""
        db = tmp_path / "p.db"
        run(db, "privacy", "request", "ann", "access", "--id", "r1")
        assert run(db, "privacy", "extend", "r1", "--months", "2", "--reason", "busy")[0] == 0
        status, _, err = run(db, "privacy", "extend", "r1", "--months", "1", "--reason", "more")
        assert status == 1
        assert (
            "2 months granted so far and 1 month more make 3 months in total, and 2 months "
            "is the most allowed"
        ) in err
        assert err.rstrip().endswith("got an extension by 1 month")
