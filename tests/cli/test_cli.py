"""The ``subscriptionkit`` command: output, exit statuses and one-line errors."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest

from subscriptionkit import __version__, plans
from subscriptionkit.cli import build_parser, main, parse_pupils
from subscriptionkit.clock import FixedClock
from subscriptionkit.errors import InvalidInput
from subscriptionkit.money import eur

PUPILS = "1=28,2=30,3=31,4=29,5=30,6=27,7=33,8=25"


def run(*argv: str) -> tuple[int, str, str]:
    """Run the command in-process; return (status, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    clock = FixedClock(dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC))
    status = main(list(argv), out=out, err=err, clock=clock)
    return status, out.getvalue(), err.getvalue()


class TestPlans:
    """`subscriptionkit plans`."""

    def test_dutch_listing(self) -> None:
        """Every plan with its published prices, in Dutch by default."""
        status, out, err = run("plans")
        assert (status, err) == (0, "")
        assert out.splitlines() == [
            "focus-po-1-2     Focus PO 1-2",
            "                   groep 1-2: € 0,96 per leerling per maand (€ 11,50 per jaar)",
            "focus-po-3-8     Focus PO 3-8 (basis)",
            "                   groep 3-8: € 0,30 per leerling per maand (€ 3,60 per jaar)",
            "focus-po-combi   Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "                   groep 1-2: € 0,96 per leerling per maand (€ 11,50 per jaar)",
            "                   groep 3-8: € 0,30 per leerling per maand (€ 3,60 per jaar)",
            "focus-po-1-8     Focus PO 1-8 (volledig)",
            "                   groep 1-8: € 0,96 per leerling per maand (€ 11,50 per jaar)",
            "teams            Teams: prijs niet ingesteld per teamlid per jaar, 3 tot 40 teamleden",
        ]

    def test_english_with_seat_price(self) -> None:
        """--locale en_GB and --seat-price configure the listing."""
        status, out, _ = run("plans", "--locale", "en_GB", "--seat-price", "60.00")
        assert status == 0
        lines = out.splitlines()
        assert (
            lines[1] == "                   grades 1-2: €0.96 per pupil per month (€11.50 per year)"
        )
        assert lines[-1] == "teams            Teams: €60.00 per seat per year, 3 to 40 seats"

    def test_catalog_file(self, tmp_path: Path) -> None:
        """--catalog reads a TOML catalog."""
        path = tmp_path / "catalog.toml"
        plans.Catalog([plans.teams_plan(eur("75.00"))]).dump(path)
        status, out, _ = run("plans", "--catalog", str(path), "--locale", "en_GB")
        assert status == 0
        assert out == "teams            Teams: €75.00 per seat per year, 3 to 40 seats\n"

    def test_missing_catalog_file(self, tmp_path: Path) -> None:
        """A missing catalog file is a one-line error with status 5, as docs/cli.md's
        table says for a file that cannot be read (issue 13: it was 1)."""
        path = tmp_path / "nope.toml"
        status, out, err = run("plans", "--catalog", str(path))
        assert (status, out) == (5, "")
        assert err == (
            f"subscriptionkit: error: cannot read the catalog file {str(path)!r} (No such file "
            "or directory); expected a readable UTF-8 .json or .toml file\n"
        )


