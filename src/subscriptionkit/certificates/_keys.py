"""Ed25519 signing keys with key ids and validity windows (key rings and JWK Sets: ``_keyring``).

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
from collections.abc import Iterable, Mapping
from typing import Any, Final

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

__all__ = ["SigningKey", "VerifyingKey"]

#: The JWS algorithm name of our keys and tokens (RFC 9864, fully specified Ed25519).
JWS_ALG: Final = "Ed25519"
#: Algorithm names a loaded JWK may carry: RFC 9864's, RFC 8037's older one, or none.
_JWK_ALGS: Final = frozenset({"Ed25519", "EdDSA"})
#: Key ids of the ``v1`` format were the thumbprint's first 16 characters.
LEGACY_KID_LENGTH: Final = 16


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
    """Describe a non-secret document member for a message as JSON writes it (``null``,
    ``"OKP"``, ``12``), shortened: the file's words, not Python's (``None``)."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def json_kind(value: object) -> str:
    """What a JSON document is, in JSON's words: ``a JSON array``, ``a JSON object``..."""
    if isinstance(value, Mapping):
        return "a JSON object"
    if isinstance(value, list | tuple):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if value is None:
        return "JSON null"
    if isinstance(value, bool):
        return f"JSON {'true' if value else 'false'}"
    if isinstance(value, int | float):
        return "a JSON number"
    return f"a {type(value).__name__}"


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
