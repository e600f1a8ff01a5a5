"""Money: Decimal amounts, one half-up rounding policy, currency checks, formatting."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies
from subscriptionkit.errors import CurrencyMismatch, InvalidInput, InvalidMoney
from subscriptionkit.money import (
    DEFAULT_CURRENCY,
    DEFAULT_LOCALE,
    ROUNDING,
    Money,
    eur,
    format_money,
    line_amount,
    money,
    round_money,
    total,
    zero,
)


class TestMoney:
    """Building money: Decimal, int or decimal strings; never floats."""

    @pytest.mark.parametrize("amount", ["0.96", Decimal("0.96"), 1, "-3.5", "1e2"])
    def test_accepted_amounts(self, amount: object) -> None:
        """Decimal, int and decimal strings become Decimal amounts in EUR."""
        value = money(amount)
        assert isinstance(value.amount, Decimal)
        assert value.amount == Decimal(str(amount))
        assert value.currency.code == "EUR"

    def test_float_refused_with_advice(self) -> None:
        """A float is refused, and the message shows the Decimal to write instead."""
        with pytest.raises(InvalidMoney) as info:
            money(0.96)
        assert str(info.value) == (
            "money amounts must be Decimal, int or a decimal string, never float; got 0.96 "
            "(write Decimal('0.96') or '0.96')"
        )

    def test_bool_refused(self) -> None:
        """True is not one euro."""
        with pytest.raises(InvalidMoney) as info:
            money(True)
        assert str(info.value) == "money amount must be a number, got True"

    @pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", Decimal("-Infinity"), None, []])
    def test_not_a_finite_number(self, amount: object) -> None:
        """Text, NaN, infinities and other types are refused with the value shown."""
        with pytest.raises(InvalidMoney) as info:
            money(amount)
        assert str(info.value) == f"money amount must be a finite decimal number, got {amount!r}"

    @pytest.mark.parametrize("currency", ["EURO", "XYZ", ""])
    def test_bad_currency(self, currency: str) -> None:
        """An unknown currency code is refused with the code shown."""
        with pytest.raises(InvalidMoney) as info:
            money("1", currency)
        assert str(info.value) == (
            f"currency must be an ISO 4217 code such as 'EUR', got {currency!r}"
        )

    def test_currency_code_case_insensitive(self) -> None:
        """Lower-case codes are accepted."""
        assert money("1", "usd").currency.code == "USD"

    def test_shorthands_and_defaults(self) -> None:
        """eur(), zero() and the module defaults."""
        assert eur("11.50") == Money(Decimal("11.50"), "EUR")
        assert zero() == Money(0, "EUR")
        assert zero("JPY").currency.code == "JPY"
        assert DEFAULT_CURRENCY == "EUR"
        assert DEFAULT_LOCALE == "nl_NL"
        assert ROUNDING == ROUND_HALF_UP

    def test_errors_are_value_errors(self) -> None:
        """InvalidMoney is bad input and a ValueError."""
        assert issubclass(InvalidMoney, InvalidInput)
        assert issubclass(InvalidMoney, ValueError)


class TestRounding:
    """Half-up to the currency's minor unit, at every boundary."""

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            ("0.005", "0.01"),
            ("0.0049999", "0.00"),
            ("0.015", "0.02"),
            ("0.025", "0.03"),
            ("0.125", "0.13"),
            ("2.675", "2.68"),
            ("0.994999", "0.99"),
            ("0.995", "1.00"),
            ("-0.005", "-0.01"),
            ("-0.0049999", "0.00"),
            ("-2.675", "-2.68"),
            ("11.5", "11.50"),
            ("7", "7.00"),
        ],
    )
    def test_half_up_in_euro(self, amount: str, expected: str) -> None:
        """Ties go away from zero; anything below a half cent goes down."""
        rounded = round_money(eur(amount))
        assert str(rounded.amount) == expected

    @pytest.mark.parametrize(
        ("amount", "expected"), [("0.5", "1"), ("0.49", "0"), ("1234.5", "1235"), ("-0.5", "-1")]
    )
    def test_yen_has_no_decimals(self, amount: str, expected: str) -> None:
        """JPY rounds to whole yen."""
        rounded = round_money(money(amount, "JPY"))
        assert str(rounded.amount) == expected
        assert rounded.currency.code == "JPY"

    def test_line_amount_rounds_once(self) -> None:
        """The product is rounded, not the unit price: 3 × 0.335 = 1.005 → 1.01."""
        assert line_amount(eur("0.335"), 3) == eur("1.01")
        assert line_amount(eur("0.96"), 58) == eur("55.68")
        assert line_amount(eur("11.50"), 175) == eur("2012.50")

    def test_line_amount_keeps_currency(self) -> None:
        """The line is in the unit price's currency."""
        assert line_amount(money("0.5", "JPY"), 3).currency.code == "JPY"
        assert line_amount(money("0.5", "JPY"), 3).amount == Decimal(2)

    def test_line_amount_refuses_float_quantity(self) -> None:
        """A float quantity is refused like a float amount."""
        with pytest.raises(InvalidMoney, match=r"never float; got 2\.5"):
            line_amount(eur("1"), 2.5)  # type: ignore[arg-type]

    @settings(deadline=None)
    @given(price=strategies.amounts(places=4, min_value=0, max_value=1000), n=st.integers(0, 10**5))
    def test_line_amount_is_the_rounded_product(self, price: Decimal, n: int) -> None:
        """line_amount(p, n) is exactly p × n rounded half-up to the cent."""
        expected = (price * n).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert line_amount(eur(price), n).amount == expected

    @settings(deadline=None)
    @given(
        lines=st.lists(
            st.tuples(
                strategies.amounts(places=2, min_value=0, max_value=1000), st.integers(0, 999)
            )
        )
    )
    def test_sum_of_lines_is_exact_to_the_cent(self, lines: list[tuple[Decimal, int]]) -> None:
        """With cent prices, the total of the lines equals the exact sum, to the cent."""
        amounts = [line_amount(eur(p), n) for p, n in lines]
        assert total(amounts).amount == sum((p * n for p, n in lines), Decimal(0))

    @settings(deadline=None)
    @given(value=strategies.money_amounts(places=6))
    def test_rounding_is_idempotent(self, value: Money) -> None:
        """Rounding a rounded amount changes nothing, and moves at most half a cent."""
        once = round_money(value)
        assert round_money(once) == once
        assert abs(once.amount - value.amount) <= Decimal("0.005")


