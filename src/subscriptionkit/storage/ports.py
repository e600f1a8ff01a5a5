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
        uow.subscriptions.update(sub, events=events)
        uow.commit()

A unit of work holds one repository per kind of record: :attr:`UnitOfWork.subscriptions`,
:attr:`UnitOfWork.certificates`, :attr:`UnitOfWork.revocations`, :attr:`UnitOfWork.keys`,
:attr:`UnitOfWork.activity`, :attr:`UnitOfWork.audit` (the append-only audit log),
:attr:`UnitOfWork.ledger` (issued invoices), :attr:`UnitOfWork.teams`,
:attr:`UnitOfWork.progress`, :attr:`UnitOfWork.discounts`, and privacy's :attr:`PrivacyRecords.consents`,
:attr:`PrivacyRecords.requests` and :attr:`PrivacyRecords.pseudonyms`.
One commit keeps the writes to all of them, or none.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Sequence
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ..audit import AuditEntry
from ..certificates import Certificate, KeyRing, PublicKeySet, Revocation, RevocationList
from ..subscriptions import Event, Reminder, Subscription
from ._activity_ports import ActivityStore
from ._privacy_ports import (
    PRIVACY_PORTS,
    ConsentStore,
    PrivacyRecords,
    PseudonymStore,
    RequestStore,
)
from ._team_ledger_ports import DiscountStore, InvoiceLedger, ProgressStore, TeamRepository

__all__ = [
    "ActivityStore",
    "AuditLog",
    "CertificateRepository",
    "ConsentStore",
    "DiscountStore",
    "InvoiceLedger",
    "KeyStore",
    "PrivacyRecords",
    "ProgressStore",
    "PseudonymStore",
    "RequestStore",
    "RevocationStore",
    "Store",
    "SubscriptionRepository",
    "TeamRepository",
    "UnitOfWork",
]


