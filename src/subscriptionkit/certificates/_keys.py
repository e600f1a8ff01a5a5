"""Ed25519 signing keys with key ids and validity windows; key rings and JWK Sets.

Keys are JSON Web Keys (RFC 7517, RFC 8037: ``kty`` ``OKP``, ``crv`` ``Ed25519``) whose
key id is the RFC 7638 thumbprint, computed by joserfc. Besides the registered members a
key carries its validity window as ``nbf`` (and ``exp`` once retired), ISO 8601 strings:
other JOSE libraries ignore them, :func:`~subscriptionkit.certificates.verify` enforces them.

No error message, ``repr`` or exception chain ever holds key material or a key document:
messages describe what was wrong with a field, never its value.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Protocol

import attrs
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from joserfc.jwk import OKPKey

from ..errors import InvalidKeyMaterial, KeyRingError
from ._encoding import b64decode, b64encode, iso, parse_moment
from ._model import to_utc

__all__ = ["KeyRing", "KeySource", "PublicKeySet", "SigningKey", "VerifyingKey"]

#: The JWS algorithm name of our keys and tokens (RFC 9864, fully specified Ed25519).
JWS_ALG: Final = "Ed25519"
#: Algorithm names a loaded JWK may carry: RFC 9864's, RFC 8037's older one, or none.
_JWK_ALGS: Final = frozenset({"Ed25519", "EdDSA"})
#: Key ids of the ``v1`` format were the thumbprint's first 16 characters.
LEGACY_KID_LENGTH: Final = 16
_KEYRING_FORMAT: Final = "subscriptionkit-keyring/1"


def _accepts_kid(kid: str, given: object) -> bool:
    """Whether ``given`` names key ``kid``: the thumbprint, or the v1 format's short form."""
    return given == kid or (
        isinstance(given, str) and len(given) == LEGACY_KID_LENGTH and kid.startswith(given)
    )


def resolve_kid(kids: Iterable[str], kid: str) -> str | None:
    """Return the key id among ``kids`` that ``kid`` names (exactly, or as a v1 short id).

    Args:
        kids: the key ids held.
        kid: a key id from a token or a stored document.

    Returns:
        The matching key id, or ``None`` when there is none or more than one.
    """
    matches = [k for k in kids if _accepts_kid(k, kid)]
    return matches[0] if len(matches) == 1 else None


def _public_key(value: object) -> Ed25519PublicKey:
    if not isinstance(value, Ed25519PublicKey):
        raise InvalidKeyMaterial(
            problem="a verifying key needs an Ed25519 public key",
            expected="cryptography's Ed25519PublicKey",
            got=type(value).__name__,
        )
    return value


def _private_key(value: object) -> Ed25519PrivateKey:
    if not isinstance(value, Ed25519PrivateKey):
        raise InvalidKeyMaterial(
            problem="a signing key needs an Ed25519 private key",
            expected="cryptography's Ed25519PrivateKey",
            got=type(value).__name__,
        )
    return value


def _not_before(value: object) -> _dt.datetime:
    return to_utc(value, "not_before")


def _retired_after(value: object) -> _dt.datetime | None:
    return None if value is None else to_utc(value, "retired_after")


