"""The in-memory adapter: for tests, notebooks and what-ifs.

It behaves like the SQL adapter (same contract suite): every repository of a unit of
work stages its writes, and :meth:`MemoryUnitOfWork.commit` checks all of them and then
applies all of them at once under the store's lock, so a commit keeps everything or
nothing. Optimistic concurrency and one trial per customer are checked at write and
again at commit, and a rolled-back unit of work leaves no trace. One
:class:`MemoryStore` is safe to share between threads.

>>> import datetime as dt
>>> from subscriptionkit import plans, subscriptions
>>> store = MemoryStore()
>>> at = dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc)
>>> with store.unit_of_work() as uow:
...     sub = uow.subscriptions.add(subscriptions.start_trial("school-1", at=at).subscription)
...     uow.commit()
>>> sub.version
1
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import Protocol, Self

import attrs

from ..billing import Discount
from ..certificates import Certificate, KeyRing, PublicKeySet, Revocation, RevocationList
from ..errors import (
    AlreadyExists,
    InvalidInput,
    NotFound,
    StatusIndexTaken,
    StorageError,
)
from ..metering import ActivityEvent
from ..teams import CourseProgress, Team
from ._checks import _require_keyring, _require_public_keyset
from ._memory_activity import _Activity
from ._memory_discounts import MemoryDiscounts
from ._memory_ledger import LedgerData, MemoryLedger
from ._memory_privacy import MemoryConsents, MemoryPseudonyms, MemoryRequests, PrivacyData
from ._memory_subscriptions import Audit, MemoryData, Subscriptions
from ._teams_memory import MemoryProgress, MemoryTeams

__all__ = ["MemoryStore", "MemoryUnitOfWork"]

_CERTIFICATE = "certificate"
#: How NotFound names the one private key ring a store can hold.
_KEYRING_KIND, _KEYRING_KEY = "private key ring", "default"


class MemoryStore:
    """Keeps everything in dictionaries in this process.

    Args:
        lock_timeout: how long, in seconds, a unit of work waits for activity event ids
            another open unit of work has added but not yet committed, before
            :class:`~subscriptionkit.errors.DatabaseBusy` (as a database waits on a row lock).
    """

    def __init__(self, *, lock_timeout: float = 30.0) -> None:
        self._lock = threading.RLock()
        self._released = threading.Condition(self._lock)
        self.lock_timeout = lock_timeout
        #: Event ids staged by an open unit of work: others wait until it ends.
        self._claims: dict[str, MemoryUnitOfWork] = {}
        #: Which units of work a waiting one waits for (to refuse a deadlock).
        self._waits: dict[MemoryUnitOfWork, set[MemoryUnitOfWork]] = {}
        self._data = MemoryData()
        self._certificates: dict[str, Certificate] = {}
        #: Certificate status indexes: committed (index -> certificate id) and staged by an
        #: open unit of work (index -> that unit of work), so two never share one.
        self._status_indexes: dict[int, str] = {}
        self._status_claims: dict[int, MemoryUnitOfWork] = {}
        self._revocations: dict[str, Revocation] = {}
        self._public_keys = PublicKeySet(())
        self._private_keyring: KeyRing | None = None
        self._activity: dict[str, ActivityEvent] = {}
        self._ledger = LedgerData()
        self._teams: dict[str, Team] = {}
        self._progress: dict[tuple[str, str], CourseProgress] = {}
        self._privacy = PrivacyData()
        self._discounts: dict[str, Discount] = {}

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work over this store."""
        return MemoryUnitOfWork(self)

    def __repr__(self) -> str:
        # Counts only: never key material (nor key ids, which say nothing useful here).
        return (
            f"<MemoryStore subscriptions={len(self._data.subscriptions)} "
            f"certificates={len(self._certificates)} revocations={len(self._revocations)} "
            f"public_keys={len(self._public_keys)} activity_events={len(self._activity)} "
            f"private_keyring={'saved' if self._private_keyring is not None else 'none'}>"
        )


class _Staging(Protocol):
    """What a repository of a memory unit of work does at commit and rollback."""

    def _check(self) -> None:
        """Raise if the staged writes cannot be applied (called under the store's lock)."""

    def _apply(self) -> None:
        """Apply the staged writes; must not raise (called under the lock, after every check)."""

    def _discard(self) -> None:
        """Forget the staged writes."""


