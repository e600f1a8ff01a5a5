"""Read-only support for the deprecated ``v1.<payload>.<signature>`` tokens of release 0.1.

Tokens of that format are still out there (members shared their links), so they keep
verifying; nothing makes new ones. The payload is the canonical JSON of every certificate
field plus ``kid`` (the first 16 characters of the key's RFC 7638 thumbprint); the
Ed25519 signature covers the ASCII text ``v1.<payload>``. The ``v1`` prefix alone fixes
the algorithm. The format is parsed strictly: canonical unpadded base64url only.
"""

from __future__ import annotations

import json
from typing import Final

from cryptography.exceptions import InvalidSignature

from ..errors import BadSignature, InvalidInput, MalformedToken, UnknownKey
from ._encoding import b64decode
from ._keyring import KeySource
from ._keys import VerifyingKey, resolve_kid
from ._model import Certificate

__all__ = ["LEGACY_PREFIX", "verify_legacy"]

#: What every token of the deprecated format starts with.
LEGACY_PREFIX: Final = "v1."
_SIGNATURE_LENGTH: Final = 64


def _malformed(problem: str, expected: str, got: str) -> MalformedToken:
    return MalformedToken(problem=problem, expected=expected, got=got)


def verify_legacy(text: str, keys: KeySource) -> tuple[Certificate, VerifyingKey]:
    """Check a ``v1.`` token's shape and signature; return its certificate and key.

    The caller checks the key window, the issue time and revocation, as for every token.

    Args:
        text: the token, ASCII text starting with ``v1.``, of bounded length.
        keys: where to look the key up; a 16-character key id names the key whose
            thumbprint starts with it.

    Raises:
        MalformedToken: not a well-formed v1 token.
        UnknownKey: a key id that ``keys`` does not hold.
        BadSignature: altered, or signed by another key.
    """
    rest = text[len(LEGACY_PREFIX) :]
    payload_part, dot, signature_part = rest.partition(".")
    if not dot or "." in signature_part:
        raise _malformed(
            "wrong number of parts",
            "3 parts: 'v1.<payload>.<signature>'",
            f"{text.count('.')} dots",
        )
    try:
        payload_bytes = b64decode(payload_part)
        signature = b64decode(signature_part)
    except ValueError:
        raise _malformed(
            "a part is not canonical base64url",
            "unpadded base64url payload and signature",
            "other characters or lengths",
        ) from None
    if len(signature) != _SIGNATURE_LENGTH:
        raise _malformed(
            "the signature has the wrong length",
            f"{_SIGNATURE_LENGTH} bytes",
            f"{len(signature)} bytes",
        )
    try:
        payload = json.loads(payload_bytes)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise _malformed(
            "the payload is not JSON", "a canonical JSON object", "other bytes"
        ) from None
    if type(payload) is not dict:
        raise _malformed("the payload is not an object", "a JSON object", type(payload).__name__)
    kid = payload.pop("kid", None)
    if type(kid) is not str:
        raise _malformed("the payload has no key id", 'a string "kid"', type(kid).__name__)
    full_kid = resolve_kid(keys.kids, kid)
    key = None if full_kid is None else keys.verifying_key(full_kid)
    if key is None:
        raise UnknownKey(kid=kid, known=keys.kids)
    try:
        key.public_key.verify(signature, text[: len(LEGACY_PREFIX) + len(payload_part)].encode())
    except InvalidSignature:
        raise BadSignature(kid=key.kid) from None
    if "status_index" in payload:  # never part of the v1 format
        raise _malformed("the payload is not a certificate", "v1 fields", "a status_index")
    try:
        certificate = Certificate.from_dict(payload)
    except InvalidInput as exc:  # signed by a trusted key, yet not a certificate
        raise _malformed(
            "the payload is not a certificate", "every certificate field", str(exc)
        ) from None
    return certificate, key
