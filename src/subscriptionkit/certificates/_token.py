"""Certificate tokens as compact JWS (RFC 7515, Ed25519), verification URLs and :func:`verify`.

A token is a VC-JWT: the compact JWS, made and checked by joserfc, of the certificate's
Open Badges 3.0 credential (:func:`open_badge_credential`). Its protected header is
exactly ``{"alg": "Ed25519", "kid": <RFC 7638 thumbprint>, "typ": "vc+jwt"}``; the
verifier pins the algorithm and the type (RFC 8725) and refuses every other header,
``"none"`` included, before it looks at anything else.
"""

from __future__ import annotations

import datetime as _dt
import re
import urllib.parse
from typing import Any, Final

import attrs

from ..errors import (
    CertificateRevoked,
    InvalidInput,
    KeyNotValid,
    MalformedToken,
    NotYetValid,
    StatusNotCovered,
)
from ._credential import (
    CONTEXTS,
    CREDENTIAL_TYPES,
    IssuerProfile,
    certificate_id_from,
    course_id_from,
    holds,
    open_badge_credential,
)
from ._jose import MAX_TOKEN_LENGTH, check_keys, sign_compact, text_of, verify_compact
from ._keyring import KeyRing, KeySource
from ._keys import VerifyingKey
from ._legacy import LEGACY_PREFIX, verify_legacy
from ._model import MAX_STATUS_INDEX, Certificate, to_utc
from ._revocation import RevocationLookup
from ._status import StatusList

__all__ = [
    "CREDENTIAL_TYP",
    "MAX_TOKEN_LENGTH",
    "Verified",
    "token",
    "verification_url",
    "verify",
]

#: The ``typ`` of a certificate token (a VC-JWT, VC-JOSE-COSE).
CREDENTIAL_TYP: Final = "vc+jwt"
_INDEX: Final = re.compile(r"0|[1-9][0-9]{0,7}")


@attrs.frozen
class Verified:
    """What a genuine, unrevoked certificate token states.

    A JWS token names its holder only by ``identity_hash`` (check it with
    :meth:`is_held_by`); the name comes from the issuer's store. A deprecated ``v1``
    token carries the whole certificate, name included, in ``certificate``.

    Args:
        certificate_id: the certificate's id.
        course_id: the completed course's id.
        course_title: the course title.
        completed_on: the completion date.
        issued_at: the moment of issue (UTC).
        issuer: the issuer's name.
        kid: the key id of the key that signed it.
        verified_at: the moment of verification (UTC).
        status_index: the certificate's index in its issuer's status list, if any.
        status_list_url: where that status list is published, if any.
        identity_hash: the holder's salted identity hash (JWS tokens).
        certificate: the whole certificate (``v1`` tokens only).
    """

    certificate_id: str
    course_id: str
    course_title: str
    completed_on: _dt.date
    issued_at: _dt.datetime
    issuer: str
    kid: str
    verified_at: _dt.datetime
    status_index: int | None = None
    status_list_url: str | None = None
    identity_hash: str | None = attrs.field(default=None, repr=False)
    certificate: Certificate | None = attrs.field(default=None, repr=False)

    @property
    def legacy(self) -> bool:
        """Whether the token was of the deprecated ``v1`` format."""
        return self.certificate is not None

    @property
    def holder_name(self) -> str | None:
        """The holder's name if the token states it (only ``v1`` tokens do), else ``None``."""
        return None if self.certificate is None else self.certificate.holder_name

    def is_held_by(self, holder_id: str) -> bool:
        """Return whether the certificate belongs to the account ``holder_id``.

        For a JWS token this recomputes the salted identity hash (compared in constant
        time); for a ``v1`` token it compares the holder id it carries.

        Args:
            holder_id: an account id.
        """
        if not isinstance(holder_id, str):
            return False
        if self.certificate is not None:
            return self.certificate.holder_id == holder_id
        return self.identity_hash is not None and holds(
            holder_id, self.certificate_id, self.identity_hash
        )