@runtime_checkable
class SubscriptionRepository(Protocol):
    """Subscriptions, with optimistic concurrency and one trial per customer."""

    def add(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        """Store a new subscription; return it with ``version == 1``.

        ``events`` (what the lifecycle step returned) go to :attr:`UnitOfWork.audit` as
        :func:`~subscriptionkit.subscriptions.audit_entries` makes entries; when they (or an
        expired status) end it, its open discounts end (seed 000). All in this unit of work.

        Raises:
            AlreadyExists: a subscription with that id exists.
            TrialAlreadyUsed: it carries a trial and the customer had one before.
            InvalidInput: an event is about another subscription.
        """
        ...

    def get(self, subscription_id: str) -> Subscription:
        """Return the subscription with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def update(self, subscription: Subscription, *, events: Iterable[Event] = ()) -> Subscription:
        """Store a changed subscription; return it with its version raised by one.

        ``subscription.version`` must be the version that was read. ``events`` go to the
        audit log, and the discounts of a subscription this ends end, as for :meth:`add`.

        Raises:
            ConcurrentUpdate: the stored version differs (someone else wrote first).
            NotFound: there is no such subscription.
            TrialAlreadyUsed: it now carries a trial and the customer had another one.
            InvalidInput: an event is about another subscription.
        """
        ...

    def for_customer(self, customer_id: str) -> Sequence[Subscription]:
        """Return the customer's subscriptions, oldest first."""
        ...

    def list(self, *, statuses: Iterable[str] | None = None) -> Iterator[Subscription]:
        """Iterate over all subscriptions (optionally only some statuses), by id."""
        ...

    def due_renewals(
        self, *, until: _dt.datetime, limit: int | None = None
    ) -> Sequence[Subscription]:
        """Return the subscriptions with a lifecycle step due by ``until``, as stored.

        A step is due when the subscription is not expired and its
        :attr:`~subscriptionkit.subscriptions.Subscription.paid_through` is at or before
        ``until`` (compared as instants): a renewal, the end of a trial, a cancellation
        taking effect, a term ending without renewal. These are exactly the subscriptions
        :func:`~subscriptionkit.subscriptions.catch_up` changes at ``until``. Run it first
        in the daily job, catch each one up and :meth:`update` it; a caught-up
        subscription is no longer due, so asking again in batches (``limit``) walks
        through all of them. Ordered by ``paid_through``, then id; answered from the
        index, without reading other subscriptions.

        Raises:
            NaiveDatetimeError: ``until`` has no time zone.
            InvalidInput: ``limit`` is not a whole number above zero.
        """
        ...

    def due_reminders(self, *, on: _dt.date) -> Sequence[Reminder]:
        """Return every reminder due on or before the day ``on`` that is not marked sent.

        The reminders of a subscription are those of
        :func:`~subscriptionkit.subscriptions.pending_reminders` as it was last stored
        (:meth:`add` and :meth:`update` keep them), each with its own ``due_on`` day in
        the customer's time zone. A day the job did not run loses nothing that is still
        true: its reminders come with the next run, until :meth:`mark_sent` records them,
        as long as :meth:`~subscriptionkit.subscriptions.Reminder.still_true_on` the day
        ``on`` (a reminder whose last day to cancel has passed is dropped, never sent as
        if it were today). On a day with no
        backlog the answer equals :func:`~subscriptionkit.subscriptions.due_reminders`
        over every stored subscription (caught up with :meth:`due_renewals` first).
        Ordered by day, subscription id and kind; answered from the index.

        Raises:
            InvalidInput: ``on`` is not a calendar day (a datetime, say).
        """
        ...

    def mark_sent(self, reminder: Reminder, *, at: _dt.datetime) -> bool:
        """Record that ``reminder`` was sent at ``at``; return whether this call recorded it.

        Idempotent: a reminder already marked (in this or a concurrent unit of work)
        keeps its first moment, and the call returns ``False``: a job that sends only
        what it marked first sends nothing twice. A later :meth:`update` keeps the mark
        as long as the subscription still holds the same reminder (kind and day).

        Raises:
            NotFound: the store holds no such reminder (subscription, kind and day).
            NaiveDatetimeError: ``at`` has no time zone.
        """
        ...


@runtime_checkable
class AuditLog(Protocol):
    """The append-only audit log: what happened to each record, in order.

    Entries are only ever appended; nothing here changes or removes one. Subscription
    events arrive through :meth:`SubscriptionRepository.add` and
    :meth:`~SubscriptionRepository.update`; other domains append their own entries.
    """

    def append(self, entries: Iterable[AuditEntry]) -> Sequence[AuditEntry]:
        """Append entries in order; return them with their ``sequence`` numbers set.

        Raises:
            InvalidInput: something other than an :class:`AuditEntry`.
        """
        ...

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditEntry]:
        """Return the entries about one record (``"subscription"``, its id), in order."""
        ...

    def for_customer(self, customer_id: str) -> Sequence[AuditEntry]:
        """Return the entries of one customer, about all its records, in order."""
        ...

    def about(self, value: str) -> Sequence[AuditEntry]:
        """Return the entries holding the id ``value`` (customer, subject, data), in order."""
        ...

    def pseudonymise(self, value: str, pseudonym: str) -> int:
        """Erasure (the one change an entry gets): ``value`` becomes ``pseudonym`` in customer,
        subject and data; return how many entries changed. Order and sequence numbers stay."""
        ...


