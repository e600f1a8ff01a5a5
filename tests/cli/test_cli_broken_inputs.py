"""Every command against broken inputs: one line on stderr, one prefix, no traceback, the
documented exit status (issue 9; the table of statuses is in ``docs/cli.md``).

The commands are discovered from the parser, so a new command is covered by the generic
tests (an unknown option, missing arguments) at once, and :data:`BROKEN` must name it:
``test_every_command_has_broken_inputs`` fails until it does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest

from cli_helpers import PYTHON_FORMS
from subscriptionkit.certificates import KeyRing
from subscriptionkit.cli import build_parser, main
from subscriptionkit.cli._common import (
    EXIT_DATABASE,
    EXIT_FILE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_USAGE,
    PREFIX,
    report,
)
from subscriptionkit.clock import FixedClock
from subscriptionkit.errors import InvalidPlan

NOW = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path
        return
    for name, child in subs[0].choices.items():
        yield from _commands(child, (*path, name))


COMMANDS = sorted(_commands(build_parser()))


def _required(command: tuple[str, ...]) -> bool:
    parser = build_parser()
    for name in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return any(a.required for a in parser._actions)


def run(*argv: str) -> tuple[int, str, str]:
    """Run the command in-process; return (status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    status = main(list(argv), out=out, err=err, clock=FixedClock(NOW))
    return status, out.getvalue(), err.getvalue()


def assert_one_error_line(err: str) -> None:
    """One line, the one prefix, no traceback."""
    assert err.startswith(PREFIX), err
    assert err.endswith("\n")
    assert err.count("\n") == 1, err
    assert "Traceback" not in err


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Broken files of every kind, and a scratch directory as the working directory."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUBSCRIPTIONKIT_DB", raising=False)
    made = {
        "text": tmp_path / "notes.txt",
        "png": tmp_path / "picture.png",
        "random": tmp_path / "random.bin",
        "latin1": tmp_path / "latin1.csv",
        "json": tmp_path / "empty.json",
        "dir": tmp_path / "folder",
    }
    made["text"].write_text("just some text\nover two lines\n", encoding="utf-8")
    made["png"].write_bytes(PNG)
    made["random"].write_bytes(os.urandom(4096))
    made["latin1"].write_bytes("event_id,school_id\n\xe9\n".encode("latin-1"))
    made["json"].write_text("{}", encoding="utf-8")
    made["dir"].mkdir()
    made["public"] = tmp_path / "public.json"
    made["public"].write_text(KeyRing.generate(at=NOW).public_keyset().to_json(), encoding="utf-8")
    with sqlite3.connect(tmp_path / "another_app.db") as conn:  # another application's
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    made["foreign"] = tmp_path / "another_app.db"
    with sqlite3.connect(tmp_path / "tampered.db") as conn:  # ours, with an edited version
        conn.execute("CREATE TABLE sk_alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO sk_alembic_version VALUES ('0001')")
        conn.execute("CREATE TABLE sk_subscriptions (id TEXT PRIMARY KEY)")
        conn.execute("CREATE TABLE sk_teams (id TEXT PRIMARY KEY)")
    made["tampered"] = tmp_path / "tampered.db"
    named = {key: str(path) for key, path in made.items()}
    named["missing"] = str(tmp_path / "missing.json")
    return named


