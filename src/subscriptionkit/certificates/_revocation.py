"""Revocations: a value list of revoked certificates, exportable (and signable) as JSON."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Protocol

import attrs
from cryptography.exceptions import InvalidSignature

from ..errors import InvalidInput, InvalidRevocationList
from ._encoding import b64decode, b64encode, canonical_json, iso, parse_moment
from ._keyring import KeyRing, KeySource
from ._keys import _describe, json_kind
from ._model import to_utc

__all__ = ["Revocation", "RevocationList", "RevocationLookup"]

_FORMAT: Final = "subscriptionkit-revocations/1"
# Domain separation: a revocation list signature can never pass for a token signature.
_SIGNING_PREFIX: Final = b"subscriptionkit-revocations/1."


def _text(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"{attribute.name} must be a non-empty string, got {type(value).__name__}: {value!r}"
        )


def _revoked_at(value: object) -> _dt.datetime:
    return to_utc(value, "revoked_at")


@attrs.frozen
class Revocation:
    """One revoked certificate: which, why and since when.

    Args:
        certificate_id: the revoked certificate's id.
        reason: why it was revoked, in words a verifier may be shown.
        revoked_at: the aware moment the revocation takes effect (kept in UTC).

    Raises:
        InvalidInput: an empty id or reason.
        NaiveDatetimeError: ``revoked_at`` has no time zone.
    """

    certificate_id: str = attrs.field(validator=_text)
    reason: str = attrs.field(validator=_text)
    revoked_at: _dt.datetime = attrs.field(converter=_revoked_at)

    def to_dict(self) -> dict[str, str]:
        """Return the revocation as a JSON-ready dict."""
        return {
            "certificate_id": self.certificate_id,
            "reason": self.reason,
            "revoked_at": iso(self.revoked_at),
        }


class RevocationLookup(Protocol):
    """Anything :func:`~subscriptionkit.certificates.verify` can ask about revocations.

    :class:`RevocationList` is one; a storage-backed store with the same method is another.
    """

    def get(self, certificate_id: str) -> Revocation | None:
        """Return the revocation of ``certificate_id``, or ``None`` if it is not revoked."""
        ...


def _invalid(problem: str, expected: str, got: str) -> InvalidRevocationList:
    return InvalidRevocationList(problem=problem, expected=expected, got=got)


def _sorted_revocations(revocations: Iterable[Revocation]) -> tuple[Revocation, ...]:
    if isinstance(revocations, str | bytes) or not isinstance(revocations, Iterable):
        raise InvalidInput(
            f"a revocation list takes an iterable of Revocation, got {type(revocations).__name__}"
        )
    items = tuple(revocations)
    for item in items:
        if not isinstance(item, Revocation):
            raise InvalidInput(
                f"a revocation list holds Revocation objects only, got {type(item).__name__}"
            )
    return tuple(sorted(items, key=lambda r: r.certificate_id))


@attrs.frozen
class RevocationList:
    """An immutable list of revocations, keyed by certificate id.

    :meth:`revoke` returns a new list. Export with :meth:`to_json` (optionally
    signed with a :class:`KeyRing`) so that other services can load it with
    :meth:`from_json`.

    Args:
        revocations: the revocations; one per certificate id.

    Raises:
        InvalidInput: a certificate id appears twice.

    >>> import datetime as dt
    >>> at = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)
    >>> revoked = RevocationList().revoke("cert-1", reason="issued in error", at=at)
    >>> revoked.is_revoked("cert-1"), revoked.is_revoked("cert-2")
    (True, False)
    """

    revocations: tuple[Revocation, ...] = attrs.field(default=(), converter=_sorted_revocations)
    _by_id: dict[str, Revocation] = attrs.field(init=False, repr=False, eq=False, hash=False)

    @_by_id.default
    def _index(self) -> dict[str, Revocation]:
        by_id: dict[str, Revocation] = {}
        for revocation in self.revocations:
            if revocation.certificate_id in by_id:
                raise InvalidInput(
                    f"a revocation list holds each certificate once, got "
                    f"{revocation.certificate_id!r} twice"
                )
            by_id[revocation.certificate_id] = revocation
        return by_id

    def revoke(self, certificate_id: str, *, reason: str, at: _dt.datetime) -> RevocationList:
        """Return a list in which ``certificate_id`` is revoked from ``at``.

        Revoking an already revoked certificate returns the list unchanged: the first
        revocation (its reason and moment) stands.

        Args:
            certificate_id: the certificate to revoke.
            reason: why, in words a verifier may be shown.
            at: the aware moment the revocation takes effect.

        Raises:
            InvalidInput: an empty id or reason.
            NaiveDatetimeError: ``at`` has no time zone.
        """
        revocation = Revocation(certificate_id, reason, at)
        if certificate_id in self._by_id:
            return self
        return RevocationList((*self.revocations, revocation))

    def get(self, certificate_id: str) -> Revocation | None:
        """Return the revocation of ``certificate_id``, or ``None``."""
        return self._by_id.get(certificate_id)

    def is_revoked(self, certificate_id: str, *, at: _dt.datetime | None = None) -> bool:
        """Return whether ``certificate_id`` is revoked (at ``at``, if given).

        Args:
            certificate_id: the certificate to look up.
            at: if given, only a revocation effective at or before ``at`` counts.
        """
        revocation = self._by_id.get(certificate_id)
        if revocation is None:
            return False
        return at is None or revocation.revoked_at <= to_utc(at, "at")

    def __len__(self) -> int:
        return len(self.revocations)

    def __iter__(self) -> Iterator[Revocation]:
        return iter(self.revocations)

    def __contains__(self, certificate_id: object) -> bool:
        return certificate_id in self._by_id

    def _body(self) -> dict[str, Any]:
        return {"format": _FORMAT, "revocations": [r.to_dict() for r in self.revocations]}

    def to_json(self, *, sign_with: KeyRing | None = None) -> str:
        """Return the list as JSON, signed by the ring's active key when ``sign_with`` is given.

        Args:
            sign_with: a key ring whose active key signs the list.
        """
        document = self._body()
        if sign_with is not None:
            key = sign_with.active
            signature = key.sign(_SIGNING_PREFIX + canonical_json(document))
            document["signature"] = {"kid": key.kid, "sig": b64encode(signature)}
        return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | bytes, *, keys: KeySource | None = None) -> RevocationList:
        """Load a list from JSON made by :meth:`to_json`.

        Args:
            text: the JSON document.
            keys: when given, the list must be signed by one of these keys (a
                :class:`KeyRing` or :class:`PublicKeySet`); when not, any signature
                is ignored.

        Raises:
            InvalidRevocationList: not a revocation list, or (with ``keys``) unsigned
                or wrongly signed.
        """
        try:
            document = json.loads(text)
        except (ValueError, TypeError, RecursionError) as exc:
            raise _invalid(
                "the revocation list is not valid JSON",
                "a revocation list in JSON, as the command subscriptionkit certificates revoke "
                "writes it",
                f"{type(text).__name__} that does not parse",
            ) from exc
        if not isinstance(document, dict) or document.get("format") != _FORMAT:
            raise _invalid(
                "not a revocation list document",
                f'an object with "format": "{_FORMAT}"',
                json_kind(document)
                if not isinstance(document, dict)
                else f'"format": {_describe(document.get("format"))}',
            )
        signature = document.pop("signature", None)
        if keys is not None:
            _check_signature(document, signature, keys)
        entries = document.get("revocations")
        if not isinstance(entries, list):
            raise _invalid(
                "the revocation list has no list of revocations",
                '"revocations": [...]',
                json_kind(entries),
            )
        return cls(_revocation_from(entry) for entry in entries)


def _revocation_from(entry: object) -> Revocation:
    try:
        if not isinstance(entry, Mapping):
            raise ValueError("not an object")
        return Revocation(
            entry["certificate_id"], entry["reason"], parse_moment(entry["revoked_at"])
        )
    except (ValueError, KeyError, TypeError) as exc:  # InvalidInput is a ValueError
        raise _invalid(
            "a revocation entry cannot be read",
            "an object with certificate_id, reason and an ISO 8601 revoked_at",
            repr(entry)[:80],
        ) from exc


def _check_signature(document: dict[str, Any], signature: object, keys: KeySource) -> None:
    if not isinstance(signature, dict):
        raise _invalid(
            "the revocation list is not signed",
            'a "signature" object with "kid" and "sig", since keys were given',
            "no signature",
        )
    kid, sig = signature.get("kid"), signature.get("sig")
    key = keys.verifying_key(kid) if isinstance(kid, str) else None
    if key is None:
        raise _invalid(
            "the revocation list is signed with an unknown key",
            f"one of {', '.join(keys.kids)}",
            repr(kid),
        )
    try:
        if not isinstance(sig, str) or not sig.isascii():
            raise ValueError("not base64url")
        key.public_key.verify(b64decode(sig), _SIGNING_PREFIX + canonical_json(document))
    except (ValueError, InvalidSignature) as exc:
        raise _invalid(
            "the revocation list signature does not match its contents",
            f"a signature by key {kid!r} over the list",
            "one that does not (the list was altered)",
        ) from exc