class TestQuote:
    """`subscriptionkit quote`."""

    def test_combi_in_dutch(self) -> None:
        """Per-band lines and totals in Dutch notation."""
        status, out, err = run("quote", "focus-po-combi", "--pupils", PUPILS, "--locale", "nl_NL")
        assert (status, err) == (0, "")
        assert out.splitlines() == [
            "Combi Focus PO 1-2 & Focus PO 3-8 (basis)",
            "Groep   Leerlingen  Per leerling per maand  Per maand  Per leerling per jaar    Per jaar",
            "1-2             58                  € 0,96    € 55,68                € 11,50    € 667,00",
            "3-8            175                  € 0,30    € 52,50                 € 3,60    € 630,00",
            "Totaal         233                           € 108,18                         € 1.297,00",
        ]

    def test_teams_with_price(self) -> None:
        """A seat quote with a configured price."""
        status, out, _ = run("quote", "teams", "--seats", "12", "--seat-price", "60.00")
        assert status == 0
        assert out.splitlines()[-1] == "Totaal                                 € 720,00"

    def test_41_seats(self) -> None:
        """41 seats: status 1, one line naming 3 to 40 and the Organisation plan."""
        status, out, err = run("quote", "teams", "--seats", "41")
        assert (status, out) == (1, "")
        assert err.count("\n") == 1
        assert err == (
            "subscriptionkit: error: seats for plan 'teams' must be a whole number from 3 to "
            "40, got 41; teams of more than 40 people need an Organisation plan, which is sold "
            "on request\n"
        )

    def test_missing_price(self) -> None:
        """Teams without --seat-price: status 1, the setting is named."""
        status, _, err = run("quote", "teams", "--seats", "12")
        assert status == 1
        assert err == (
            "subscriptionkit: error: plan 'teams' has no configured price: the published "
            "sources give none, so it must be set (--seat-price); got no price\n"
        )

    @pytest.mark.parametrize("pupils", ["1=x", "1:28", "a=1", "1=-3", "1=²"])
    def test_bad_pupils_syntax(self, pupils: str) -> None:
        """Malformed --pupils: status 1, one line naming the option and the offending pair
        (each fault's words: TestParsePupils)."""
        status, _, err = run("quote", "focus-po-1-2", "--pupils", pupils)
        assert status == 1
        assert err.startswith("subscriptionkit: error: --pupils must ")
        assert err.endswith(f" in {pupils!r}\n")
        assert err.count("\n") == 1

    def test_bad_grade(self) -> None:
        """A grade outside 1–8 is a rule error."""
        status, _, err = run("quote", "focus-po-1-8", "--pupils", "9=3")
        assert status == 1
        assert err == "subscriptionkit: error: grade must be one of 1–8, got 9\n"

    def test_unknown_plan(self) -> None:
        """An unknown plan lists the known ids."""
        status, _, err = run("quote", "gold", "--seats", "5")
        assert status == 1
        assert err == (
            "subscriptionkit: error: no plan with id 'gold'; expected one of: focus-po-1-2, "
            "focus-po-3-8, focus-po-combi, focus-po-1-8, teams\n"
        )

    def test_seats_for_pupil_plan(self) -> None:
        """Seats for a per-pupil plan: status 1."""
        status, _, err = run("quote", "focus-po-1-2", "--seats", "5")
        assert status == 1
        assert "is priced per pupil" in err

    def test_seat_price_for_pupil_catalog_plan(self, tmp_path: Path) -> None:
        """--seat-price on a catalog whose 'teams' is priced per pupil is refused."""
        band = plans.GradeBand("1", (1,), eur("1"), eur("12"))
        path = tmp_path / "c.json"
        plans.Catalog([plans.PupilPlan(id="teams", name="T", bands=[band])]).dump(path)
        status, _, err = run(
            "quote", "teams", "--pupils", "1=3", "--seat-price", "5", "--catalog", str(path)
        )
        assert status == 1
        assert err == (
            "subscriptionkit: error: --seat-price applies to a seat plan; 'teams' is priced "
            "per pupil\n"
        )


class TestCommandLine:
    """Help, version and malformed command lines."""

    def test_help(self) -> None:
        """--help prints usage to the given output and exits 0."""
        status, out, err = run("--help")
        assert (status, err) == (0, "")
        assert out.startswith("usage: subscriptionkit")
        assert "plans" in out
        assert "quote" in out

    def test_quote_help(self) -> None:
        """Each command has its own help."""
        status, out, _ = run("quote", "--help")
        assert status == 0
        assert "--pupils" in out
        assert "--seat-price" in out

    def test_version(self) -> None:
        """--version prints the version."""
        status, out, _ = run("--version")
        assert (status, out) == (0, f"subscriptionkit {__version__}\n")

    def test_bad_locale(self) -> None:
        """An unknown locale is a malformed command line: status 2, one line."""
        status, out, err = run("plans", "--locale", "xx_YY")
        assert (status, out) == (2, "")
        assert err == (
            "subscriptionkit: error: argument --locale: locale must be a known locale "
            "identifier such as 'nl_NL', 'en_GB' or 'en_US', got 'xx_YY' "
            "(see 'subscriptionkit plans --help')\n"
        )

    def test_bad_timezone(self) -> None:
        """An unknown time zone: status 2."""
        status, _, err = run("plans", "--tz", "Mars/Olympus")
        assert status == 2
        assert "time zone must be an IANA name" in err

    def test_bad_seat_price(self) -> None:
        """A seat price that is not a decimal: status 2."""
        status, _, err = run("quote", "teams", "--seats", "3", "--seat-price", "abc")
        assert status == 2
        assert err == (
            "subscriptionkit: error: argument --seat-price: expected a decimal amount "
            "such as 60.00, got 'abc' (see 'subscriptionkit quote --help')\n"
        )

    @pytest.mark.parametrize(
        "argv",
        [(), ("nope",), ("quote", "teams"), ("quote", "teams", "--seats", "3", "--pupils", "1=1")],
    )
    def test_usage_errors(self, argv: tuple[str, ...]) -> None:
        """No command, an unknown command, or a wrong option mix: status 2."""
        status, out, err = run(*argv)
        assert (status, out) == (2, "")
        assert "error:" in err
        assert err.endswith("\n")

    def test_parser(self) -> None:
        """build_parser names the program."""
        assert build_parser().prog == "subscriptionkit"