def _check_window(instance: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    if instance.retired_after is not None and instance.retired_after < instance.not_before:
        raise KeyRingError(
            problem="a key cannot be retired before it becomes valid",
            expected=f"retired_after at or after not_before {instance.not_before.isoformat()}",
            got=f"retired_after {instance.retired_after.isoformat()}",
        )


def _describe(value: object) -> str:
    """Describe a non-secret document member for a message (short, repr)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _shape(value: object) -> str:
    """Describe a key member without its value: its type and length only."""
    if isinstance(value, str):
        return f"a string of {len(value)} characters (value hidden)"
    return f"{type(value).__name__} (value hidden)"


def _raw_key(jwk: Mapping[str, Any], field: str) -> bytes:
    """Return the 32 raw bytes of key member ``field``; its value never enters an error."""
    value = jwk.get(field)
    raw = b""
    if isinstance(value, str) and value.isascii():
        try:
            raw = b64decode(value)
        except ValueError:
            raw = b""
    if len(raw) != 32:
        raise InvalidKeyMaterial(
            problem=f"the JWK member {field!r} is not an Ed25519 key",
            expected="32 bytes in unpadded base64url (43 characters)",
            got=_shape(value),
        )
    return raw


def _window_from_jwk(jwk: Mapping[str, Any]) -> tuple[_dt.datetime, _dt.datetime | None]:
    try:
        not_before = parse_moment(jwk.get("nbf"))
        exp = jwk.get("exp")
        retired_after = None if exp is None else parse_moment(exp)
    except ValueError as exc:
        raise InvalidKeyMaterial(
            problem="the JWK validity window cannot be read",
            expected="'nbf' (and optionally 'exp') as ISO 8601 datetimes with an offset",
            got=f"nbf={_describe(jwk.get('nbf'))}, exp={_describe(jwk.get('exp'))}",
        ) from exc
    return not_before, retired_after


def _check_jwk_header(jwk: object) -> Mapping[str, Any]:
    if not isinstance(jwk, Mapping):
        raise InvalidKeyMaterial(
            problem="a key must be a JWK object",
            expected="a dict with kty, crv, x, kid and nbf",
            got=type(jwk).__name__,
        )
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise InvalidKeyMaterial(
            problem="unsupported key type",
            expected="kty 'OKP' with crv 'Ed25519'",
            got=f"kty {_describe(jwk.get('kty'))}, crv {_describe(jwk.get('crv'))}",
        )
    if jwk.get("alg", JWS_ALG) not in _JWK_ALGS:
        raise InvalidKeyMaterial(
            problem="unsupported algorithm",
            expected=f"alg {JWS_ALG!r} (or 'EdDSA', or no alg)",
            got=_describe(jwk.get("alg")),
        )
    return jwk


def _check_kid(jwk: Mapping[str, Any], kid: str) -> None:
    given = jwk.get("kid", kid)
    if not _accepts_kid(kid, given):
        raise InvalidKeyMaterial(
            problem="the JWK's kid does not belong to its public key",
            expected=f"kid {kid!r} (its RFC 7638 thumbprint)",
            got=f"another kid, {_shape(given)}",
        )


def _load_json(text: object, what: str) -> Any:
    """Parse a key document; on failure the error holds neither the text nor a parser error.

    The failure is raised outside the ``except`` block, so that neither ``__cause__``
    nor ``__context__`` keeps the parser's exception (which holds the whole document).
    """
    if not isinstance(text, str | bytes | bytearray):
        raise InvalidKeyMaterial(
            problem=f"the {what} must be JSON text",
            expected="str or bytes",
            got=type(text).__name__,
        )
    try:
        return json.loads(text)
    except (ValueError, TypeError, RecursionError):
        pass
    raise InvalidKeyMaterial(
        problem=f"the {what} is not valid JSON",
        expected=f"a JSON {what} document",
        got=f"{type(text).__name__} of length {len(text)} (content hidden)",
    )


def _pem_bytes(pem: object) -> bytes:
    """Return PEM text as bytes, refusing anything else (its content never shows)."""
    if isinstance(pem, str):
        return pem.encode("ascii", "replace")
    if isinstance(pem, bytes | bytearray):
        return bytes(pem)
    raise InvalidKeyMaterial(
        problem="a PEM key must be text",
        expected="str or bytes",
        got=type(pem).__name__,
    )


def _is_valid_at(
    not_before: _dt.datetime, retired_after: _dt.datetime | None, moment: _dt.datetime
) -> bool:
    return not_before <= moment and (retired_after is None or moment <= retired_after)


@attrs.frozen
class VerifyingKey:
    """The public half of a signing key, with its key id and validity window.

    A key is valid for certificates issued from ``not_before`` up to and including
    ``retired_after`` (open-ended while ``retired_after`` is ``None``).

    Args:
        public_key: the Ed25519 public key.
        not_before: the first moment a certificate signed with it may carry.
        retired_after: the last such moment, or ``None`` while the key is in use.

    Raises:
        KeyRingError: ``retired_after`` is before ``not_before``.
    """

    public_key: Ed25519PublicKey = attrs.field(
        converter=_public_key, repr=False, eq=False, hash=False
    )
    not_before: _dt.datetime = attrs.field(converter=_not_before)
    retired_after: _dt.datetime | None = attrs.field(
        default=None, converter=_retired_after, validator=_check_window
    )
    #: The same public key as a joserfc key, to verify JWS tokens with.
    jose_key: OKPKey = attrs.field(init=False, repr=False, eq=False, hash=False)
    kid: str = attrs.field(init=False)

    @jose_key.default
    def _jose_key_default(self) -> OKPKey:
        return OKPKey.import_key(self.public_key)

    @kid.default
    def _kid_default(self) -> str:
        return self.jose_key.thumbprint()

    def is_valid_at(self, moment: _dt.datetime) -> bool:
        """Return whether a certificate issued at ``moment`` may carry this key's signature.

        Args:
            moment: an aware datetime; the window's both ends are included.
        """
        return _is_valid_at(self.not_before, self.retired_after, to_utc(moment, "moment"))

    def to_jwk(self) -> dict[str, str]:
        """Return the key as a public JWK dict (``kty``, ``crv``, ``x``, ``kid``, ``nbf``...)."""
        jwk = {
            "kty": "OKP",
            "crv": "Ed25519",
            "alg": JWS_ALG,
            "use": "sig",
            "kid": self.kid,
            "x": b64encode(self.public_key.public_bytes_raw()),
            "nbf": iso(self.not_before),
        }
        if self.retired_after is not None:
            jwk["exp"] = iso(self.retired_after)
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> VerifyingKey:
        """Load a public key from a JWK dict made by :meth:`to_jwk` (a ``d`` is ignored).

        Raises:
            InvalidKeyMaterial: the dict is not an Ed25519 JWK with a matching kid and window.
        """
        _check_jwk_header(jwk)
        key = Ed25519PublicKey.from_public_bytes(_raw_key(jwk, "x"))
        not_before, retired_after = _window_from_jwk(jwk)
        verifying = cls(key, not_before, retired_after)
        _check_kid(jwk, verifying.kid)
        return verifying

    def to_pem(self) -> str:
        """Return the public key as PEM (SubjectPublicKeyInfo); the window is not included."""
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        not_before: _dt.datetime,
        retired_after: _dt.datetime | None = None,
    ) -> VerifyingKey:
        """Load a public key from PEM; PEM carries no window, so give it.

        Raises:
            InvalidKeyMaterial: the PEM is not an Ed25519 public key.
        """
        data = _pem_bytes(pem)
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidKeyMaterial(
                problem="the PEM cannot be loaded as a public key",
                expected="a '-----BEGIN PUBLIC KEY-----' Ed25519 block",
                got=f"{len(data)} bytes that are not one",
            ) from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidKeyMaterial(
                problem="the PEM holds the wrong kind of key",
                expected="an Ed25519 public key",
                got=type(key).__name__,
            )
        return cls(key, not_before, retired_after)


@attrs.frozen
class SigningKey:
    """An Ed25519 private key with its key id and validity window.

    The private key never shows in ``repr`` or ``str``; it leaves the object only
    through :meth:`to_jwk` with ``private=True`` and :meth:`to_pem`.

    Args:
        private_key: the Ed25519 private key.
        not_before: the first moment a certificate signed with it may carry.
        retired_after: the last such moment, or ``None`` while the key is in use.

    Raises:
        KeyRingError: ``retired_after`` is before ``not_before``.
    """

    private_key: Ed25519PrivateKey = attrs.field(
        converter=_private_key, repr=False, eq=False, hash=False
    )
    not_before: _dt.datetime = attrs.field(converter=_not_before)
    retired_after: _dt.datetime | None = attrs.field(
        default=None, converter=_retired_after, validator=_check_window
    )
    public: VerifyingKey = attrs.field(init=False, repr=False, eq=False, hash=False)
    kid: str = attrs.field(init=False)

    @public.default
    def _public_default(self) -> VerifyingKey:
        return VerifyingKey(self.private_key.public_key(), self.not_before, self.retired_after)

    #: The same private key as a joserfc key, to sign JWS tokens with.
    jose_key: OKPKey = attrs.field(init=False, repr=False, eq=False, hash=False)

    @kid.default
    def _kid_default(self) -> str:
        return self.public.kid

    @jose_key.default
    def _jose_key_default(self) -> OKPKey:
        return OKPKey.import_key(self.private_key)

    @classmethod
    def generate(cls, *, at: _dt.datetime) -> SigningKey:
        """Make a new random key, valid from ``at``.

        Raises:
            NaiveDatetimeError: ``at`` has no time zone.
        """
        return cls(Ed25519PrivateKey.generate(), to_utc(at, "at"))

    def is_valid_at(self, moment: _dt.datetime) -> bool:
        """Return whether a certificate issued at ``moment`` may carry this key's signature."""
        return self.public.is_valid_at(moment)

    def sign(self, data: bytes) -> bytes:
        """Return the 64-byte Ed25519 signature of ``data``."""
        return self.private_key.sign(data)

    def to_jwk(self, *, private: bool = True) -> dict[str, str]:
        """Return the key as a JWK dict; with ``private=True`` it includes ``d``: keep it secret.

        Args:
            private: include the private key material (``d``).
        """
        jwk = self.public.to_jwk()
        if private:
            jwk["d"] = b64encode(self.private_key.private_bytes_raw())
        return jwk

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> SigningKey:
        """Load a private key from a JWK dict made by :meth:`to_jwk`.

        Raises:
            InvalidKeyMaterial: no valid ``d``, or ``x``/``kid`` do not belong to it.
        """
        _check_jwk_header(jwk)
        key = Ed25519PrivateKey.from_private_bytes(_raw_key(jwk, "d"))
        not_before, retired_after = _window_from_jwk(jwk)
        signing = cls(key, not_before, retired_after)
        if "x" in jwk and _raw_key(jwk, "x") != key.public_key().public_bytes_raw():
            raise InvalidKeyMaterial(
                problem="the JWK's public part 'x' does not belong to its private part 'd'",
                expected=f"x {signing.public.to_jwk()['x']!r}",
                got="another public key (value hidden)",
            )
        _check_kid(jwk, signing.kid)
        return signing

    def to_pem(self, *, password: bytes | None = None) -> str:
        """Return the private key as PKCS#8 PEM, encrypted when a password is given.

        Args:
            password: encrypt the PEM with this password (recommended for files).
        """
        encryption: serialization.KeySerializationEncryption = (
            serialization.NoEncryption()
            if password is None
            else serialization.BestAvailableEncryption(password)
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode("ascii")

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        not_before: _dt.datetime,
        retired_after: _dt.datetime | None = None,
        password: bytes | None = None,
    ) -> SigningKey:
        """Load a private key from PKCS#8 PEM; PEM carries no window, so give it.

        Raises:
            InvalidKeyMaterial: not an Ed25519 private key, or the wrong password.
        """
        data = _pem_bytes(pem)
        if password is not None and not isinstance(password, bytes):
            raise InvalidKeyMaterial(
                problem="a PEM password must be bytes",
                expected="bytes or None",
                got=type(password).__name__,
            )
        try:
            key = serialization.load_pem_private_key(data, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise InvalidKeyMaterial(
                problem="the PEM cannot be loaded as a private key",
                expected="a '-----BEGIN PRIVATE KEY-----' Ed25519 block and the right password",
                got=f"{len(data)} bytes that are not one (or a wrong password)",
            ) from exc
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidKeyMaterial(
                problem="the PEM holds the wrong kind of key",
                expected="an Ed25519 private key",
                got=type(key).__name__,
            )
        return cls(key, not_before, retired_after)


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
            problem=f"a {what} needs its keys",
            expected=f"an iterable of {kind.__name__}",
            got=type(keys).__name__,
        )
    result = tuple(keys)
    for key in result:
        if not isinstance(key, kind):
            raise InvalidKeyMaterial(
                problem=f"a {what} holds {kind.__name__} objects only",
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
                got=type(data).__name__ if keys is None else f"keys of type {type(keys).__name__}",
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
                expected=f'an object with "format": {_KEYRING_FORMAT!r}, "active" and "keys"',
                got=f"format {_describe(data.get('format'))}"
                if isinstance(data, Mapping)
                else type(data).__name__,
            )
        keys, active = data.get("keys"), data.get("active")
        if not isinstance(keys, list) or not isinstance(active, str):
            raise InvalidKeyMaterial(
                problem="a key ring needs its keys and its active key id",
                expected='"keys" as a list of JWKs and "active" as a key id',
                got=f"keys {type(keys).__name__}, active {type(active).__name__}",
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