def token(
    certificate: Certificate, keyring: KeyRing, *, issuer: IssuerProfile | None = None
) -> str:
    """Sign a certificate and return its token: a compact JWS of its Open Badges credential.

    The payload is :func:`open_badge_credential` as canonical JSON (sorted keys, no
    spaces, UTF-8); the header is ``alg`` ``Ed25519``, the signing key's ``kid`` and
    ``typ`` ``vc+jwt``. Signing is deterministic: the same certificate, issuer and key
    give the same token. The token names no holder in clear.

    Args:
        certificate: the certificate to sign.
        keyring: the issuer's keys; the active key signs, or for an older certificate
            the key that was valid when it was issued.
        issuer: the issuer's profile (its id and status list URL); by default an
            unnamed profile and no status entry.

    Returns:
        The token (ASCII letters, digits, ``-``, ``_`` and two dots).

    Raises:
        KeyRingError: no key in the ring was valid at ``certificate.issued_at``.
        InvalidInput: ``certificate`` is not a :class:`Certificate`, ``keyring`` not a
            :class:`KeyRing` or ``issuer`` not an :class:`IssuerProfile`.
    """
    if not isinstance(keyring, KeyRing):
        raise InvalidInput(
            f"a certificate token signs with a KeyRing (it holds the private key), got {type(keyring).__name__}"
        )
    credential = open_badge_credential(certificate, issuer)
    return sign_compact(credential, keyring, CREDENTIAL_TYP, certificate.issued_at)


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

    >>> verification_url("https://example.org/verify", "eyJ.eyJ.sig")
    'https://example.org/verify?token=eyJ.eyJ.sig'
    >>> verification_url("https://example.org/c/{token}?lang=nl", "eyJ.eyJ.sig")
    'https://example.org/c/eyJ.eyJ.sig?lang=nl'
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


def _from_credential(payload: dict[str, Any], kid: str, moment: _dt.datetime) -> Verified:
    """Read what :func:`open_badge_credential` wrote; signed by a trusted key, yet checked.

    Any missing member or wrong type ends in ``MalformedToken``: indexing a list with a
    name, a string with a name or a dict with a number raises TypeError or KeyError.
    """
    try:
        if payload["@context"] != CONTEXTS or payload["type"] != CREDENTIAL_TYPES:
            raise ValueError("not an OpenBadgeCredential of ours")
        subject = payload["credentialSubject"]
        achievement = subject["achievement"]
        identifiers = subject["identifier"]
        if type(identifiers) is not list or len(identifiers) != 1:
            raise ValueError("expected one identifier")
        issued_at = _dt.datetime.fromisoformat(_string(payload["validFrom"]))
        if issued_at.tzinfo is None:
            raise ValueError("validFrom has no offset")
        status = payload.get("credentialStatus")
        index: int | None = None
        list_url: str | None = None
        if status is not None:
            raw_index = _string(status["statusListIndex"])
            if not _INDEX.fullmatch(raw_index) or int(raw_index) > MAX_STATUS_INDEX:
                raise ValueError("bad statusListIndex")
            if status["statusPurpose"] != "revocation":
                raise ValueError("not a revocation entry")
            index, list_url = int(raw_index), _string(status["statusListCredential"])
        return Verified(
            certificate_id=certificate_id_from(payload["id"]),
            course_id=course_id_from(achievement["id"]),
            course_title=_nonblank(achievement["name"]),
            completed_on=_dt.date.fromisoformat(_string(subject["completionDate"])),
            issued_at=to_utc(issued_at),
            issuer=_nonblank(payload["issuer"]["name"]),
            kid=kid,
            verified_at=moment,
            status_index=index,
            status_list_url=list_url,
            identity_hash=_string(identifiers[0]["identityHash"]),
        )
    except (KeyError, IndexError, ValueError, TypeError, OverflowError) as exc:
        reason = f"{type(exc).__name__}: {str(exc)[:60]}"
    raise _malformed(
        "the payload is not a certificate credential",
        "an OpenBadgeCredential as this library makes it",
        reason,
    )


def _string(value: object) -> str:
    if type(value) is not str:
        raise ValueError(f"expected a string, got {type(value).__name__}")
    return value


def _nonblank(value: object) -> str:
    text = _string(value)
    if not text.strip():
        raise ValueError("expected a non-empty string")
    return text


def _from_legacy(text: str, keys: KeySource, moment: _dt.datetime) -> tuple[Verified, VerifyingKey]:
    certificate, key = verify_legacy(text, keys)
    return Verified(
        certificate_id=certificate.certificate_id,
        course_id=certificate.course_id,
        course_title=certificate.course_title,
        completed_on=certificate.completed_on,
        issued_at=certificate.issued_at,
        issuer=certificate.issuer,
        kid=key.kid,
        verified_at=moment,
        certificate=certificate,
    ), key


