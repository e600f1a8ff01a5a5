"""The storage ports of teams, progress, the invoice ledger and discounts (internal).

Re-exported by :mod:`subscriptionkit.storage.ports`, which users import; kept apart so each
module stays small.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Protocol, runtime_checkable

from moneyed import Money

from ..billing import Discount, Invoice, InvoiceStatus, IssuedInvoice
from ..metering import Month
from ..plans import VatTreatment
from ..teams import CourseProgress, Team, TokenDigest

__all__ = ["DiscountStore", "InvoiceLedger", "ProgressStore", "TeamRepository", "involves"]


def involves(team: Team, account_id: str, emails: Iterable[str] = ()) -> bool:
    """Whether ``team`` holds something about a person (:meth:`TeamRepository.involving`):
    the account as a member, as the maker or user of an invitation or the maker of a link,
    or an invitation addressed to one of ``emails`` (without case, as ``str.casefold``)."""
    wanted = {e.casefold() for e in emails}
    return (
        team.member(account_id) is not None
        or any(
            i.email.casefold() in wanted or account_id in (i.created_by, i.used_by)
            for i in team.invitations
        )
        or any(ln.created_by == account_id for ln in team.links)
    )


@runtime_checkable
class TeamRepository(Protocol):
    """Teams, each with its memberships, invitations and registration links.

    A team is one aggregate: its members, pending invitations and seats are checked
    together by the actions in :mod:`subscriptionkit.teams`, so they are read and written
    together, with optimistic concurrency on the team's version. The adapters keep
    memberships, invitations and links in their own tables and find teams through them
    (:meth:`for_account`, :meth:`with_invitation`, :meth:`with_link`).

    Tokens are never stored: invitations and links keep only their keyed hash
    (:class:`~subscriptionkit.teams.TokenDigest`); a lookup passes the digests of a token
    under every configured key (:meth:`TokenKeys.digests
    <subscriptionkit.teams.TokenKeys.digests>`).
    """

    def add(self, team: Team) -> Team:
        """Store a new team; return it with ``version == 1``.

        Raises:
            AlreadyExists: a team with that id exists.
        """
        ...

    def get(self, team_id: str) -> Team:
        """Return the team with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def update(self, team: Team) -> Team:
        """Store a changed team; return it with its version raised by one.

        ``team.version`` must be the version that was read.

        Raises:
            ConcurrentUpdate: the stored version differs (someone else wrote first).
            NotFound: there is no such team.
        """
        ...

    def for_subscription(self, subscription_id: str) -> Sequence[Team]:
        """Return the teams paid by that subscription, by id."""
        ...

    def for_account(self, account_id: str) -> Sequence[Team]:
        """Return the teams the account is a member of (active or pending), by id."""
        ...

    def involving(self, account_id: str, emails: Iterable[str] = ()) -> Sequence[Team]:
        """Return the teams holding something about a person, by id: the account as a
        member, as the maker or user of an invitation, or the maker of a link, and the
        teams with an invitation addressed to one of ``emails`` (without case)
        (the rule of ``involves``). What a data-subject request reads: the SQL adapter finds the
        teams through the member index and the invitation and link rows (their addresses
        compared in Python, as ``str.casefold`` has no SQL twin), never loading other teams.
        """
        ...

    def with_invitation(self, digests: Iterable[TokenDigest]) -> Team | None:
        """Return the team holding an invitation whose token digest is one of ``digests``."""
        ...

    def with_link(self, digests: Iterable[TokenDigest]) -> Team | None:
        """Return the team holding a link whose current token digest is one of ``digests``."""
        ...

    def list(self) -> Iterator[Team]:
        """Iterate over all teams, by id."""
        ...


