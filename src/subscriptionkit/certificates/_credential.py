"""Open Badges 3.0 credentials: a certificate as an ``OpenBadgeCredential`` and back.

The credential has the W3C Verifiable Credentials Data Model 2.0 shape (``validFrom``)
that Open Badges 3.0 defines; secured as a VC-JWT (see :func:`token`) a learner can
import it into a wallet or a badge backpack.

The holder is named only by a salted identity hash (an Open Badges ``IdentityObject``,
``identityType`` ``"identifier"``, over the holder's account id), never by name: whoever
holds the token learns the course, the date and the issuer, not who earned it. The
verification page looks the name up in the issuer's store, subject to the holder's
disclosure settings and to erasure.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import urllib.parse
from collections.abc import Mapping
from typing import Any, Final

import attrs

from ..errors import InvalidInput
from ._model import Certificate, to_utc

__all__ = ["IssuerProfile", "identity_hash", "open_badge_credential"]

VC_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT: Final = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: The credential's ``@context`` and ``type``, exactly as made and as checked.
CONTEXTS: Final = [VC_CONTEXT, OB_CONTEXT]
CREDENTIAL_TYPES: Final = ["VerifiableCredential", "OpenBadgeCredential"]
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CERT_URN: Final = "urn:subscriptionkit:certificate:"
_COURSE_URN: Final = "urn:subscriptionkit:course:"
_ISSUER_URN: Final = "urn:subscriptionkit:issuer:"
_UUID_URN: Final = "urn:uuid:"
#: What ``quote(value, safe="")`` leaves as it is: such a value is its own quoted form.
_UNQUOTED: Final = re.compile(r"[A-Za-z0-9_.~-]+")
# Domain separation for the identity salt, derived from the certificate id (see identity_hash).
_SALT_LABEL: Final = b"subscriptionkit identity salt/1\x00"


def _text(instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            f"{attribute.name} must be a non-empty string, got {type(value).__name__}: {value!r}"
        )


def _uri(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.name != "id":
        return
    parts = urllib.parse.urlsplit(value) if isinstance(value, str) else None
    web = parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)
    urn = parts is not None and parts.scheme == "urn" and attribute.name == "id"
    if not (web or urn) or any(c.isspace() for c in str(value)):
        raise InvalidInput(
            f"{attribute.name} must be an absolute http(s) URL such as "
            f"'https://example.org/issuer'{' (or a urn: URI)' if attribute.name == 'id' else ''}, "
            f"got {value!r}"
        )


@attrs.frozen
class IssuerProfile:
    """Who issues the certificates (an Open Badges ``Profile`` id), and where its list lives.

    Args:
        id: the issuer's URL (its Open Badges profile id), e.g. ``https://soofos.nl``,
            or a ``urn:`` URI.
        status_list_url: the URL where the issuer publishes its status list credential
            (see :func:`status_list_token`); ``None`` when it publishes none, and then
            tokens carry no ``credentialStatus``.

    Raises:
        InvalidInput: ``id`` is not an absolute http(s) URL or a URN, or
            ``status_list_url`` not an absolute http(s) URL.
    """

    id: str = attrs.field(validator=_uri)
    status_list_url: str | None = attrs.field(default=None, validator=_uri)

    @classmethod
    def unnamed(cls, name: str) -> IssuerProfile:
        """Return the profile of an issuer known only by name: ``urn:subscriptionkit:issuer:<name>``.

        Tokens made without a profile use this one; they carry no status entry.

        Raises:
            InvalidInput: ``name`` is not a non-empty string.
        """
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(f"an issuer name must be a non-empty string, got {name!r}")
        return cls(_urn(_ISSUER_URN, name))


def _urn(prefix: str, value: str) -> str:
    return prefix + urllib.parse.quote(value, safe="")


def credential_id(certificate_id: str) -> str:
    """Return the credential's ``id``: ``urn:uuid:...`` for a UUID, else a subscriptionkit URN."""
    if _UUID.fullmatch(certificate_id):
        return _UUID_URN + certificate_id
    return _urn(_CERT_URN, certificate_id)


def certificate_id_from(value: object) -> str:
    """Return the certificate id a credential ``id`` names.

    Raises:
        ValueError: not an id that :func:`credential_id` makes.
    """
    if isinstance(value, str):
        if value.startswith(_UUID_URN):
            rest = value[len(_UUID_URN) :]
            if _UUID.fullmatch(rest):
                return rest
        elif value.startswith(_CERT_URN):
            return _from_urn(value, _CERT_URN)
    raise ValueError("not a certificate id")


def _from_urn(value: str, prefix: str) -> str:
    rest = value[len(prefix) :]
    if _UNQUOTED.fullmatch(rest):
        return rest  # nothing quoted: canonical as it stands
    decoded = urllib.parse.unquote(rest, errors="strict")
    if not decoded or _urn(prefix, decoded) != value:
        raise ValueError("not canonical")
    return decoded


def course_id_from(value: object) -> str:
    """Return the course id an achievement ``id`` names.

    Raises:
        ValueError: not an id that this module makes.
    """
    if isinstance(value, str) and value.startswith(_COURSE_URN):
        return _from_urn(value, _COURSE_URN)
    raise ValueError("not a course id")


