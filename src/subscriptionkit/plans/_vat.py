"""VAT (BTW) treatments: a rate, exempt, or reverse-charged."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

import attrs

from ..errors import InvalidPlan

#: The VAT treatment of a plan: a rate, exempt, or reverse-charged.
VatKind = Literal["rate", "exempt", "reverse_charge"]

_KINDS: Final = ("rate", "exempt", "reverse_charge")


def _rate(value: object) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float | bool):
        raise InvalidPlan(
            f"a VAT rate must be a Decimal or a string such as '21' (percent), got {value!r}"
        )
    try:
        rate = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise InvalidPlan(
            f"a VAT rate must be a percentage such as '21' or '9', got {value!r}"
        ) from None
    if not rate.is_finite() or not 0 <= rate <= 100:
        raise InvalidPlan(f"a VAT rate must be a percentage from 0 to 100, got {value!r}")
    return rate


@attrs.frozen
class VatTreatment:
    """How VAT (BTW) applies to an invoice line.

    Three kinds:

    * ``"rate"``: VAT at ``rate`` percent (21 % is the Dutch standard rate, 9 % the
      reduced one), charged on top of the net amount;
    * ``"exempt"``: no VAT, because the supply is exempt (some education is, in the
      Netherlands: a fact of the customer's and product's situation, not of this library);
    * ``"reverse_charge"``: no VAT charged; the business customer in another EU member
      state, identified by its VAT number, accounts for it ("btw verlegd").

    Use the named constructors. Two treatments are equal when they tax alike, so invoice
    lines group by treatment (``21`` and ``21.0`` are one rate).

    >>> VatTreatment.standard("21").label
    '21%'
    >>> VatTreatment.exempt().label, VatTreatment.reverse_charge().label
    ('exempt', 'reverse charge')
    """

    kind: VatKind
    rate: Decimal | None = attrs.field(default=None, converter=_rate)

    def __attrs_post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise InvalidPlan(f"a VAT treatment is one of {', '.join(_KINDS)}, got {self.kind!r}")
        if (self.kind == "rate") != (self.rate is not None):
            raise InvalidPlan(
                f"a VAT treatment of kind {self.kind!r} "
                + ("needs a rate" if self.kind == "rate" else "takes no rate")
                + f", got rate={self.rate!r}"
            )

    @classmethod
    def standard(cls, rate: Decimal | str | int = "21") -> VatTreatment:
        """VAT at ``rate`` percent (default: the Dutch standard rate, 21 %)."""
        return cls("rate", _rate(rate))

    @classmethod
    def exempt(cls) -> VatTreatment:
        """No VAT: the supply is exempt."""
        return cls("exempt")

    @classmethod
    def reverse_charge(cls) -> VatTreatment:
        """No VAT charged: reverse-charged to an EU business customer with a VAT number."""
        return cls("reverse_charge")

    @property
    def percent(self) -> Decimal:
        """The rate charged, in percent (0 when exempt or reverse-charged)."""
        return self.rate if self.rate is not None else Decimal(0)

    @property
    def label(self) -> str:
        """A short label: ``"21%"``, ``"exempt"``, ``"reverse charge"``."""
        if self.rate is not None:
            return f"{self.rate.normalize():f}%"
        return "exempt" if self.kind == "exempt" else "reverse charge"

    def to_dict(self) -> dict[str, Any]:
        """Return the treatment as plain data (the rate as a string)."""
        return {"kind": self.kind, "rate": None if self.rate is None else str(self.rate)}

    @classmethod
    def from_dict(cls, data: Any) -> VatTreatment:
        """Build a treatment from :meth:`to_dict` output.

        Raises:
            InvalidPlan: not such a mapping, an unknown kind or a bad rate.
        """
        if not isinstance(data, dict) or "kind" not in data:
            raise InvalidPlan(
                f"a VAT treatment must be a mapping with 'kind' (and 'rate'), got {data!r}"
            )
        unknown = sorted(set(data) - {"kind", "rate"})
        if unknown:
            raise InvalidPlan(
                f"unknown VAT field(s) {', '.join(unknown)}; expected 'kind' and 'rate'"
            )
        return cls(data["kind"], data.get("rate"))


#: The default treatment of the catalog's plans: the Dutch standard rate. Whether a
#: school's subscription is exempt is the platform's call; configure it per plan.
DEFAULT_VAT: Final = VatTreatment.standard("21")