@runtime_checkable
class ProgressStore(Protocol):
    """Enrolments and progress per account and course (percent, last activity, completion).

    Progress belongs to the person's account, like their certificates: it outlives team
    memberships. :func:`subscriptionkit.teams.team_progress` reads it for a team's active
    members; :func:`~subscriptionkit.teams.enrol` and
    :func:`~subscriptionkit.teams.record_progress` make the values to save.
    """

    def save(self, progress: CourseProgress) -> CourseProgress:
        """Store (insert or replace) the progress of one account in one course; return it."""
        ...

    def get(self, account_id: str, course_id: str) -> CourseProgress | None:
        """Return the progress of the account in the course, or ``None`` if not enrolled."""
        ...

    def for_accounts(self, account_ids: Iterable[str]) -> Sequence[CourseProgress]:
        """Return the progress of those accounts, by account, then enrolment, then course."""
        ...

    def erase(self, account_id: str) -> int:
        """Erasure (GDPR Art. 17): remove every progress row of the account; return how many."""
        ...


@runtime_checkable
class InvoiceLedger(Protocol):
    """Issued invoices and credit notes: numbered without gaps, immutable, with a status.

    Issuing gives an invoice the next number of its series; numbers are unique and
    gapless per series even between concurrent writers (a unit of work that rolls back
    gives its number back, since nothing is kept). An issued invoice never changes: it is
    corrected only by credit notes that reference it (in full or in part). Its status
    (``"open"``, ``"paid"``, ``"credited"``) is set by the host from its payment provider,
    and becomes ``"credited"`` when credit notes have credited all of it; a partly
    credited invoice keeps its status (no status of its own: what is left is
    :func:`~subscriptionkit.billing.uncredited`).
    """

    def issue(
        self,
        invoice: Invoice,
        *,
        series: str,
        vat: VatTreatment | Sequence[VatTreatment],
        buyer_vat_id: str | None = None,
    ) -> IssuedInvoice:
        """Number and keep ``invoice`` (status ``"open"``); return the issued invoice.

        Args:
            invoice: a computed invoice (:func:`~subscriptionkit.billing.advance`...).
            series: the numbering series, such as ``"2026"``.
            vat: the VAT treatment of every line (the plan's ``vat``), or one per line.
            buyer_vat_id: the customer's VAT number; required for reverse charge.

        Raises:
            InvalidInput: a bad series, an invoice without lines, reverse charge without
                a VAT number.
            ConcurrentUpdate: (memory) another unit of work took the number first; retry.
            DatabaseBusy: (SQLite) another writer holds the database; retry.
        """
        ...

    def credit(
        self,
        number: str,
        *,
        issued_on: _dt.date,
        reason: str,
        series: str | None = None,
        lines: Mapping[int, Money] | Iterable[int] | None = None,
    ) -> IssuedInvoice:
        """Issue a credit note for invoice ``number``: all that is still uncredited, or part.

        An invoice may get several credit notes; together they never credit more than a
        line holds (see :meth:`IssuedInvoice.credit_note
        <subscriptionkit.billing.IssuedInvoice.credit_note>` for ``lines``). Each note's
        VAT is computed per rate on its own lines. The note that leaves nothing
        uncredited sets the invoice's status to ``"credited"`` and credits its billed
        usage; a partial note leaves the status as it was (what is left:
        :func:`~subscriptionkit.billing.uncredited`).

        Args:
            series: the credit note's series (default: the invoice's).
            lines: ``None`` (everything left), line positions, or positions with amounts.

        Raises:
            NotFound: no invoice with that number.
            InvalidInput: ``number`` is a credit note, has nothing left to credit, or
                ``lines`` asks for more than is left (or is malformed).
            ConcurrentUpdate: (memory) another unit of work credited it meanwhile; retry.
        """
        ...

    def get(self, number: str) -> IssuedInvoice:
        """Return the issued invoice or credit note ``number``.

        Raises:
            NotFound: no such number.
        """
        ...

    def list(
        self,
        *,
        customer_id: str | None = None,
        subscription_id: str | None = None,
        series: str | None = None,
    ) -> Sequence[IssuedInvoice]:
        """Return issued documents, filtered, in order of series and number."""
        ...

    def status(self, number: str) -> InvoiceStatus:
        """Return the status of ``number``.

        Raises:
            NotFound: no such number.
        """
        ...

    def set_status(self, number: str, status: InvoiceStatus) -> None:
        """Set the status of ``number`` (from the host's payment provider).

        Raises:
            NotFound: no such number.
            InvalidInput: not one of ``"open"``, ``"paid"``, ``"credited"``.
        """
        ...

    def billed_usage(
        self, subscription_id: str, *, plan_id: str | None = None
    ) -> dict[tuple[Month, str], int]:
        """Pupils billed per (month, band) for a subscription, over every issued document
        (credit notes subtract, corrections add): what :func:`~subscriptionkit.billing.late_usage`
        compares with the counts of now."""
        ...

    def issued_before(self, day: _dt.date) -> Sequence[IssuedInvoice]:
        """Return what retention may remove: every invoice issued before ``day`` whose
        credit notes were all issued before ``day`` too, with those notes, in order of
        series and number (an invoice and its notes go together).

        Raises:
            InvalidInput: ``day`` is not a date.
        """
        ...

    def erase(self, numbers: Iterable[str]) -> int:
        """Retention (GDPR Art. 5(1)(e)): delete the documents ``numbers`` with all the
        ledger keeps of them (their lines and usage, which live inside the document, and
        their status); return how many. The series keep their last numbers, so numbering
        goes on without reusing one.

        An invoice goes together with its credit notes: nothing is deleted when a credit
        note of a named invoice is not named, or a named credit note's invoice is not.

        Raises:
            NotFound: a number that is not stored.
            InvalidInput: a whole invoice with its credit notes is not named; ``numbers``
                is not an iterable of numbers.
            ConcurrentUpdate: (memory) another unit of work credited one of them meanwhile.
        """
        ...