@runtime_checkable
class CertificateRepository(Protocol):
    """Issued certificates. A certificate is a value: it is added once and never changed.

    Certificates outlive subscriptions and team memberships, so nothing here refers to
    either. To withdraw one, revoke it (:class:`RevocationStore`); it stays stored.
    """

    def add(self, certificate: Certificate) -> Certificate:
        """Store a newly issued certificate; return it as stored, with its status index.

        The store assigns the status index (its place in the issuer's Bitstring Status
        List, see :class:`~subscriptionkit.certificates.StatusList`): one more than the
        highest index held, staged ones included (0 for the first), unique per store (a
        store publishes one status list), also between concurrent writers (SQL: a unique
        constraint). A certificate that names an index keeps it if no other holds it.
        Sign the token from the returned certificate, so that it carries the index.

        Raises:
            AlreadyExists: a certificate with that ``certificate_id`` exists.
            StatusIndexTaken: the certificate names an index another one holds.
        """
        ...

    def get(self, certificate_id: str) -> Certificate:
        """Return the certificate with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def for_holder(self, holder_id: str) -> Sequence[Certificate]:
        """Return the certificates of one holder, oldest first (by ``issued_at``, then id)."""
        ...

    def list(self) -> Iterator[Certificate]:
        """Iterate over all certificates, by id."""
        ...

    def relabel(self, certificate_id: str, *, holder_id: str, holder_name: str) -> Certificate:
        """Correct or pseudonymise the holder (GDPR Art. 16, 17; the one change a certificate
        gets): the course, dates and issuer stay, so its tokens still verify. NotFound if none."""
        ...


@runtime_checkable
class RevocationStore(Protocol):
    """Revoked certificates.

    A revocation store is a :class:`~subscriptionkit.certificates.RevocationLookup`:
    pass it straight to :func:`~subscriptionkit.certificates.verify` as ``revocations``.

    Revoking is idempotent and **the first revocation stands**, as in
    :meth:`RevocationList.revoke <subscriptionkit.certificates.RevocationList.revoke>`:
    revoking a certificate again (in this or a concurrent unit of work) keeps the first
    reason and moment and raises nothing. A revocation need not name a certificate held
    in the same store: lists imported from other issuers are welcome.
    """

    def revoke(self, revocation: Revocation) -> Revocation:
        """Record a revocation; return the revocation that stands (the first one).

        Args:
            revocation: which certificate, why, and from when.
        """
        ...

    def get(self, certificate_id: str) -> Revocation | None:
        """Return the revocation of ``certificate_id``, or ``None`` if it is not revoked."""
        ...

    def revocation_list(self) -> RevocationList:
        """Return every revocation as a :class:`RevocationList`, e.g. to export as JSON."""
        ...


@runtime_checkable
class KeyStore(Protocol):
    """Signing keys: the public key set, and the private key ring only if the caller says.

    Verifying services store only a :class:`~subscriptionkit.certificates.PublicKeySet`.
    An issuer decides where its private :class:`~subscriptionkit.certificates.KeyRing`
    lives (a secrets manager, an encrypted file, or this store): the store keeps one
    only through an explicit :meth:`save_private_keyring`, never as a side effect.
    Saving a ring does not save its public keys (call :meth:`save_public_keys` with
    ``ring.public_keyset()``), and saving public keys never stores private material.

    Adapters never log key material, and no ``repr`` of a store, unit of work or
    repository shows it.
    """

    def save_public_keys(self, keys: PublicKeySet) -> None:
        """Replace the stored public key set with ``keys``.

        Raises:
            InvalidInput: ``keys`` is not a :class:`PublicKeySet` (a :class:`KeyRing`
                is refused: private keys go through :meth:`save_private_keyring` only).
        """
        ...

    def public_keys(self) -> PublicKeySet:
        """Return the stored public key set; an empty set when none was saved."""
        ...

    def save_private_keyring(self, keyring: KeyRing) -> None:
        """Replace the stored private key ring with ``keyring``: the caller's explicit choice.

        Raises:
            InvalidInput: ``keyring`` is not a :class:`KeyRing`.
        """
        ...

    def private_keyring(self) -> KeyRing:
        """Return the stored private key ring.

        Raises:
            NotFound: no key ring was ever saved in this store.
        """
        ...


@runtime_checkable
class UnitOfWork(PrivacyRecords, Protocol):
    """One transaction over all repositories: commit explicitly, or nothing is kept.

    Privacy's repositories (``consents``, ``requests``, ``pseudonyms``) come from
    :class:`PrivacyRecords`."""

    @property
    def subscriptions(self) -> SubscriptionRepository:
        """The subscriptions, as this unit of work sees them."""
        ...

    @property
    def certificates(self) -> CertificateRepository:
        """The certificates, as this unit of work sees them."""
        ...

    @property
    def revocations(self) -> RevocationStore:
        """The revocations, as this unit of work sees them."""
        ...

    @property
    def activity(self) -> ActivityStore:
        """The activity events, as this unit of work sees them."""
        ...

    @property
    def keys(self) -> KeyStore:
        """The signing keys, as this unit of work sees them."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log, as this unit of work sees it."""
        ...

    @property
    def ledger(self) -> InvoiceLedger:
        """The issued invoices, as this unit of work sees them."""
        ...

    @property
    def teams(self) -> TeamRepository:
        """The teams, as this unit of work sees them."""
        ...

    @property
    def progress(self) -> ProgressStore:
        """Course progress per account, as this unit of work sees it."""
        ...

    @property
    def discounts(self) -> DiscountStore:
        """The discounts of subscriptions, as this unit of work sees them."""
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


# The activity, team, progress, ledger, discount and privacy ports live in private modules to keep
# this one small; they are documented and pickled under the name users import them by.
for _port in (
    *PRIVACY_PORTS,
    ActivityStore,
    DiscountStore,
    InvoiceLedger,
    ProgressStore,
    TeamRepository,
):
    _port.__module__ = __name__
del _port
