"""The command speaks one language: help for every option, messages in the command's words,
the documented exit statuses, empty results that say so, prices the command refuses."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import PYTHON_FORMS
from subscriptionkit import errors, plans, subscriptions
from subscriptionkit.cli import _common, build_parser, main
from subscriptionkit.cli._words import command_words
from subscriptionkit.clock import FixedClock
from subscriptionkit.money import eur

NOW = FixedClock(dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC))
DOCS = Path(__file__).parents[2] / "docs" / "cli.md"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err, clock=NOW)
    return code, out.getvalue(), err.getvalue()


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


def _command(path: tuple[str, ...]) -> argparse.ArgumentParser:
    return dict(_parsers(build_parser()))[path]


class TestHelp:
    """Every command, option and argument explains itself in --help."""

    def test_every_option_and_argument_has_help(self) -> None:
        """Walk the parser: no option, argument or command without a help text."""
        missing = []
        for path, parser in _parsers(build_parser()):
            for action in parser._actions:
                if isinstance(action, argparse._SubParsersAction):
                    missing += [
                        f"{' '.join(path)} {choice.dest}".strip()
                        for choice in action._choices_actions
                        if not choice.help
                    ]
                elif not action.help:
                    shown = "/".join(action.option_strings) or action.dest
                    missing.append(f"{' '.join(path) or 'subscriptionkit'} {shown}")
        assert missing == []

    def test_every_group_lists_its_commands_readably(self) -> None:
        """Every command group (certificates among them) shows ``COMMAND`` in its usage
        and lists its commands under a title, never a ``{keygen,rotate,...}`` metavar."""
        groups = [
            (path, parser)
            for path, parser in _parsers(build_parser())
            if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
        ]
        assert ("certificates",) in [path for path, _ in groups]
        unreadable = [
            " ".join(path) or "subscriptionkit"
            for path, parser in groups
            if "{" in parser.format_help() or "COMMAND ..." not in parser.format_usage()
        ]
        assert unreadable == []
        help_text = _command(("certificates",)).format_help()
        assert "certificate commands:\n  COMMAND\n    keygen " in help_text


class TestHelpNames:
    """--help names arguments as the error lines and docs do, never by Python names."""

    def test_arguments_are_named_as_errors_name_them(self) -> None:
        """Every argument shows in upper case (``CUSTOMER``, ``SUBSCRIPTION_ID``), the
        name an error line gives it, where argparse would show ``customer``."""
        shown = {
            (" ".join(path), action.metavar)
            for path, parser in _parsers(build_parser())
            for action in parser._actions
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction)
        }
        assert shown
        lower = sorted(item for item in shown if not str(item[1]).isupper())
        assert lower == []
        subscribe = _command(("subscriptions", "subscribe"))
        assert subscribe.format_usage().rstrip().endswith("CUSTOMER PLAN")
        code, _out, err = run("subscriptions", "start-trial", "")
        assert code == 1
        assert err.startswith(f"{_common.PREFIX}CUSTOMER is empty; ")

    def test_no_option_shows_its_python_destination(self) -> None:
        """An option stored under another name shows a word for its value (``--list
        FILE``, ``--from MONTH``), never that name (``LIST_PATH``, ``FIRST``)."""
        leaked = [
            f"{' '.join(path)} {action.option_strings[-1]}"
            for path, parser in _parsers(build_parser())
            for action in parser._actions
            if action.option_strings
            and action.metavar is None
            and action.nargs != 0
            and action.dest.replace("_", "-") not in {o.lstrip("-") for o in action.option_strings}
        ]
        assert leaked == []


class TestCommandWords:
    """Library messages are reported with the options of the command that ran."""

    @pytest.mark.parametrize(
        ("command", "message", "shown"),
        [
            (
                ("subscriptions", "subscribe"),
                "customer_id is empty; expected non-empty text, got str ''",
                "CUSTOMER is empty; expected non-empty text, got ''",
            ),
            (
                ("subscriptions", "subscribe"),
                "plan 'focus-po-1-2' is priced per pupil and takes no seats; got seats=5",
                "plan 'focus-po-1-2' is priced per pupil and takes no seats; got --seats 5",
            ),
            (
                ("meter",),
                "advance_count counts one school; got 'a' and 'b': pass school_id= to choose one",
                "advance_count counts one school; got 'a' and 'b': pass --school to choose one",
            ),
            (
                ("quote",),
                "plan 'teams' has no configured price: so it must be set (price_per_seat_year)",
                "plan 'teams' has no configured price: so it must be set (--seat-price)",
            ),
            (
                ("quote",),
                "pupils must be grade=count pairs; seats for plan 'teams' must be 3 to 40",
                "--pupils must be grade=count pairs; seats for plan 'teams' must be 3 to 40",
            ),
            (
                ("plans",),
                "money amount must be a finite decimal number, got Decimal('NaN')",
                "money amount must be a finite decimal number, got 'NaN'",
            ),
            (
                ("billing", "advance"),
                "reverse-charged VAT needs the customer's VAT number (buyer_vat_id), got none",
                "reverse-charged VAT needs the customer's VAT number (--vat-id), got none",
            ),
        ],
    )
    def test_python_forms_become_options(
        self, command: tuple[str, ...], message: str, shown: str
    ) -> None:
        """name=, (name), a leading snake_case name and type names after 'got' are rewritten."""
        assert command_words(message, _command(command)) == shown

    def test_prose_is_left_alone(self) -> None:
        """A word that is also an option, used in prose, is not rewritten."""
        message = "plan 'teams' must be bought for seats at a price"
        assert command_words(message, _command(("quote",))) == message

    @pytest.mark.parametrize(
        ("argv", "status", "needle"),
        [
            (["subscriptions", "start-trial", ""], 1, "CUSTOMER is empty"),
            (["subscriptions", "subscribe", "c1", "focus-po-1-2", "--seats", "5"], 1, "--seats 5"),
            (["quote", "focus-po-combi", "--pupils", "1:28"], 1, "--pupils must be"),
            (["subscriptions", "subscribe", "c1", "teams", "--seats", "5"], 1, "(--seat-price)"),
            (
                ["quote", "teams", "--seats", "5", "--seat-price", "60.001"],
                1,
                "--seat-price must have at most 2 decimals, as EUR has, got 60.001",
            ),
            (["plans", "--seat-price", "NaN"], 2, "argument --seat-price:"),
            (["quote", "focus-po-combi", "--seats", "5"], 1, "expected --pupils"),
            (["quote", "teams", "--pupils", "1=3", "--seat-price", "60"], 1, "expected --seats"),
        ],
    )
    def test_messages_name_options(
        self, tmp_path: Path, argv: list[str], status: int, needle: str
    ) -> None:
        """Real commands: the documented status, the option named, no Python syntax."""
        code, out, err = run("--db", str(tmp_path / "sk.db"), *argv)
        assert (code, out) == (status, "")
        assert err.startswith(_common.PREFIX)
        assert needle in err
        assert not PYTHON_FORMS.search(err), err


class TestStatuses:
    """The exit statuses are the ones docs/cli.md documents."""

    def test_documented_table_matches_the_code(self) -> None:
        """Each status in the docs' table is one of the command's constants, and back."""
        documented = {int(m.group(1)) for m in re.finditer(r"^\| (\d+) \|", DOCS.read_text(), re.M)}
        constants = {
            value
            for name, value in vars(_common).items()
            if name.startswith("EXIT_") and isinstance(value, int)
        }
        assert documented == constants


class TestEmptyResults:
    """An empty result is a sentence, not an empty table."""

    def test_lists_say_so(self, tmp_path: Path) -> None:
        """subscriptions list, meter over the database, billing show and usage."""
        db = str(tmp_path / "sk.db")
        assert run("--db", db, "subscriptions", "list", "--locale", "en_GB")[1] == (
            "No subscriptions yet.\n"
        )
        assert run("--db", db, "subscriptions", "list", "--status", "active", "--locale", "en_GB")[
            1
        ] == ("No subscriptions with status active.\n")
        assert run(
            "--db", db, "meter", "--plan", "focus-po-1-2", "--from", "2026-01", "--to",
            "2026-02", "--locale", "en_GB",
        )[1] == "No billable pupils counted from 2026-01 to 2026-02.\n"  # fmt: skip
        assert run("--db", db, "billing", "show", "--locale", "en_GB")[1] == (
            "No invoices issued yet.\n"
        )


class TestPrices:
    """Teams is sold at a configured price, in whole cents."""

    def test_no_teams_subscription_without_a_price(self) -> None:
        """subscribe refuses an unpriced seat plan (a trial never becomes one)."""
        unpriced = plans.default_catalog()["teams"]
        at = NOW.now()
        with pytest.raises(errors.PriceNotConfigured):
            subscriptions.subscribe("c1", unpriced, at=at, seats=5)
        trial = subscriptions.start_trial("c2", at=at).subscription
        with pytest.raises(errors.InvalidPlan):
            subscriptions.activate(trial, unpriced, at=at, seats=5)
        priced = plans.teams_plan(eur("60.00"))
        assert subscriptions.subscribe("c1", priced, at=at, seats=5).subscription.seats == 5

    @pytest.mark.parametrize("amount", ["60.001", "0.005", "11.505"])
    def test_more_decimals_than_the_currency_is_refused(self, amount: str) -> None:
        """A plan price must be whole cents: 60.001 is refused, 60.000 is 60.00."""
        with pytest.raises(errors.InvalidPlan) as info:
            plans.teams_plan(eur(amount))
        assert str(info.value) == (
            f"price_per_seat_year must have at most 2 decimals, as EUR has, got {amount}"
        )
        assert plans.teams_plan(eur("60.000")).price() == eur("60.00")


class TestLocale:
    """One --locale for every command: the environment's by default, else Dutch; a locale
    in a language the command has no words in is refused, never printed as a mix."""

    @pytest.mark.parametrize(
        ("argv", "english"),
        [
            (("plans",), "grades 1-2: €0.96 per pupil per month (€11.50 per year)"),
            (("--db", ":memory:", "status"), "Subscriptions: 0"),
            (("--db", ":memory:", "subscriptions", "list"), "No subscriptions yet."),
        ],
    )
    def test_default_follows_the_environment(
        self, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], english: str
    ) -> None:
        """LANG=en_GB.UTF-8: plans, status and the rest speak English as demo does;
        without a locale in the environment they speak Dutch."""
        code, out, err = run(*argv)
        assert (code, err) == (0, "")
        assert english not in out
        monkeypatch.setenv("LANG", "en_GB.UTF-8")
        code, out, err = run(*argv)
        assert (code, err) == (0, "")
        assert english in out

    def test_every_locale_option_is_the_one_option(self) -> None:
        """Every command that prints words has --locale (db, certificates and serve too),
        checked alike and defaulting to the environment's. Only ``db sql`` (SQL) and
        ``certificates issue`` (a token and a link) print no words, and take none."""
        leaves = {
            path
            for path, parser in _parsers(build_parser())
            if path and not any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)
        }
        with_locale = [
            (path, action)
            for path, parser in _parsers(build_parser())
            for action in parser._actions
            if "--locale" in action.option_strings
        ]
        wordless = {("db", "sql"), ("certificates", "issue")}
        assert {path for path, _ in with_locale} == leaves - wordless
        assert wordless <= leaves
        odd = [
            " ".join(path)
            for path, action in with_locale
            if action.type is not _common.locale_name or action.default != "nl_NL"
        ]
        assert odd == []

    @pytest.mark.parametrize(
        "argv",
        [
            ("plans",),
            ("--db", ":memory:", "status"),
            ("quote", "teams", "--seats", "5", "--seat-price", "60"),
            ("meter", "-", "--plan", "focus-po-1-8", "--from", "2026-01", "--to", "2026-01"),
            ("demo",),
            ("db", "current"),
            ("certificates", "verify", "token", "--keys", "keys.json"),
            ("serve",),
        ],
    )
    def test_unspoken_language_is_refused(self, argv: tuple[str, ...]) -> None:
        """--locale fr_FR (the reported mix of French numbers and English words) is a usage
        error naming the languages the command speaks, on every command."""
        code, out, err = run(*argv, "--locale", "fr_FR")
        assert (code, out) == (2, "")
        assert (
            "argument --locale: the command has no words in French; expected a locale in "
            "English or Dutch, such as en_GB, en_US, nl_NL or nl_BE; got 'fr_FR'"
        ) in err

    def test_db_certificates_and_serve_speak_dutch(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The commands that printed English whatever the locale speak Dutch by default,
        as ``status`` does for the same lines, and English with --locale en_GB."""
        db = str(tmp_path / "sk.db")
        assert run("--db", db, "db", "upgrade")[1].startswith(
            "Schema bijgewerkt van versie 0 naar "
        )
        code, out, err = run("--db", db, "db", "current")
        assert (code, err) == (0, "")
        assert out.splitlines()[1].startswith("Schemaversie: ")
        assert out.splitlines()[2].startswith("Bijgewerkt (deze bibliotheek schrijft versie ")
        ring = tmp_path / "ring.json"
        code, out, err = run("certificates", "keygen", "--out", str(ring))
        assert (code, err) == (0, "")
        assert out.startswith(f"Sleutelring {ring} geschreven (actieve sleutel ")
        code, token, err = run(
            "certificates", "issue", "--keys", str(ring), "--holder-id", "m1",
            "--holder-name", "Ada", "--course-id", "c1", "--course-title", "Feedback",
            "--completed-on", "2026-11-20", "--issuer", "Soofos", "--certificate-id", "cert-1",
        )  # fmt: skip
        assert (code, err) == (0, "")
        code, out, err = run("certificates", "verify", token.strip(), "--keys", str(ring))
        assert (code, err) == (0, "")
        assert out.splitlines()[:4] == [
            "Echt certificaat",
            "Certificaatnummer: cert-1",
            "Cursus: Feedback (c1)",
            "Afgerond op: 20 november 2026",
        ]
        assert "Uitgever: Soofos" in out
        english = run(
            "certificates", "verify", token.strip(), "--keys", str(ring), "--locale", "en_GB"
        )
        assert english[1].splitlines()[0] == "Genuine certificate"

        import uvicorn

        # The command listens, says so, then hands the socket to uvicorn's server.
        monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)
        code, out, err = run("--db", db, "serve", "--port", "0")
        assert (code, err) == (0, "")
        assert re.fullmatch(
            rf"Certificaatcontrole voor {re.escape(db)} draait op "
            r"http://127\.0\.0\.1:[1-9][0-9]*/verify\?token=\.\.\.\n",
            out,
        )
        code, out, err = run("--db", db, "serve", "--port", "0", "--locale", "en_GB")
        assert out.startswith("Serving certificate verification for ")

    def test_unspoken_environment_falls_back_to_dutch(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """LANG=fr_FR.UTF-8 is no error: the command speaks its fallback, Dutch."""
        monkeypatch.setenv("LANG", "fr_FR.UTF-8")
        code, out, _err = run("plans")
        assert code == 0
        assert "groep 1-2: € 0,96 per leerling per maand" in out