@runtime_checkable
class DiscountStore(Protocol):
    """The discounts of subscriptions (:class:`~subscriptionkit.billing.Discount`).

    A discount belongs to its running subscription (seed 000): a cancellation ends it,
    and a later re-subscription is a new subscription, to which it never applies. The
    store keeps each discount as given, its money amount and percentage exactly, and
    its end as an instant; an ended discount stays ended.

    Every path that ends a subscription ends its discounts the same way: storing the
    lifecycle step with ``uow.subscriptions.update`` (or ``add``) stores the ends
    that :func:`~subscriptionkit.billing.end_discounts` computes for its events (a
    cancellation, or an expiry: a trial or a term running out in
    :func:`~subscriptionkit.subscriptions.catch_up`, a cancelled trial), and ends the open
    discounts of a subscription stored as expired at its ``ended_at``, in the same unit of
    work. :meth:`end` ends one discount earlier (the ``billing discount end`` command).
    """

    def add(self, discount: Discount) -> Discount:
        """Store a new discount of an existing subscription; return it.

        Raises:
            InvalidInput: ``discount`` is not a Discount.
            NotFound: no subscription with its ``subscription_id``.
            AlreadyExists: a discount with that id exists (on any subscription).
        """
        ...

    def get(self, discount_id: str) -> Discount:
        """Return the discount with that id.

        Raises:
            NotFound: there is none.
        """
        ...

    def for_subscription(self, subscription_id: str) -> Sequence[Discount]:
        """Return the discounts of that subscription (ended ones too), by id; none for an
        unknown subscription."""
        ...

    def end(self, discount: Discount) -> Discount:
        """Store the end of ``discount`` as :func:`~subscriptionkit.billing.end_discounts`
        gave it; return the stored discount.

        A discount that has not ended (``ended_at`` is ``None``) is left as stored, and
        one already ended keeps its first end, so passing every discount that
        ``end_discounts`` returns is safe.

        Raises:
            InvalidInput: ``discount`` is not a Discount, or differs from the stored one
                in more than its end.
            NotFound: no discount with its id.
        """
        ...
