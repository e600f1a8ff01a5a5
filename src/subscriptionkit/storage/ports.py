"""The storage ports: what the library needs from a database, as Protocols.

The rules never touch a database; services persist their results through these ports.
Three adapters implement them and pass one contract suite: :mod:`.memory` (tests,
notebooks), and :mod:`.sql` (SQLite, the embedded default, and PostgreSQL).

All writes happen inside a :class:`UnitOfWork`: nothing is stored until
:meth:`UnitOfWork.commit` is called, and leaving the ``with`` block without a commit (or
with an exception) rolls everything back::

    with store.unit_of_work() as uow:
        sub = uow.subscriptions.get("sub-1")
        sub, events = subscriptions.cancel(sub, at=now)
        uow.subscriptions.update(sub)
        uow.commit()
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ..subscriptions import Subscription

__all__ = ["Store", "SubscriptionRepository", "UnitOfWork"]


@runtime_checkable
class SubscriptionRepository(Protocol):
    """Subscriptions, with optimistic concurrency and one trial per customer."""

    def add(self, subscription: Subscription) -> Subscription:
        """Store a new subscription; return it with ``version == 1``.

        Raises:
            AlreadyExists: a subscription with that id exists.
            TrialAlreadyUsed: it carries a trial and the customer had one before.
        """
        ...

    def get(self, subscription_id: str) -> Subscription:
        """Return the subscription with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def update(self, subscription: Subscription) -> Subscription:
        """Store a changed subscription; return it with its version raised by one.

        ``subscription.version`` must be the version that was read.

        Raises:
            ConcurrentUpdate: the stored version differs (someone else wrote first).
            NotFound: there is no such subscription.
            TrialAlreadyUsed: it now carries a trial and the customer had another one.
        """
        ...

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        """Return the customer's subscriptions, oldest first."""
        ...

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        """Iterate over all subscriptions (optionally only some statuses), by id."""
        ...


@runtime_checkable
class UnitOfWork(Protocol):
    """One transaction over all repositories: commit explicitly, or nothing is kept."""

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """The subscriptions, as this unit of work sees them."""
        ...

    def commit(self) -> None:
        """Make every change of this unit of work permanent, all or nothing."""
        ...

    def rollback(self) -> None:
        """Discard every change not yet committed."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


@runtime_checkable
class Store(Protocol):
    """A place to keep things: hands out units of work."""

    def unit_of_work(self) -> UnitOfWork:
        """Return a new unit of work; use it in a ``with`` block."""
        ...
