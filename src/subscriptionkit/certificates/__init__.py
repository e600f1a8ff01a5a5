"""Course certificates: issue, sign, verify, revoke and show them publicly, in open standards.

A member who completes a course gets a :class:`Certificate` (:func:`issue`). The
issuer signs it with the active key of its :class:`KeyRing` into a token (:func:`token`):
a compact JWS (RFC 7515, ``Ed25519``) of the certificate's Open Badges 3.0 credential
(:func:`open_badge_credential`), a VC-JWT that names the holder only by a salted hash.
Anyone with the link (:func:`verification_url`) checks it with :func:`verify` and the
published JWK Set (:class:`PublicKeySet`), in Python or with any JOSE library.
Revocations are kept in a :class:`RevocationList` (reasons and moments) and published
as a Bitstring :class:`StatusList` (:func:`status_list_token`); what the public page
shows follows the holder's :class:`DisclosureSettings` (:func:`public_view`).

>>> import datetime as dt
>>> from subscriptionkit.certificates import KeyRing, issue, token, verify
>>> at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)
>>> ring = KeyRing.generate(at=at)
>>> cert = issue(holder_id="u1", holder_name="Ada Lovelace", course_id="c1",
...              course_title="Giving feedback", completed_on=at.date(), issued_at=at,
...              issuer="Soofos")
>>> verified = verify(token(cert, ring), ring.public_keyset(), at=at)
>>> verified.course_title, verified.is_held_by("u1")
('Giving feedback', True)
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._credential import IssuerProfile, identity_hash, open_badge_credential
    from ._disclosure import (
        DisclosureSettings,
        NameDisclosure,
        PublicView,
        erased_holder_settings,
        public_view,
    )
    from ._jose import MAX_TOKEN_LENGTH
    from ._keyring import KeyRing, KeySource, PublicKeySet
    from ._keys import SigningKey, VerifyingKey
    from ._model import Certificate, issue
    from ._revocation import Revocation, RevocationList, RevocationLookup
    from ._status import StatusList, status_list_token, verify_status_list
    from ._token import Verified, token, verification_url, verify

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "MAX_TOKEN_LENGTH",
    "Certificate",
    "DisclosureSettings",
    "IssuerProfile",
    "KeyRing",
    "KeySource",
    "NameDisclosure",
    "PublicKeySet",
    "PublicView",
    "Revocation",
    "RevocationList",
    "RevocationLookup",
    "SigningKey",
    "StatusList",
    "Verified",
    "VerifyingKey",
    "erased_holder_settings",
    "identity_hash",
    "issue",
    "open_badge_credential",
    "public_view",
    "status_list_token",
    "token",
    "verification_url",
    "verify",
    "verify_status_list",
]
