"""Key rings and JWK Sets: the signing keys an issuer holds and the public keys it publishes.

A :class:`KeyRing` holds the issuer's Ed25519 signing keys (one active); its
:class:`PublicKeySet` is the JWK Set (RFC 7517 section 5) others verify with. Both are
JSON documents (``to_json``/``from_json``). :class:`KeySource` is what
:func:`~subscriptionkit.certificates.verify` looks keys up in.

No error message, ``repr`` or exception chain ever holds key material or a key document:
messages describe what was wrong with a field, never its value.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Protocol

import attrs

from .._errors_base import _indefinite
from ..errors import InvalidKeyMaterial, KeyRingError
from ._encoding import iso
from ._keys import (
    SigningKey,
    VerifyingKey,
    _describe,
    _load_json,
    json_kind,
    resolve_kid,
)
from ._model import to_utc

__all__ = ["KeyRing", "KeySource", "PublicKeySet"]


def _ring_format(data: object) -> str:
    """What a document that is no key ring holds instead, for a message: a public key set
    (``--keys pub.json`` where the private ring is needed), no format, another format."""
    if not isinstance(data, Mapping):
        return json_kind(data)
    if "format" in data:
        return f'"format": {_describe(data["format"])}'
    if "keys" in data:
        return "a public key set (a JWK set), which can verify but not sign"
    return 'an object without "format"'


_KEYRING_FORMAT: Final = "subscriptionkit-keyring/1"


class KeySource(Protocol):
    """Anything :func:`~subscriptionkit.certificates.verify` can look public keys up in."""

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids held, for error messages."""
        ...

    def verifying_key(self, kid: str) -> VerifyingKey | None:
        """Return the public key with key id ``kid``, or ``None``."""
        ...


