"""Plans: seat-based (Teams) and per-pupil (Focus PO) plans as frozen values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

import attrs
from moneyed import Money

from .._checks import identifier, is_identifier, is_instance, is_whole_number, items
from ..errors import InvalidGrade, InvalidPlan, PriceNotConfigured, SeatCountOutOfRange
from ..money import check_money, money, round_money
from ._terms import Terms
from ._vat import DEFAULT_VAT, VatTreatment


def _vat(value: object) -> VatTreatment:
    if not isinstance(value, VatTreatment):
        raise InvalidPlan(
            f"a plan's vat must be a VatTreatment (standard, exempt, reverse_charge), got {value!r}"
        )
    return value


#: The grades ("groepen") of Dutch primary education.
ALL_GRADES: Final = tuple(range(1, 9))


def _grades(value: Iterable[int]) -> tuple[int, ...]:
    given = items(value, "grades", "an iterable of grades from 1 to 8")
    bad = [g for g in given if not isinstance(g, int) or isinstance(g, bool) or g not in ALL_GRADES]
    grades = tuple(sorted(set(given) - set(bad)))
    if bad or not grades:
        raise InvalidGrade(got=bad[0] if bad else "no grades", expected=ALL_GRADES)
    return grades


def _check_price(inst: object, attr: attrs.Attribute[Any], value: Money | None) -> None:
    if value is None:
        return
    if not isinstance(value, Money):
        raise InvalidPlan(f"{attr.name} must be Money, got {type(value).__name__}: {value!r}")
    check_money(value, attr.name)
    if value.amount < 0:
        raise InvalidPlan(
            f"{attr.name} must not be negative, got {value.amount} {value.currency.code}"
        )
    rounded = round_money(value)
    if rounded != value:  # a price is charged as given: no fraction of the minor unit
        exponent = rounded.amount.as_tuple().exponent
        digits = -exponent if isinstance(exponent, int) else 0
        raise InvalidPlan(
            f"{attr.name} must have at most {digits} decimals, as {value.currency.code} has, "
            f"got {value.amount}"
        )


@attrs.frozen
class GradeBand:
    """A range of grades priced alike within a per-pupil plan.

    Both published prices are kept as given: ``price_per_pupil_month`` (€ 0,96) and
    ``price_per_pupil_year`` (€ 11,50). They are not derived from each other
    (12 × € 0,96 = € 11,52).
    """

    label: str = attrs.field(validator=is_instance(str, "text such as '1-2'"))
    grades: tuple[int, ...] = attrs.field(converter=_grades)
    price_per_pupil_month: Money = attrs.field(validator=_check_price)
    price_per_pupil_year: Money = attrs.field(validator=_check_price)

    def __attrs_post_init__(self) -> None:
        if self.price_per_pupil_month.currency != self.price_per_pupil_year.currency:
            raise InvalidPlan(
                f"band {self.label!r}: monthly and yearly prices must share a currency, got "
                f"{self.price_per_pupil_month.currency.code} and "
                f"{self.price_per_pupil_year.currency.code}"
            )

    def to_dict(self) -> dict[str, Any]:
        """Return the band as plain data."""
        return {
            "label": self.label,
            "grades": list(self.grades),
            "price_per_pupil_month": str(self.price_per_pupil_month.amount),
            "price_per_pupil_year": str(self.price_per_pupil_year.amount),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], currency: str) -> GradeBand:
        """Build a band from :meth:`to_dict` output in ``currency``."""
        if not isinstance(data, Mapping):
            raise InvalidPlan(f"a band must be a mapping, got {type(data).__name__}: {data!r}")
        _require(data, ("label", "grades", "price_per_pupil_month", "price_per_pupil_year"), "band")
        return cls(
            label=str(data["label"]),
            grades=data["grades"],
            price_per_pupil_month=money(data["price_per_pupil_month"], currency),
            price_per_pupil_year=money(data["price_per_pupil_year"], currency),
        )


def _require(data: Mapping[str, Any], keys: Iterable[str], what: str) -> None:
    missing = [k for k in keys if k not in data]
    if missing:
        raise InvalidPlan(
            f"{what} is missing field(s) {', '.join(missing)}; got {sorted(map(str, data))}"
        )


@attrs.frozen
class SeatPlan:
    """A plan priced per seat (team member) per year, such as *Teams* (3 to 40 seats).

    ``price_per_seat_year`` may be ``None``: the published sources give no Teams price,
    so it is configuration. Pricing an unpriced plan raises :class:`PriceNotConfigured`.
    ``vat`` is the plan's VAT treatment (:class:`VatTreatment`; default the Dutch standard
    rate, 21 %), which the invoice ledger applies to its lines.
    """

    id: str = attrs.field(validator=is_identifier)
    name: str = attrs.field(validator=is_instance(str, "text"))
    price_per_seat_year: Money | None = attrs.field(default=None, validator=_check_price)
    min_seats: int = attrs.field(default=3, validator=is_whole_number)
    max_seats: int = attrs.field(default=40, validator=is_whole_number)
    terms: Terms = attrs.field(factory=Terms, validator=is_instance(Terms, "Terms"))
    currency: str = attrs.field(default="EUR", validator=is_instance(str, "an ISO 4217 code"))
    vat: VatTreatment = attrs.field(default=DEFAULT_VAT, validator=lambda _i, _a, v: _vat(v))
    kind: Literal["seat"] = attrs.field(default="seat", init=False)

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.min_seats <= self.max_seats:
            raise InvalidPlan(
                f"plan {self.id!r}: seats need 1 <= min_seats <= max_seats, "
                f"got min_seats={self.min_seats}, max_seats={self.max_seats}"
            )
        price = self.price_per_seat_year
        if price is not None and price.currency.code != self.currency:
            raise InvalidPlan(
                f"plan {self.id!r}: price currency must be {self.currency}, got {price.currency.code}"
            )

    def check_seats(self, seats: object) -> int:
        """Return ``seats`` if the plan allows it, else raise :class:`SeatCountOutOfRange`."""
        if (
            not isinstance(seats, int)
            or isinstance(seats, bool)
            or not self.min_seats <= seats <= self.max_seats
        ):
            raise SeatCountOutOfRange(
                plan_id=self.id, minimum=self.min_seats, maximum=self.max_seats, got=seats
            )
        return seats

    def price(self) -> Money:
        """Return the configured price per seat per year.

        Raises:
            PriceNotConfigured: no price was configured for this plan.
        """
        if self.price_per_seat_year is None:
            raise PriceNotConfigured(plan_id=self.id, setting="price_per_seat_year")
        return self.price_per_seat_year

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (an unpriced plan has no price key)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": "seat",
            "name": self.name,
            "currency": self.currency,
        }
        if self.price_per_seat_year is not None:
            out["price_per_seat_year"] = str(self.price_per_seat_year.amount)
        out.update(min_seats=self.min_seats, max_seats=self.max_seats, terms=self.terms.to_dict())
        if self.vat != DEFAULT_VAT:
            out["vat"] = self.vat.to_dict()
        return out


def _bands(value: Iterable[GradeBand]) -> tuple[GradeBand, ...]:
    bands = items(value, "bands", "an iterable of GradeBand")
    for band in bands:
        if not isinstance(band, GradeBand):
            raise InvalidPlan(
                f"bands must be GradeBand values, got {type(band).__name__}: {band!r}"
            )
    return bands


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(identifier(v, "upgrades") for v in items(value, "upgrades", "plan ids"))


@attrs.frozen
class PupilPlan:
    """A plan priced per pupil, in grade bands (Focus PO).

    Attributes:
        upgrades: ids of the plans this one may be upgraded to, self-service, during
            the year (1-2 → combi, 3-8 → combi, any → 1-8).
        vat: the plan's VAT treatment (:class:`VatTreatment`; default the Dutch standard
            rate, 21 %), which the invoice ledger applies to its lines.
    """

    id: str = attrs.field(validator=is_identifier)
    name: str = attrs.field(validator=is_instance(str, "text"))
    bands: tuple[GradeBand, ...] = attrs.field(converter=_bands)
    terms: Terms = attrs.field(factory=Terms, validator=is_instance(Terms, "Terms"))
    upgrades: tuple[str, ...] = attrs.field(default=(), converter=_ids)
    currency: str = attrs.field(default="EUR", validator=is_instance(str, "an ISO 4217 code"))
    vat: VatTreatment = attrs.field(default=DEFAULT_VAT, validator=lambda _i, _a, v: _vat(v))
    kind: Literal["pupil"] = attrs.field(default="pupil", init=False)

    def __attrs_post_init__(self) -> None:
        if not self.bands:
            raise InvalidPlan(f"plan {self.id!r} needs at least one grade band, got none")
        seen: set[int] = set()
        for band in self.bands:
            overlap = seen.intersection(band.grades)
            if overlap:
                raise InvalidPlan(
                    f"plan {self.id!r}: each grade must be in one band only; grades "
                    f"{sorted(overlap)} appear twice (band {band.label!r})"
                )
            seen.update(band.grades)
            if band.price_per_pupil_month.currency.code != self.currency:
                raise InvalidPlan(
                    f"plan {self.id!r}: band {band.label!r} must be priced in {self.currency}, "
                    f"got {band.price_per_pupil_month.currency.code}"
                )

    @property
    def grades(self) -> frozenset[int]:
        """All grades the plan covers."""
        return frozenset(g for band in self.bands for g in band.grades)

    def band_for(self, grade: int) -> GradeBand | None:
        """Return the band that prices ``grade``, or ``None`` if the plan does not cover it.

        Raises:
            InvalidGrade: ``grade`` is not a primary-school grade (1–8).
        """
        if not isinstance(grade, int) or isinstance(grade, bool) or grade not in ALL_GRADES:
            raise InvalidGrade(got=grade, expected=ALL_GRADES)
        for band in self.bands:
            if grade in band.grades:
                return band
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the plan as plain data (``vat`` only when not the default 21 %)."""
        out: dict[str, Any] = {
            "id": self.id,
            "kind": "pupil",
            "name": self.name,
            "currency": self.currency,
            "upgrades": list(self.upgrades),
            "bands": [b.to_dict() for b in self.bands],
            "terms": self.terms.to_dict(),
        }
        if self.vat != DEFAULT_VAT:
            out["vat"] = self.vat.to_dict()
        return out


