"""The ``privacy`` commands: consent, withdraw, request, verify-identity, export, erase,
overdue, retention (internal).

Each command opens the database (``--db``), does one step of :mod:`subscriptionkit.privacy`
in one unit of work and prints what it did, one line per record.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from typing import Any, TextIO

from .. import privacy
from ..errors import InvalidInput
from ._subscriptions import _at, _moment, open_database


def _register(args: argparse.Namespace) -> privacy.Register:
    path = getattr(args, "register", None)
    return privacy.default_register() if path is None else privacy.Register.load(path)


def _cmd_consent(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    register, at = _register(args), _at(args)
    if args.implicit is not None:
        consent = privacy.implicit_consent(
            args.subject, args.implicit, at=at, source=args.source, register=register,
            consent_id=args.id,
        )  # fmt: skip
    else:
        if args.purpose is None or args.text_version is None:
            purpose = "no purpose" if args.purpose is None else f"purpose {args.purpose!r}"
            version = (
                "no --text-version"
                if args.text_version is None
                else f"--text-version {args.text_version!r}"
            )
            raise InvalidInput(
                f"an explicit consent needs its purpose and --text-version; got {purpose} "
                f"and {version}"
            )
        consent = privacy.record_consent(
            args.subject, args.purpose, at=at, source=args.source,
            text_version=args.text_version, register=register, consent_id=args.id,
        )  # fmt: skip
    with open_database(args).unit_of_work() as uow:
        uow.consents.save(consent)
        uow.commit()
    out.write(
        f"Consent {consent.consent_id}: {consent.subject_id} consents to {consent.purpose} "
        f"({consent.kind.value}) from {consent.given_at.isoformat()}\n"
    )
    return 0


def _cmd_withdraw(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    at = _at(args)
    with open_database(args).unit_of_work() as uow:
        given = uow.consents.for_subject(args.subject)
        withdrawn = privacy.unsubscribe(
            given, args.subject, at=at, source=args.source, purpose=args.purpose
        )
        for consent in withdrawn:
            uow.consents.save(consent)
        uow.commit()
    if not withdrawn:
        raise InvalidInput(
            f"subject {args.subject!r} has no consent for {args.purpose!r} in force at "
            f"{at.isoformat()}; expected one to withdraw, got none"
        )
    out.write(
        f"Withdrew {len(withdrawn)} consent(s) of {args.subject} for {args.purpose} from {at.isoformat()}\n"
    )
    return 0


def _show_request(request: privacy.SubjectRequest, out: TextIO) -> None:
    out.write(
        f"Request {request.request_id}: {request.kind.value} by {request.subject_id}, "
        f"{request.status.value}, due {request.due_at.isoformat()}\n"
    )


def _cmd_request(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    changes = {k: v for k, v in (("name", args.name), ("email", args.email)) if v is not None}
    request = privacy.receive_request(
        args.subject, args.kind, at=_at(args), tz=args.tz, request_id=args.id,
        controller=args.controller, purposes=args.purpose or (), changes=changes,
        register=_register(args),
    )  # fmt: skip
    with open_database(args).unit_of_work() as uow:
        uow.requests.save(request)
        uow.commit()
    _show_request(request, out)
    return 0


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        request = uow.requests.get(args.request_id)
        request = privacy.record_identity_check(
            request, at=_at(args), by=args.by, method=args.method
        )
        uow.requests.save(request)
        uow.commit()
    _show_request(request, out)
    return 0


def _scope_note(scope: privacy.Scope, subject: str) -> str:
    """The operator's note on a request without ``--school`` (empty with one)."""
    if scope.activity:
        return ""
    where = (
        f"the id {subject!r} is a pupil's in {', '.join(scope.pupil_schools)}, left as it is: "
        "if the subject is that pupil, the request is the school's (forward it), or repeat "
        "with --school SCHOOL on the school's instruction"
        if scope.pupil_schools
        else f"no school holds events of a pupil {subject!r}"
    )
    return f"Note: no --school given, so activity events are out of scope; {where}.\n"


def _cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    if args.request is not None:
        with store.unit_of_work() as uow:
            request = uow.requests.get(args.request)
        kinds = (privacy.RequestKind.ACCESS, privacy.RequestKind.PORTABILITY)
        if request.kind not in kinds or request.subject_id != args.subject:
            raise InvalidInput(
                f"request {request.request_id!r} asks for {request.kind.value} by "
                f"{request.subject_id!r}; expected access or portability by {args.subject!r}"
            )
        privacy.complete_request(request, at=_at(args))  # checks identity, controller, status
    document = privacy.export_subject(
        store, args.subject, at=_at(args), school_id=args.school, emails=args.email or ()
    )
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if args.output is None:
        out.write(text)
    else:
        path = pathlib.Path(args.output)
        path.write_text(text, encoding="utf-8")  # OSError: the command's file status
        out.write(f"Exported {sum(map(len, document['sections'].values()))} records to {path}\n")
    if args.school is None:  # stderr: the document on stdout stays JSON
        err.write(_scope_note(privacy.subject_scope(store, args.subject), args.subject))
    if args.request is not None:
        with store.unit_of_work() as uow:
            uow.requests.save(
                privacy.complete_request(uow.requests.get(args.request), at=_at(args))
            )
            uow.commit()
    return 0


