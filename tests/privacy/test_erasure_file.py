"""After an erasure, no trace of the subject in the bytes of a SQLite file (trial defect 8).

SQLite keeps deleted and overwritten content in free space and free pages unless
``secure_delete`` is on, and in WAL mode the old pages stay in the main file until a
checkpoint, which a reader holding an older snapshot blocks.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from privacy_helpers import AT, team_and_certificate
from subscriptionkit import privacy
from subscriptionkit.storage.sql import SqlStore

TRACES = (b"Zoe Zeldzaam", b"zoe.zeldzaam@example.org")


def _populate(path: Path) -> SqlStore:
    """Zoe as a team member and a certificate holder, with Olga (the owner) beside her."""
    store = SqlStore(str(path))
    team_and_certificate(
        store, account="u-zoe", name="Zoe Zeldzaam", email="zoe.zeldzaam@example.org"
    )
    return store


def _traces(path: Path) -> list[tuple[str, bytes]]:
    """The subject's name and address wherever they are in the file and its -wal file."""
    found = []
    for file in (path, path.with_name(path.name + "-wal")):
        data = file.read_bytes() if file.exists() else b""
        found += [(file.name, t) for t in TRACES if t in data]
    return found


def test_no_trace_in_the_file_right_after_an_erasure(sqlite_path: Path) -> None:
    store = _populate(sqlite_path)
    assert _traces(sqlite_path)  # the check sees them before
    done = privacy.erase_subject(store, "u-zoe", at=AT + dt.timedelta(days=1))
    assert done.scrubbed
    assert _traces(sqlite_path) == []
    store.close()
    assert _traces(sqlite_path) == []


def test_a_reader_delays_the_scrub_until_it_ends(sqlite_path: Path) -> None:
    store = _populate(sqlite_path)
    reader = sqlite3.connect(sqlite_path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM sk_certificates").fetchone() == (1,)
        done = privacy.erase_subject(store, "u-zoe", at=AT + dt.timedelta(days=1))
        # The reader's snapshot still holds the old pages: the result says so.
        assert not done.scrubbed
        reader.execute("COMMIT")
    finally:
        reader.close()
    assert store.scrub()
    assert _traces(sqlite_path) == []
    store.close()
    assert _traces(sqlite_path) == []


def test_a_rectification_leaves_no_old_name_in_the_file(sqlite_path: Path) -> None:
    store = _populate(sqlite_path)
    done = privacy.rectify_subject(
        store, "u-zoe", at=AT + dt.timedelta(days=1), name="Zoe Anders",
        email="zoe.anders@example.org",
    )  # fmt: skip
    assert done.scrubbed
    assert _traces(sqlite_path) == []
