"""Export, erasure, rectification and retention across every store (GDPR Art. 15–20, 5(1)(e))."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._checks import accepts, identifier, items
from .._errors_base import _indefinite
from ..clock import DEFAULT_TIMEZONE, instant
from ..errors import AccessNotAnswered, InvalidArgument, InvalidInput
from ._handlers import DEFAULT_HANDLERS, DataHandler, Retained, Subject
from ._register import Register
from ._request_steps import (
    _require_in_order,
    complete_request,
    require_executable,
    require_not_closed,
)
from ._requests import RequestKind, RequestStatus, SubjectRequest
from ._scope import Scope, scope_of
from ._values import instances

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

__all__ = [
    "EXPORT_SCHEMA",
    "EXPORT_VERSION",
    "Erasure",
    "due_for_deletion",
    "erase_subject",
    "export_subject",
    "purge",
    "subject_scope",
]

#: The export document's schema name (see docs/privacy.md, "The export").
EXPORT_SCHEMA: Final = "subscriptionkit.privacy.export"
#: The export document's schema version: raised when a key is removed or renamed.
EXPORT_VERSION: Final = 1


def _store(value: object) -> subscriptionkit.storage.ports.Store:
    if not callable(getattr(value, "unit_of_work", None)):
        raise InvalidArgument(name="store", expected="a Store (MemoryStore, SqlStore)", got=value)
    return value  # type: ignore[return-value]


def _handlers(value: object) -> tuple[DataHandler, ...]:
    return instances(value, DataHandler, "handlers")


def _subject(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject_id: str,
    emails: Iterable[str],
    school_id: str | None = None,
) -> Subject:
    """The subject with every e-mail address the stores know for it, and its school (for a
    pupil: the one school whose pupil the id names)."""
    given = items(emails, "emails", "an iterable of e-mail addresses")
    known = [
        m.email
        for t in uow.teams.for_account(subject_id)
        for m in t.members
        if m.account_id == subject_id
    ]
    return Subject(
        identifier(subject_id, "subject_id"),
        tuple(dict.fromkeys([*given, *known])),
        None if school_id is None else identifier(school_id, "school_id"),
    )


@accepts(
    subject_id=(str, "a subject id (text)"),
    at=(_dt.datetime, "an aware datetime"),
    school_id=(str, "the pupil's school id (text) or None"),
)
def export_subject(
    store: subscriptionkit.storage.ports.Store,
    subject_id: str,
    *,
    at: _dt.datetime,
    school_id: str | None = None,
    emails: Iterable[str] = (),
    handlers: Iterable[DataHandler] = DEFAULT_HANDLERS,
) -> dict[str, Any]:
    """Return every record about ``subject_id`` in every store, as one JSON-ready document
    (GDPR Art. 15 access, Art. 20 portability): ``json.dumps`` it as it is.

    The document (schema ``subscriptionkit.privacy.export``, version 1)::

        {"schema": "subscriptionkit.privacy.export", "version": 1,
         "subject_id": "...", "exported_at": "<ISO 8601, UTC>",
         "scope": {"school_id": "..." | null, "activity": "included" | "excluded"},
         "sections": {"subscriptions": [...], "invoices": [...], "teams": [...],
                      "progress": [...], "activity": [...], "certificates": [...],
                      "audit": [...], "consents": [...], "requests": [...]}}

    Each section holds the records one :class:`DataHandler` finds about the subject and
    nothing about anyone else (a team membership, not the team's other members).

    Args:
        store: where the records are.
        subject_id: the subject's id (account, pupil, contact).
        at: the moment of the export, written in the document.
        school_id: the school whose pupil ``subject_id`` is, as for :func:`erase_subject`:
            pupil ids are unique only within a school, so the activity section holds that
            school's events of the pupil only; ``None`` (a subject who is no school's
            pupil, such as an account holder): activity is out of scope, the section is
            empty and ``scope`` says so. :func:`subject_scope` names the schools that hold
            events under the same id, for the operator (not in the document: those pupils'
            data is their school's).
        emails: more of the subject's e-mail addresses (invitations are found by address;
            those of its team memberships are known already).
        handlers: the exporters (default: every kind of record the library keeps).

    Raises:
        InvalidArgument: a wrong type; InvalidIdentifier: a malformed id.
    """
    chosen = _handlers(handlers)
    with _store(store).unit_of_work() as uow:
        subject = _subject(uow, subject_id, emails, school_id)
        sections = {h.section: h.export(uow, subject) for h in chosen}
    return {
        "schema": EXPORT_SCHEMA,
        "version": EXPORT_VERSION,
        "subject_id": subject_id,
        "exported_at": instant(at, "at").isoformat(),
        "scope": Scope(subject.school_id).to_dict(),
        "sections": sections,
    }


@attrs.frozen
class Erasure:
    """What an erasure did.

    Attributes:
        pseudonym: the keyed pseudonym that replaced the subject's id where records stay.
        at: when.
        changed: records removed or pseudonymised, per section.
        kept: the sections kept whole, with the reason (a legal obligation).
        request: the erasure request, completed, if one was given.
        closed: the subject's other open requests (a rectification, restriction,
            objection, a second erasure request), closed by the erasure in the same unit of
            work: completed, with a note saying so, and pseudonymised like every request.
        scope: what was covered: the school whose pupil's events were pseudonymised, or
            none, with the schools holding events of a pupil with the same id, left as
            they were (:class:`Scope`).
        scrubbed: whether the old versions of the changed rows left the database's files
            (:meth:`~subscriptionkit.storage.sql.SqlStore.scrub`): False while a SQLite
            reader holds an older snapshot (they go at the next checkpoint), and always
            on PostgreSQL (until ``VACUUM``; see docs/privacy.md); True in memory.
    """

    pseudonym: str
    at: _dt.datetime
    changed: Mapping[str, int]
    kept: Mapping[str, str]
    request: SubjectRequest | None = None
    closed: tuple[SubjectRequest, ...] = ()
    scope: Scope = attrs.field(factory=Scope)
    scrubbed: bool = True


def _scrub(store: object) -> bool:
    """After an erasure, rectification or purge committed: remove the old versions of the
    changed rows from the database's files where the store can (internal helper)."""
    method = getattr(store, "scrub", None)
    return bool(method()) if callable(method) else True


