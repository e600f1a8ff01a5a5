"""The ``teams`` commands, round trip on a SQLite file, acting as different accounts."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from subscriptionkit.cli import main
from subscriptionkit.clock import FixedClock
from subscriptionkit.storage.sql import SqlStore

NOW = FixedClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))
KEY = "00" * 16 + "11" * 16


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


def token_in(text: str) -> str:
    """The token in a message printed with --url https://join.example/{token}."""
    match = re.search(r"https://join\.example/(skt_[A-Za-z0-9_-]{43})", text)
    assert match is not None, text
    return match.group(1)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite file with a 4-seat Teams subscription 's1' and keys in the environment."""
    monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", f"k1={KEY}")
    path = str(tmp_path / "sk.db")
    code, _out, err = run(
        "--db", path, "subscriptions", "subscribe", "acme", "teams", "--seats", "4",
        "--seat-price", "60.00", "--id", "s1",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        "--db", path, "teams", "create", "s1", "--name", "Sales", "--as", "ann",
        "--owner-name", "Ann", "--owner-email", "ann@example.org", "--id", "t1",
        "--locale", "en_GB",
    )  # fmt: skip
    assert code == 0, err
    assert "Seats  1 / 4" in out
    return path


class TestTeamsCommands:
    """Every command, as the owner and as others."""

    def test_round_trip(self, db: str) -> None:
        """add, invite, join, link, show, seats, remove, make-manager, progress."""
        code, out, err = run(
            "--db", db, "teams", "add", "t1", "pat", "--name", "Pat",
            "--email", "pat@example.org", "--as", "ann",
        )  # fmt: skip
        assert code == 0, err
        # Every word of teams show in Dutch, the default locale (the reported English
        # "(members and pending invitations)" among them).
        assert out == (
            "Team  Sales (t1)\n"
            "Teamleden  2 / 4 (leden en openstaande uitnodigingen)\n"
            "  ann  Ann  <ann@example.org>  eigenaar  actief\n"
            "  pat  Pat  <pat@example.org>  lid  nog niet aangemeld\n"
        )

        code, out, err = run(
            "--db", db, "teams", "invite", "t1", "bob@example.org", "--as", "ann",
            "--url", "https://join.example/{token}", "--locale", "en_GB",
        )  # fmt: skip
        assert code == 0, err
        assert out.startswith("To: bob@example.org\nSubject: Invitation to join the team Sales")
        invitation = token_in(out)

        code, out, err = run(
            "--db", db, "teams", "join", invitation, "--invitation", "--as", "bob",
            "--name", "Bob", "--email", "BOB@example.org", "--locale", "en_GB",
        )  # fmt: skip
        assert (code, out, err) == (0, "Joined the team Sales.\n", "")
        code, _out, err = run(
            "--db", db, "teams", "join", invitation, "--invitation", "--as", "eve",
            "--name", "Eve", "--email", "bob@example.org",
        )  # fmt: skip
        assert code == 1
        assert err.startswith("subscriptionkit: error: invitation ")
        assert "was used at" in err
        assert err.count("\n") == 1

        code, out, err = run(
            "--db", db, "teams", "add", "t1", "dan", "--name", "Dan",
            "--email", "dan@example.org", "--as", "ann",
        )  # fmt: skip
        assert code == 0, err
        code, out, err = run(
            "--db", db, "teams", "link", "t1", "--as", "ann", "--max-uses", "5",
            "--url", "https://join.example/{token}",
        )  # fmt: skip
        assert code == 0, err
        assert "Let op! Met de registratielink kan iedereen zich aansluiten" in out
        link = token_in(out)
        code, _out, err = run(
            "--db", db, "teams", "join", link, "--as", "cas", "--name", "Cas",
            "--email", "cas@example.org",
        )  # fmt: skip
        assert code == 1
        assert err == (
            "subscriptionkit: error: team 't1' is full: expected a free seat, got 4 of 4 "
            "seats taken; the owner can add seats\n"
        )

        code, out, err = run(
            "--db", db, "teams", "seats", "t1", "5", "--as", "ann", "--locale", "en_GB",
        )  # fmt: skip
        assert code == 0, err
        assert "Invoice 2026-000001" in out  # issued into the ledger
        assert "Seats added, 365 of 365 days" in out
        assert "€60.00" in out  # one seat for the whole year: the change is on day one
        code, _out, err = run(
            "--db", db, "teams", "join", link, "--as", "cas", "--name", "Cas",
            "--email", "cas@example.org",
        )  # fmt: skip
        assert code == 0, err

        code, out, err = run("--db", db, "teams", "make-manager", "t1", "bob", "--as", "ann")
        assert code == 0, err
        assert "bob  Bob  <BOB@example.org>  eigenaar  actief" in out
        code, out, err = run("--db", db, "teams", "remove", "t1", "ann", "--as", "bob")
        assert code == 0, err
        assert "ann  Ann" not in out
        code, out, err = run(
            "--db", db, "teams", "progress", "t1", "--as", "bob", "--locale", "en_GB",
        )  # fmt: skip
        assert code == 0, err
        assert out.splitlines()[0] == "Progress of the team Sales"
        assert [line.split()[0] for line in out.splitlines()[2:]] == ["Bob", "Cas"]

        code, out, err = run("--db", db, "teams", "show", "t1", "--as", "bob", "--locale", "en_GB")
        assert code == 0, err
        assert "Seats  4 / 5" in out
        assert link not in out
        assert invitation not in out

    def test_not_permitted(self, db: str) -> None:
        """Acting as someone who may not: one error line, exit 1, nothing stored."""
        code, out, err = run(
            "--db", db, "teams", "add", "t1", "x", "--name", "X", "--email", "x@example.org",
            "--as", "mallory",
        )  # fmt: skip
        assert (code, out) == (1, "")
        assert err == (
            "subscriptionkit: error: account 'mallory' may not add members on team 't1': "
            "expected the team's owner, got an account that is not an active member\n"
        )
        code, out, err = run("--db", db, "teams", "show", "t1", "--as", "ann")
        assert "x@example.org" not in out

    def test_rotate_and_revoke(self, db: str) -> None:
        """Rotating replaces the token; revoking stops the link."""
        code, out, _err = run(
            "--db", db, "teams", "link", "t1", "--as", "ann", "--url", "https://join.example/{token}",
        )  # fmt: skip
        old = token_in(out)
        code, out, _err = run("--db", db, "teams", "show", "t1", "--as", "ann")
        link_id = re.search(r"link (\w+)", out)
        assert link_id is not None
        code, out, err = run(
            "--db", db, "teams", "link", "t1", "--as", "ann", "--rotate", link_id.group(1),
            "--url", "https://join.example/{token}",
        )  # fmt: skip
        assert code == 0, err
        new = token_in(out)
        assert new != old
        code, _out, err = run(
            "--db", db, "teams", "join", old, "--as", "x", "--name", "X", "--email", "x@x.org",
        )  # fmt: skip
        assert "matches no registration link" in err
        code, _out, err = run(
            "--db", db, "teams", "link", "t1", "--as", "ann", "--revoke", link_id.group(1),
        )  # fmt: skip
        assert code == 0, err
        code, _out, err = run(
            "--db", db, "teams", "join", new, "--as", "x", "--name", "X", "--email", "x@x.org",
        )  # fmt: skip
        assert code == 1
        assert "was revoked at" in err

    def test_missing_keys(self, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without token keys the command says which variable to set, and shows no key."""
        monkeypatch.setenv("SUBSCRIPTIONKIT_TOKEN_KEYS", "nonsense")
        code, _out, err = run("--db", db, "teams", "link", "t1", "--as", "ann")
        assert code == 1
        assert err.startswith("subscriptionkit: error: $SUBSCRIPTIONKIT_TOKEN_KEYS must hold")
        assert "nonsense" not in err

    def test_as_is_required(self, db: str) -> None:
        """Every team command needs --as."""
        code, _out, err = run("--db", db, "teams", "show", "t1")
        assert code == 2
        assert "--as" in err


class TestSeatsAudit:
    """``teams seats`` records the subscription's lifecycle event, as upgrade and cancel do."""

    def test_seats_reach_the_audit_log(self, db: str) -> None:
        """4 -> 5 seats: the subscription's audit log gains 'seats_changed' (4 -> 5)
        after 'activated'."""
        code, _out, err = run("--db", db, "teams", "seats", "t1", "5", "--as", "ann")
        assert code == 0, err
        store = SqlStore(db)
        try:
            with store.unit_of_work() as uow:
                entries = list(uow.audit.for_subject("subscription", "s1"))
        finally:
            store.close()
        assert [e.kind for e in entries] == ["activated", "seats_changed"]
        assert (entries[1].data["seats_before"], entries[1].data["seats_after"]) == (4, 5)

    def test_message_headers_in_the_locale(self, db: str) -> None:
        """The headers of a message to send follow --locale like its text (Dutch here)."""
        code, out, err = run(
            "--db", db, "teams", "invite", "t1", "bob@example.org", "--as", "ann",
            "--url", "https://join.example/{token}",
        )  # fmt: skip
        assert code == 0, err
        assert out.startswith("Aan: bob@example.org\nOnderwerp: ")
