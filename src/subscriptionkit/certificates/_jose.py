"""Compact JWS (RFC 7515) through joserfc, with the header pinned (RFC 8725).

Shared by certificate tokens and status list credentials: both are signed by
:func:`sign_compact` and checked by :func:`verify_compact`, which allow only the
``Ed25519`` algorithm and exactly the header parameters ``alg``, ``kid`` and ``typ``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from typing import Any, Final

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry

from ..errors import BadSignature, InvalidInput, MalformedToken, UnknownKey
from ._keys import JWS_ALG, KeyRing, KeySource, VerifyingKey

__all__ = [
    "MAX_TOKEN_LENGTH",
    "check_keys",
    "jws_registry",
    "sign_compact",
    "text_of",
    "verify_compact",
]

#: Tokens longer than this are refused before any decoding (a real one is ~2,000 characters).
MAX_TOKEN_LENGTH: Final = 8192
_HEADER_KEYS: Final = frozenset({"alg", "kid", "typ"})


@functools.cache
def jws_registry() -> JWSRegistry:
    """The joserfc registry that allows only ``Ed25519`` (built once, on first use)."""
    return JWSRegistry(algorithms=[JWS_ALG])


def sign_compact(payload: dict[str, Any], keyring: KeyRing, typ: str, at: _dt.datetime) -> str:
    """Sign ``payload`` (canonical JSON) as a compact JWS with the key valid at ``at``.

    Raises:
        KeyRingError: no key of the ring was valid at ``at``.
    """
    key = keyring.signing_key_for(at)
    header = {"alg": JWS_ALG, "kid": key.kid, "typ": typ}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return jws.serialize_compact(header, body.encode(), key.jose_key, registry=jws_registry())


def _malformed(problem: str, expected: str, got: str) -> MalformedToken:
    return MalformedToken(problem=problem, expected=expected, got=got)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def text_of(value: object) -> str:
    """Return a token as text, or raise MalformedToken for anything that cannot be one."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray | memoryview):
        if len(value) > MAX_TOKEN_LENGTH:
            raise _malformed(
                "the token is too long",
                f"at most {MAX_TOKEN_LENGTH} characters",
                f"{len(value)} bytes",
            )
        try:
            text = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            raise _malformed(
                "the token has non-ASCII bytes", "ASCII text", "non-ASCII bytes"
            ) from None
    else:
        raise _malformed("the token is not text", "a str (or ASCII bytes)", type(value).__name__)
    if len(text) > MAX_TOKEN_LENGTH:
        raise _malformed(
            "the token is too long", f"at most {MAX_TOKEN_LENGTH} characters", f"{len(text)}"
        )
    if not text.isascii():
        raise _malformed(
            "the token has non-ASCII characters", "base64url text and dots", "non-ASCII text"
        )
    return text


def check_keys(keys: object) -> KeySource:
    """Return ``keys`` if it can look keys up, else raise InvalidInput."""
    if not callable(getattr(keys, "verifying_key", None)) or not hasattr(keys, "kids"):
        raise InvalidInput(
            "keys must be a PublicKeySet or a KeyRing (anything with verifying_key() and "
            f"kids), got {type(keys).__name__}"
        )
    return keys  # type: ignore[return-value]


def verify_compact(text: str, keys: KeySource, typ: str) -> tuple[dict[str, Any], VerifyingKey]:
    """Check a compact JWS's header (pinned ``alg`` and ``typ``) and signature.

    Returns:
        The payload, parsed as a JSON object, and the key that signed it.

    Raises:
        MalformedToken: not a compact JWS, an unexpected header, or a payload that is
            not a JSON object.
        UnknownKey: a key id that ``keys`` does not hold.
        BadSignature: altered, or signed by another key.
    """
    registry = jws_registry()
    try:
        obj = jws.extract_compact(text.encode("ascii"), registry=registry)
        header = obj.headers()
    except (JoseError, ValueError, TypeError, RecursionError):
        raise _malformed(
            "not a compact JWS",
            "'<header>.<payload>.<signature>' in unpadded base64url with a JSON header",
            f"{text.count('.')} dots and {len(text)} characters",
        ) from None
    if header.keys() != _HEADER_KEYS:
        raise _malformed(
            "unexpected protected header parameters",
            "exactly alg, kid and typ",
            _short(sorted(str(k) for k in header)),
        )
    if header["alg"] != JWS_ALG:
        raise _malformed("unsupported algorithm", f"alg {JWS_ALG!r}", _short(header["alg"]))
    if header["typ"] != typ:
        raise _malformed("wrong token type", f"typ {typ!r}", _short(header["typ"]))
    kid = header["kid"]
    if type(kid) is not str:
        raise _malformed("the header has no key id", 'a string "kid"', type(kid).__name__)
    key = keys.verifying_key(kid)
    if key is None:
        raise UnknownKey(kid=kid, known=keys.kids)
    try:
        genuine = jws.validate_compact(obj, key.jose_key, registry=registry)
    except (JoseError, ValueError, TypeError):
        genuine = False
    if not genuine:
        raise BadSignature(kid=kid)
    try:
        payload = json.loads(obj.payload)
    except (ValueError, RecursionError):
        payload = None
    if type(payload) is not dict:
        raise _malformed("the payload is not a JSON object", "a JSON object", "other bytes")
    return payload, key