def _unique(kids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for kid in kids:
        if kid in seen:
            raise InvalidKeyMaterial(
                problem=f"the {what} holds key id {kid!r} twice",
                expected="each key once",
                got="a duplicate",
            )
        seen.add(kid)


def _keys_of(kind: type[Any], keys: object, what: str) -> tuple[Any, ...]:
    """Return ``keys`` as a tuple, checking that each is a ``kind``."""
    if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
        raise InvalidKeyMaterial(
            problem=f"{_indefinite(what)} needs its keys",
            expected=f"an iterable of {kind.__name__}",
            got=type(keys).__name__,
        )
    result = tuple(keys)
    for key in result:
        if not isinstance(key, kind):
            raise InvalidKeyMaterial(
                problem=f"{_indefinite(what)} holds {kind.__name__} objects only",
                expected=kind.__name__,
                got=type(key).__name__,
            )
    return result


def _verifying_keys(keys: Iterable[VerifyingKey]) -> tuple[VerifyingKey, ...]:
    return _keys_of(VerifyingKey, keys, "public key set")


def _signing_keys(keys: Iterable[SigningKey]) -> tuple[SigningKey, ...]:
    return _keys_of(SigningKey, keys, "key ring")


def _kid_text(value: object) -> str:
    if not isinstance(value, str):
        raise KeyRingError(
            problem="the active key id must be text",
            expected="a key id string",
            got=type(value).__name__,
        )
    return value


@attrs.frozen
class PublicKeySet:
    """The public keys other services need to verify certificates; safe to publish.

    Dumps to and loads from a JSON key set (``{"keys": [JWK, ...]}``).

    Args:
        keys: the public keys, each with its window.

    Raises:
        InvalidKeyMaterial: two keys have the same key id.
    """

    keys: tuple[VerifyingKey, ...] = attrs.field(converter=_verifying_keys)
    _by_kid: dict[str, VerifyingKey] = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_by_kid.default
    def _index(self) -> dict[str, VerifyingKey]:
        _unique((k.kid for k in self.keys), "key set")
        return {k.kid: k for k in self.keys}

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids in the set."""
        return tuple(self._by_kid)

    def verifying_key(self, kid: str) -> VerifyingKey | None:
        """Return the public key with key id ``kid``, or ``None``."""
        return self._by_kid.get(kid)

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[VerifyingKey]:
        return iter(self.keys)

    def to_dict(self) -> dict[str, Any]:
        """Return the set as a JSON-ready JWK set dict."""
        return {"keys": [k.to_jwk() for k in self.keys]}

    def to_json(self) -> str:
        """Return the set as JSON text (a JWK set)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublicKeySet:
        """Load a set from a JWK set dict; private parts, if any, are dropped.

        Raises:
            InvalidKeyMaterial: not a JWK set of Ed25519 keys.
        """
        keys = data.get("keys") if isinstance(data, Mapping) else None
        if not isinstance(keys, list):
            raise InvalidKeyMaterial(
                problem="a key set must list its keys",
                expected='an object {"keys": [JWK, ...]}',
                got=json_kind(data) if keys is None else f'"keys" as {json_kind(keys)}',
            )
        return cls(VerifyingKey.from_jwk(jwk) for jwk in keys)

    @classmethod
    def from_json(cls, text: str | bytes) -> PublicKeySet:
        """Load a set from JSON made by :meth:`to_json` (or a private key ring's JSON).

        Raises:
            InvalidKeyMaterial: not valid JSON or not a JWK set of Ed25519 keys.
        """
        return cls.from_dict(_load_json(text, "key set"))


@attrs.frozen
class KeyRing:
    """The issuer's private signing keys: exactly one active key, older keys kept for checks.

    A key ring is immutable: :meth:`rotate` and :meth:`retire` return a new ring.
    Keep it secret; publish :meth:`public_keyset` instead.

    Args:
        keys: every key, active and older.
        active_kid: the key id of the key that signs new certificates.

    Raises:
        KeyRingError: no keys, an unknown active key id, or an active key that is retired.
        InvalidKeyMaterial: two keys have the same key id.
    """

    keys: tuple[SigningKey, ...] = attrs.field(converter=_signing_keys)
    active_kid: str = attrs.field(converter=_kid_text)
    _by_kid: dict[str, SigningKey] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _public: PublicKeySet = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_by_kid.default
    def _index(self) -> dict[str, SigningKey]:
        _unique((k.kid for k in self.keys), "key ring")
        by_kid = {k.kid: k for k in self.keys}
        active = by_kid.get(self.active_kid)
        if active is None:
            raise KeyRingError(
                problem="the active key id is not in the key ring",
                expected=f"one of {sorted(by_kid)}",
                got=repr(self.active_kid),
            )
        if active.retired_after is not None:
            raise KeyRingError(
                problem=f"the active key {self.active_kid!r} is retired",
                expected="an active key without retired_after",
                got=f"retired_after {active.retired_after.isoformat()}",
            )
        return by_kid

    @_public.default
    def _public_default(self) -> PublicKeySet:
        return PublicKeySet(k.public for k in self.keys)

    @classmethod
    def generate(cls, *, at: _dt.datetime) -> KeyRing:
        """Make a key ring with one new key, active and valid from ``at``.

        Args:
            at: the aware moment the key becomes valid.

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.
        """
        key = SigningKey.generate(at=at)
        return cls((key,), key.kid)

    @property
    def active(self) -> SigningKey:
        """The key that signs new certificates."""
        return self._by_kid[self.active_kid]

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids in the ring, oldest first."""
        return tuple(self._by_kid)

    def get(self, kid: str) -> SigningKey | None:
        """Return the signing key with key id ``kid``, or ``None``."""
        return self._by_kid.get(kid)

    def verifying_key(self, kid: str) -> VerifyingKey | None:
        """Return the public half of key ``kid``, or ``None``."""
        return self._public.verifying_key(kid)

    def public_keyset(self) -> PublicKeySet:
        """Return the public halves of every key, to publish for verifiers."""
        return self._public

    def __len__(self) -> int:
        return len(self.keys)

    def __iter__(self) -> Iterator[SigningKey]:
        return iter(self.keys)

    def rotate(self, *, at: _dt.datetime) -> KeyRing:
        """Return a ring with a new active key valid from ``at``; the old one retires at ``at``.

        The previous active key keeps verifying certificates issued up to and including
        ``at``; from then on the new key signs.

        Args:
            at: the aware moment of rotation; after the active key's ``not_before``.

        Raises:
            KeyRingError: ``at`` is not after the active key's ``not_before``.
            NaiveDatetimeError: ``at`` has no time zone.
        """
        moment = to_utc(at, "at")
        old = self.active
        if moment <= old.not_before:
            raise KeyRingError(
                problem="a key ring can only rotate after its active key became valid",
                expected=f"at after {old.not_before.isoformat()}",
                got=moment.isoformat(),
            )
        new = SigningKey.generate(at=moment)
        keys = tuple(attrs.evolve(k, retired_after=moment) if k is old else k for k in self.keys)
        return KeyRing((*keys, new), new.kid)

    def retire(self, kid: str, *, at: _dt.datetime) -> KeyRing:
        """Return a ring in which key ``kid`` is valid only for certificates issued up to ``at``.

        Retirement can only shorten a key's window. To stop trusting a compromised
        key altogether, drop it with :meth:`remove` instead: a retired key still
        verifies what claims to be issued before ``at``.

        Args:
            kid: the key to retire; not the active key (rotate first).
            at: the last aware moment a certificate signed with it may carry.

        Raises:
            KeyRingError: unknown or active key, ``at`` before its ``not_before`` or
                after an earlier retirement.
            NaiveDatetimeError: ``at`` has no time zone.
        """
        moment = to_utc(at, "at")
        key = self._require(kid, "retire")
        if kid == self.active_kid:
            raise KeyRingError(
                problem=f"cannot retire the active key {kid!r}",
                expected="a non-active key id (rotate first to replace the active key)",
                got=repr(kid),
            )
        if key.retired_after is not None and moment > key.retired_after:
            raise KeyRingError(
                problem=f"key {kid!r} is already retired after {key.retired_after.isoformat()}",
                expected="an at no later than that (retirement only shortens a window)",
                got=moment.isoformat(),
            )
        retired = attrs.evolve(key, retired_after=moment)
        return KeyRing(tuple(retired if k is key else k for k in self.keys), self.active_kid)

    def remove(self, kid: str) -> KeyRing:
        """Return a ring without key ``kid``: what it signed stops verifying (compromise).

        Raises:
            KeyRingError: unknown key, or the active key.
        """
        self._require(kid, "remove")
        if kid == self.active_kid:
            raise KeyRingError(
                problem=f"cannot remove the active key {kid!r}",
                expected="a non-active key id (rotate first)",
                got=repr(kid),
            )
        return KeyRing(tuple(k for k in self.keys if k.kid != kid), self.active_kid)

    def signing_key_for(self, issued_at: _dt.datetime) -> SigningKey:
        """Return the key that signs a certificate issued at ``issued_at``.

        That is the active key when its window holds ``issued_at``, else the newest
        key whose window does (to re-mint the token of an older certificate).

        Raises:
            KeyRingError: no key in the ring was valid at ``issued_at``.
        """
        moment = to_utc(issued_at, "issued_at")
        if self.active.is_valid_at(moment):
            return self.active
        for key in sorted(self.keys, key=lambda k: k.not_before, reverse=True):
            if key.is_valid_at(moment):
                return key
        raise KeyRingError(
            problem="no key in the ring was valid when the certificate was issued",
            expected="an issue time within a key's window: "
            + ", ".join(
                f"{k.kid} {iso(k.not_before)}..{iso(k.retired_after) if k.retired_after else ''}"
                for k in self.keys
            ),
            got=moment.isoformat(),
        )

    def _require(self, kid: str, action: str) -> SigningKey:
        key = self._by_kid.get(kid)
        if key is None:
            raise KeyRingError(
                problem=f"cannot {action} key {kid!r}: it is not in the key ring",
                expected=f"one of {', '.join(self._by_kid)}",
                got=repr(kid),
            )
        return key

    def to_dict(self) -> dict[str, Any]:
        """Return the ring as a JSON-ready dict, private keys included: keep it secret."""
        return {
            "format": _KEYRING_FORMAT,
            "active": self.active_kid,
            "keys": [k.to_jwk(private=True) for k in self.keys],
        }

    def to_json(self) -> str:
        """Return the ring as JSON text, private keys included: keep it secret."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyRing:
        """Load a ring from the dict :meth:`to_dict` makes.

        Raises:
            InvalidKeyMaterial: not a key ring document, or a key that cannot load.
            KeyRingError: the active key is missing or retired.
        """
        if not isinstance(data, Mapping) or data.get("format") != _KEYRING_FORMAT:
            raise InvalidKeyMaterial(
                problem="not a private key ring document",
                expected=f'an object with "format": "{_KEYRING_FORMAT}", "active" and "keys"',
                got=_ring_format(data),
            )
        keys, active = data.get("keys"), data.get("active")
        if not isinstance(keys, list) or not isinstance(active, str):
            raise InvalidKeyMaterial(
                problem="a key ring needs its keys and its active key id",
                expected='"keys" as a list of JWKs and "active" as a key id',
                got=f'"keys" as {json_kind(keys)}, "active" as {json_kind(active)}',
            )
        loaded = tuple(SigningKey.from_jwk(jwk) for jwk in keys)
        # A ring saved before 0.2 names its active key by the v1 format's short key id.
        resolved = resolve_kid((k.kid for k in loaded), active)
        return cls(loaded, active if resolved is None else resolved)

    @classmethod
    def from_json(cls, text: str | bytes) -> KeyRing:
        """Load a ring from JSON made by :meth:`to_json`.

        Raises:
            InvalidKeyMaterial: not valid JSON, or not a key ring document.
            KeyRingError: the active key is missing or retired.
        """
        return cls.from_dict(_load_json(text, "key ring"))
