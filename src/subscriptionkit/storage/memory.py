"""The in-memory adapter: for tests, notebooks and what-ifs.

It behaves like the SQL adapter (same contract suite): units of work stage their writes
and apply them all at once on commit, optimistic concurrency is checked at write and
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
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Self

import attrs

from ..errors import AlreadyExists, ConcurrentUpdate, NotFound, StorageError, TrialAlreadyUsed
from ..subscriptions import Subscription

__all__ = ["MemoryStore", "MemoryUnitOfWork"]

_KIND = "subscription"


class MemoryStore:
    """Keeps everything in dictionaries in this process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._subscriptions: dict[str, Subscription] = {}

    def unit_of_work(self) -> MemoryUnitOfWork:
        """Return a new unit of work over this store."""
        return MemoryUnitOfWork(self)

    def __repr__(self) -> str:
        return f"<MemoryStore subscriptions={len(self._subscriptions)}>"


def _check_trial(sub: Subscription, visible: dict[str, Subscription]) -> None:
    """Refuse a second trial for one customer."""
    if sub.trial_started_at is None:
        return
    for other in visible.values():
        if (
            other.id != sub.id
            and other.customer_id == sub.customer_id
            and other.trial_started_at is not None
        ):
            raise TrialAlreadyUsed(
                customer_id=sub.customer_id, trial_started=other.trial_started_at
            )


class _Subscriptions:
    """The subscription repository of one memory unit of work (reads see staged writes)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    def _visible(self) -> dict[str, Subscription]:
        base = self._uow.store._subscriptions
        return {**base, **self._uow._staged}

    def add(self, subscription: Subscription) -> Subscription:
        self._uow._require_open()
        with self._uow.store._lock:
            visible = self._visible()
            if subscription.id in visible:
                raise AlreadyExists(kind=_KIND, key=subscription.id)
            _check_trial(subscription, visible)
        stored = attrs.evolve(subscription, version=1)
        self._uow._staged[stored.id] = stored
        self._uow._expected[stored.id] = 0
        return stored

    def get(self, subscription_id: str) -> Subscription:
        with self._uow.store._lock:
            found = self._visible().get(subscription_id)
        if found is None:
            raise NotFound(kind=_KIND, key=subscription_id)
        return found

    def update(self, subscription: Subscription) -> Subscription:
        self._uow._require_open()
        with self._uow.store._lock:
            visible = self._visible()
            current = visible.get(subscription.id)
            if current is None:
                raise NotFound(kind=_KIND, key=subscription.id)
            if current.version != subscription.version:
                raise ConcurrentUpdate(
                    kind=_KIND,
                    key=subscription.id,
                    expected_version=subscription.version,
                    found_version=current.version,
                )
            _check_trial(subscription, visible)
            base = self._uow.store._subscriptions.get(subscription.id)
        stored = attrs.evolve(subscription, version=subscription.version + 1)
        self._uow._expected.setdefault(stored.id, base.version if base else 0)
        self._uow._staged[stored.id] = stored
        return stored

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        with self._uow.store._lock:
            found = [s for s in self._visible().values() if s.customer_id == customer_id]
        return sorted(found, key=lambda s: (s.trial_started_at or s.started_at, s.id))

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        wanted = None if statuses is None else {str(s) for s in statuses}
        with self._uow.store._lock:
            items = sorted(self._visible().values(), key=lambda s: s.id)
        return iter([s for s in items if wanted is None or s.status.value in wanted])


class MemoryUnitOfWork:
    """A unit of work over a :class:`MemoryStore`."""

    def __init__(self, store: MemoryStore) -> None:
        self.store = store
        self._staged: dict[str, Subscription] = {}
        self._expected: dict[str, int] = {}
        self._open = False
        self.subscriptions = _Subscriptions(self)

    def _require_open(self) -> None:
        if not self._open:
            raise StorageError(
                "a unit of work must be used inside its `with` block; it was used outside it"
            )

    def __enter__(self) -> Self:
        self._open = True
        self._staged.clear()
        self._expected.clear()
        return self

    def commit(self) -> None:
        """Apply every staged write at once, or none if another writer came first."""
        self._require_open()
        base = self.store._subscriptions
        with self.store._lock:
            for key, expected in self._expected.items():
                found = base[key].version if key in base else 0
                if expected == 0 and found:
                    raise AlreadyExists(kind=_KIND, key=key)
                if found != expected:
                    raise ConcurrentUpdate(
                        kind=_KIND, key=key, expected_version=expected, found_version=found
                    )
            for sub in self._staged.values():
                _check_trial(sub, {**base, **self._staged})
            base.update(self._staged)
        self._staged.clear()
        self._expected.clear()

    def rollback(self) -> None:
        """Discard the staged writes."""
        self._staged.clear()
        self._expected.clear()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        self._open = False