class TestParsePupils:
    """The --pupils syntax."""

    def test_pairs(self) -> None:
        """Pairs, spaces and a trailing comma."""
        assert parse_pupils(" 1=28, 2 = 30,") == {1: 28, 2: 30}

    def test_twice(self) -> None:
        """A grade given twice is refused."""
        with pytest.raises(InvalidInput) as info:
            parse_pupils("1=28,1=30")
        assert str(info.value) == (
            "grade 1 is given twice in --pupils '1=28,1=30'; expected each grade once"
        )

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            # The reported value: a negative count.
            (
                "1=-1",
                "pupils must give each grade a count of pupils that is a whole number of 0 or "
                "more, such as 1=28; got -1 for grade 1 in '1=-1'",
            ),
            (
                "1=28,2=2.5",
                "pupils must give each grade a count of pupils that is a whole number of 0 or "
                "more, such as 2=28; got '2.5' for grade 2 in '2=2.5'",
            ),
            (
                "3=",
                "pupils must give each grade a count of pupils that is a whole number of 0 or "
                "more, such as 3=28; got nothing for grade 3 in '3='",
            ),
            (
                "x=3",
                "pupils must name each grade as a whole number such as 3; got grade 'x' in 'x=3'",
            ),
            (
                "1=28,3",
                "pupils must be grade=count pairs separated by commas, such as 1=28,2=30; got "
                "'3' without '=' in '1=28,3'",
            ),
        ],
    )
    def test_each_fault_is_named(self, text: str, message: str) -> None:
        """A refused pair says what is wrong with it, what was expected and what was given."""
        with pytest.raises(InvalidInput) as info:
            parse_pupils(text)
        assert str(info.value) == message

    def test_negative_count_from_the_command(self) -> None:
        """`quote ... --pupils 1=-1` ends with that message in the command's words."""
        status, out, err = run("quote", "focus-po-combi", "--pupils", "1=-1")
        assert (status, out) == (1, "")
        assert err == (
            "subscriptionkit: error: --pupils must give each grade a count of pupils that is "
            "a whole number of 0 or more, such as 1=28; got -1 for grade 1 in '1=-1'\n"
        )

    def test_whole_number_options_name_no_python_type(self) -> None:
        """--seats x says a whole number was expected, where argparse says 'invalid int'."""
        status, _out, err = run("quote", "teams", "--seats", "x", "--seat-price", "60")
        assert status == 2
        assert err.startswith(
            "subscriptionkit: error: argument --seats: expected a whole number such as 12, got 'x'"
        )

    def test_empty(self) -> None:
        """At least one pair is needed."""
        with pytest.raises(InvalidInput) as info:
            parse_pupils(",")
        assert str(info.value) == "pupils must name at least one grade=count pair, got ','"


