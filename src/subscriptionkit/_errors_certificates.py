"""The certificates errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
)


class CertificateError(SubscriptionKitError):
    """Certificates, signing keys or tokens could not be used."""


class InvalidCertificate(CertificateError):
    """A certificate token failed verification; the subclass says why."""


class MalformedToken(InvalidCertificate, ValueError):
    """The token is not a well-formed certificate token (compact JWS, or deprecated ``v1``).

    Args:
        problem: what is wrong with the token.
        expected: what a well-formed token has there.
        got: a short description of what was given (never the whole token).
    """

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"malformed certificate token: {problem}; expected {expected}, got {got}")


class UnknownKey(InvalidCertificate, LookupError):
    """The token names a key id that the key set used for verification does not hold."""

    def __init__(self, *, kid: str, known: Iterable[str]) -> None:
        self.kid = kid
        self.known: tuple[str, ...] = tuple(known)
        super().__init__(
            f"the certificate was signed with key id {kid!r}, which the key set does not hold; "
            f"expected one of: {', '.join(map(repr, self.known)) or '(no keys)'}"
        )


class BadSignature(InvalidCertificate):
    """The signature does not match the payload: altered, or signed by another key."""

    def __init__(self, *, kid: str) -> None:
        self.kid = kid
        super().__init__(
            f"the certificate signature does not match its contents for key {kid!r}; expected "
            "a signature made by that key over the token's header and payload, got one that "
            "is not (the token was altered or signed by a different key)"
        )


class KeyNotValid(InvalidCertificate):
    """The signing key's validity window does not contain the certificate's issue time."""

    def __init__(
        self,
        *,
        kid: str,
        issued_at: _dt.datetime,
        not_before: _dt.datetime,
        retired_after: _dt.datetime | None,
    ) -> None:
        self.kid = kid
        self.issued_at = issued_at
        self.not_before = not_before
        self.retired_after = retired_after
        end = retired_after.isoformat() if retired_after else "(not retired)"
        super().__init__(
            f"key {kid!r} was not valid when the certificate was issued: expected an issue "
            f"time from {not_before.isoformat()} to {end}, got {issued_at.isoformat()}"
        )


class NotYetValid(InvalidCertificate):
    """The certificate's issue time lies after the moment of verification."""

    def __init__(self, *, issued_at: _dt.datetime, at: _dt.datetime) -> None:
        self.issued_at = issued_at
        self.at = at
        super().__init__(
            f"the certificate is not valid yet: expected an issue time at or before the "
            f"verification moment {at.isoformat()}, got {issued_at.isoformat()}"
        )


class CertificateRevoked(InvalidCertificate):
    """The certificate is genuine but was revoked."""

    def __init__(self, *, certificate_id: str, reason: str, revoked_at: _dt.datetime) -> None:
        self.certificate_id = certificate_id
        self.reason = reason
        self.revoked_at = revoked_at
        super().__init__(
            f"certificate {certificate_id!r} was revoked at {revoked_at.isoformat()} "
            f"(reason: {reason}); expected a certificate that is not revoked"
        )


class StatusNotCovered(InvalidCertificate):
    """A status list was given as the revocation source, but the token has no entry in it.

    Verification fails closed: a certificate whose revocation cannot be checked against
    the given list is not reported genuine.
    """

    def __init__(self, *, certificate_id: str, list_url: str, entry_url: str | None) -> None:
        self.certificate_id = certificate_id
        self.list_url = list_url
        self.entry_url = entry_url
        got = "no status entry" if entry_url is None else f"an entry in {entry_url}"
        super().__init__(
            f"the revocation of certificate {certificate_id!r} cannot be checked against the "
            f"status list {list_url}; expected a token with an entry in that list, got {got}"
        )


class InvalidKeyMaterial(CertificateError, ValueError):
    """A signing key, JWK, PEM or key set document that cannot be loaded."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class KeyRingError(CertificateError, ValueError):
    """A key ring step (rotate, retire, sign) that is not allowed."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class InvalidRevocationList(CertificateError, ValueError):
    """A revocation list document that cannot be loaded or whose signature fails."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")


class InvalidStatusList(CertificateError, ValueError):
    """A status list credential that cannot be read, or whose signature or window fails."""

    def __init__(self, *, problem: str, expected: str, got: str) -> None:
        self.problem = problem
        self.expected = expected
        self.got = got
        super().__init__(f"{problem}; expected {expected}, got {got}")
