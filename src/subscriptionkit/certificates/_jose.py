"""Compact JWS (RFC 7515) through joserfc, with the header pinned (RFC 8725).

Shared by certificate tokens and status list credentials: both are signed by
:func:`sign_compact` and checked by :func:`verify_compact`, which allow only the
``Ed25519`` algorithm and exactly the header parameters ``alg``, ``kid`` and ``typ``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
from typing import TYPE_CHECKING, Any, Final

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry
from joserfc.util import json_b64decode, urlsafe_b64decode

from ..errors import BadSignature, InvalidInput, MalformedToken, UnknownKey
from ._keyring import KeyRing, KeySource, PublicKeySet
from ._keys import JWS_ALG, VerifyingKey

if TYPE_CHECKING:  # the algorithm's type, which joserfc.jws does not re-export
    from joserfc._rfc7515.model import JWSAlgModel

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
    if type(keys) is PublicKeySet or type(keys) is KeyRing:
        return keys  # the common case, without probing attributes
    if not callable(getattr(keys, "verifying_key", None)) or not hasattr(keys, "kids"):
        raise InvalidInput(
            "keys must be a PublicKeySet or a KeyRing (or a value that, like them, lists its "
            f"key ids and finds a public key by its id), got {type(keys).__name__}"
        )
    return keys  # type: ignore[return-value]


_NOT_JWS: Final = (
    "not a compact JWS",
    "'<header>.<payload>.<signature>' in unpadded base64url with a JSON header",
)


@functools.cache
def _eddsa() -> JWSAlgModel:
    """joserfc's ``Ed25519`` algorithm (from the pinned registry; looked up once)."""
    return jws_registry().get_alg(JWS_ALG)


@functools.lru_cache(maxsize=64)
def _pinned_header(segment: str, typ: str) -> str | tuple[str, str, str] | None:
    """Decode and pin a protected header segment: return its ``kid``; to refuse it,
    ``(problem, expected, got)``, or ``None`` when it is no JSON header at all.

    Cached by the segment's text: every token one key signs has the same header, so a
    verifier decodes and checks it once. The cache holds at most 64 segments of at most
    ``MAX_TOKEN_LENGTH`` characters, and only what they decode to.
    """
    try:
        header = json_b64decode(segment.encode("ascii"))
    except (ValueError, TypeError, RecursionError):
        header = None
    if type(header) is not dict or "alg" not in header:
        return None
    if header.keys() != _HEADER_KEYS:
        return (
            "unexpected protected header parameters",
            "exactly alg, kid and typ",
            _short(sorted(str(k) for k in header)),
        )
    if header["alg"] != JWS_ALG:
        return ("unsupported algorithm", f"alg {JWS_ALG!r}", _short(header["alg"]))
    if header["typ"] != typ:
        return ("wrong token type", f"typ {typ!r}", _short(header["typ"]))
    kid = header["kid"]
    if type(kid) is not str:
        return ("the header has no key id", 'a string "kid"', type(kid).__name__)
    return kid


def _not_jws(text: str) -> MalformedToken:
    return _malformed(*_NOT_JWS, f"{text.count('.')} dots and {len(text)} characters")


def verify_compact(text: str, keys: KeySource, typ: str) -> tuple[dict[str, Any], VerifyingKey]:
    """Check a compact JWS's header (pinned ``alg`` and ``typ``) and signature.

    joserfc decodes (its strict unpadded base64url: one encoding per value) and checks
    the signature with its ``Ed25519`` algorithm; the header is pinned here, more
    strictly than joserfc's registry would (exactly ``alg``, ``kid`` and ``typ``), so
    joserfc's own header checks are not repeated, and each distinct header segment is
    decoded once (:func:`_pinned_header`). The payload is decoded once, before the
    signature check, as ``jws.extract_compact`` does.

    Returns:
        The payload, parsed as a JSON object, and the key that signed it.

    Raises:
        MalformedToken: not a compact JWS, an unexpected header, or a payload that is
            not a JSON object.
        UnknownKey: a key id that ``keys`` does not hold.
        BadSignature: altered, or signed by another key.
    """
    header_segment, _, rest = text.partition(".")
    payload_segment, dot, signature_segment = rest.partition(".")
    if not dot or "." in signature_segment:
        raise _not_jws(text)
    kid = _pinned_header(header_segment, typ)
    if kid is None:
        raise _not_jws(text)
    if not isinstance(kid, str):
        raise _malformed(*kid)
    try:
        body = urlsafe_b64decode(payload_segment.encode("ascii"))
    except (ValueError, TypeError):
        raise _not_jws(text) from None
    key = keys.verifying_key(kid)
    if key is None:
        raise UnknownKey(kid=kid, known=keys.kids)
    signing_input = text[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    try:
        signature = urlsafe_b64decode(signature_segment.encode("ascii"))
        genuine = _eddsa().verify(signing_input, signature, key.jose_key)
    except (JoseError, ValueError, TypeError):
        genuine = False
    if not genuine:
        raise BadSignature(kid=kid)
    try:
        payload = json.loads(body.decode())  # text: no encoding to detect
    except (ValueError, RecursionError):
        payload = None
    if type(payload) is not dict:
        raise _malformed("the payload is not a JSON object", "a JSON object", "other bytes")
    return payload, key
