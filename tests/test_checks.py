"""The shared argument rules (``_checks``) and the one translation mechanism (``_translate``)."""

from __future__ import annotations

import decimal
import pickle
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subscriptionkit import _checks, _translate
from subscriptionkit.errors import (
    InvalidArgument,
    InvalidIdentifier,
    InvalidInput,
    InvalidMoney,
    MissingDependency,
    SubscriptionKitError,
)


class TestIdentifier:
    """One identifier rule: text, not blank, no control characters, at most 100 characters."""

    @pytest.mark.parametrize(
        "good", ["c1", "a" * _checks.MAX_ID_LENGTH, "école-12", "池田", "with space", "😀"]
    )
    def test_accepted(self, good: str) -> None:
        """Ordinary ids, non-ASCII ids and ids of exactly the maximum length pass unchanged."""
        assert _checks.identifier(good, "customer_id") == good

    @pytest.mark.parametrize(
        ("bad", "problem"),
        [
            (None, "is not text"),
            (12, "is not text"),
            (True, "is not text"),
            (b"c1", "is not text"),
            ("", "is empty"),
            ("   ", "is empty"),
            ("a" * (_checks.MAX_ID_LENGTH + 1), "is too long (101 characters)"),
            ("a\x00b", "holds a control character (U+0000 at position 1)"),
            ("line\nbreak", "holds a control character (U+000A at position 4)"),
            ("tab\t", "holds a control character (U+0009 at position 3)"),
            ("del\x7f", "holds a control character (U+007F at position 3)"),
            ("sep\u2028", "holds a control character (U+2028 at position 3)"),
            ("lone\ud800", "holds a control character (U+D800 at position 4)"),
        ],
    )
    def test_refused(self, bad: object, problem: str) -> None:
        """Each kind of bad id is refused with what was wrong, expected and given."""
        with pytest.raises(InvalidIdentifier) as info:
            _checks.identifier(bad, "customer_id")
        err = info.value
        assert (err.field, err.problem, err.got, err.max_length) == (
            "customer_id",
            problem,
            bad,
            _checks.MAX_ID_LENGTH,
        )
        assert str(err).startswith(f"customer_id {problem}; expected non-empty text of at most 100")
        assert "\n" not in str(err)
        assert isinstance(err, InvalidInput)
        assert isinstance(err, ValueError)

    def test_ints_only_where_rows_allow_them(self) -> None:
        """Ids read from CSV or SQL rows may be ints (never bools); they become text."""
        assert _checks.identifier(42, "pupil_id", allow_int=True) == "42"
        with pytest.raises(InvalidIdentifier):
            _checks.identifier(True, "pupil_id", allow_int=True)

    @given(st.text(max_size=120))
    def test_accepts_exactly_the_documented_set(self, text: str) -> None:
        """Any text passes exactly when it is non-blank, short enough and control-free."""
        import unicodedata

        ok = (
            bool(text.strip())
            and len(text) <= _checks.MAX_ID_LENGTH
            and not any(unicodedata.category(c) in {"Cc", "Zl", "Zp", "Cs"} for c in text)
        )
        try:
            _checks.identifier(text, "id")
        except InvalidIdentifier:
            assert not ok
        else:
            assert ok

    def test_pickles(self) -> None:
        """The error keeps its data through pickle (it crosses process boundaries)."""
        with pytest.raises(InvalidIdentifier) as info:
            _checks.identifier("", "pupil_id")
        back = pickle.loads(pickle.dumps(info.value))
        assert (back.field, back.problem, str(back)) == ("pupil_id", "is empty", str(info.value))


class TestWholeNumber:
    """Counts and grades take only real ints."""

    @pytest.mark.parametrize("bad", [True, False, "3", "３", 3.0, decimal.Decimal(3), None])
    def test_refused(self, bad: object) -> None:
        """Bools, digit strings (also full-width), floats and Decimals are refused."""
        with pytest.raises(InvalidArgument, match=r"^seats must be a whole number \(int\), got"):
            _checks.whole_number(bad, "seats")

    def test_minimum(self) -> None:
        """Below the minimum is refused; the minimum itself passes."""
        assert _checks.whole_number(0, "count", minimum=0) == 0
        with pytest.raises(InvalidArgument, match=r"count must be a whole number >= 0, got int -1"):
            _checks.whole_number(-1, "count", minimum=0)


