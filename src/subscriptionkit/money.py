"""Money: py-moneyed amounts with ``Decimal``, one rounding policy, locale formatting.

Amounts are :class:`moneyed.Money` with :class:`~decimal.Decimal` inside; floats are
refused. The one rounding policy of the library lives here: **to the currency's minor
unit (cents), half-up**, applied once per invoice or quote line by :func:`line_amount`
(or :func:`round_money`), never on intermediate values.

>>> price = eur("0.96")
>>> line_amount(price, 28)
Money('26.88', 'EUR')
>>> format_money(line_amount(price, 28), locale="nl_NL")
'€ 26,88'
>>> format_money(eur("1234.5"), locale="en_GB")
'€1,234.50'
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import babel.numbers
from moneyed import Currency, Money, get_currency

from ._translate import decimal_errors, translated
from .errors import CurrencyMismatch, InvalidMoney

__all__ = [
    "DEFAULT_CURRENCY",
    "DEFAULT_LOCALE",
    "MAX_DECIMALS",
    "ROUNDING",
    "Money",
    "check_money",
    "eur",
    "format_money",
    "line_amount",
    "money",
    "round_money",
    "total",
    "zero",
]

#: The currency used where a plan does not say.
DEFAULT_CURRENCY: Final = "EUR"
#: The locale used where a caller does not say.
DEFAULT_LOCALE: Final = "nl_NL"
#: The library's one rounding mode (half-up, to the currency's minor unit).
ROUNDING: Final = ROUND_HALF_UP
#: The most decimal places an amount given to the library may have. Finer amounts are
#: the trace of float arithmetic (``Money(0.1 + 0.2, "EUR")`` holds
#: ``0.30000000000000004``) and are refused; no published price has more than four.
MAX_DECIMALS: Final = 8


def _currency(code: str | Currency) -> Currency:
    if isinstance(code, Currency):
        return code
    try:
        return get_currency(str(code).upper())
    except Exception as exc:  # moneyed raises CurrencyDoesNotExist
        raise InvalidMoney(
            f"currency must be an ISO 4217 code such as 'EUR', got {code!r}"
        ) from exc


def _decimal(amount: object) -> Decimal:
    if isinstance(amount, float):
        raise InvalidMoney(
            f"money amounts must be Decimal, int or a decimal string, never float; got {amount!r} "
            f"(write Decimal({str(amount)!r}) or {str(amount)!r})"
        )
    if isinstance(amount, bool):
        raise InvalidMoney(f"money amount must be a number, got {amount!r}")
    try:
        value = Decimal(amount) if isinstance(amount, int | str | Decimal) else None
    except decimal.InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise InvalidMoney(f"money amount must be a finite decimal number, got {amount!r}")
    return value


def check_money(value: object, name: str = "amount", *, exact: bool = True) -> Money:
    """Return ``value`` if it is :class:`Money` the library can compute with exactly.

    Every public function that accepts money checks it here. A :class:`Money` holds a
    ``Decimal`` whatever it was built from; ``Money(0.96, "EUR")`` is exactly € 0,96
    and cannot be told from ``Money("0.96", "EUR")``, so it passes. What float arithmetic
    leaves behind can be told, and is refused: NaN, Infinity, and more than
    :data:`MAX_DECIMALS` decimal places.

    Args:
        value: the money.
        name: the argument's name, for the message.
        exact: also refuse more than :data:`MAX_DECIMALS` decimal places. Prices and
            amounts a caller gives are checked so; intermediate values (a prorated unit
            price is an exact fraction) only need to be finite.

    Raises:
        InvalidMoney: not Money, not finite, or with more than :data:`MAX_DECIMALS`
            decimal places.

    >>> from moneyed import Money
    >>> check_money(Money(0.1 + 0.2, "EUR"), "price")
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.InvalidMoney: price must be exact Money with at most 8 decimal places (no float arithmetic), got Money('0.30000000000000004', 'EUR')
    """
    if not isinstance(value, Money):
        raise InvalidMoney(f"{name} must be Money, got {type(value).__name__}: {value!r}")
    amount = value.amount
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise InvalidMoney(f"{name} must be a finite amount of money, got {value!r}")
    exponent = amount.as_tuple().exponent
    if exact and isinstance(exponent, int) and exponent < -MAX_DECIMALS:
        raise InvalidMoney(
            f"{name} must be exact Money with at most {MAX_DECIMALS} decimal places "
            f"(no float arithmetic), got {value!r}"
        )
    return value


def money(amount: object, currency: str | Currency = DEFAULT_CURRENCY) -> Money:
    """Build a :class:`Money` from a ``Decimal``, ``int`` or decimal string.

    Raises:
        InvalidMoney: the amount is a float, not a number, or the currency is unknown.

    >>> money("11.50")
    Money('11.50', 'EUR')
    >>> money(0.96)
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.InvalidMoney: money amounts must be Decimal, int or a decimal string, never float; got 0.96 ...
    """
    return Money(_decimal(amount), _currency(currency))


def eur(amount: object) -> Money:
    """Shorthand for ``money(amount, "EUR")``."""
    return money(amount, "EUR")


def zero(currency: str | Currency = DEFAULT_CURRENCY) -> Money:
    """Return zero in ``currency``."""
    return Money(Decimal(0), _currency(currency))


def _quantum(currency: Currency) -> Decimal:
    sub_unit = currency.sub_unit or 1
    digits = len(str(sub_unit)) - 1
    return Decimal(1).scaleb(-digits)


def round_money(value: Money) -> Money:
    """Round to the currency's minor unit, half-up: the library's one rounding policy.

    >>> round_money(eur("0.005"))
    Money('0.01', 'EUR')
    >>> round_money(eur("-0.005"))
    Money('-0.01', 'EUR')

    Raises:
        InvalidMoney: ``value`` is not finite Money, or too large to hold to the cent.
    """
    value = check_money(value, "the amount to round", exact=False)
    quantum = _quantum(value.currency)
    with translated(decimal_errors(f"the amount {value.amount}")):
        amount = value.amount.quantize(quantum, rounding=ROUNDING)
    # -0.004 rounds to zero, not to "-0.00".
    return Money(abs(amount) if amount.is_zero() else amount, value.currency)


def line_amount(unit_price: Money, quantity: int | Decimal) -> Money:
    """Return ``unit_price × quantity`` rounded once, by the policy: one invoice or quote line.

    Raises:
        InvalidMoney: ``unit_price`` is not finite Money, ``quantity`` is a float or not a
            number, or the product is too large to hold to the cent.
    """
    unit_price = check_money(unit_price, "unit_price", exact=False)
    qty = _decimal(quantity)
    with translated(decimal_errors(f"{unit_price.amount} × {qty}")):
        product = unit_price.amount * qty
    return round_money(Money(product, unit_price.currency))


def total(amounts: Iterable[Money], currency: str | Currency | None = None) -> Money:
    """Add amounts of one currency exactly (no rounding); an empty sum is zero.

    Args:
        amounts: the amounts to add.
        currency: the expected currency; required to type an empty sum, checked otherwise.

    Raises:
        CurrencyMismatch: the amounts are not all in one currency (or not in ``currency``).

    >>> total([eur("1.10"), eur("2.20")])
    Money('3.30', 'EUR')
    >>> total([eur(1), money(1, "USD")])
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.CurrencyMismatch: cannot combine amounts in different currencies: expected EUR, got USD
    """
    expected = _currency(currency) if currency is not None else None
    acc: Decimal = Decimal(0)
    if not isinstance(amounts, Iterable) or isinstance(amounts, str | bytes | Money):
        raise InvalidMoney(
            f"amounts must be an iterable of Money, got {type(amounts).__name__}: {amounts!r}"
        )
    for item in amounts:
        check_money(item, "each amount to add", exact=False)
        if expected is None:
            expected = item.currency
        elif item.currency != expected:
            raise CurrencyMismatch(expected=expected.code, got=item.currency.code)
        with translated(decimal_errors(f"the sum {acc} + {item.amount}")):
            acc += item.amount
    return Money(acc, expected or _currency(DEFAULT_CURRENCY))


_NBSP = {0x00A0: " ", 0x202F: " "}


def format_money(value: Money, locale: str = DEFAULT_LOCALE, *, nbsp: bool = False) -> str:
    """Format ``value`` for ``locale`` through babel (``nl_NL`` → ``€ 0,96``).

    The amount is shown with the currency's usual number of decimals, in the locale's
    pattern. Babel (CLDR) puts a non-breaking space between sign and amount in some
    locales; it becomes a plain space unless ``nbsp=True`` (for typeset output).

    Raises:
        InvalidMoney: ``value`` is not finite Money, or too large to hold to the cent.
        InvalidInput: the locale is unknown to babel.

    >>> format_money(eur("0.96"), "nl_NL")
    '€ 0,96'
    >>> format_money(eur("0.96"), "nl_NL", nbsp=True)
    '€\\xa00,96'
    >>> format_money(eur("-1234.5"), "en_US")
    '-€1,234.50'
    """
    value = check_money(value, "value", exact=False)
    # Round by the library's policy first: babel would round half-even (0.125 → 0.12).
    amount = round_money(value).amount
    text = babel.numbers.format_currency(amount, value.currency.code, locale=_locale(locale))
    return text if nbsp else text.translate(_NBSP)


def _locale(locale: str) -> str:
    # Imported lazily to keep this module free of i18n machinery at import time.
    from ._i18n import check_locale

    return check_locale(locale)