#: Broken inputs per command: ``(arguments, expected status)``; ``{name}`` is a file above.
#: Arguments starting with ``--db VALUE`` go before the command (a global option).
BROKEN: dict[tuple[str, ...], list[tuple[list[str], int]]] = {
    ("plans",): [
        (["--catalog", "{missing}"], EXIT_FILE),
        (["--catalog", "{png}"], EXIT_INPUT),
        (["--catalog", "{dir}"], EXIT_FILE),
        (["--catalog", "{json}"], EXIT_INPUT),
        (["--locale", "xx"], EXIT_USAGE),
        (["--seat-price", "NaN"], EXIT_USAGE),
        (["--seat-price", "1e999999999"], EXIT_INPUT),
    ],
    ("quote",): [
        (["focus-po-combi", "--pupils", "1=１０"], EXIT_INPUT),
        (["focus-po-combi", "--pupils", "1=10,1=2"], EXIT_INPUT),
        (["focus-po-combi", "--pupils", "1=" + "9" * 40], EXIT_INPUT),
        (["teams", "--seats", "41", "--seat-price", "60"], EXIT_INPUT),
        (["teams", "--seats", "3"], EXIT_INPUT),
        (["nope", "--seats", "3"], EXIT_INPUT),
        (["teams", "--seats", "x"], EXIT_USAGE),
        (["focus-po-combi", "--pupils", "1=3", "--catalog", "/nonexistent.toml"], EXIT_FILE),
        (["focus-po-combi", "--pupils", "1=3", "--catalog", "{dir}"], EXIT_FILE),
    ],
    ("status",): [(["--tz", "Mars/Base"], EXIT_USAGE)],
    ("subscriptions", "start-trial"): [
        (["", "--at", "2026-01-01T00:00Z"], EXIT_INPUT),
        (["a\x01b", "--at", "2026-01-01T00:00Z"], EXIT_INPUT),
        (["c1", "--at", "2026-01-01T00:00"], EXIT_USAGE),
        (["c1", "--length", "7 months"], EXIT_USAGE),
        (["c1", "--length", "P7M"], EXIT_INPUT),  # a well-formed length the rules refuse
    ],
    ("subscriptions", "subscribe"): [
        (["c1", "nope"], EXIT_INPUT),
        (["x" * 101, "focus-po-1-2"], EXIT_INPUT),
        (["c1", "teams", "--seats", "2", "--seat-price", "60"], EXIT_INPUT),
        (["c1", "teams", "--seats", "5"], EXIT_INPUT),
        (["c1", "teams", "--seats", "5", "--seat-price", "60.001"], EXIT_INPUT),
        (["c1", "focus-po-1-2", "--seats", "5"], EXIT_INPUT),
    ],
    ("subscriptions", "activate"): [(["nope", "focus-po-1-2"], EXIT_INPUT)],
    ("subscriptions", "upgrade"): [(["nope", "focus-po-1-8"], EXIT_INPUT)],
    ("subscriptions", "downgrade"): [(["nope", "focus-po-1-2"], EXIT_INPUT)],
    ("subscriptions", "cancel"): [(["nope"], EXIT_INPUT), (["\x00"], EXIT_INPUT)],
    ("subscriptions", "show"): [(["nope"], EXIT_INPUT)],
    ("subscriptions", "list"): [
        (["--status", "sleeping"], EXIT_USAGE),
        (["--db", "not a url at all"], EXIT_INPUT),
        (["--db", "school"], EXIT_INPUT),
        (["--db", "{dir}/missing/school.db"], EXIT_INPUT),
        (["--db", "{foreign}"], EXIT_DATABASE),
        (["--db", "{text}"], EXIT_DATABASE),
        (["--db", "{png}"], EXIT_DATABASE),
        (["--db", "{random}"], EXIT_DATABASE),
        (["--db", "{dir}"], EXIT_DATABASE),
        (["--db", "{tampered}"], EXIT_DATABASE),
    ],
    ("teams", "create"): [
        (
            ["nope", "--name", "N", "--owner-name", "O", "--owner-email", "o@x.org", "--as", "a"],
            EXIT_INPUT,
        ),
        (
            [
                "s",
                "--name",
                "N",
                "--owner-name",
                "O",
                "--owner-email",
                "o@x.org",
                "--as",
                "a",
                "--at",
                "2026-01-01T00:00",
            ],
            EXIT_USAGE,
        ),
    ],
    ("teams", "show"): [
        (["nope", "--as", "a"], EXIT_INPUT),
        (["--db", "{foreign}", "nope", "--as", "a"], EXIT_DATABASE),
    ],
    ("teams", "add"): [
        (["nope", "x", "--name", "X", "--email", "x@x.org", "--as", "a"], EXIT_INPUT)
    ],
    ("teams", "invite"): [
        (["nope", "x@x.org", "--as", "a"], EXIT_INPUT),
        (["nope", "x@x.org", "--as", "a", "--valid-days", "0"], EXIT_USAGE),
        (["nope", "x@x.org", "--as", "a", "--valid-days", "-5"], EXIT_USAGE),
    ],
    ("teams", "link"): [
        (["nope", "--as", "a"], EXIT_INPUT),
        (["nope", "--as", "a", "--max-uses", "0"], EXIT_USAGE),
        (["nope", "--as", "a", "--max-uses", "x"], EXIT_USAGE),
    ],
    ("teams", "join"): [(["skt_x", "--as", "a", "--name", "A", "--email", "a@x.org"], EXIT_INPUT)],
    ("teams", "remove"): [(["nope", "x", "--as", "a"], EXIT_INPUT)],
    ("teams", "make-manager"): [(["nope", "x", "--as", "a"], EXIT_INPUT)],
    ("teams", "seats"): [
        (["nope", "5", "--as", "a"], EXIT_INPUT),
        (["nope", "x", "--as", "a"], EXIT_USAGE),
    ],
    ("teams", "progress"): [(["nope", "--as", "a"], EXIT_INPUT)],
    ("demo",): [
        (["--seed", "x"], EXIT_USAGE),
        (["--locale", "xx"], EXIT_USAGE),
        (["--seed", "1.5"], EXIT_USAGE),
    ],
    ("billing", "advance"): [
        (["nope", "--pupils", "1=28"], EXIT_INPUT),
        (["nope", "--pupils", "1=x"], EXIT_INPUT),
        (["nope", "--series", "a b"], EXIT_INPUT),
        (["nope", "--issued-on", "2026-02-30"], EXIT_USAGE),
        (["nope", "--at", "2026-01-01T00:00"], EXIT_USAGE),
        (["nope", "--format", "xml"], EXIT_USAGE),
    ],
    ("billing", "true-up"): [
        (["nope", "--pupils", "1=28"], EXIT_INPUT),
        (["\x00"], EXIT_INPUT),
        (["nope", "--at", "tomorrow"], EXIT_USAGE),
    ],
    ("billing", "seats"): [(["nope"], EXIT_INPUT), (["nope", "--locale", "xx"], EXIT_USAGE)],
    ("billing", "usage"): [(["nope"], EXIT_INPUT), (["nope", "--format", "pdf"], EXIT_USAGE)],
    ("billing", "show"): [
        (["2026-000001"], EXIT_INPUT),
        (["--series", "../x"], EXIT_INPUT),
        (["--format", "xlsx"], EXIT_USAGE),
    ],
    ("billing", "discount", "add"): [
        (["nope", "--id", "d1", "--percent", "10"], EXIT_INPUT),
        (["nope", "--id", "d1", "--percent", "x"], EXIT_USAGE),
        (["nope", "--id", "d1", "--percent", "10", "--per-seat", "5"], EXIT_USAGE),
        (["nope", "--id", "d1", "--per-seat", "5", "--terms", "0"], EXIT_USAGE),
        (["nope", "--id", "d1"], EXIT_USAGE),
    ],
    ("billing", "discount", "list"): [
        (["nope"], EXIT_INPUT),
        (["nope", "--format", "xml"], EXIT_USAGE),
    ],
    ("billing", "discount", "end"): [
        (["nope"], EXIT_INPUT),
        (["nope", "--at", "2026-01-01T00:00"], EXIT_USAGE),
    ],
    ("subscriptions", "reminders"): [(["--on", "2026-02-30"], EXIT_USAGE)],
    ("certificates", "keygen"): [
        (["--out", "{text}"], EXIT_INPUT),
        (["--out", "{dir}/sub/keys.json"], EXIT_FILE),
    ],
    ("certificates", "rotate"): [
        (["--keys", "{missing}"], EXIT_FILE),
        (["--keys", "{png}"], EXIT_INPUT),
        (["--keys", "{random}"], EXIT_INPUT),
        (["--keys", "{dir}"], EXIT_FILE),
    ],
    ("certificates", "issue"): [
        (
            [
                "--keys",
                "{text}",
                "--holder-id",
                "u1",
                "--holder-name",
                "Ada",
                "--course-id",
                "c1",
                "--course-title",
                "Course",
                "--completed-on",
                "2026-01-01",
                "--issuer",
                "Soofos",
            ],
            EXIT_INPUT,
        ),
    ],
    ("certificates", "verify"): [
        (["v1.a.b", "--keys", "{missing}"], EXIT_FILE),
        (["v1.a.b", "--keys", "{latin1}"], EXIT_INPUT),
        (["v1.a.b", "--keys", "{json}"], EXIT_INPUT),
        (["v1.a.b", "--keys", "{public}", "--revocations", "{text}"], EXIT_INPUT),
        (["v1.a.b", "--keys", "{public}", "--revocations", "{missing}"], EXIT_FILE),
        (["v1.a.b", "--keys", "{public}", "--revocations", "{dir}"], EXIT_FILE),
    ],
    ("certificates", "revoke"): [
        (["cert-1", "--reason", "fraud", "--list", "{png}"], EXIT_INPUT),
        (["cert-1", "--reason", "fraud", "--list", "{dir}"], EXIT_FILE),
    ],
    ("certificates", "export-keys"): [
        (["--keys", "{random}", "--out", "{dir}/public.json"], EXIT_INPUT),
        (["--keys", "{missing}", "--out", "public.json"], EXIT_FILE),
    ],
    ("db", "upgrade"): [
        (["--db", "memory"], EXIT_INPUT),
        (["--db", "not a url at all"], EXIT_INPUT),
        (["--db", "{text}"], EXIT_DATABASE),
        (["--db", "{png}"], EXIT_DATABASE),
        (["--db", "{random}"], EXIT_DATABASE),
        (["--db", "{dir}"], EXIT_DATABASE),
        (["--db", "{tampered}"], EXIT_DATABASE),
    ],
    ("db", "current"): [
        (["--db", "memory"], EXIT_INPUT),
        (["--db", "not a url at all"], EXIT_INPUT),
        (["--db", "{png}"], EXIT_DATABASE),
        (["--db", "{dir}"], EXIT_DATABASE),
        (["--db", "{tampered}"], EXIT_DATABASE),
    ],
    ("db", "sql"): [(["--dialect", "oracle"], EXIT_USAGE), (["--since", "9999"], EXIT_USAGE)],
    ("serve",): [
        (["--port", "eighty"], EXIT_USAGE),
        (["--port", "8000.5"], EXIT_USAGE),
        (["--port", "99999"], EXIT_USAGE),
        (["--port", "-1"], EXIT_USAGE),
    ],
    ("privacy", "consent"): [
        (["u", "promotion", "--source", "web"], EXIT_INPUT),
        (["u", "spam", "--source", "web", "--text-version", "v1"], EXIT_INPUT),
        (["u", "account", "--source", "web", "--text-version", "v1"], EXIT_INPUT),
        (["u", "--implicit", "smile", "--source", "web"], EXIT_USAGE),
        (["u", "promotion", "--source", "w", "--text-version", "v", "--register", "{png}"], 1),
        (["u", "promotion", "--source", "w", "--text-version", "v", "--at", "2026-01-01"], 2),
    ],
    ("privacy", "withdraw"): [(["u", "newsletter"], EXIT_INPUT), (["\x00", "x"], EXIT_INPUT)],
    ("privacy", "request"): [
        (["u", "gossip"], EXIT_USAGE),
        (["u", "restriction"], EXIT_INPUT),
        (["u", "objection", "--purpose", "newsletter"], EXIT_INPUT),
        (["u", "rectification"], EXIT_INPUT),
        (["u", "access", "--tz", "Mars/Base"], EXIT_USAGE),
        (["\x00", "access"], EXIT_INPUT),
    ],
    ("privacy", "verify-identity"): [(["nope", "--by", "dpo"], EXIT_INPUT)],
    ("privacy", "forward"): [(["nope"], EXIT_INPUT), (["\x00"], EXIT_INPUT)],
    ("privacy", "complete"): [(["nope"], EXIT_INPUT)],
    ("privacy", "refuse"): [(["nope", "--reason", "spam"], EXIT_INPUT)],
    ("privacy", "extend"): [
        (["nope", "--months", "1", "--reason", "busy"], EXIT_INPUT),
        (["nope", "--months", "3", "--reason", "busy"], 2),
        (["nope", "--months", "one", "--reason", "busy"], 2),
    ],
    ("privacy", "lift"): [(["nope"], EXIT_INPUT), (["nope", "--at", "yesterday"], EXIT_USAGE)],
    ("privacy", "export"): [
        (["u", "--request", "nope"], EXIT_INPUT),
        (["u", "--output", "{dir}"], EXIT_FILE),
        (["u", "--school", "\x00"], EXIT_INPUT),
    ],
    ("privacy", "erase"): [
        (["u", "--request", "nope"], EXIT_INPUT),
        (["\x00"], EXIT_INPUT),
        (["u", "--school", "\x00"], EXIT_INPUT),
    ],
    ("privacy", "rectify"): [
        (["u"], EXIT_INPUT),
        (["u", "--request", "nope"], EXIT_INPUT),
        (["u", "--name", "  "], EXIT_USAGE),  # blank text: refused by the option's name
        (["\x00", "--name", "Ann"], EXIT_INPUT),
        (["u", "--email", "not an address"], EXIT_INPUT),
    ],
    ("privacy", "overdue"): [(["--at", "yesterday"], EXIT_USAGE), (["--format", "xml"], 2)],
    ("privacy", "retention"): [
        (["--register", "{missing}"], EXIT_FILE),
        (["--register", "{json}"], EXIT_INPUT),
        (["--register", "{dir}"], EXIT_INPUT),  # the name, before the file: no .toml
    ],
    ("meter",): [
        (["{latin1}", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-02"], 1),
        (["{png}", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-02"], 1),
        (["{random}", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-02"], 1),
        (["{missing}", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-02"], 5),
        (["{dir}", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-02"], 5),
        (["{text}", "--plan", "teams", "--from", "2026-01", "--to", "2026-02"], 1),
        (["{text}", "--plan", "focus-po-1-8", "--from", "2026-13", "--to", "2026-02"], 2),
        (["{text}", "--plan", "focus-po-1-8", "--from", "2026-03", "--to", "2026-02"], 2),
    ],
}

CASES = [
    pytest.param(command, argv, status, id=f"{' '.join(command)}-{i}")
    for command, cases in BROKEN.items()
    for i, (argv, status) in enumerate(cases)
]


class TestEveryCommand:
    """Generic broken command lines, for every command the parser has."""

    def test_every_command_has_broken_inputs(self) -> None:
        """Each command has its own broken inputs in BROKEN (a new command must add some)."""
        assert set(COMMANDS) <= set(BROKEN), sorted(set(COMMANDS) - set(BROKEN))

    @pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
    def test_unknown_option(self, command: tuple[str, ...], files: dict[str, str]) -> None:
        """An unknown option is a malformed command line: status 2, one line."""
        status, out, err = run(*command, "--no-such-option")
        assert (status, out) == (EXIT_USAGE, "")
        assert_one_error_line(err)
        assert " --help')" in err

    @pytest.mark.parametrize("command", [c for c in COMMANDS if _required(c)], ids=" ".join)
    def test_missing_arguments(self, command: tuple[str, ...], files: dict[str, str]) -> None:
        """Leaving out required arguments: status 2, one line."""
        status, _, err = run(*command)
        assert status == EXIT_USAGE
        assert_one_error_line(err)


class TestBrokenInputs:
    """Command-specific broken inputs: the documented status, one line, no traceback."""

    @pytest.mark.parametrize(("command", "argv", "status"), CASES)
    def test_broken_input(
        self,
        command: tuple[str, ...],
        argv: list[str],
        status: int,
        files: dict[str, str],
    ) -> None:
        """The command fails with its documented status and one error line."""
        before = {name: _snapshot(path) for name, path in files.items()}
        argv = [a.format(**files) for a in argv]
        before_command = argv[:2] if argv[:1] == ["--db"] else []
        got, _, err = run(*before_command, *command, *argv[len(before_command) :])
        assert got == status, err
        assert_one_error_line(err)
        assert not PYTHON_FORMS.search(err), f"a Python form in the message: {err}"
        after = {name: _snapshot(path) for name, path in files.items()}
        assert after == before  # a failed command changes none of its inputs


def _snapshot(path: str) -> bytes | None:
    p = Path(path)
    return p.read_bytes() if p.is_file() else None


class TestDatabaseForms:
    """``--db`` and ``$SUBSCRIPTIONKIT_DB`` take the same forms; others create nothing."""

    @pytest.mark.parametrize("value", ["not a url at all", "school", "data.csv"])
    def test_refused_forms(
        self, value: str, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The message lists the accepted forms; no file of that name appears."""
        for argv, env in ((["--db", value], None), ([], value)):
            if env is not None:
                monkeypatch.setenv("SUBSCRIPTIONKIT_DB", env)
            status, out, err = run(*argv, "subscriptions", "list")
            assert (status, out) == (EXIT_INPUT, "")
            assert_one_error_line(err)
            assert "expected a database URL (postgresql://user@host/db, sqlite:///path.db)" in err
            assert "a new file ending in .db, .sqlite or .sqlite3" in err
            assert not Path(value).exists()

    def test_foreign_database_is_named_and_untouched(self, files: dict[str, str]) -> None:
        """Another application's file: status 3, what to run instead, the file unchanged."""
        before = Path(files["foreign"]).read_bytes()
        status, _, err = run("--db", files["foreign"], "subscriptions", "list")
        assert status == EXIT_DATABASE
        assert_one_error_line(err)
        assert "holds another application's tables (1: users)" in err
        assert Path(files["foreign"]).read_bytes() == before
        assert sorted(p.name for p in Path(files["foreign"]).parent.glob("another_app.db*")) == [
            "another_app.db"
        ]

    def test_db_upgrade_installs_beside_the_foreign_tables(self, files: dict[str, str]) -> None:
        """The explicit install: `db upgrade` adds the library's tables; commands then work."""
        status, out, err = run("--db", files["foreign"], "db", "upgrade", "--locale", "en_GB")
        assert (status, err) == (0, "")
        assert out.startswith("Upgraded the schema from version 0 to ")
        status, _, err = run("--db", files["foreign"], "subscriptions", "list")
        assert (status, err) == (0, "")
        with sqlite3.connect(files["foreign"]) as conn:
            names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        assert {"users", "sk_subscriptions"} <= names


class TestTheMechanism:
    """The one reporting function: prefix, one line, status by kind."""

    def test_multi_line_messages_become_one_line(self) -> None:
        """A message with line breaks is printed on one line."""
        err = StringIO()
        assert report(err, OSError(2, "No such\nfile", "a\nb")) == EXIT_FILE
        assert_one_error_line(err.getvalue())

    def test_a_bug_is_reported_not_dumped(self) -> None:
        """An unexpected exception is status 70 with one line asking for a report."""
        err = StringIO()
        assert report(err, ZeroDivisionError("division by zero")) == EXIT_INTERNAL
        assert_one_error_line(err.getvalue())
        assert "internal error (ZeroDivisionError: division by zero)" in err.getvalue()

    def test_a_library_error_about_a_file_is_a_file_error(self) -> None:
        """The library's error for a file it could not open keeps the OSError as its
        cause: status 5, like an OSError itself (``--catalog /nonexistent.toml``)."""
        error = InvalidPlan("cannot read the catalog file")
        error.__cause__ = FileNotFoundError(2, "No such file or directory", "/nonexistent.toml")
        assert report(StringIO(), error) == EXIT_FILE
        assert report(StringIO(), InvalidPlan("not a catalog")) == EXIT_INPUT


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    """Run as a program: a broken input gives one stderr line and the status, no traceback."""
    png = tmp_path / "picture.png"
    png.write_bytes(PNG)
    done = subprocess.run(
        [sys.executable, "-m", "subscriptionkit", "plans", "--catalog", str(png)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == EXIT_INPUT
    assert_one_error_line(done.stderr)


class TestTheEdges:
    """What happens around a command: the output's encoding, Ctrl-C before the command
    runs, a port that cannot be listened on (issue 13)."""

    @pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
    def test_an_output_encoding_without_the_euro_sign(self, encoding: str) -> None:
        """``PYTHONIOENCODING=ascii subscriptionkit plans --locale en_GB``: the prices are
        written as ``EUR0.96``, status 0, where Python would end in a UnicodeEncodeError."""
        done = subprocess.run(
            [sys.executable, "-m", "subscriptionkit", "plans", "--locale", "en_GB"],
            capture_output=True,
            check=False,
            env={**os.environ, "PYTHONIOENCODING": encoding},
        )
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""
        assert b"EUR0.96 per pupil per month" in done.stdout

    def test_ctrl_c_while_the_parser_is_built(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Ctrl-C at any moment of ``main``, building the parser too: status 130 and
        ``interrupted``, never a traceback."""

        def interrupted(command: str | None = None) -> argparse.ArgumentParser:
            raise KeyboardInterrupt

        monkeypatch.setattr("subscriptionkit.cli.build_parser", interrupted)
        status, out, err = run("plans")
        assert (status, out, err) == (130, "", f"{PREFIX}interrupted\n")

    def test_a_port_in_use(self, tmp_path: Path) -> None:
        """``serve --port`` on a port another program listens on: status 1, one line
        naming host and port, and no "serving" line before it."""
        pytest.importorskip("uvicorn")
        with socket.create_server(("127.0.0.1", 0)) as taken:
            port = str(taken.getsockname()[1])
            status, out, err = run("--db", str(tmp_path / "sk.db"), "serve", "--port", port)
        assert status == EXIT_INPUT
        assert out == ""
        assert_one_error_line(err)
        assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in err

    def test_a_port_out_of_range(self) -> None:
        """``serve --port 99999``: refused before anything is served, naming the range."""
        status, out, err = run("serve", "--port", "99999")
        assert (status, out) == (EXIT_USAGE, "")
        assert "expected a port number from 0 to 65535 (0: any free port), got 99999" in err
