"""Compact signed tokens (``v1.<payload>.<signature>``), verification URLs and :func:`verify`."""

from __future__ import annotations

import datetime as _dt
import json
import urllib.parse
from typing import Any, Final

import attrs
from cryptography.exceptions import InvalidSignature

from ..errors import (
    BadSignature,
    CertificateRevoked,
    InvalidInput,
    KeyNotValid,
    MalformedToken,
    NotYetValid,
    UnknownKey,
)
from ._encoding import b64decode, b64encode, canonical_json
from ._keys import KeyRing, KeySource
from ._model import Certificate, to_utc
from ._revocation import RevocationLookup

__all__ = ["MAX_TOKEN_LENGTH", "Verified", "token", "verification_url", "verify"]

#: The version prefix; it alone fixes the algorithm (Ed25519) and the payload layout.
_VERSION: Final = "v1"
#: Tokens longer than this are refused before any decoding (a real one is ~500 characters).
MAX_TOKEN_LENGTH: Final = 8192
_SIGNATURE_LENGTH: Final = 64


@attrs.frozen
class Verified:
    """A certificate whose token verified: genuine, signed by ``kid``, not revoked.

    Args:
        certificate: the certificate read from the token.
        kid: the key id of the key that signed it.
        verified_at: the moment of verification (UTC).
    """

    certificate: Certificate
    kid: str
    verified_at: _dt.datetime


def token(certificate: Certificate, keyring: KeyRing) -> str:
    """Sign a certificate and return its compact, URL-safe token.

    The token is ``v1.<payload>.<signature>``: the payload is the canonical JSON
    (sorted keys, no spaces, UTF-8) of every certificate field plus ``kid``, in
    unpadded base64url; the Ed25519 signature covers the ASCII text ``v1.<payload>``.
    Signing is deterministic: the same certificate and key give the same token.

    Args:
        certificate: the certificate to sign.
        keyring: the issuer's keys; the active key signs, or for an older certificate
            the key that was valid when it was issued.

    Returns:
        The token (ASCII letters, digits, ``-``, ``_`` and two dots).

    Raises:
        KeyRingError: no key in the ring was valid at ``certificate.issued_at``.
    """
    key = keyring.signing_key_for(certificate.issued_at)
    payload: dict[str, Any] = certificate.to_dict()
    payload["kid"] = key.kid
    signed = f"{_VERSION}.{b64encode(canonical_json(payload))}"
    return f"{signed}.{b64encode(key.sign(signed.encode('ascii')))}"


def verification_url(base_url: str, token: str) -> str:
    """Return the public verification link for ``token``.

    The token goes into the query parameter ``token`` (added to any query the base
    URL has), or, if ``base_url`` contains the placeholder ``{token}``, in its place
    (for path-style links). Either way it is percent-quoted.

    Args:
        base_url: an absolute ``http`` or ``https`` URL of the verification page.
        token: the token from :func:`token`.

    Returns:
        The URL.

    Raises:
        InvalidInput: ``base_url`` is not an absolute http(s) URL, or ``token`` not a string.

    >>> verification_url("https://example.org/verify", "v1.abc.def")
    'https://example.org/verify?token=v1.abc.def'
    >>> verification_url("https://example.org/c/{token}?lang=nl", "v1.abc.def")
    'https://example.org/c/v1.abc.def?lang=nl'
    """
    if not isinstance(token, str) or not token:
        raise InvalidInput(f"token must be a non-empty string, got {type(token).__name__}")
    parts = urllib.parse.urlsplit(base_url) if isinstance(base_url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            f"base_url must be an absolute http(s) URL such as 'https://example.org/verify', "
            f"got {base_url!r}"
        )
    quoted = urllib.parse.quote(token, safe="")
    if "{token}" in base_url:
        return base_url.replace("{token}", quoted)
    query = f"{parts.query}&token={quoted}" if parts.query else f"token={quoted}"
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _malformed(problem: str, expected: str, got: str) -> MalformedToken:
    return MalformedToken(problem=problem, expected=expected, got=got)


def _text_of(value: object) -> str:
    """Return the token as text, or raise MalformedToken for anything that cannot be one."""
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


def verify(
    token: str | bytes,
    keys: KeySource,
    *,
    at: _dt.datetime,
    revocations: RevocationLookup | None = None,
    leeway: _dt.timedelta = _dt.timedelta(0),
) -> Verified:
    """Check a certificate token and return the certificate it holds.

    The checks, in order: the token's shape and encoding; a known key id; the
    Ed25519 signature; the certificate fields; the key's validity window at the
    certificate's issue time; the issue time not after ``at``; no revocation in
    effect at ``at``. The algorithm follows from the ``v1`` prefix, never from
    the token's contents. Whatever the token, only library errors are raised.

    Args:
        token: the token, as text (or ASCII bytes).
        keys: the public keys: a :class:`PublicKeySet` or a :class:`KeyRing`.
        at: the aware moment of verification.
        revocations: where to look revocations up, e.g. a :class:`RevocationList`.
        leeway: clock skew to tolerate for an issue time after ``at``.

    Returns:
        The :class:`Verified` certificate.

    Raises:
        MalformedToken: not a well-formed v1 token.
        UnknownKey: signed with a key id ``keys`` does not hold.
        BadSignature: altered, or signed by another key with the same key id.
        KeyNotValid: the key was not valid at the certificate's issue time.
        NotYetValid: the certificate's issue time is after ``at`` (plus ``leeway``).
        CertificateRevoked: revoked at or before ``at``.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    moment = to_utc(at, "at")
    text = _text_of(token)
    version, dot, rest = text.partition(".")
    if version != _VERSION or not dot:
        raise _malformed(
            "unsupported token version",
            f"a token starting with {_VERSION + '.'!r}",
            repr(text[:8]),
        )
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
    key = keys.verifying_key(kid)
    if key is None:
        raise UnknownKey(kid=kid, known=keys.kids)
    try:
        key.public_key.verify(signature, text[: len(_VERSION) + 1 + len(payload_part)].encode())
    except InvalidSignature:
        raise BadSignature(kid=kid) from None
    try:
        certificate = Certificate.from_dict(payload)
    except InvalidInput as exc:  # signed by a trusted key, yet not a certificate
        raise _malformed(
            "the payload is not a certificate", "every certificate field", str(exc)
        ) from None
    issued_at = certificate.issued_at
    if not (
        key.not_before <= issued_at
        and (key.retired_after is None or issued_at <= key.retired_after)
    ):
        raise KeyNotValid(
            kid=kid,
            issued_at=issued_at,
            not_before=key.not_before,
            retired_after=key.retired_after,
        )
    if issued_at > moment and issued_at - moment > leeway:  # no overflow near year 9999
        raise NotYetValid(issued_at=issued_at, at=moment)
    if revocations is not None:
        revocation = revocations.get(certificate.certificate_id)
        if revocation is not None and revocation.revoked_at <= moment:
            raise CertificateRevoked(
                certificate_id=certificate.certificate_id,
                reason=revocation.reason,
                revoked_at=revocation.revoked_at,
            )
    return Verified(certificate, kid, moment)