class _Certificates:
    """The certificate repository of one memory unit of work."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[str, Certificate] = {}
        self._relabelled: dict[str, Certificate] = {}

    def __repr__(self) -> str:
        return f"<memory certificates staged={len(self._staged)}>"

    def _visible(self) -> dict[str, Certificate]:
        return {**self._store._certificates, **self._staged, **self._relabelled}

    def add(self, certificate: Certificate) -> Certificate:
        self._uow._require_open()
        if not isinstance(certificate, Certificate):
            raise InvalidInput(
                f"a certificate stored must be a Certificate, got {type(certificate).__name__}"
            )
        store = self._store
        with store._lock:
            if certificate.certificate_id in self._visible():
                raise AlreadyExists(kind=_CERTIFICATE, key=certificate.certificate_id)
            taken = store._status_indexes.keys() | store._status_claims.keys()
            index = certificate.status_index
            if index is None:
                index = max(taken, default=-1) + 1
            elif index in taken:
                raise StatusIndexTaken(
                    index=index,
                    holder=self._holder(index),
                    certificate_id=certificate.certificate_id,
                )
            stored = attrs.evolve(certificate, status_index=index)
            store._status_claims[index] = self._uow
            self._staged[certificate.certificate_id] = stored
        return stored

    def _holder(self, index: int) -> str:
        """The id of the certificate holding status ``index`` (lock held)."""
        committed = self._store._status_indexes.get(index)
        if committed is not None:
            return committed
        mine = [c.certificate_id for c in self._staged.values() if c.status_index == index]
        return mine[0] if mine else "(added by another unit of work, not yet committed)"

    def get(self, certificate_id: str) -> Certificate:
        self._uow._require_open()
        with self._store._lock:
            found = self._visible().get(certificate_id)
        if found is None:
            raise NotFound(kind=_CERTIFICATE, key=certificate_id)
        return found

    def for_holder(self, holder_id: str) -> Sequence[Certificate]:
        self._uow._require_open()
        with self._store._lock:
            found = [c for c in self._visible().values() if c.holder_id == holder_id]
        return sorted(found, key=lambda c: (c.issued_at, c.certificate_id))

    def list(self) -> Iterator[Certificate]:
        self._uow._require_open()
        with self._store._lock:
            items = sorted(self._visible().values(), key=lambda c: c.certificate_id)
        return iter(items)

    def relabel(self, certificate_id: str, *, holder_id: str, holder_name: str) -> Certificate:
        changed = attrs.evolve(
            self.get(certificate_id), holder_id=holder_id, holder_name=holder_name
        )
        self._relabelled[certificate_id] = changed
        return changed

    def _check(self) -> None:
        for key in self._staged:
            if key in self._store._certificates:  # another unit of work committed it first
                raise AlreadyExists(kind=_CERTIFICATE, key=key)

    def _apply(self) -> None:
        store = self._store
        store._certificates.update(self._staged)
        for certificate in self._staged.values():
            assert certificate.status_index is not None  # add() assigns one
            store._status_indexes[certificate.status_index] = certificate.certificate_id
            del store._status_claims[certificate.status_index]
        store._certificates.update(self._relabelled)

    def _discard(self) -> None:
        store = self._store
        with store._lock:
            for index, holder in list(store._status_claims.items()):
                if holder is self._uow:
                    del store._status_claims[index]
        self._staged.clear()
        self._relabelled.clear()


class _Revocations:
    """The revocation store of one memory unit of work: the first revocation stands."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[str, Revocation] = {}

    def __repr__(self) -> str:
        return f"<memory revocations staged={len(self._staged)}>"

    def _visible(self) -> dict[str, Revocation]:
        return {**self._staged, **self._store._revocations}

    def revoke(self, revocation: Revocation) -> Revocation:
        self._uow._require_open()
        if not isinstance(revocation, Revocation):
            raise InvalidInput(
                f"a revocation stored must be a Revocation, got {type(revocation).__name__}"
            )
        with self._store._lock:
            standing = self._visible().get(revocation.certificate_id)
        if standing is not None:
            return standing
        self._staged[revocation.certificate_id] = revocation
        return revocation

    def get(self, certificate_id: str) -> Revocation | None:
        self._uow._require_open()
        with self._store._lock:
            return self._visible().get(certificate_id)

    def revocation_list(self) -> RevocationList:
        self._uow._require_open()
        with self._store._lock:
            return RevocationList(self._visible().values())

    def _check(self) -> None:
        """Nothing can conflict: a revocation committed meanwhile simply stands."""

    def _apply(self) -> None:
        for key, revocation in self._staged.items():
            self._store._revocations.setdefault(key, revocation)  # the first one stands

    def _discard(self) -> None:
        self._staged.clear()


