"""Where personal data lives: one exporter and eraser per kind of record (GDPR Art. 15–20).

Each module that keeps personal data registers a :class:`DataHandler` here: the section of
the export it fills, the SQL tables and memory-store parts it covers, how it exports a
subject's records and how erasure treats them. They work through the storage ports of a
unit of work only, so the same handler serves memory, SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._checks import items
from .._i18n import gettext_noop
from ..clock import instant
from ..errors import OwnershipTransferRequired, PrivacyCoverageError
from ._handler_model import (
    ERASED_NAME,
    PSEUDONYM_PREFIX,
    DataHandler,
    Retained,
    Subject,
    _named,
    records_changed,
)
from ._invoice_retention import purge_invoices, retained_invoices
from ._rectifiers import rectify_certificates, rectify_requests, rectify_teams
from ._values import instances

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

    from ..teams import Team
    from ._register import Register

__all__ = [
    "DEFAULT_HANDLERS",
    "ERASED_NAME",
    "NO_PERSONAL_DATA",
    "PSEUDONYM_PREFIX",
    "DataHandler",
    "Retained",
    "Subject",
    "check_coverage",
]


def _iso(value: _dt.datetime | None) -> str | None:
    return None if value is None else instant(value).isoformat()


# -- subscriptions and invoices: kept -------------------------------------------------


def _export_subscriptions(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [s.to_dict() for s in uow.subscriptions.for_customer(subject.subject_id)]


def _export_invoices(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [i.to_dict() for i in uow.ledger.list(customer_id=subject.subject_id)]


# -- teams ----------------------------------------------------------------------------


def _teams_of(uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject) -> Sequence[Team]:
    """The teams the subject is on, or has an invitation of, or made an invitation or link in."""
    return uow.teams.involving(subject.subject_id, subject.emails)


def _export_teams(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for team in _teams_of(uow, subject):
        member = team.member(subject.subject_id)
        if member is not None:
            out.append({
                "record": "membership", "team_id": team.id, "team_name": team.name,
                "name": member.name, "email": member.email, "role": member.role.value,
                "status": member.status.value, "added_at": _iso(member.added_at),
                "joined_at": _iso(member.joined_at),
            })  # fmt: skip
        for inv in team.invitations:
            if subject.has_email(inv.email):
                out.append({
                    "record": "invitation", "team_id": team.id, "invitation_id": inv.id,
                    "email": inv.email, "created_at": _iso(inv.created_at),
                    "expires_at": _iso(inv.expires_at), "used_at": _iso(inv.used_at),
                    "revoked_at": _iso(inv.revoked_at),
                })  # fmt: skip
    return out


def _check_teams(uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject) -> None:
    owned = [
        t.id
        for t in uow.teams.for_account(subject.subject_id)
        if t.owner.account_id == subject.subject_id
    ]
    if owned:
        raise OwnershipTransferRequired(subject_id=subject.subject_id, team_ids=owned)


def _erase_teams(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    sid = subject.subject_id
    address = f"{pseudonym}@erased.invalid"
    count = 0
    for team in _teams_of(uow, subject):

        def renamed(value: str) -> str:
            return pseudonym if value == sid else value

        invitations = tuple(
            attrs.evolve(
                inv,
                email=address if subject.has_email(inv.email) else inv.email,
                created_by=renamed(inv.created_by),
                used_by=None if inv.used_by is None else renamed(inv.used_by),
                revoked_at=inv.revoked_at
                or (at if subject.has_email(inv.email) and inv.used_at is None else None),
            )
            for inv in team.invitations
        )
        links = tuple(attrs.evolve(ln, created_by=renamed(ln.created_by)) for ln in team.links)
        members = tuple(m for m in team.members if m.account_id != sid)
        erased = attrs.evolve(team, members=members, invitations=invitations, links=links)
        changed = records_changed(team, erased)
        if changed:
            uow.teams.update(erased)
            count += changed
    return count


# -- progress ---------------------------------------------------------------------------


def _export_progress(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [
        {
            "course_id": p.course_id,
            "enrolled_at": _iso(p.enrolled_at),
            "percent": str(p.percent),
            "last_activity_at": _iso(p.last_activity_at),
            "completed_at": _iso(p.completed_at),
        }
        for p in uow.progress.for_accounts([subject.subject_id])
    ]


def _erase_progress(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    return uow.progress.erase(subject.subject_id)


# -- activity metadata --------------------------------------------------------------------


def _export_activity(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [
        {
            "event_id": e.event_id,
            "school_id": e.school_id,
            "grade": e.grade,
            "category": e.category,
            "processed_at": _iso(e.processed_at),
        }
        for e in (
            # activity is a school's pupils': no school, no pupil (ids repeat across schools)
            ()
            if subject.school_id is None
            else uow.activity.pupil_events(subject.school_id, subject.subject_id)
        )
    ]


def _erase_activity(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    if subject.school_id is None:  # activity is a school's pupils': no school, no pupil
        return 0
    return uow.activity.pseudonymise(subject.school_id, subject.subject_id, pseudonym)


def _retained_activity(
    uow: subscriptionkit.storage.ports.UnitOfWork, register: Register, at: _dt.datetime
) -> list[Retained]:
    last: dict[tuple[str, str], _dt.datetime] = {}
    for e in uow.activity.events():
        moment = instant(e.processed_at)
        pair = (e.school_id, e.pupil_id)
        if pair not in last or last[pair] < moment:
            last[pair] = moment
    return [
        Retained("activity", p, "pupil-monitoring", at, school_id=s)
        for (s, p), at in sorted(last.items())
        if _named(p)
    ]


# -- certificates -------------------------------------------------------------------------


def _export_certificates(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [c.to_dict() for c in uow.certificates.for_holder(subject.subject_id)]


def _erase_certificates(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    found = uow.certificates.for_holder(subject.subject_id)
    for cert in found:
        uow.certificates.relabel(cert.certificate_id, holder_id=pseudonym, holder_name=ERASED_NAME)
    return len(found)


def _retained_certificates(
    uow: subscriptionkit.storage.ports.UnitOfWork, register: Register, at: _dt.datetime
) -> list[Retained]:
    last: dict[str, _dt.datetime] = {}
    for c in uow.certificates.list():
        if c.holder_id not in last or instant(last[c.holder_id]) < instant(c.issued_at):
            last[c.holder_id] = c.issued_at
    return [
        Retained("certificates", h, "certificates", at)
        for h, at in sorted(last.items())
        if _named(h)
    ]


# -- the audit log ------------------------------------------------------------------------


def _export_audit(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    sid = subject.subject_id
    return [
        {
            "subject_type": e.subject_type,
            "kind": e.kind,
            "at": _iso(e.at),
            # Only the subject's own id among the data: other ids are about other people.
            "data": {k: v for k, v in e.data.items() if v == sid or not isinstance(v, str)},
        }
        for e in uow.audit.about(sid)
    ]


def _erase_audit(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    return uow.audit.pseudonymise(subject.subject_id, pseudonym)


# -- privacy's own records ------------------------------------------------------------------


def _export_consents(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [c.to_dict() for c in uow.consents.for_subject(subject.subject_id)]


def _erase_consents(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    return uow.consents.pseudonymise(subject.subject_id, pseudonym)


def _retained_consents(
    uow: subscriptionkit.storage.ports.UnitOfWork, register: Register, at: _dt.datetime
) -> list[Retained]:
    """A subject's consents once every one was withdrawn: kept for the retention of the
    purpose withdrawn last, from that withdrawal (proof of what was consented to)."""
    latest: dict[str, Any] = {}
    active: set[str] = set()
    for c in uow.consents.list():
        if c.withdrawn_at is None:
            active.add(c.subject_id)
        elif c.subject_id not in latest or instant(latest[c.subject_id].withdrawn_at) < instant(
            c.withdrawn_at
        ):
            latest[c.subject_id] = c
    return [
        Retained("consents", s, c.purpose, c.withdrawn_at)
        for s, c in sorted(latest.items())
        if s not in active and _named(s)
    ]


def _export_requests(
    uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject
) -> list[dict[str, Any]]:
    return [r.to_dict() for r in uow.requests.for_subject(subject.subject_id)]


def _erase_requests(
    uow: subscriptionkit.storage.ports.UnitOfWork,
    subject: Subject,
    pseudonym: str,
    at: _dt.datetime,
) -> int:
    return uow.requests.pseudonymise(subject.subject_id, pseudonym)


_STATUTORY: Final = gettext_noop(  # translated where it is shown
    "Dutch tax law keeps invoices and what they rest on for 7 years (configurable retention "
    "of the register's 'invoicing' purpose); an invoice names its customer, usually a school "
    "or company"
)

#: Every kind of personal data the library's stores keep, in export order.
DEFAULT_HANDLERS: Final[tuple[DataHandler, ...]] = (
    DataHandler(
        "subscriptions", ("sk_subscriptions", "sk_reminders"), ("_data.subscriptions", "_data.reminders"),
        _export_subscriptions, kept=_STATUTORY,
    ),
    DataHandler(
        "invoices", ("sk_invoices",), ("_ledger.invoices", "_ledger.statuses"), _export_invoices, kept=_STATUTORY,
        retained=retained_invoices, purge=purge_invoices,
    ),
    DataHandler(
        "teams", ("sk_teams", "sk_team_members", "sk_team_invitations", "sk_team_links"),
        ("_teams",), _export_teams, _erase_teams, check=_check_teams, rectify=rectify_teams,
    ),
    DataHandler(
        "progress", ("sk_course_progress",), ("_progress",), _export_progress, _erase_progress,
    ),
    DataHandler(
        "activity", ("sk_activity_events",), ("_activity",), _export_activity, _erase_activity,
        retained=_retained_activity,
    ),
    DataHandler(
        "certificates", ("sk_certificates",), ("_certificates",), _export_certificates,
        _erase_certificates, rectify=rectify_certificates, retained=_retained_certificates,
    ),
    DataHandler("audit", ("sk_audit_log",), ("_data.audit",), _export_audit, _erase_audit),
    DataHandler(
        "consents", ("sk_privacy_consents",), ("_privacy.consents",), _export_consents, _erase_consents,
        retained=_retained_consents,
    ),
    DataHandler(
        "requests", ("sk_privacy_requests",), ("_privacy.requests",), _export_requests, _erase_requests,
        rectify=rectify_requests,
    ),
)  # fmt: skip


#: The tables and memory-store parts that hold no personal data, and why: nothing to
#: export or erase there.
NO_PERSONAL_DATA: Final[Mapping[str, str]] = MappingProxyType({
    "sk_revocations": "certificate ids, a reason and a moment",
    "sk_keys": "the issuer's signing keys",
    "sk_invoice_series": "the last number of each invoice series",
    "sk_discounts": "a subscription's discount terms (kind, value, terms), no person named",
    "sk_privacy_keys": "the pseudonym key",
    "sk_privacy_erasures": "erased subjects, as pseudonyms only",
    "sk_alembic_version": "the schema version",
    "sk_schema_version": "the schema version of releases before Alembic",
    "_revocations": "certificate ids, a reason and a moment",
    "_public_keys": "the issuer's public keys",
    "_private_keyring": "the issuer's signing keys",
    "_ledger.last": "the last number of each invoice series",
    "_discounts": "a subscription's discount terms (kind, value, terms), no person named",
    "_privacy.key": "the pseudonym key",
    "_privacy.erased": "erased subjects, as pseudonyms only",
    "_data.sequence": "the audit log's counter",
    "_claims": "event ids a unit of work is adding (locks, not data)",
    "_status_indexes": "certificate ids by status list position",
    "_status_claims": "status list positions a unit of work is taking (locks, not data)",
    "_waits": "which unit of work waits for which (locks, not data)",
})  # fmt: skip


def check_coverage(
    stores: Iterable[str], *, handlers: Iterable[DataHandler] = DEFAULT_HANDLERS
) -> None:
    """Raise unless every one of ``stores`` (SQL table names, memory-store part paths) is
    covered by a handler's exporter or eraser, or listed in ``NO_PERSONAL_DATA``.

    A test feeds it every table of the schema and every part of a memory store, so a new
    table that keeps personal data without an exporter and eraser fails the build.

    Raises:
        PrivacyCoverageError: naming the stores left uncovered.
    """
    covered = set(NO_PERSONAL_DATA)
    for handler in instances(handlers, DataHandler, "handlers"):
        covered.update(handler.tables, handler.memory)
    names = items(stores, "stores", "an iterable of table names or memory-store parts")
    left = sorted({str(n) for n in names} - covered)
    if left:
        raise PrivacyCoverageError(stores=left)