class TestAccepts:
    """@accepts checks declared argument types before the function runs."""

    @staticmethod
    @_checks.accepts(count=(int, "a whole number"), name=(str, "text"))
    def _sample(count: int, *, name: str | None = None) -> str:
        return f"{name}:{count}"

    def test_good_call_passes_through(self) -> None:
        """Right types reach the function unchanged; an optional None stays allowed."""
        assert self._sample(3, name="x") == "x:3"
        assert self._sample(3, name=None) == "None:3"

    @pytest.mark.parametrize("bad", [None, "3", True, 3.5])
    def test_wrong_type_is_named(self, bad: object) -> None:
        """A wrong type raises InvalidArgument naming the argument; bools are not ints."""
        with pytest.raises(InvalidArgument) as info:
            self._sample(bad)  # type: ignore[arg-type]
        assert (info.value.name, info.value.got) == ("count", bad)
        assert isinstance(info.value, TypeError)

    def test_wrong_arity_is_a_library_error(self) -> None:
        """A missing argument is reported as a library error too."""
        with pytest.raises(InvalidArgument, match=r"_sample\(\) arguments must be"):
            self._sample()  # type: ignore[call-arg]

    def test_a_typo_in_a_declaration_fails_at_import(self) -> None:
        """Declaring an argument the function lacks is caught when the module loads."""
        with pytest.raises(AssertionError, match="no argument"):
            _checks.accepts(nope=(int, "x"))(lambda a: a)


class TestTranslated:
    """Foreign errors become library errors at the edge; nothing else changes."""

    def test_decimal_signals_become_invalid_money(self) -> None:
        """decimal.InvalidOperation is translated, keeping the cause for debugging."""
        with (
            pytest.raises(InvalidMoney, match="out of range for exact decimal arithmetic") as info,
            _translate.translated(_translate.decimal_errors("the amount")),
        ):
            decimal.Decimal("1e999999999").quantize(decimal.Decimal("0.01"))
        assert isinstance(info.value.__cause__, decimal.InvalidOperation)

    def test_library_errors_pass_untouched(self) -> None:
        """A library error inside the block is not re-wrapped."""
        original = InvalidInput("x")
        with (
            pytest.raises(InvalidInput) as info,
            _translate.translated(_translate.decimal_errors("the amount")),
        ):
            raise original
        assert info.value is original

    def test_unclaimed_errors_are_not_hidden(self) -> None:
        """An error no translator claims is a bug: it leaves as it is."""
        with (
            pytest.raises(ZeroDivisionError),
            _translate.translated(_translate.decimal_errors("the amount")),
        ):
            _ = 1 / 0

    def test_a_translator_can_drop_the_cause(self) -> None:
        """An error marked to suppress its context leaves the foreign one behind (secrets)."""

        def hide(exc: Exception) -> SubscriptionKitError:
            err = InvalidInput("bad key")
            err.__suppress_context__ = True
            return err

        with pytest.raises(InvalidInput) as info, _translate.translated(hide):
            raise ValueError("secret material")
        assert info.value.__cause__ is None
        assert info.value.__suppress_context__


class TestRequire:
    """A missing optional dependency names the extra to install."""

    def test_present(self) -> None:
        """An installed package is returned."""
        assert _translate.require("decimal", extra="x", feature="y") is decimal

    def test_missing_names_the_extra(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A missing package raises MissingDependency with the pip command."""
        monkeypatch.setitem(sys.modules, "numpy", None)
        with pytest.raises(MissingDependency) as info:
            _translate.require("numpy", extra="numpy", feature='engine="numpy"')
        err = info.value
        assert (err.package, err.extra) == ("numpy", "numpy")
        assert str(err) == (
            "engine=\"numpy\" needs the optional dependency 'numpy', which is not installed; "
            "expected it installed: pip install 'subscriptionkit[numpy]'"
        )
        assert isinstance(err, ImportError)