def _check_revocations(revocations: object) -> RevocationLookup | StatusList | None:
    if revocations is None or isinstance(revocations, StatusList):
        return revocations
    if not callable(getattr(revocations, "get", None)) or isinstance(revocations, dict):
        raise InvalidInput(
            "revocations must be None, a StatusList (see verify_status_list) or a "
            "revocation lookup such as a RevocationList or a store's revocations, "
            f"got {type(revocations).__name__}"
        )
    return revocations  # type: ignore[return-value]


def verify(
    token: str | bytes,
    keys: KeySource,
    *,
    at: _dt.datetime,
    revocations: RevocationLookup | StatusList | None = None,
    leeway: _dt.timedelta = _dt.timedelta(0),
) -> Verified:
    """Check a certificate token and return what it states.

    The checks, in order: the token's size and shape; the protected header (exactly
    ``alg`` ``Ed25519``, ``typ`` ``vc+jwt`` and a ``kid``: RFC 8725's pinned algorithm
    and type); a known key id; the Ed25519 signature (by joserfc); the credential's
    fields; the key's validity window at the certificate's issue time; the issue time
    not after ``at``; no revocation in effect at ``at``. Whatever the token, only
    library errors are raised.

    Tokens of the deprecated ``v1.`` format still verify (read-only), with the same
    checks after their own signature check.

    Args:
        token: the token, as text (or ASCII bytes).
        keys: the public keys: a :class:`PublicKeySet` or a :class:`KeyRing`.
        at: the aware moment of verification.
        revocations: where revocations are looked up: a :class:`StatusList` (from
            :func:`verify_status_list`, checked by the token's status index), or a
            lookup by certificate id such as a :class:`RevocationList` or a store's
            revocations.
        leeway: clock skew to tolerate for an issue time after ``at``.

    Returns:
        The :class:`Verified` certificate.

    Raises:
        MalformedToken: not a well-formed token, or a header that is not pinned.
        UnknownKey: signed with a key id ``keys`` does not hold.
        BadSignature: altered, or signed by another key with the same key id.
        KeyNotValid: the key was not valid at the certificate's issue time.
        NotYetValid: the certificate's issue time is after ``at`` (plus ``leeway``).
        CertificateRevoked: revoked at or before ``at`` (by a status list: revoked).
        StatusNotCovered: a status list was given but the token has no entry in it.
        InvalidInput: ``keys``, ``revocations`` or ``leeway`` of the wrong kind.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    moment = to_utc(at, "at")
    keys = check_keys(keys)
    lookup = _check_revocations(revocations)
    if not isinstance(leeway, _dt.timedelta) or leeway < _dt.timedelta(0):
        raise InvalidInput(f"leeway must be a timedelta of 0 or more, got {leeway!r}")
    text = text_of(token)
    if text.startswith(LEGACY_PREFIX):
        verified, key = _from_legacy(text, keys, moment)
    else:
        payload, key = verify_compact(text, keys, CREDENTIAL_TYP)
        verified = _from_credential(payload, key.kid, moment)
    issued_at = verified.issued_at
    if not (
        key.not_before <= issued_at
        and (key.retired_after is None or issued_at <= key.retired_after)
    ):
        raise KeyNotValid(
            kid=key.kid,
            issued_at=issued_at,
            not_before=key.not_before,
            retired_after=key.retired_after,
        )
    if issued_at > moment and issued_at - moment > leeway:  # no overflow near year 9999
        raise NotYetValid(issued_at=issued_at, at=moment)
    if isinstance(lookup, StatusList):
        if verified.status_index is None or verified.status_list_url != lookup.url:
            raise StatusNotCovered(
                certificate_id=verified.certificate_id,
                list_url=lookup.url,
                entry_url=verified.status_list_url,
            )
        if lookup.is_revoked(verified.status_index):
            raise CertificateRevoked(
                certificate_id=verified.certificate_id,
                reason=f"marked revoked in the status list {lookup.url}",
                revoked_at=lookup.issued_at,
            )
    elif lookup is not None:
        revocation = lookup.get(verified.certificate_id)
        if revocation is not None and revocation.revoked_at <= moment:
            raise CertificateRevoked(
                certificate_id=verified.certificate_id,
                reason=revocation.reason,
                revoked_at=revocation.revoked_at,
            )
    return verified
