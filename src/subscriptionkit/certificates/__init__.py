"""Course certificates: issue, sign (Ed25519), verify, revoke and show them publicly.

A member who completes a course gets a :class:`Certificate` (:func:`issue`). The
issuer signs it with the active key of its :class:`KeyRing` into a compact token
(:func:`token`) whose public link (:func:`verification_url`) anyone can check with
:func:`verify` and only the public keys (:class:`PublicKeySet`). Revocations live in
a :class:`RevocationList`; what the public page shows follows the holder's
:class:`DisclosureSettings` (:func:`public_view`).

>>> import datetime as dt
>>> at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.timezone.utc)
>>> ring = KeyRing.generate(at=at)
>>> cert = issue(holder_id="u1", holder_name="Ada Lovelace", course_id="c1",
...              course_title="Giving feedback", completed_on=at.date(), issued_at=at,
...              issuer="Soofos")
>>> verify(token(cert, ring), ring.public_keyset(), at=at).certificate == cert
True
"""

from ._disclosure import (
    DisclosureSettings,
    NameDisclosure,
    PublicView,
    erased_holder_settings,
    public_view,
)
from ._keys import KeyRing, KeySource, PublicKeySet, SigningKey, VerifyingKey
from ._model import Certificate, issue
from ._revocation import Revocation, RevocationList, RevocationLookup
from ._token import MAX_TOKEN_LENGTH, Verified, token, verification_url, verify

__all__ = [
    "MAX_TOKEN_LENGTH",
    "Certificate",
    "DisclosureSettings",
    "KeyRing",
    "KeySource",
    "NameDisclosure",
    "PublicKeySet",
    "PublicView",
    "Revocation",
    "RevocationList",
    "RevocationLookup",
    "SigningKey",
    "Verified",
    "VerifyingKey",
    "erased_holder_settings",
    "issue",
    "public_view",
    "token",
    "verification_url",
    "verify",
]
