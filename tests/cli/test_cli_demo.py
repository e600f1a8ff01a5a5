"""``subscriptionkit demo``: the story on a fresh SQLite file, in the user's locale."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pytest

from subscriptionkit.cli import _common, main


def run(*argv: str, err: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), err if err is not None else io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class TestDemo:
    """The README's main command."""

    def test_tells_the_story_on_a_fresh_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without --db: a new SQLite file in a temporary directory; seven chapters, four
        invoices, the figures reconcile; nothing on stderr when it is a pipe."""
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
        monkeypatch.chdir(tmp_path)
        code, out, err = run("demo", "--locale", "en_GB")
        assert (code, err) == (0, "")
        titles = [line for line in out.splitlines() if line[:2] in {f"{n}." for n in range(1, 10)}]
        assert titles == [
            "1. Trial and activation",
            "2. Activity, metered every month",
            "3. Upgrade mid-year",
            "4. Renewal and year-end true-up",
            "5. A Teams customer and its members",
            "6. A course completed, a certificate verified",
            "7. A member's data: export and erasure",
        ]
        for number in ("2026-000001", "2026-000002", "2027-000001", "2027-000002"):
            assert f"Invoice {number}" in out
        assert "The figures reconcile: every invoice adds up" in out
        assert not (tmp_path / "subscriptionkit.db").exists()  # the default database is untouched
        [db] = tmp_path.glob("subscriptionkit-demo-*/demo.db")
        assert f"Database: {db}" in out
        code, listed, _err = run("--db", str(db), "billing", "show", "--locale", "en_GB")
        assert listed.splitlines()[0] == "4 invoices"

    def test_an_explicit_database_must_be_empty(self, tmp_path: Path) -> None:
        """--db names the database; one that already holds the story is refused (status 1)."""
        db = str(tmp_path / "mine.db")
        assert run("--db", db, "demo", "--seed", "3")[0] == 0
        code, out, err = run("--db", db, "demo")
        assert (code, out) == (1, "")
        assert err.startswith(
            "subscriptionkit: error: the demo plays its story on an empty database"
        )

    def test_progress_bar_on_a_terminal_only(self, tmp_path: Path) -> None:
        """A terminal gets tqdm's bar for the metered months; a pipe gets nothing."""
        terminal = _Terminal()
        code, _out, err = run("--db", str(tmp_path / "t.db"), "demo", err=terminal)
        assert code == 0
        assert "metering" in err
        assert "12/12" in err


class TestLocale:
    """The locale comes from --locale, else the environment, else nl_NL."""

    @pytest.mark.parametrize(
        ("variables", "expected"),
        [
            ({"LANG": "en_GB.UTF-8"}, "en_GB"),
            ({"LC_ALL": "nl_BE.UTF-8", "LANG": "en_GB.UTF-8"}, "nl_BE"),
            ({"LC_MESSAGES": "en_GB.UTF-8", "LANG": "nl_NL.UTF-8"}, "en_GB"),
            # Python's own C.UTF-8 in LC_CTYPE (PEP 538, the user's locale not installed)
            # does not hide LANG.
            ({"LC_CTYPE": "C.UTF-8", "LANG": "en_GB.UTF-8"}, "en_GB"),
            ({"LANG": "C.UTF-8"}, "nl_NL"),
            ({"LANG": "POSIX"}, "nl_NL"),
            # A language the command has no words in: the fallback, not a mix.
            ({"LANG": "fr_FR.UTF-8"}, "nl_NL"),
            ({"LANGUAGE": "de", "LANG": "en_GB.UTF-8"}, "nl_NL"),
            ({}, "nl_NL"),
        ],
    )
    def test_environment(
        self, monkeypatch: pytest.MonkeyPatch, variables: dict[str, str], expected: str
    ) -> None:
        """LANGUAGE, LC_ALL, LC_MESSAGES and LANG in turn; C and POSIX name no language."""
        for name in ("LANGUAGE", "LC_ALL", "LC_CTYPE", "LANG", "LC_MESSAGES"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        assert _common.environment_locale() == expected


def _interrupted_after(chapters: int) -> object:
    """A ``Story.chapters`` that plays ``chapters`` chapters, then is interrupted (Ctrl-C)."""
    from subscriptionkit import _story

    played = _story.Story.chapters

    def chapters_then_ctrl_c(self: _story.Story) -> object:
        for number, chapter in enumerate(played(self), 1):
            yield chapter
            if number == chapters:
                raise KeyboardInterrupt

    return chapters_then_ctrl_c


class TestInterrupted:
    """Ctrl-C halfway through the demo leaves nothing half-played (issue 13: after 0.9 s
    a file held 2 subscriptions, 4 invoices and a team, and the demo refused to run again)."""

    def test_a_new_file_is_not_left_behind(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``--db half.db demo`` interrupted after two chapters: status 130, no half.db (nor
        the temporary file it played on), and the demo then runs on half.db."""
        with monkeypatch.context() as patch:
            patch.setattr("subscriptionkit._story.Story.chapters", _interrupted_after(2))
            code, out, err = run("--db", str(tmp_path / "half.db"), "demo", "--locale", "en_GB")
        assert (code, err) == (_common.EXIT_INTERRUPTED, f"{_common.PREFIX}interrupted\n")
        assert "2. Activity, metered every month" in out
        assert list(tmp_path.iterdir()) == []
        code, out, err = run("--db", str(tmp_path / "half.db"), "demo", "--locale", "en_GB")
        assert (code, err) == (0, "")
        assert [p.name for p in tmp_path.iterdir()] == ["half.db"]

    def test_an_existing_database_is_named_with_how_to_start_over(self, tmp_path: Path) -> None:
        """On a database that existed (here made by ``db upgrade``) the demo plays in place:
        interrupted, the message says what it left and how to start over."""
        db = str(tmp_path / "kept.db")
        assert main(["--db", db, "db", "upgrade"], out=io.StringIO(), err=io.StringIO()) == 0
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("subscriptionkit._story.Story.chapters", _interrupted_after(1))
            code, _, err = run("--db", db, "demo", "--locale", "en_GB")
        assert code == _common.EXIT_INTERRUPTED
        assert err == (
            f"{_common.PREFIX}interrupted; the demo stopped halfway and left what it had played "
            f"in {db}: start over on a new file (subscriptionkit --db new.db demo) or an "
            "emptied database\n"
        )