def identity_salt(certificate_id: str) -> str:
    """Return the salt of a certificate's identity hash: 32 hex digits derived from its id.

    The salt is published in the credential, as Open Badges 3.0 requires for a hashed
    identity, so it adds no secrecy; being unique per certificate, it makes the hashes
    of one holder's certificates unlinkable without the holder id, and no table can be
    computed in advance. Deriving it (rather than drawing it at random) keeps signing
    deterministic without storing a salt.
    """
    return hashlib.sha256(_SALT_LABEL + certificate_id.encode()).hexdigest()[:32]


def identity_hash(holder_id: str, certificate_id: str) -> str:
    """Return the Open Badges identity hash of a holder on one certificate.

    ``"sha256$" + hex(SHA-256(holder_id + salt))``: the salt is published in the credential,
    32 hex digits derived from the certificate id (unique per certificate, so one holder's
    certificates are not linkable by their hashes, and signing stays deterministic).

    Args:
        holder_id: the holder's account id.
        certificate_id: the certificate's id.

    Raises:
        InvalidInput: an argument is not a string.

    >>> identity_hash("u1", "cert-1").startswith("sha256$")
    True
    """
    if not isinstance(holder_id, str) or not isinstance(certificate_id, str):
        raise InvalidInput(
            "identity_hash needs the holder id and certificate id as strings, got "
            f"{type(holder_id).__name__} and {type(certificate_id).__name__}"
        )
    salted = (holder_id + identity_salt(certificate_id)).encode()
    return "sha256$" + hashlib.sha256(salted).hexdigest()


def holds(holder_id: str, certificate_id: str, given_hash: str) -> bool:
    """Whether ``given_hash`` is ``holder_id``'s identity hash on that certificate (constant time)."""
    return hmac.compare_digest(identity_hash(holder_id, certificate_id), given_hash)


def _utc_text(moment: _dt.datetime) -> str:
    return to_utc(moment).isoformat().replace("+00:00", "Z")


def open_badge_credential(
    certificate: Certificate, issuer: IssuerProfile | None = None
) -> dict[str, Any]:
    """Return a certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (a JSON-ready dict).

    The course becomes the ``Achievement`` (``achievementType`` ``"Course"``); the
    holder appears only as a salted identity hash (see :func:`identity_hash`), never by
    name; ``validFrom`` and ``awardedDate`` are the issue moment; ``completionDate`` (an
    extension term) is the completion date. With an issuer that publishes a status list
    and a certificate with a status index, ``credentialStatus`` is a Bitstring Status
    List entry (``statusPurpose`` ``"revocation"``).

    Args:
        certificate: the certificate.
        issuer: the issuer's profile; by default :meth:`IssuerProfile.unnamed` of the
            certificate's issuer.

    Returns:
        The credential, without proof: :func:`token` secures it as a VC-JWT.

    Raises:
        InvalidInput: ``certificate`` is not a :class:`Certificate`, or ``issuer`` not an
            :class:`IssuerProfile`.
    """
    if not isinstance(certificate, Certificate):
        raise InvalidInput(
            f"open_badge_credential needs a Certificate, got {type(certificate).__name__}"
        )
    if issuer is None:
        issuer = IssuerProfile.unnamed(certificate.issuer)
    elif not isinstance(issuer, IssuerProfile):
        raise InvalidInput(f"issuer must be an IssuerProfile or None, got {type(issuer).__name__}")
    issued = _utc_text(certificate.issued_at)
    achievement = {
        "id": _urn(_COURSE_URN, certificate.course_id),
        "type": ["Achievement"],
        "achievementType": "Course",
        "name": certificate.course_title,
        "description": f"Completed the course {certificate.course_title}.",
        "criteria": {"narrative": "Complete every part of the course."},
    }
    credential: dict[str, Any] = {
        "@context": list(CONTEXTS),
        "id": credential_id(certificate.certificate_id),
        "type": list(CREDENTIAL_TYPES),
        "name": certificate.course_title,
        "issuer": {"id": issuer.id, "type": ["Profile"], "name": certificate.issuer},
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(
                        certificate.holder_id, certificate.certificate_id
                    ),
                    "identityType": "identifier",
                    "hashed": True,
                    "salt": identity_salt(certificate.certificate_id),
                }
            ],
            "achievement": achievement,
            "completionDate": certificate.completed_on.isoformat(),
        },
    }
    if issuer.status_list_url is not None and certificate.status_index is not None:
        credential["credentialStatus"] = status_entry(
            issuer.status_list_url, certificate.status_index
        )
    return credential


def status_entry(list_url: str, index: int) -> dict[str, str]:
    """Return a ``BitstringStatusListEntry`` for revocation at ``index`` of the list at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def get_path(data: Mapping[str, Any], *path: str | int) -> Any:
    """Return ``data[path[0]][path[1]]...``.

    Raises:
        ValueError: a step is missing or of the wrong type.
    """
    value: Any = data
    for step in path:
        if isinstance(step, int):
            if type(value) is not list or len(value) != 1:
                raise ValueError(f"expected a one-item list at {step}")
            value = value[0]
        else:
            if type(value) is not dict or step not in value:
                raise ValueError(f"missing {step}")
            value = value[step]
    return value