def _check_request(request: SubjectRequest | None, subject_id: str, *kinds: RequestKind) -> None:
    """Raise unless ``request`` (if any) may be carried out for ``subject_id`` as one of
    ``kinds``: a closed request is refused first (its subject may be a pseudonym by now,
    and "completed already" is what the user needs to hear), then one of another kind or
    subject, then one that is not verified or is a controller's (internal)."""
    if request is None:
        return
    if not isinstance(request, SubjectRequest):
        raise InvalidArgument(name="request", expected="a SubjectRequest or None", got=request)
    require_not_closed(request, "carry out")
    if request.kind not in kinds or request.subject_id != subject_id:
        expected = " or ".join(_indefinite(k.value) for k in kinds)
        raise InvalidInput(
            f"request {request.request_id!r} is {_indefinite(request.kind.value)} request of "
            f"{request.subject_id!r}; expected {expected} request of {subject_id!r}"
        )
    require_executable(request)


#: The requests an erasure may not close: the subject asked for a copy of the data.
_COPY: Final = frozenset({RequestKind.ACCESS, RequestKind.PORTABILITY})


def _open_requests(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject_id: str,
    request: SubjectRequest | None,
    at: _dt.datetime,
) -> list[SubjectRequest]:
    """The subject's open requests other than ``request``, which the erasure at ``at``
    closes.

    Raises:
        AccessNotAnswered: an access or portability request among them.
        StepBeforePrevious: ``at`` is before one's receipt or last step (a backdated
            erasure cannot close a request it preceded).
    """
    others = [
        r
        for r in uow.requests.for_subject(subject_id)
        if r.is_open and (request is None or r.request_id != request.request_id)
    ]
    unanswered = [r.request_id for r in others if r.kind in _COPY]
    if unanswered:
        raise AccessNotAnswered(subject_id=subject_id, request_ids=unanswered)
    for r in others:
        _require_in_order(r, "close by the erasure", at)
    return others


def _close(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    requests: Sequence[SubjectRequest],
    at: _dt.datetime,
) -> None:
    """Close each of ``requests`` as completed by the erasure at ``at``, with a note."""
    for r in requests:
        note = f"closed by the erasure of its subject at {instant(at).isoformat()}"
        uow.requests.save(attrs.evolve(r, status=RequestStatus.COMPLETED, closed_at=at, note=note))


