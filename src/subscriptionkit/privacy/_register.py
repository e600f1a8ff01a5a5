"""The register of processing (GDPR Art. 30): purposes, legal bases, recipients, retention."""

from __future__ import annotations

import enum
import json
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

import attrs

from .. import _documents
from .._errors_base import _plural
from .._translate import translated
from ..errors import InvalidArgument, InvalidRegister, UnknownPurpose
from ._retention import Retention, _retention
from ._values import refuse_unknown

__all__ = [
    "LegalBasis",
    "Purpose",
    "Recipient",
    "Register",
    "Role",
]


class LegalBasis(enum.StrEnum):
    """The ground a purpose rests on (seed 001, GDPR Art. 6(1))."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    CONTRACT = "contract"
    LEGITIMATE_INTEREST = "legitimate_interest"
    CONSENT = "consent"
    LEGAL_OBLIGATION = "legal_obligation"


class Role(enum.StrEnum):
    """The platform's role for a purpose: it decides (controller) or works for a customer
    that decides (processor; seed 002: schools sign a processing agreement for pupil data)."""

    @classmethod
    def _missing_(cls, value: object) -> NoReturn:
        refuse_unknown(cls, value)

    CONTROLLER = "controller"
    PROCESSOR = "processor"


def _text(_inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRegister(f"{attr.name} must be non-empty text, got {value!r}")


def _texts(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidRegister(f"expected a list of names, got {value!r}")
    out = tuple(value)
    for item in out:
        if not isinstance(item, str) or not item.strip():
            raise InvalidRegister(f"expected a list of non-empty names, got {item!r} in it")
    return out


def _safeguard(inst: Recipient, _attr: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRegister(f"safeguard must be non-empty text or None, got {value!r}")
    if inst.outside_eea and value is None:
        raise InvalidRegister(
            f"recipient {inst.id!r} receives data outside the EEA and needs a safeguard "
            "(such as 'EU standard contractual clauses' or 'adequacy decision'), got none"
        )


def _flag(_inst: object, attr: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidRegister(f"{attr.name} must be true or false, got {value!r}")


@attrs.frozen
class Recipient:
    """Someone personal data is shared with, usually a processor (seed 001: payment
    provider, shipping, hosting, accountant, bookkeeping, newsletter and review software,
    internal messaging, cloud storage).

    Args:
        id: a short name used by purposes (``"payment-provider"``).
        description: what they do with the data.
        outside_eea: whether data leaves the European Economic Area for them.
        safeguard: the transfer's safeguard (required when ``outside_eea``).

    Raises:
        InvalidRegister: empty text, or a transfer outside the EEA without a safeguard.
    """

    id: str = attrs.field(validator=_text)
    description: str = attrs.field(validator=_text)
    outside_eea: bool = attrs.field(default=False, validator=_flag)
    safeguard: str | None = attrs.field(default=None, validator=_safeguard)

    def to_dict(self) -> dict[str, Any]:
        """Return the recipient as plain data (no ``safeguard`` key when there is none)."""
        data: dict[str, Any] = {"id": self.id, "description": self.description}
        data["outside_eea"] = self.outside_eea
        if self.safeguard is not None:
            data["safeguard"] = self.safeguard
        return data


def _controller(inst: Purpose, _attr: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRegister(f"controller must be non-empty text or None, got {value!r}")
    if inst.role is Role.PROCESSOR and value is None:
        raise InvalidRegister(
            f"purpose {inst.id!r}: the platform processes its data for a controller; expected "
            "the controller named (such as 'school'), got none"
        )


def _choice(kind: type[enum.StrEnum], value: object) -> Any:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    choices = ", ".join(repr(m.value) for m in kind)
    raise InvalidRegister(f"{kind.__name__} must be one of {choices}, got {value!r}")


def _legal_basis(value: object) -> LegalBasis:
    return _choice(LegalBasis, value)  # type: ignore[no-any-return]


def _role(value: object) -> Role:
    return _choice(Role, value)  # type: ignore[no-any-return]


def _implicit(_inst: object, _attr: object, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidRegister(f"implicit_consent must be an action name or None, got {value!r}")


@attrs.frozen
class Purpose:
    """One purpose of processing and everything the register says about it.

    Args:
        id: short name (``"newsletter"``).
        description: what the processing is for.
        legal_basis: contract, legitimate interest, consent or legal obligation.
        data_categories: the kinds of personal data it uses (``"name"``, ``"e-mail"``).
        recipients: ids of the :class:`Recipient` values data is shared with.
        retention: how long its records are kept after their last use.
        role: ``controller``, or ``processor`` when the platform processes for a customer.
        controller: who decides when the platform is processor (``"school"``).
        implicit_consent: the action that gives consent for it by itself (seed 001:
            ``"contact"``, ``"newsletter_signup"``, ``"review"``), or ``None``.

    Raises:
        InvalidRegister: a field of the wrong kind; a processor purpose without controller.
    """

    id: str = attrs.field(validator=_text)
    description: str = attrs.field(validator=_text)
    legal_basis: LegalBasis = attrs.field(converter=_legal_basis)
    data_categories: tuple[str, ...] = attrs.field(converter=_texts)
    recipients: tuple[str, ...] = attrs.field(converter=_texts, default=())
    retention: Retention = attrs.field(converter=_retention, default=Retention())
    role: Role = attrs.field(converter=_role, default=Role.CONTROLLER)
    controller: str | None = attrs.field(default=None, validator=_controller)
    implicit_consent: str | None = attrs.field(default=None, validator=_implicit)

    def to_dict(self) -> dict[str, Any]:
        """Return the purpose as plain data (``None`` fields left out)."""
        data: dict[str, Any] = {
            "id": self.id,
            "description": self.description,
            "legal_basis": self.legal_basis.value,
            "data_categories": list(self.data_categories),
            "recipients": list(self.recipients),
            "retention": str(self.retention),
            "role": self.role.value,
        }
        if self.controller is not None:
            data["controller"] = self.controller
        if self.implicit_consent is not None:
            data["implicit_consent"] = self.implicit_consent
        return data


def _from_dict(kind: type[Any], data: object) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidRegister(f"a {kind.__name__.lower()} must be a table, got {data!r}")
    fields = {f.name for f in attrs.fields(kind)}
    unknown = sorted(set(map(str, data)) - fields)
    if unknown:
        raise InvalidRegister(
            f"a {kind.__name__.lower()} has the fields {', '.join(sorted(fields))}; got "
            f"unknown {', '.join(unknown)}"
        )
    try:
        return kind(**{str(k): v for k, v in data.items()})
    except TypeError as exc:  # a missing field
        raise InvalidRegister(f"a {kind.__name__.lower()} is incomplete: {exc}") from None


def _tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidRegister(f"expected a list, got {value!r}")
    return tuple(value)


@attrs.frozen
class Register:
    """The register of processing: who the controller is, its purposes and recipients.

    Load one from TOML or JSON (:meth:`load`), or start from :func:`default_register`.

    Args:
        controller: the platform's legal name.
        purposes: the purposes, ids unique.
        recipients: the recipients purposes name, ids unique.

    Raises:
        InvalidRegister: duplicate ids, or a purpose naming an unknown recipient.
    """

    controller: str = attrs.field(validator=_text)
    purposes: tuple[Purpose, ...] = attrs.field(converter=_tuple)
    recipients: tuple[Recipient, ...] = attrs.field(converter=_tuple, default=())

    def __attrs_post_init__(self) -> None:
        for kind, values in (("purpose", self.purposes), ("recipient", self.recipients)):
            expected = Purpose if kind == "purpose" else Recipient
            for value in values:
                if not isinstance(value, expected):
                    raise InvalidRegister(
                        f"a register's {kind}s must be {expected.__name__} values, got {value!r}"
                    )
            ids = [v.id for v in values]
            doubles = sorted({i for i in ids if ids.count(i) > 1})
            if doubles:
                raise InvalidRegister(f"{kind} ids must be unique, got {', '.join(doubles)} twice")
        known = {r.id for r in self.recipients}
        for purpose in self.purposes:
            missing = [r for r in purpose.recipients if r not in known]
            if missing:
                raise InvalidRegister(
                    f"purpose {purpose.id!r} names "
                    f"{_plural(len(missing), 'recipient', 'recipients')} {', '.join(missing)} "
                    "that the register does not list; expected "
                    f"one of {', '.join(sorted(known)) or '(none)'}"
                )

    def __iter__(self) -> Iterator[Purpose]:
        return iter(self.purposes)

    def __contains__(self, purpose_id: object) -> bool:
        return any(p.id == purpose_id for p in self.purposes)

    def purpose(self, purpose_id: str) -> Purpose:
        """Return the purpose with that id.

        Raises:
            UnknownPurpose: there is none.
        """
        for purpose in self.purposes:
            if purpose.id == purpose_id:
                return purpose
        raise UnknownPurpose(purpose=purpose_id, known=[p.id for p in self.purposes])

    def recipient(self, recipient_id: str) -> Recipient:
        """Return the recipient with that id.

        Raises:
            InvalidRegister: there is none.
        """
        for recipient in self.recipients:
            if recipient.id == recipient_id:
                return recipient
        raise InvalidRegister(f"no recipient {recipient_id!r} in the register")

    def outside_eea(self, purpose_id: str) -> tuple[Recipient, ...]:
        """Return the recipients of a purpose that receive data outside the EEA.

        Raises:
            UnknownPurpose: no such purpose.
        """
        return tuple(
            self.recipient(r)
            for r in self.purpose(purpose_id).recipients
            if self.recipient(r).outside_eea
        )

    def for_implicit_consent(self, action: str) -> Purpose:
        """Return the purpose an action consents to by itself (``"newsletter_signup"``).

        Raises:
            UnknownPurpose: no purpose takes implicit consent from that action.
        """
        for purpose in self.purposes:
            if purpose.implicit_consent == action:
                return purpose
        raise UnknownPurpose(
            purpose=action,
            known=[p.implicit_consent for p in self.purposes if p.implicit_consent],
        )

    # -- as data -------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Return the register as plain data."""
        return {
            "controller": self.controller,
            "purposes": [p.to_dict() for p in self.purposes],
            "recipients": [r.to_dict() for r in self.recipients],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Register:
        """Build a register from :meth:`to_dict` output.

        Raises:
            InvalidRegister: the data does not describe a valid register.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("purposes"), list):
            raise InvalidRegister(
                "a register must be a table with 'controller', a 'purposes' list and a "
                f"'recipients' list, got {type(data).__name__}"
            )
        recipients = data.get("recipients", [])
        if not isinstance(recipients, list):
            raise InvalidRegister(f"a register's recipients must be a list, got {recipients!r}")
        return cls(
            controller=data.get("controller"),  # type: ignore[arg-type]  # validated
            purposes=[_from_dict(Purpose, p) for p in data["purposes"]],
            recipients=[_from_dict(Recipient, r) for r in recipients],
        )

    def to_json(self) -> str:
        """Return the register as JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Register:
        """Build a register from JSON text.

        Raises:
            InvalidRegister: not JSON, or not a valid register.
        """
        if not isinstance(text, str | bytes):
            raise InvalidArgument(name="text", expected="JSON text", got=text)
        try:
            data = json.loads(text, parse_float=_no_float)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise InvalidRegister(f"register JSON is not valid JSON: {exc}") from exc
        return cls.from_dict(data)

    def to_toml(self) -> str:
        """Return the register as TOML text (``[[purposes]]`` and ``[[recipients]]`` tables)."""
        data = self.to_dict()
        head = f"controller = {_documents.value(data['controller'], InvalidRegister)}\n\n"
        return head + "".join(
            _documents.table(kind, item, InvalidRegister, array=True)
            for kind in ("purposes", "recipients")
            for item in data[kind]
        )

    @classmethod
    def from_toml(cls, text: str) -> Register:
        """Build a register from TOML text.

        Raises:
            InvalidRegister: not TOML, or not a valid register.
        """
        if not isinstance(text, str):
            raise InvalidArgument(name="text", expected="TOML text", got=text)
        try:
            data = tomllib.loads(text, parse_float=_no_float)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidRegister(f"register TOML is not valid TOML: {exc}") from exc
        return cls.from_dict(data)

    @classmethod
    def load(cls, path: str | Path) -> Register:
        """Read a register from a ``.json`` or ``.toml`` file.

        Raises:
            InvalidRegister: the file cannot be read, or does not hold a valid register.
        """
        path = _documents.path_of(path)
        if path.suffix not in (".json", ".toml"):
            raise InvalidRegister(f"a register file must end in .json or .toml, got {path.name!r}")
        with translated(_documents.file_errors(path, "read", "register", InvalidRegister)):
            text = path.read_text(encoding="utf-8")
        return cls.from_toml(text) if path.suffix == ".toml" else cls.from_json(text)

    def dump(self, path: str | Path) -> None:
        """Write the register to a ``.json`` or ``.toml`` file.

        Raises:
            InvalidRegister: the name does not end in ``.json``/``.toml`` or cannot be written.
        """
        path = _documents.path_of(path)
        if path.suffix not in (".json", ".toml"):
            raise InvalidRegister(f"a register file must end in .json or .toml, got {path.name!r}")
        with translated(_documents.file_errors(path, "write", "register", InvalidRegister)):
            path.write_text(
                self.to_toml() if path.suffix == ".toml" else self.to_json(), encoding="utf-8"
            )


def _no_float(text: str) -> Any:  # ok: refuses floats in registers
    raise InvalidRegister(f"a register holds no fractional numbers, got {text}")