class _Keys:
    """The key store of one memory unit of work; its repr never shows key material."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._public: PublicKeySet | None = None
        self._private: KeyRing | None = None

    def __repr__(self) -> str:
        pairs = (("public", self._public), ("private", self._private))
        staged = [name for name, value in pairs if value is not None]
        return f"<memory keys staged={'+'.join(staged) or 'none'}>"

    def save_public_keys(self, keys: PublicKeySet) -> None:
        self._uow._require_open()
        self._public = _require_public_keyset(keys)

    def public_keys(self) -> PublicKeySet:
        self._uow._require_open()
        if self._public is not None:
            return self._public
        with self._store._lock:
            return self._store._public_keys

    def save_private_keyring(self, keyring: KeyRing) -> None:
        self._uow._require_open()
        self._private = _require_keyring(keyring)

    def private_keyring(self) -> KeyRing:
        self._uow._require_open()
        with self._store._lock:
            ring = self._private if self._private is not None else self._store._private_keyring
        if ring is None:
            raise NotFound(kind=_KEYRING_KIND, key=_KEYRING_KEY)
        return ring

    def _check(self) -> None:
        """Nothing can conflict: the last committed key set wins."""

    def _apply(self) -> None:
        if self._public is not None:
            self._store._public_keys = self._public
        if self._private is not None:
            self._store._private_keyring = self._private

    def _discard(self) -> None:
        self._public = None
        self._private = None


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore`.

    Attributes:
        subscriptions: the subscriptions, as this unit of work sees them.
        certificates: the certificates.
        revocations: the certificate revocations.
        keys: the signing keys (private ones only where the caller saved them).
        activity: the activity events for metering.
        audit: the append-only audit log.
        ledger: the issued invoices and credit notes.
        teams: the teams, with their members, invitations and links.
        progress: course progress per account.
        consents: consents per subject and purpose.
        requests: data-subject requests.
        pseudonyms: the pseudonym key and the erased subjects.
        discounts: the discounts of subscriptions.
    """

    def __init__(self, store: MemoryStore) -> None:
        if not isinstance(store, MemoryStore):
            raise InvalidInput(
                f"a memory unit of work needs a MemoryStore, got {type(store).__name__}"
            )
        self.store = store
        self._open = False
        self.subscriptions: Subscriptions = Subscriptions(self)
        self.audit: Audit = Audit(self)
        self.certificates: _Certificates = _Certificates(self)
        self.revocations: _Revocations = _Revocations(self)
        self.keys: _Keys = _Keys(self)
        self.activity: _Activity = _Activity(self)
        self.ledger: MemoryLedger = MemoryLedger(self)
        self.teams: MemoryTeams = MemoryTeams(self)
        self.progress: MemoryProgress = MemoryProgress(self)
        self.consents: MemoryConsents = MemoryConsents(self)
        self.requests: MemoryRequests = MemoryRequests(self)
        self.pseudonyms: MemoryPseudonyms = MemoryPseudonyms(self)
        self.discounts: MemoryDiscounts = MemoryDiscounts(self)
        self._parts: tuple[_Staging, ...] = (
            self.subscriptions,
            self.certificates,
            self.revocations,
            self.keys,
            self.activity,
            self.audit,
            self.ledger,
            self.teams,
            self.progress,
            self.consents,
            self.requests,
            self.pseudonyms,
            self.discounts,
        )

    def __repr__(self) -> str:
        return f"<MemoryUnitOfWork {'open' if self._open else 'closed'}>"

    def _require_open(self) -> None:
        if not self._open:
            raise StorageError(
                "a unit of work must be used inside its `with` block; it was used outside it"
            )

    def __enter__(self) -> Self:
        self._open = True
        self.rollback()
        return self

    def commit(self) -> None:
        """Apply every staged write at once, or none if another writer came first."""
        self._require_open()
        with self.store._lock:
            for part in self._parts:
                part._check()
            for part in self._parts:
                part._apply()
        self.rollback()  # the staged writes are in the store now

    def rollback(self) -> None:
        """Discard the staged writes."""
        for part in self._parts:
            part._discard()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._open = False