#: Any plan of the catalog: a seat plan or a per-pupil plan.
Plan = SeatPlan | PupilPlan


_COMMON: Final = frozenset({"id", "kind", "name", "currency", "terms", "vat"})
_FIELDS: Final = {
    "seat": _COMMON | {"price_per_seat_year", "min_seats", "max_seats"},
    "pupil": _COMMON | {"bands", "upgrades"},
}


def _whole(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidPlan(f"plan {data['id']!r}: {key} must be a whole number, got {value!r}")
    return value


def plan_from_dict(data: Mapping[str, Any]) -> Plan:
    """Build a plan from plain data (:meth:`SeatPlan.to_dict` / :meth:`PupilPlan.to_dict`).

    Raises:
        InvalidPlan: a field is missing, unknown or has a bad value.
    """
    if not isinstance(data, Mapping):
        raise InvalidPlan(f"a plan must be a mapping, got {type(data).__name__}")
    _require(data, ("id", "kind", "name"), "plan")
    kind = data["kind"]
    currency = str(data.get("currency", "EUR"))
    if kind in _FIELDS:
        unknown = sorted(map(str, set(data) - _FIELDS[kind]))
        if unknown:
            raise InvalidPlan(
                f"plan {data['id']!r} has unknown field(s) {', '.join(unknown)}; "
                f"expected some of {', '.join(sorted(_FIELDS[kind]))}"
            )
    terms_data = data.get("terms", {})
    if not isinstance(terms_data, Mapping):
        raise InvalidPlan(f"plan {data['id']!r}: terms must be a mapping, got {terms_data!r}")
    terms = Terms.from_dict(dict(terms_data))
    vat = DEFAULT_VAT if data.get("vat") is None else VatTreatment.from_dict(data["vat"])
    if kind == "seat":
        price = data.get("price_per_seat_year")
        return SeatPlan(
            id=str(data["id"]),
            name=str(data["name"]),
            price_per_seat_year=None if price is None else money(price, currency),
            min_seats=_whole(data, "min_seats", 3),
            max_seats=_whole(data, "max_seats", 40),
            terms=terms,
            currency=currency,
            vat=vat,
        )
    if kind == "pupil":
        _require(data, ("bands",), "pupil plan")
        return PupilPlan(
            id=str(data["id"]),
            name=str(data["name"]),
            bands=[GradeBand.from_dict(b, currency) for b in data["bands"]],
            terms=terms,
            upgrades=[str(u) for u in data.get("upgrades", ())],
            currency=currency,
            vat=vat,
        )
    raise InvalidPlan(f"plan kind must be 'seat' or 'pupil', got {kind!r}")
