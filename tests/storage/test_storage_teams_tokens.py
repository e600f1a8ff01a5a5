"""A copy of the database yields no working token: no stored value holds one in clear.

Every row of every table (SQLite, PostgreSQL) and every stored team (memory) is scanned for
the tokens handed out; the digests are keyed (not a plain hash of the token), and without
the host's key a stored digest finds no team.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import attrs
import sqlalchemy as sa

from subscriptionkit import teams
from subscriptionkit.storage import MemoryStore, Store
from subscriptionkit.storage.sql import SqlStore, metadata
from subscriptionkit.testing import active_subscription
from teams_helpers import START, join_link

KEYS = teams.TokenKeys({"k1": b"scan-key-0123456789abcdef"}, current="k1")


def fill(store: Store) -> list[str]:
    """Store a team with used, pending and revoked invitations and links; return the tokens."""
    sub = active_subscription("teams", seats=10, at=START)
    team = teams.create_team(
        sub,
        name="T",
        owner_id="ann",
        owner_name="Ann",
        owner_email="ann@example.org",
        at=START,
        team_id="team-1",
    ).team
    tokens: list[str] = []
    link = teams.create_link(team, by="ann", keys=KEYS, at=START)
    tokens.append(link.token)
    team = join_link(link.team, link.token, "bob", KEYS)
    rotated = teams.rotate_link(team, link.id, by="ann", keys=KEYS, at=START)
    tokens.append(rotated.token)
    invited = teams.invite(rotated.team, by="ann", email="cas@example.org", keys=KEYS, at=START)
    tokens.append(invited.token)
    team = teams.join_with_invitation(
        invited.team,
        invited.token,
        account_id="cas",
        name="Cas",
        email="cas@example.org",
        keys=KEYS,
        at=START,
    ).team
    pending = teams.invite(team, by="ann", email="dan@example.org", keys=KEYS, at=START)
    tokens.append(pending.token)
    with store.unit_of_work() as uow:
        uow.teams.add(pending.team)
        uow.commit()
    return tokens


def stored_text(store: Store) -> str:
    """Everything the store holds, as text."""
    if isinstance(store, MemoryStore):
        with store.unit_of_work() as uow:
            return repr([attrs.asdict(t) for t in uow.teams.list()])
    assert isinstance(store, SqlStore)
    cells: list[str] = []
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                cells.extend(str(v) for v in row)
    return "\n".join(cells)


class TestNoTokenInClear:
    """Scans of what is stored."""

    def test_rows_hold_no_token(self, store: Store) -> None:
        """No token appears in any stored value, and neither does its plain SHA-256."""
        tokens = fill(store)
        text = stored_text(store)
        assert "team-1" in text  # the scan does see the stored rows
        for token in tokens:
            assert token not in text
            assert hashlib.sha256(token.encode()).hexdigest() not in text
        # The scan reaches the digests: those of the current tokens are there (the first
        # token was rotated away, so its digest is gone too).
        for token in tokens[1:]:
            if token == tokens[1]:
                assert KEYS.digest(token, "link").digest in text
            else:
                assert KEYS.digest(token, "invitation").digest in text

    def test_sqlite_file_holds_no_token(self, tmp_path: Path) -> None:
        """The bytes of the SQLite file (and its WAL) hold no token."""
        path = tmp_path / "scan.db"
        store = SqlStore(str(path))
        try:
            tokens = fill(store)
        finally:
            store.close()
        data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
        assert b"team-1" in data
        for token in tokens:
            assert token.encode() not in data

    def test_copy_without_key_finds_nothing(self, store: Store) -> None:
        """Tokens hashed under another key (an attacker's guess of the scheme) find no team."""
        tokens = fill(store)
        guess = teams.TokenKeys({"k1": b"\x00" * 32}, current="k1")
        with store.unit_of_work() as uow:
            for token in tokens:
                assert uow.teams.with_link(guess.digests(token, "link")) is None
                assert uow.teams.with_invitation(guess.digests(token, "invitation")) is None