class TestTotal:
    """Exact sums in one currency."""

    def test_sum_without_rounding(self) -> None:
        """Amounts add exactly, sub-cent digits included."""
        assert total([eur("1.10"), eur("2.20"), eur("0.001")]).amount == Decimal("3.301")

    def test_empty_sum_is_zero(self) -> None:
        """An empty sum is zero in the default or the given currency."""
        assert total([]) == zero()
        assert total([], "USD") == zero("USD")

    def test_currency_mismatch(self) -> None:
        """Two currencies in one sum raise, naming both."""
        with pytest.raises(CurrencyMismatch) as info:
            total([eur(1), money(1, "USD")])
        assert str(info.value) == (
            "cannot combine amounts in different currencies: expected EUR, got USD"
        )
        assert (info.value.expected, info.value.got) == ("EUR", "USD")

    def test_expected_currency_checked(self) -> None:
        """A given currency is checked against every amount."""
        with pytest.raises(CurrencyMismatch) as info:
            total([eur(1)], "GBP")
        assert str(info.value) == (
            "cannot combine amounts in different currencies: expected GBP, got EUR"
        )

    def test_not_money(self) -> None:
        """Plain numbers in a sum are refused."""
        with pytest.raises(InvalidMoney) as info:
            total([eur(1), Decimal(2)])  # type: ignore[list-item]
        assert str(info.value) == "each amount to add must be Money, got Decimal: Decimal('2')"

    def test_builtin_sum_works(self) -> None:
        """py-moneyed lets sum() add Money too."""
        assert sum([eur("0.10"), eur("0.20")], zero()) == eur("0.30")


class TestFormat:
    """Locale formatting through babel."""

    @pytest.mark.parametrize(
        ("amount", "locale", "text"),
        [
            ("0.96", "nl_NL", "€ 0,96"),
            ("0.96", "en_GB", "€0.96"),
            ("0.96", "en_US", "€0.96"),
            ("1297", "nl_NL", "€ 1.297,00"),
            ("1297", "en_GB", "€1,297.00"),
            ("1234567.891", "nl_NL", "€ 1.234.567,89"),
            ("-1234.5", "en_US", "-€1,234.50"),
            ("-0.96", "nl_NL", "€ -0,96"),
        ],
    )
    def test_euro(self, amount: str, locale: str, text: str) -> None:
        """Euro amounts in Dutch, British and American notation."""
        assert format_money(eur(amount), locale) == text

    def test_default_locale_is_dutch(self) -> None:
        """Without a locale, nl_NL is used."""
        assert format_money(eur("11.50")) == "€ 11,50"

    def test_other_currencies(self) -> None:
        """The currency's own symbol and decimals are used."""
        assert format_money(money("1234.5", "USD"), "en_US") == "$1,234.50"
        assert format_money(money("1234.5", "GBP"), "en_GB") == "£1,234.50"
        assert format_money(money("1234", "JPY"), "en_US") == "¥1,234"

    @pytest.mark.parametrize(
        ("amount", "text"),
        [("0.005", "€0.01"), ("0.125", "€0.13"), ("2.675", "€2.68"), ("-0.004", "€0.00")],
    )
    def test_formatting_rounds_by_the_policy(self, amount: str, text: str) -> None:
        """Unrounded amounts are shown rounded half-up, like round_money, not half-even."""
        assert format_money(eur(amount), "en_GB") == text

    def test_yen_formatting_rounds_half_up(self) -> None:
        """Half a yen is shown as one more yen."""
        assert format_money(money("1234.5", "JPY"), "en_US") == "¥1,235"

    def test_nbsp(self) -> None:
        """A non-breaking space stays only when asked for."""
        assert format_money(eur("0.96"), "nl_NL", nbsp=True) == "€\xa00,96"
        assert "\xa0" not in format_money(eur("0.96"), "nl_NL")
        assert "\u202f" not in format_money(eur("1234"), "fr_FR")
        assert "\u202f" in format_money(eur("1234"), "fr_FR", nbsp=True)

    @pytest.mark.parametrize("locale", ["xx_YY", "", "nl-NL-x-?"])
    def test_unknown_locale(self, locale: str) -> None:
        """An unknown locale is bad input, named in the message."""
        with pytest.raises(InvalidInput) as info:
            format_money(eur(1), locale)
        assert str(info.value) == (
            "locale must be a known locale identifier such as 'nl_NL', 'en_GB' or 'en_US', "
            f"got {locale!r}"
        )
