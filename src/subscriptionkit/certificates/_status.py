"""Revocation as a W3C Bitstring Status List, published as a signed credential.

Each certificate may carry a status index (:attr:`Certificate.status_index`); bit
``index`` of the issuer's list (counted from the left-most bit of the first byte) is 1
when that certificate is revoked. The list is published as a
``BitstringStatusListCredential`` whose ``encodedList`` is the GZIP-compressed
bitstring in multibase base64url (``u`` prefix), secured like the certificates: a
compact JWS with ``typ`` ``statuslist+vc+jwt``. A verifier fetches it from the URL the
certificate names, checks it with :func:`verify_status_list` and passes the result to
:func:`verify` as ``revocations``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import gzip
import re
import urllib.parse
import zlib
from collections.abc import Iterable
from typing import Any, Final

import attrs

from .._checks import items
from ..errors import InvalidCertificate, InvalidInput, InvalidStatusList
from ._credential import VC_CONTEXT, IssuerProfile, get_path
from ._jose import check_keys, sign_compact, text_of, verify_compact
from ._keyring import KeyRing, KeySource
from ._model import MAX_STATUS_INDEX, Certificate, to_utc
from ._revocation import RevocationLookup

__all__ = ["StatusList", "status_list_token", "verify_status_list"]

#: The ``typ`` of a status list credential token.
STATUS_LIST_TYP: Final = "statuslist+vc+jwt"
#: The smallest list (bits): 16 KiB, the specification's minimum for group privacy.
MIN_LIST_BITS: Final = 131_072
#: The largest list (bits) this library reads or writes: 2 MiB uncompressed.
MAX_LIST_BITS: Final = MAX_STATUS_INDEX + 1
_MULTIBASE_BASE64URL: Final = "u"
_B64URL: Final = re.compile(r"[A-Za-z0-9_-]*")


def _list_url(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    parts = urllib.parse.urlsplit(value) if isinstance(value, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(c.isspace() for c in str(value))
    ):
        raise InvalidInput(
            f"a status list url must be an absolute http(s) URL such as "
            f"'https://example.org/status/1', got {value!r}"
        )


def _indexes(values: Iterable[int]) -> frozenset[int]:
    result = frozenset(items(values, "revoked", "an iterable of status indexes"))
    for index in result:
        if type(index) is not int or not 0 <= index <= MAX_STATUS_INDEX:
            raise InvalidInput(
                f"a status index must be a whole number from 0 to {MAX_STATUS_INDEX}, got {index!r}"
            )
    return result


def _issued_at(value: object) -> _dt.datetime:
    return to_utc(value, "issued_at")


def _size_for(revoked: frozenset[int]) -> int:
    needed = max(revoked, default=-1) + 1
    return max(MIN_LIST_BITS, -(-needed // MIN_LIST_BITS) * MIN_LIST_BITS)


@attrs.frozen
class StatusList:
    """An issuer's revocation status list at one moment (W3C Bitstring Status List).

    Args:
        url: where the list is published (the certificates' ``statusListCredential``).
        issued_at: the aware moment the list describes (kept in UTC).
        revoked: the status indexes of the revoked certificates.
        size: the list's length in bits; by default the smallest multiple of 131,072
            that holds every index.

    Raises:
        InvalidInput: a URL that is not absolute http(s), an index out of range, or a
            size that is not a positive multiple of 8 holding every index.
        NaiveDatetimeError: ``issued_at`` has no time zone.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    >>> status = StatusList("https://example.org/status/1", at).revoke(7)
    >>> status.is_revoked(7), status.is_revoked(8), status.size
    (True, False, 131072)
    """

    url: str = attrs.field(validator=_list_url)
    issued_at: _dt.datetime = attrs.field(converter=_issued_at)
    revoked: frozenset[int] = attrs.field(default=frozenset(), converter=_indexes)
    size: int = attrs.field()

    @size.default
    def _size_default(self) -> int:
        return _size_for(self.revoked)

    @size.validator
    def _check_size(self, attribute: attrs.Attribute[int], value: object) -> None:
        if (
            type(value) is not int
            or not 8 <= value <= MAX_LIST_BITS
            or value % 8
            or value <= max(self.revoked, default=-1)
        ):
            raise InvalidInput(
                f"a status list's size must be a multiple of 8 from 8 to {MAX_LIST_BITS} "
                f"bits that holds every revoked index, got {value!r}"
            )

    @classmethod
    def from_certificates(
        cls,
        url: str,
        certificates: Iterable[Certificate],
        revocations: RevocationLookup,
        *,
        at: _dt.datetime,
    ) -> StatusList:
        """Build the list at ``at`` from the certificates and the revocation register.

        A certificate counts as revoked when it has a status index and a revocation
        in effect at ``at``.

        Args:
            url: where the list will be published.
            certificates: the issuer's certificates (those without an index are skipped).
            revocations: the register of revocations, e.g. a :class:`RevocationList`
                or a store's revocations.
            at: the aware moment the list describes.
        """
        moment = to_utc(at, "at")
        _list_url(None, attrs.fields(cls).url, url)
        if not callable(getattr(revocations, "get", None)) or isinstance(revocations, dict):
            raise InvalidInput(
                "revocations must be a revocation lookup such as a RevocationList, "
                f"got {type(revocations).__name__}"
            )
        if isinstance(certificates, str | bytes) or not isinstance(certificates, Iterable):
            raise InvalidInput(
                f"certificates must be an iterable of Certificate, got {type(certificates).__name__}"
            )
        revoked = set()
        for certificate in certificates:
            if not isinstance(certificate, Certificate):
                raise InvalidInput(
                    f"certificates must hold Certificate objects, got {type(certificate).__name__}"
                )
            if certificate.status_index is None:
                continue
            revocation = revocations.get(certificate.certificate_id)
            if revocation is not None and revocation.revoked_at <= moment:
                revoked.add(certificate.status_index)
        return cls(url, moment, frozenset(revoked))

    def revoke(self, index: int) -> StatusList:
        """Return a list in which ``index`` is revoked (growing the list if needed).

        Raises:
            InvalidInput: ``index`` is out of range.
        """
        revoked = _indexes((*self.revoked, index))
        return attrs.evolve(self, revoked=revoked, size=max(self.size, _size_for(revoked)))

    def is_revoked(self, index: int) -> bool:
        """Return whether the certificate at status ``index`` is revoked."""
        return index in self.revoked

    def encoded_list(self) -> str:
        """Return the bitstring GZIP-compressed, base64url, with the multibase ``u`` prefix."""
        bits = bytearray(self.size // 8)
        for index in self.revoked:
            bits[index // 8] |= 0x80 >> (index % 8)
        compressed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: deterministic
        return _MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()

    @classmethod
    def from_encoded_list(cls, url: str, issued_at: _dt.datetime, encoded: str) -> StatusList:
        """Read an ``encodedList``; decompression is bounded (at most 2 MiB).

        Raises:
            InvalidStatusList: not multibase base64url of a GZIP bitstring within bounds.
        """
        bits = _decode_bits(encoded)
        revoked = frozenset(
            byte_index * 8 + bit
            for byte_index, byte in enumerate(bits)
            if byte
            for bit in range(8)
            if byte & (0x80 >> bit)
        )
        return cls(url, issued_at, revoked, len(bits) * 8)

    def credential(self, issuer: IssuerProfile) -> dict[str, Any]:
        """Return the ``BitstringStatusListCredential`` (VC Data Model 2.0), without proof."""
        return {
            "@context": [VC_CONTEXT],
            "id": self.url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.id,
            "validFrom": self.issued_at.isoformat().replace("+00:00", "Z"),
            "credentialSubject": {
                "id": f"{self.url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": self.encoded_list(),
            },
        }


def _invalid(problem: str, expected: str, got: str) -> InvalidStatusList:
    return InvalidStatusList(problem=problem, expected=expected, got=got)


def _decode_bits(encoded: object) -> bytes:
    if (
        not isinstance(encoded, str)
        or not encoded.startswith(_MULTIBASE_BASE64URL)
        or not _B64URL.fullmatch(encoded, 1)
    ):
        raise _invalid(
            "the encodedList is not multibase base64url",
            "'u' followed by unpadded base64url",
            type(encoded).__name__ if not isinstance(encoded, str) else "other characters",
        )
    body = encoded[1:]
    bits = b""
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip framing
        bits = inflater.decompress(compressed, MAX_LIST_BITS // 8 + 1)
        complete = inflater.eof and not inflater.unused_data
    except (binascii.Error, ValueError, zlib.error):
        complete = False
    if not complete or not bits or len(bits) > MAX_LIST_BITS // 8:
        raise _invalid(
            "the encodedList is not a GZIP-compressed bitstring within bounds",
            f"one GZIP member of 1 to {MAX_LIST_BITS // 8} bytes",
            f"{len(encoded)} characters that are not",
        )
    return bits


def status_list_token(status_list: StatusList, keyring: KeyRing, *, issuer: IssuerProfile) -> str:
    """Sign a status list as a ``BitstringStatusListCredential`` token (compact JWS).

    The key valid at the list's ``issued_at`` signs; the header's ``typ`` is
    ``statuslist+vc+jwt``, so a status list can never pass for a certificate token.

    Args:
        status_list: the list.
        keyring: the issuer's keys.
        issuer: the issuer's profile (its id goes into ``issuer``).

    Raises:
        KeyRingError: no key of the ring was valid at the list's ``issued_at``.
        InvalidInput: an argument of the wrong kind.
    """
    if not isinstance(status_list, StatusList) or not isinstance(issuer, IssuerProfile):
        raise InvalidInput(
            "status_list_token needs a StatusList and an IssuerProfile, got "
            f"{type(status_list).__name__} and {type(issuer).__name__}"
        )
    if not isinstance(keyring, KeyRing):
        raise InvalidInput(
            f"a status list token signs with a KeyRing (it holds the private key), got {type(keyring).__name__}"
        )
    return sign_compact(
        status_list.credential(issuer), keyring, STATUS_LIST_TYP, status_list.issued_at
    )


def verify_status_list(
    token: str | bytes,
    keys: KeySource,
    *,
    at: _dt.datetime,
    url: str | None = None,
    leeway: _dt.timedelta = _dt.timedelta(0),
) -> StatusList:
    """Check a status list credential token and return the list it holds.

    The same pinned JWS checks as :func:`verify` (``typ`` ``statuslist+vc+jwt``), the
    signing key's window at the list's ``validFrom``, ``validFrom`` not after ``at``
    (plus ``leeway``), and, when ``url`` is given, that the list is the one published
    there.

    Args:
        token: the status list token.
        keys: the issuer's public keys.
        at: the aware moment of verification.
        url: the URL the list was fetched from (the certificate's
            ``statusListCredential``); checked against the list's ``id``.
        leeway: clock skew to tolerate for a ``validFrom`` after ``at``.

    Returns:
        The :class:`StatusList`.

    Raises:
        InvalidStatusList: the token does not verify, or is not a status list credential
            (of ``url``).
        InvalidInput: ``keys`` of the wrong kind.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    moment = to_utc(at, "at")
    keys = check_keys(keys)
    try:
        payload, key = verify_compact(text_of(token), keys, STATUS_LIST_TYP)
    except InvalidCertificate as exc:
        raise _invalid(
            "the status list token does not verify",
            "a status list credential signed by a key of the set",
            str(exc),
        ) from None
    try:
        kinds = get_path(payload, "type")
        if type(kinds) is not list or "BitstringStatusListCredential" not in kinds:
            raise ValueError("not a BitstringStatusListCredential")
        list_url = get_path(payload, "id")
        subject = get_path(payload, "credentialSubject")
        if get_path(subject, "statusPurpose") != "revocation":
            raise ValueError("statusPurpose is not revocation")
        valid_from = get_path(payload, "validFrom")
        issued_at = _dt.datetime.fromisoformat(valid_from if type(valid_from) is str else "")
        if issued_at.tzinfo is None:
            raise ValueError("validFrom has no offset")
        status = StatusList.from_encoded_list(list_url, issued_at, get_path(subject, "encodedList"))
    except InvalidStatusList:
        raise
    except (ValueError, TypeError, OverflowError) as exc:  # InvalidInput is a ValueError
        raise _invalid(
            "the token is not a status list credential",
            "a BitstringStatusListCredential for revocation",
            str(exc)[:80],
        ) from None
    if not key.is_valid_at(status.issued_at):
        raise _invalid(
            f"key {key.kid!r} was not valid when the status list was issued",
            f"a validFrom from {key.not_before.isoformat()}"
            + (f" to {key.retired_after.isoformat()}" if key.retired_after else ""),
            status.issued_at.isoformat(),
        )
    if status.issued_at > moment and status.issued_at - moment > leeway:
        raise _invalid(
            "the status list is not valid yet",
            f"a validFrom at or before {moment.isoformat()}",
            status.issued_at.isoformat(),
        )
    if url is not None and status.url != url:
        raise _invalid(
            "the status list is not the one published at the given URL",
            f"id {url!r}",
            repr(status.url)[:80],
        )
    return status
