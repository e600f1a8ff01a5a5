"""Certificates, revocations and signing keys in a SQL unit of work (internal)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from ...certificates import (
    Certificate,
    KeyRing,
    PublicKeySet,
    Revocation,
    RevocationList,
    SigningKey,
    VerifyingKey,
)
from ...errors import AlreadyExists, InvalidInput, NotFound, StatusIndexTaken, StorageError
from .._checks import _require_keyring, _require_public_keyset
from ._errors import translating
from ._tables import certificates_table, keys_table, revocations_table

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

_CERTIFICATE = "certificate"
#: How NotFound names the one private key ring a store can hold.
_KEYRING_KIND, _KEYRING_KEY = "private key ring", "default"
_PUBLIC, _PRIVATE = "public", "private"


def _certificate_from_row(row: sa.Row[Any, Any]) -> Certificate:
    certificate = Certificate.from_dict(json.loads(row.document))
    if certificate.status_index != row.status_index:  # stored before schema step 7
        certificate = attrs.evolve(certificate, status_index=row.status_index)
    return certificate


#: How often ``add`` takes the next free status index again when a concurrent unit of
#: work committed the one it took (each retry sees that commit).
_INDEX_ATTEMPTS = 20


@translating
class _Certificates:
    """The certificate repository of one SQL unit of work."""

    _t = certificates_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql certificates>"

    def add(self, certificate: Certificate) -> Certificate:
        """Store the certificate with its status index: the one it names, if free, else
        the next free one (one more than the highest held); return it as stored.

        A concurrent unit of work may take the same next index: the unique constraint
        makes this insert wait for it, and if it commits, the next index is taken again.
        """
        if not isinstance(certificate, Certificate):
            raise InvalidInput(
                f"a certificate stored must be a Certificate, got {type(certificate).__name__}"
            )
        conn = self._uow.connection
        t = self._t.c
        for _ in range(_INDEX_ATTEMPTS):
            index = certificate.status_index
            if index is None:
                highest = conn.execute(sa.select(sa.func.max(t.status_index))).scalar()
                index = 0 if highest is None else int(highest) + 1
            stored = attrs.evolve(certificate, status_index=index)
            statement = self._t.insert().values(
                id=stored.certificate_id,
                holder_id=stored.holder_id,
                issued_at=stored.issued_at,
                status_index=index,
                document=json.dumps(stored.to_dict(), sort_keys=True),
            )
            try:
                with conn.begin_nested():
                    conn.execute(statement)
            except sa.exc.IntegrityError:
                self._refuse(certificate, index)
                continue  # the next free index was taken meanwhile: take the next
            return stored
        raise StorageError(  # pragma: no cover (20 concurrent commits in a row)
            f"no free status index for certificate {certificate.certificate_id!r} after "
            f"{_INDEX_ATTEMPTS} attempts; expected fewer concurrent writers: retry"
        )

    def _refuse(self, certificate: Certificate, index: int) -> None:
        """After a refused insert: raise for a taken id or a taken chosen index."""
        t = self._t.c
        conn = self._uow.connection
        if conn.execute(sa.select(t.id).where(t.id == certificate.certificate_id)).first():
            raise AlreadyExists(kind=_CERTIFICATE, key=certificate.certificate_id)
        if certificate.status_index is not None:
            holder = conn.execute(sa.select(t.id).where(t.status_index == index)).scalar()
            raise StatusIndexTaken(
                index=index, holder=str(holder), certificate_id=certificate.certificate_id
            )

    def get(self, certificate_id: str) -> Certificate:
        row = self._uow.connection.execute(
            sa.select(self._t.c.document, self._t.c.status_index).where(
                self._t.c.id == certificate_id
            )
        ).first()
        if row is None:
            raise NotFound(kind=_CERTIFICATE, key=certificate_id)
        return _certificate_from_row(row)

    def for_holder(self, holder_id: str) -> Sequence[Certificate]:
        rows = self._uow.connection.execute(
            sa.select(self._t.c.document, self._t.c.status_index).where(
                self._t.c.holder_id == holder_id
            )
        )
        # Sorted here, not in SQL: PostgreSQL orders text by the database's collation.
        found = [_certificate_from_row(r) for r in rows]
        return sorted(found, key=lambda c: (c.issued_at, c.certificate_id))

    def list(self) -> Iterator[Certificate]:
        rows = self._uow.connection.execute(sa.select(self._t.c.document, self._t.c.status_index))
        return iter(
            sorted((_certificate_from_row(r) for r in rows), key=lambda c: c.certificate_id)
        )

    def relabel(self, certificate_id: str, *, holder_id: str, holder_name: str) -> Certificate:
        changed = attrs.evolve(
            self.get(certificate_id), holder_id=holder_id, holder_name=holder_name
        )
        self._uow.connection.execute(
            self._t.update()
            .where(self._t.c.id == certificate_id)
            .values(holder_id=holder_id, document=json.dumps(changed.to_dict(), sort_keys=True))
        )
        return changed


@translating
class _Revocations:
    """The revocation store of one SQL unit of work: the first revocation stands."""

    _t = revocations_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql revocations>"

    def revoke(self, revocation: Revocation) -> Revocation:
        if not isinstance(revocation, Revocation):
            raise InvalidInput(
                f"a revocation stored must be a Revocation, got {type(revocation).__name__}"
            )
        conn = self._uow.connection
        standing = self.get(revocation.certificate_id)
        if standing is not None:
            return standing
        try:
            with conn.begin_nested():
                conn.execute(
                    self._t.insert().values(
                        certificate_id=revocation.certificate_id,
                        reason=revocation.reason,
                        revoked_at=revocation.revoked_at,
                    )
                )
        except sa.exc.IntegrityError:
            # A concurrent unit of work revoked it first and committed: its revocation stands.
            standing = self.get(revocation.certificate_id)
            if standing is None:  # pragma: no cover (the constraint names only the key)
                raise
            return standing
        return revocation

    def get(self, certificate_id: str) -> Revocation | None:
        row = self._uow.connection.execute(
            sa.select(self._t).where(self._t.c.certificate_id == certificate_id)
        ).first()
        return None if row is None else Revocation(row.certificate_id, row.reason, row.revoked_at)

    def revocation_list(self) -> RevocationList:
        rows = self._uow.connection.execute(sa.select(self._t))
        return RevocationList(Revocation(r.certificate_id, r.reason, r.revoked_at) for r in rows)


@translating
class _Keys:
    """The key store of one SQL unit of work; nothing it does shows key material."""

    _t = keys_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql keys>"

    def _replace(self, kind: str, rows: list[dict[str, Any]], what: str) -> None:
        conn = self._uow.connection
        try:
            with conn.begin_nested():
                conn.execute(self._t.delete().where(self._t.c.kind == kind))
                if rows:  # an empty public key set is allowed
                    conn.execute(self._t.insert(), rows)
        except sa.exc.IntegrityError:
            # Only a concurrent save of the same kind can collide; the parameters (key
            # material) stay out of the message and the traceback.
            raise StorageError(
                f"the {what} was saved by another unit of work at the same time; "
                f"expected one writer at a time: retry"
            ) from None

    def _documents(self, kind: str) -> list[sa.Row[Any]]:
        return list(
            self._uow.connection.execute(
                sa.select(self._t.c.kid, self._t.c.active, self._t.c.document)
                .where(self._t.c.kind == kind)
                .order_by(self._t.c.position)
            )
        )

    def save_public_keys(self, keys: PublicKeySet) -> None:
        rows = [
            {
                "kind": _PUBLIC,
                "kid": key.kid,
                "position": position,
                "active": False,
                "document": json.dumps(key.to_jwk(), sort_keys=True),
            }
            for position, key in enumerate(_require_public_keyset(keys))
        ]
        self._replace(_PUBLIC, rows, "public key set")

    def public_keys(self) -> PublicKeySet:
        return PublicKeySet(
            VerifyingKey.from_jwk(json.loads(row.document)) for row in self._documents(_PUBLIC)
        )

    def save_private_keyring(self, keyring: KeyRing) -> None:
        keyring = _require_keyring(keyring)
        rows = [
            {
                "kind": _PRIVATE,
                "kid": key.kid,
                "position": position,
                "active": key.kid == keyring.active_kid,
                "document": json.dumps(key.to_jwk(private=True), sort_keys=True),
            }
            for position, key in enumerate(keyring)
        ]
        self._replace(_PRIVATE, rows, "private key ring")

    def private_keyring(self) -> KeyRing:
        rows = self._documents(_PRIVATE)
        active = [row.kid for row in rows if row.active]
        if not rows or len(active) != 1:
            if rows:  # pragma: no cover (only a hand-edited database gets here)
                raise StorageError(
                    f"the stored private key ring has {len(active)} active keys; expected 1"
                )
            raise NotFound(kind=_KEYRING_KIND, key=_KEYRING_KEY)
        keys = [SigningKey.from_jwk(json.loads(row.document)) for row in rows]
        # Rows saved by 0.1 name keys by a 16-character kid; the loaded key has the full one.
        active_kid = next(key.kid for key, row in zip(keys, rows, strict=True) if row.active)
        return KeyRing(keys, active_kid)