@accepts(
    subject_id=(str, "a subject id (text)"),
    at=(_dt.datetime, "an aware datetime"),
    school_id=(str, "the pupil's school id (text) or None"),
)
def erase_subject(
    store: subscriptionkit.storage.ports.Store,
    subject_id: str,
    *,
    at: _dt.datetime,
    school_id: str | None = None,
    emails: Iterable[str] = (),
    request: SubjectRequest | None = None,
    handlers: Iterable[DataHandler] = DEFAULT_HANDLERS,
) -> Erasure:
    """Erase ``subject_id`` from every store in one unit of work: all or nothing (Art. 17).

    Team memberships and course progress are removed; activity events, certificates,
    audit entries, consents and requests stay with the subject's id replaced by its keyed
    pseudonym (so usage counts, and the invoices built on them, stay exactly the same,
    and events that arrive later for the pupil get the same pseudonym); certificates keep
    verifying but name no one. Subscriptions and invoices are kept (the statutory 7
    years). See docs/privacy.md for the exact list.

    The subject's other open requests are closed in the same unit of work, as completed
    with a note that the erasure closed them (nothing is left to rectify, restrict or
    object to), and listed in :attr:`Erasure.closed`; an open access or portability
    request stops the erasure instead, since erasing first would destroy what it asks
    for: answer, forward or refuse it first.

    Args:
        store: where the records are.
        subject_id: whom to erase.
        at: when.
        school_id: the school whose pupil ``subject_id`` is: pupil ids are unique only
            within a school (the school is the controller, seed 002), so activity events
            are pseudonymised in that school only, with a pseudonym of the pair; other
            schools' pupils with the same id are untouched. ``None`` (a subject who is no
            school's pupil, such as an account holder): no activity event is changed, and
            the result's :attr:`Erasure.scope` names the schools holding events of a pupil
            with the same id (found by one scan of the events), for the operator to act
            on; the erasure of the account goes ahead.
        emails: more of the subject's addresses (pending invitations are found by address).
        request: the erasure request this answers: it must be verified (identity check),
            not a school's, and it is completed and saved in the same unit of work.
        handlers: the erasers (default: every kind of record the library keeps).

    Raises:
        OwnershipTransferRequired: the subject owns a team; nothing is changed.
        AccessNotAnswered: an access or portability request of the subject is open;
            nothing is changed.
        StepBeforePrevious: ``at`` is before the receipt or last step of ``request`` or of
            an open request of the subject (a backdated erasure); nothing is changed.
        IdentityNotVerified, RequestForwarded, RequestClosed: ``request`` cannot be carried out.
        StorageError: the store failed; nothing is changed.
    """
    chosen = _handlers(handlers)
    moment = instant(at, "at")
    _check_request(request, subject_id, RequestKind.ERASURE)
    with _store(store).unit_of_work() as uow:
        subject = _subject(uow, subject_id, emails, school_id)
        for handler in chosen:
            if handler.check is not None:
                handler.check(uow, subject)
        others = _open_requests(uow, subject_id, request, moment)
        scope = scope_of(uow, subject)
        pseudonym = uow.pseudonyms.record_erasure(subject_id, at=moment, school_id=school_id)
        _close(uow, others, moment)
        changed = {
            h.section: h.erase(uow, subject, pseudonym, moment)
            for h in chosen
            if h.erase is not None
        }
        done = None
        if request is not None:
            done = complete_request(attrs.evolve(request, subject_id=pseudonym), at=moment)
            uow.requests.save(done)
        closed = tuple(uow.requests.get(r.request_id) for r in others)
        uow.commit()
    kept = {h.section: h.kept for h in chosen if h.erase is None and h.kept is not None}
    return Erasure(
        pseudonym=pseudonym,
        at=moment,
        changed=changed,
        kept=kept,
        request=done,
        closed=closed,
        scope=scope,
        scrubbed=_scrub(store),
    )


@accepts(subject_id=(str, "a subject id (text)"), school_id=(str, "a school id (text) or None"))
def subject_scope(
    store: subscriptionkit.storage.ports.Store, subject_id: str, *, school_id: str | None = None
) -> Scope:
    """What an export or erasure of ``subject_id`` covers: with ``school_id``, that school's
    pupil; without, no activity, and :attr:`Scope.pupil_schools` names the schools holding
    events of a pupil with the same id (the note ``subscriptionkit privacy export`` prints).

    Cost: without a school, one scan of the activity events
    (:meth:`~subscriptionkit.storage.ports.ActivityStore.schools_of_pupil`).

    Raises:
        InvalidArgument: a wrong type; InvalidIdentifier: a malformed id.
    """
    subject = Subject(
        identifier(subject_id, "subject_id"),
        school_id=None if school_id is None else identifier(school_id, "school_id"),
    )
    with _store(store).unit_of_work() as uow:
        return scope_of(uow, subject)


def _retained(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    handlers: Sequence[DataHandler],
    register: Register,
    at: _dt.datetime,
) -> list[Retained]:
    """What every handler lists for retention at ``at``."""
    return [r for h in handlers if h.retained is not None for r in h.retained(uow, register, at)]


def _due(
    register: Register, records: Iterable[Retained], at: _dt.datetime, tz: str
) -> tuple[Retained, ...]:
    """The one rule: the records whose purpose's period after their last use ran out."""
    moment = instant(at, "at")
    due = []
    for record in instances(records, Retained, "records"):
        if record.purpose in register:
            retention = register.purpose(record.purpose).retention
            zone = record.timezone or tz
            if instant(retention.expires(record.last_used, tz=zone)) < moment:
                due.append(record)
    return tuple(due)


