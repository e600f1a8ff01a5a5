"""The shapes of the privacy handlers: whom a request is about, what retention looks at, and
one kind of personal data's exporter and eraser (``DataHandler``); the handlers themselves
are in ``_handlers``, which re-exports these names.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

    from ..teams import Team, TokenKeys
    from ._register import Register

__all__ = [
    "ERASED_NAME",
    "PSEUDONYM_PREFIX",
    "Correction",
    "DataHandler",
    "Rectified",
    "ReissuedInvitation",
    "Retained",
    "Subject",
]


#: The name a certificate shows once its holder was erased (a certificate needs a name).
ERASED_NAME: Final = "(erased)"
#: How every pseudonym starts: a pseudonymised id reads as one, never as a person's id.
PSEUDONYM_PREFIX: Final = "anon-"


def _named(subject_id: str) -> bool:
    """Whether an id still names someone (is not a pseudonym): retention looks at those."""
    return not subject_id.startswith(PSEUDONYM_PREFIX)


def records_changed(before: Team, after: Team) -> int:
    """How many records of a team a privacy step changed: memberships removed or changed,
    invitations and registration links changed. Erasure and rectification count with it,
    so what they report per team matches the records an export lists (internal)."""
    members = {m.account_id: m for m in after.members}
    invitations = {i.id: i for i in after.invitations}
    links = {ln.id: ln for ln in after.links}
    return (
        sum(members.get(m.account_id) != m for m in before.members)
        + sum(invitations.get(i.id) != i for i in before.invitations)
        + sum(links.get(ln.id) != ln for ln in before.links)
    )


@attrs.frozen
class Subject:
    """Whom a request is about: the id the stores know them by, and their e-mail addresses
    (from team memberships, plus any given), which invitations are addressed to."""

    subject_id: str
    emails: tuple[str, ...] = ()
    #: The school whose pupil the subject is (pupil ids are unique only within a school,
    #: seed 002), or ``None`` for a subject who is no school's pupil.
    school_id: str | None = None

    def has_email(self, email: str) -> bool:
        """Whether ``email`` is one of the subject's addresses (without case)."""
        return email.casefold() in {e.casefold() for e in self.emails}


@attrs.frozen
class Retained:
    """A subject's records in one section and the purpose they serve: kept until the
    purpose's retention period after ``last_used`` has run out (:func:`due_for_deletion`),
    counted on the calendar of ``timezone``."""

    section: str
    subject_id: str
    purpose: str
    #: The moment the retention period counts from: the records' last use (for invoices,
    #: the end of the fiscal year in which the invoice left the current books).
    last_used: _dt.datetime
    #: The school of a pupil's records (activity), or ``None``.
    school_id: str | None = None
    #: The ids of the very records meant (invoice numbers: an invoice with its credit
    #: notes); empty: all the subject's records in the section.
    records: tuple[str, ...] = ()
    #: The subject's time zone (a customer's), or ``None``: :func:`due_for_deletion`'s ``tz``.
    timezone: str | None = None


@attrs.frozen
class Correction:
    """What a rectification corrects (GDPR Art. 16), as the handlers receive it.

    Attributes:
        name: the corrected name, or ``None`` to keep the name.
        email: the corrected e-mail address, or ``None`` to keep the addresses; it replaces
            every address of the :class:`Subject`.
        at: when (aware): an invitation pending then is re-addressed with a new token.
        keys: the host's team token keys, for those new tokens; ``None`` when the caller
            has none (a pending invitation to re-address then stops the rectification).
    """

    name: str | None
    email: str | None
    at: _dt.datetime
    keys: TokenKeys | None = None


@attrs.frozen
class ReissuedInvitation:
    """A pending invitation a rectification re-addressed: send it again, to ``email``.

    The token sent before went to the wrong address and no longer works; ``token`` is the
    only clear copy of its replacement (left out of ``repr``): put it in
    :func:`~subscriptionkit.teams.invitation_message` and drop it.

    Attributes:
        team_id: the team.
        invitation_id: the invitation (its id, inviter and expiry are unchanged).
        email: the corrected address it is for now.
        expires_at: when it expires, as before.
        token: the new token.
    """

    team_id: str
    invitation_id: str
    email: str
    expires_at: _dt.datetime
    token: str = attrs.field(repr=False)


@attrs.frozen
class Rectified:
    """What one handler's rectification did: records changed, and the invitations it gave
    a new token that the host must send (:class:`ReissuedInvitation`)."""

    changed: int
    reissued: tuple[ReissuedInvitation, ...] = ()


@attrs.frozen
class DataHandler:
    """The exporter and eraser of one kind of personal data.

    Attributes:
        section: its key in the export document (``"teams"``).
        tables: the SQL tables it covers.
        memory: the parts of a :class:`~subscriptionkit.storage.MemoryStore` it covers
            (attribute paths such as ``"_data.audit"``).
        export: ``(uow, subject) -> records``: every record about the subject, as JSON data,
            nothing about anyone else.
        erase: ``(uow, subject, pseudonym, at) -> count``: removes or pseudonymises them;
            ``None`` when the records are kept (see ``kept``).
        kept: why erasure keeps these records (a legal obligation), or ``None``.
        check: ``(uow, subject)``: raises when erasure may not start (a team owner).
        rectify: ``(uow, subject, correction) -> Rectified``: corrects name and e-mail
            (:class:`Correction`).
        retained: ``(uow, register, at) -> records``: what retention (:func:`purge`) looks
            at; ``register`` and ``at`` let it leave out records that cannot be due yet (a
            bound only: :func:`due_for_deletion` decides).
        purge: ``(uow, records, at) -> count``: removes the very records of due
            :class:`Retained` entries of the section (their ``records``); ``None``: purge
            erases each entry's subject through ``erase``.
    """

    section: str
    tables: tuple[str, ...]
    memory: tuple[str, ...]
    export: Callable[[subscriptionkit.storage.ports.UnitOfWork, Subject], list[dict[str, Any]]]
    erase: (
        Callable[[subscriptionkit.storage.ports.UnitOfWork, Subject, str, _dt.datetime], int] | None
    ) = None
    kept: str | None = None
    check: Callable[[subscriptionkit.storage.ports.UnitOfWork, Subject], None] | None = None
    rectify: (
        Callable[[subscriptionkit.storage.ports.UnitOfWork, Subject, Correction], Rectified] | None
    ) = None
    retained: (
        Callable[
            [subscriptionkit.storage.ports.UnitOfWork, Register, _dt.datetime], Iterable[Retained]
        ]
        | None
    ) = None
    purge: (
        Callable[[subscriptionkit.storage.ports.UnitOfWork, Sequence[Retained], _dt.datetime], int]
        | None
    ) = None