def _cmd_erase(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    request = None
    if args.request is not None:
        with store.unit_of_work() as uow:
            request = uow.requests.get(args.request)
    done = privacy.erase_subject(
        store,
        args.subject,
        at=_at(args),
        school_id=args.school,
        emails=args.email or (),
        request=request,
    )
    out.write(f"Erased {args.subject}: pseudonym {done.pseudonym}\n")
    for section, count in done.changed.items():
        out.write(f"  {section}: {count} changed\n")
    for section, why in done.kept.items():
        out.write(f"  {section}: kept ({why})\n")
    out.write(_scope_note(done.scope, args.subject))
    return 0


def _cmd_overdue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        late = privacy.overdue(uow.requests.open_requests(), at=_at(args))
    for request in late:
        _show_request(request, out)
    if not late:
        out.write("No request is overdue.\n")
    return 0


def _cmd_retention(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store, register, at = open_database(args), _register(args), _at(args)
    if args.purge:
        due = privacy.purge(store, register, at=at)
    else:
        with store.unit_of_work() as uow:
            listed = [r for h in privacy.DEFAULT_HANDLERS if h.retained for r in h.retained(uow)]
        due = privacy.due_for_deletion(register, listed, at=at)
    verb = "Purged" if args.purge else "Due"
    for record in due:
        out.write(
            f"{verb}: {record.section} of {record.subject_id} ({record.purpose}, last used {record.last_used.isoformat()})\n"
        )
    if not due:
        out.write("Nothing is due for deletion.\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``privacy`` and its commands to the command line."""
    group = sub.add_parser("privacy", help="GDPR: consent, data-subject requests, export, erasure")
    cmds = group.add_subparsers(title="privacy commands", metavar="COMMAND")
    cmds.required = True
    base = argparse.ArgumentParser(add_help=False)
    base.add_argument(
        "--at", type=_moment, help="when it happens, ISO 8601 with offset (default: now)"
    )
    base.add_argument(
        "--register",
        type=pathlib.Path,
        help="a register of processing (.toml or .json; default: the seed's)",
    )
    parents = [common, base]
    emails = argparse.ArgumentParser(add_help=False)
    emails.add_argument(
        "--email",
        action="append",
        metavar="ADDRESS",
        help="another e-mail address of the subject (repeatable)",
    )

    p = cmds.add_parser("consent", parents=parents, help="record a consent for a purpose")
    p.add_argument("subject", help="whose consent (an account or contact id)")
    p.add_argument("purpose", nargs="?", help="the purpose (a register purpose resting on consent)")
    p.add_argument("--source", required=True, help="where it was given, e.g. signup-form")
    p.add_argument("--text-version", help="the version of the consent text agreed to")
    p.add_argument(
        "--implicit",
        choices=["contact", "newsletter_signup", "review"],
        help="consent implied by this action (the purpose follows from it)",
    )
    p.add_argument("--id", help="the consent's id (default: a new one)")
    p.set_defaults(handler=_cmd_consent)

    p = cmds.add_parser("withdraw", parents=parents, help="withdraw a consent, from now on")
    p.add_argument("subject", help="whose consent")
    p.add_argument("purpose", help="the purpose, e.g. newsletter")
    p.add_argument(
        "--source", default="command line", help="how it was withdrawn (default: command line)"
    )
    p.set_defaults(handler=_cmd_withdraw)

    p = cmds.add_parser(
        "request", parents=parents, help="record a data-subject request; prints its deadline"
    )
    p.add_argument("subject", help="whose data")
    p.add_argument("kind", choices=[k.value for k in privacy.RequestKind], help="what is asked for")
    p.add_argument(
        "--purpose", action="append", help="a purpose a restriction or objection names (repeatable)"
    )
    p.add_argument("--name", help="a rectification's corrected name")
    p.add_argument("--email", help="a rectification's corrected e-mail address")
    p.add_argument(
        "--controller",
        help="the controller (a school) whose pupil data it is about: forwarded, not carried out",
    )
    p.add_argument("--id", help="the request's id (default: a new one)")
    p.set_defaults(handler=_cmd_request)

    p = cmds.add_parser(
        "verify-identity", parents=parents, help="record that the requester's identity was checked"
    )
    p.add_argument("request_id", help="the request")
    p.add_argument("--by", required=True, help="who checked (a staff account)")
    p.add_argument(
        "--method",
        default="id-copy-redacted",
        help="how (default: a copy of an ID with MRZ, number and BSN blacked out, not kept)",
    )
    p.set_defaults(handler=_cmd_verify)

    p = cmds.add_parser(
        "export", parents=[*parents, emails], help="every record about a subject, as JSON"
    )
    p.add_argument("subject", help="whose data")
    p.add_argument(
        "--school",
        help="the school whose pupil the subject is (pupil ids are unique per school); "
        "only that school's activity events are exported",
    )
    p.add_argument("--request", help="the access or portability request this answers (completed)")
    p.add_argument("--output", help="write the JSON to this file (default: standard output)")
    p.set_defaults(handler=_cmd_export)

    p = cmds.add_parser(
        "erase", parents=[*parents, emails], help="erase a subject from every store, all or nothing"
    )
    p.add_argument("subject", help="whom to erase")
    p.add_argument(
        "--school",
        help="the school whose pupil the subject is (pupil ids are unique per school); "
        "only that school's activity events are pseudonymised",
    )
    p.add_argument("--request", help="the verified erasure request this answers (completed)")
    p.set_defaults(handler=_cmd_erase)

    p = cmds.add_parser("overdue", parents=parents, help="open requests past their deadline")
    p.set_defaults(handler=_cmd_overdue)

    p = cmds.add_parser("retention", parents=parents, help="records past their retention period")
    p.add_argument("--purge", action="store_true", help="erase them (default: only list them)")
    p.set_defaults(handler=_cmd_retention)