@accepts(
    register=(Register, "a Register"),
    at=(_dt.datetime, "an aware datetime"),
    tz=(str, "a time zone name"),
)
def due_for_deletion(
    register: Register,
    records: Iterable[Retained] | None = None,
    *,
    at: _dt.datetime,
    store: subscriptionkit.storage.ports.Store | None = None,
    tz: str = DEFAULT_TIMEZONE,
    handlers: Iterable[DataHandler] = DEFAULT_HANDLERS,
) -> tuple[Retained, ...]:
    """Return the records whose purpose's retention period has run out at ``at``
    (GDPR Art. 5(1)(e)): kept until the end of the local day the period after their last
    use. Purposes the register does not list are never due (nothing is deleted on a guess).

    Two forms, one rule:

    * ``due_for_deletion(register, at=now, store=store)`` reads what every handler lists
      for retention (:attr:`DataHandler.retained`) from the store, in one unit of work:
      what :func:`purge` would erase at ``at``;
    * ``due_for_deletion(register, records, at=now)`` is pure: it judges the
      :class:`Retained` records given.

    A record is counted on the calendar of its own ``timezone`` (an invoice's customer),
    else of ``tz``. Invoices are kept from the end of the fiscal year in which they left
    the current books (see :func:`fiscal_year_end` and
    :func:`~subscriptionkit.billing.closed_on`); an advance still awaiting its true-up is
    never listed.

    Args:
        register: the purposes and their retention periods.
        records: the records to judge (pure form), or ``None`` with ``store``.
        at: the moment (aware).
        store: where the records are (store form), or ``None`` with ``records``.
        tz: the time zone of records that name none (default Europe/Amsterdam).
        handlers: the handlers whose records the store form lists.

    Raises:
        InvalidInput: both or neither of ``records`` and ``store``; ``records`` is not an
            iterable of :class:`Retained`.
        NaiveDatetimeError: ``at`` has no time zone.
    """
    moment = instant(at, "at")
    if (records is None) == (store is None):
        raise InvalidInput(
            "the records due for deletion are judged either from the records given or from "
            "those in a store; "
            f"expected one of records= and store=, got {'both' if store is not None else 'neither'}"
        )
    if store is not None:
        chosen = _handlers(handlers)
        with _store(store).unit_of_work() as uow:
            records = _retained(uow, chosen, register, moment)
    assert records is not None
    return _due(register, records, moment, tz)


@accepts(
    register=(Register, "a Register"),
    at=(_dt.datetime, "an aware datetime"),
    tz=(str, "a time zone name"),
)
def purge(
    store: subscriptionkit.storage.ports.Store,
    register: Register,
    *,
    at: _dt.datetime,
    tz: str = DEFAULT_TIMEZONE,
    handlers: Iterable[DataHandler] = DEFAULT_HANDLERS,
) -> tuple[Retained, ...]:
    """Erase what retention no longer allows, through the same handlers as
    :func:`erase_subject`, in one unit of work (all or nothing); return what was erased:
    what ``due_for_deletion(register, at=at, store=store)`` lists.

    A handler with its own :attr:`DataHandler.purge` removes the very records named
    (invoices with their credit notes, by number); the others erase each due subject's
    records in their section through :attr:`DataHandler.erase` (a pupil's activity two
    years after its last event, say).

    Raises:
        StorageError: the store failed; nothing is changed.
    """
    chosen = _handlers(handlers)
    moment = instant(at, "at")
    with _store(store).unit_of_work() as uow:
        due = _due(register, _retained(uow, chosen, register, moment), moment, tz)
        done: set[tuple[str, str | None, str]] = set()
        for handler in chosen:
            mine = [r for r in due if r.section == handler.section]
            if handler.purge is not None and mine:
                handler.purge(uow, mine, moment)
                continue
            for record in mine:
                key = (record.section, record.school_id, record.subject_id)
                if handler.erase is None or key in done:
                    continue
                done.add(key)
                subject = Subject(record.subject_id, school_id=record.school_id)
                pseudonym = uow.pseudonyms.pseudonym(record.subject_id, school_id=record.school_id)
                handler.erase(uow, subject, pseudonym, moment)
        uow.commit()
    _scrub(store)
    return due


def sections(handlers: Sequence[DataHandler] = DEFAULT_HANDLERS) -> tuple[str, ...]:
    """The export's section names, in order (internal helper for the docs and CLI)."""
    return tuple(h.section for h in handlers)