class TestConsoleScript:
    """The installed entry point, end to end."""

    def test_subprocess(self) -> None:
        """`subscriptionkit quote ...` runs as a program and exits 0, then 1 for 41 seats."""
        script = Path(sys.executable).with_name("subscriptionkit")
        assert script.exists(), f"console script not installed next to {sys.executable}"
        env = {**os.environ, "PYTHONWARNINGS": "error", "PYTHONIOENCODING": "utf-8"}
        done = subprocess.run(
            [str(script), "quote", "focus-po-combi", "--pupils", PUPILS, "--locale", "nl_NL"],
            capture_output=True,
            encoding="utf-8",
            env=env,
            check=False,
            timeout=60,
        )
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.splitlines()[-1] == (
            "Totaal         233                           € 108,18                         € 1.297,00"
        )
        failed = subprocess.run(
            [str(script), "quote", "teams", "--seats", "41"],
            capture_output=True,
            encoding="utf-8",
            env=env,
            check=False,
            timeout=60,
        )
        assert failed.returncode == 1
        assert "Organisation plan" in failed.stderr

    def test_python_dash_m(self) -> None:
        """`python -m subscriptionkit` is the same command: output 0, rule broken 1, usage 2."""
        env = {**os.environ, "PYTHONWARNINGS": "error", "PYTHONIOENCODING": "utf-8"}

        def run_module(*argv: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "subscriptionkit", *argv],
                capture_output=True,
                encoding="utf-8",
                env=env,
                check=False,
                timeout=60,
            )

        done = run_module("quote", "teams", "--seats", "12", "--seat-price", "60")
        assert (done.returncode, done.stderr) == (0, "")
        assert done.stdout.splitlines()[-1].split() == ["Totaal", "€", "720,00"]
        failed = run_module("quote", "teams", "--seats", "12")
        assert failed.returncode == 1
        assert failed.stderr.startswith("subscriptionkit: error: plan 'teams' has no configured")
        assert failed.stderr.count("\n") == 1
        usage = run_module("quote")
        assert usage.returncode == 2
        assert usage.stderr.splitlines()[-1] == (
            "subscriptionkit: error: the following arguments are required: PLAN "
            "(see 'subscriptionkit quote --help')"
        )


class TestClosedOutput:
    """`subscriptionkit plans | head -1`: the reader goes away; the command ends quietly."""

    def test_closed_pipe_ends_quietly(self, tmp_path: Path) -> None:
        """No error line, no traceback, exit status 141 (128 + SIGPIPE, as a shell reports)."""
        with subprocess.Popen(
            [sys.executable, "-m", "subscriptionkit", "plans"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        ) as child:
            assert child.stdout is not None
            assert child.stderr is not None
            child.stdout.close()  # before the command writes: its first write meets a closed pipe
            stderr = child.stderr.read()
            assert child.wait(timeout=60) == 141
        assert stderr == b""

    def test_closed_stream_in_process(self) -> None:
        """main() returns 141 when its output stream reports a closed pipe."""

        class Closed(StringIO):
            def write(self, text: str) -> int:
                raise BrokenPipeError(32, "Broken pipe")

        err = StringIO()
        assert main(["plans"], out=Closed(), err=err) == 141
        assert err.getvalue() == ""


def test_db_after_the_command_says_where_it_goes() -> None:
    """`billing show --db x.db`: the usage error says that --db goes before the command."""
    err = StringIO()
    assert main(["billing", "show", "--db", "x.db"], out=StringIO(), err=err) == 2
    (line,) = err.getvalue().splitlines()
    assert line.startswith("subscriptionkit: error: unrecognized arguments: --db")
    assert "--db goes before the command: subscriptionkit --db PATH_OR_URL COMMAND" in line


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["subscriptions", "start-trial", "s4", "--length", "3"], "argument --length:"),
        (["meter", "--plan", "focus-po-1-2", "--from", "2026-05", "--to", "2026-02"], "--to"),
    ],
)
def test_value_errors_name_the_option(tmp_path: Path, argv: list[str], option: str) -> None:
    """A malformed value is a usage error (2) whose one line names the option given."""
    err = StringIO()
    db = str(tmp_path / "x.db")
    assert main(["--db", db, *argv], out=StringIO(), err=err) == 2
    (line,) = err.getvalue().splitlines()
    assert line.startswith("subscriptionkit: error: ")
    assert option in line


def test_a_catalog_file_error_is_told_in_the_file_words(tmp_path: Path) -> None:
    """A negative ``price_per_seat_year`` in a catalog file is named as the file's key, with
    the file, never as ``--seat-price`` (not given), and the amount as written (issue 13)."""
    path = tmp_path / "catalog.toml"
    plans.Catalog([plans.teams_plan(eur("60.00"))]).dump(path)
    path.write_text(
        path.read_text(encoding="utf-8").replace('"60.00"', '"-60.00"'), encoding="utf-8"
    )
    status, out, err = run("plans", "--catalog", str(path))
    assert (status, out) == (1, "")
    assert err == (
        f"subscriptionkit: error: in the catalog file {path}: price_per_seat_year must not be "
        "negative, got -60.00 EUR\n"
    )
