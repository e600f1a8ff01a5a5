"""The ``privacy`` commands: consent, withdraw, request, verify-identity, forward, complete,
refuse, extend, lift, export, erase, rectify, overdue, retention (internal).

Each command opens the database (``--db``), does one step of :mod:`subscriptionkit.privacy`
in one unit of work and prints what it did, one line per record, in the language of
``--locale``: dates as the rest of the command line prints them (babel), a request's
deadline on the subject's wall clock, other moments in ``--tz``. ``--format json`` (where
offered) prints the records as data instead, moments in ISO 8601.
"""

from __future__ import annotations

import argparse
import json
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any, Final, TextIO

from .. import privacy
from .._errors_base import _indefinite as indefinite
from .._i18n import Translator
from ..clock import DEFAULT_TIMEZONE, instant
from ..errors import InvalidInput
from ..privacy._labels import CONSENT_KINDS, KINDS, SECTIONS, label
from ..privacy._service import _check_request
from ._privacy_rectify import add_rectify, rectify
from ._privacy_requests import _day, _json, _show_requests, _when, add_request_steps, take_step
from ._subscriptions import _at, _moment, open_database


def _register(args: argparse.Namespace) -> privacy.Register:
    path = getattr(args, "register", None)
    return privacy.default_register() if path is None else privacy.Register.load(path)


def _cmd_consent(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    register, at, store = _register(args), _at(args), open_database(args)
    with store.unit_of_work() as uow:  # the new consent may not precede this history
        history = uow.consents.for_subject(args.subject)
    if args.implicit is not None:
        consent = privacy.implicit_consent(
            args.subject, args.implicit, at=at, source=args.source, register=register,
            consent_id=args.id, purpose=args.purpose, history=history,
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
            history=history,
        )  # fmt: skip
    with store.unit_of_work() as uow:
        uow.consents.save(consent)
        uow.commit()
    t = Translator(args.locale)
    out.write(
        t.gettext("Consent {id}: {subject} consents to {purpose} ({kind}), from {when}.").format(
            id=consent.consent_id,
            subject=consent.subject_id,
            purpose=consent.purpose,
            kind=label(t, CONSENT_KINDS, consent.kind.value),
            when=_when(t, consent.given_at, args.tz),
        )
        + "\n"
    )
    return 0


def _cmd_withdraw(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    at = _at(args)
    with open_database(args).unit_of_work() as uow:
        given = uow.consents.for_subject(args.subject)
        withdrawn = privacy.unsubscribe(
            given, args.subject, at=at, source=args.source, purpose=args.purpose,
            register=_register(args),
        )  # fmt: skip
        for consent in withdrawn:
            uow.consents.save(consent)
        uow.commit()
    if not withdrawn:
        raise InvalidInput(
            f"subject {args.subject!r} has no consent for {args.purpose!r} in force at "
            f"{at.isoformat()}; expected one to withdraw, got none"
        )
    t = Translator(args.locale)
    out.write(
        t.ngettext(
            "Withdrew {count} consent of {subject} for {purpose}, from {when}.",
            "Withdrew {count} consents of {subject} for {purpose}, from {when}.",
            len(withdrawn),
        ).format(
            count=len(withdrawn),
            subject=args.subject,
            purpose=args.purpose,
            when=_when(t, at, args.tz),
        )
        + "\n"
    )
    return 0


#: The ``privacy request`` options that only some kinds take: given with another kind
#: they would be recorded and never acted on, so they are refused.
_KIND_OPTIONS: Final[Mapping[str, tuple[str, frozenset[privacy.RequestKind]]]] = {
    "--name": ("name", frozenset({privacy.RequestKind.RECTIFICATION})),
    "--email": ("email", frozenset({privacy.RequestKind.RECTIFICATION})),
    "--purpose": (
        "purpose",
        frozenset({privacy.RequestKind.RESTRICTION, privacy.RequestKind.OBJECTION}),
    ),
}


def _check_kind_options(args: argparse.Namespace) -> None:
    """Refuse an option the request's kind does not take, and a rectification (not a
    controller's) without its corrections, naming the options."""
    kind = privacy.RequestKind(args.kind)
    for option, (attr, kinds) in _KIND_OPTIONS.items():
        value = getattr(args, attr)
        if value and kind not in kinds:
            given = " ".join(
                f"{option} {v!r}" for v in (value if isinstance(value, list) else [value])
            )
            only = " or ".join(indefinite(k.value) for k in sorted(kinds))
            raise InvalidInput(
                f"{option} does not apply to {indefinite(kind.value)} request, only to {only} "
                f"request; expected it left out, got {given}"
            )
    corrections = args.name is not None or args.email is not None
    if kind is privacy.RequestKind.RECTIFICATION and args.controller is None and not corrections:
        raise InvalidInput(
            "a rectification request gives the corrected --name or --email (or both), got neither"
        )


def _cmd_request(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    _check_kind_options(args)
    changes = {k: v for k, v in (("name", args.name), ("email", args.email)) if v is not None}
    request = privacy.receive_request(
        args.subject, args.kind, at=_at(args), tz=args.tz, request_id=args.id,
        controller=args.controller, purposes=args.purpose or (), changes=changes,
        register=_register(args),
    )  # fmt: skip
    with open_database(args).unit_of_work() as uow:
        uow.requests.save(request)
        uow.commit()
    _show_requests(args, [request], out)
    if request.controller is not None and args.format == "text":
        t = Translator(args.locale)
        out.write(
            t.gettext(
                "The data is processed for {controller}, who answers this request: pass it "
                "on to them, then record that with: subscriptionkit privacy forward {id}"
            ).format(controller=request.controller, id=request.request_id)
            + "\n"
        )
    return 0


def _scope_note(t: Translator, scope: privacy.Scope, subject: str) -> str:
    """The operator's note on a request without ``--school`` (empty with one)."""
    if scope.activity:
        return ""
    if scope.pupil_schools:
        where = t.gettext(
            "the id {subject} is a pupil's in {schools}, left as it is: if the subject is that "
            "pupil, the request is the school's (forward it), or repeat with --school SCHOOL on "
            "the school's instruction"
        ).format(subject=repr(subject), schools=", ".join(scope.pupil_schools))
    else:
        where = t.gettext("no school holds events of a pupil {subject}").format(
            subject=repr(subject)
        )
    return (
        t.gettext("Note: no --school given, so activity events are out of scope; {where}.").format(
            where=where
        )
        + "\n"
    )


def _cmd_export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    if args.request is not None:
        with store.unit_of_work() as uow:
            request = uow.requests.get(args.request)
        kinds = (privacy.RequestKind.ACCESS, privacy.RequestKind.PORTABILITY)
        _check_request(request, args.subject, *kinds)  # closed first, then kind and subject
        privacy.complete_request(request, at=_at(args))  # checks the moment too
    document = privacy.export_subject(
        store, args.subject, at=_at(args), school_id=args.school, emails=args.email or ()
    )
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    t = Translator(args.locale)
    if args.output is None:
        out.write(text)
    else:
        path = pathlib.Path(args.output)
        path.write_text(text, encoding="utf-8")  # OSError: the command's file status
        count = sum(map(len, document["sections"].values()))
        out.write(
            t.ngettext(
                "Exported {count} record to {path}.", "Exported {count} records to {path}.", count
            ).format(count=count, path=path)
            + "\n"
        )
    if args.school is None:  # stderr: the document on stdout stays JSON
        err.write(_scope_note(t, privacy.subject_scope(store, args.subject), args.subject))
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
    t = Translator(args.locale)
    if any(done.changed.values()):
        said = t.gettext("Erased {subject}; the records kept carry the pseudonym {pseudonym}.")
    else:
        # Still recorded as erased (as its pseudonym only): records about the subject that
        # arrive later, such as a pupil's events, are pseudonymised on arrival.
        said = t.gettext(
            "No records held about {subject}: nothing erased; the erasure is recorded as "
            "the pseudonym {pseudonym} for records arriving later."
        )
    out.write(said.format(subject=args.subject, pseudonym=done.pseudonym) + "\n")
    for section, count in done.changed.items():
        out.write(
            "  "
            + t.ngettext(
                "{section}: {count} record removed or pseudonymised",
                "{section}: {count} records removed or pseudonymised",
                count,
            ).format(section=label(t, SECTIONS, section), count=count)
            + "\n"
        )
    for section, why in done.kept.items():
        out.write(
            "  "
            + t.gettext("{section}: kept; {why}").format(
                section=label(t, SECTIONS, section), why=t.gettext(why)
            )
            + "\n"
        )
    for closed in done.closed:
        out.write(
            "  "
            + t.gettext(
                "Request {id} ({kind}) closed as answered: nothing of the subject is left "
                "to act on."
            ).format(id=closed.request_id, kind=label(t, KINDS, closed.kind.value))
            + "\n"
        )
    out.write(_scope_note(t, done.scope, args.subject))
    if not done.scrubbed:
        out.write(
            "  "
            + t.gettext(
                "Note: old versions of the changed rows are still in the database's files "
                "(SQLite: another connection reads an older snapshot, they go at the next "
                "checkpoint; PostgreSQL: until VACUUM; see the privacy docs)."
            )
            + "\n"
        )
    return 0


def _cmd_step(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return take_step(args, out)


def _cmd_rectify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    return rectify(args, out)


def _cmd_overdue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        late = privacy.overdue(uow.requests.open_requests(), at=_at(args))
    _show_requests(args, late, out, late=True)
    if not late and args.format == "text":
        out.write(Translator(args.locale).gettext("No request is overdue.") + "\n")
    return 0


def _cmd_retention(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store, register, at = open_database(args), _register(args), _at(args)
    if args.purge:
        due = privacy.purge(store, register, at=at)
    else:
        due = privacy.due_for_deletion(register, at=at, store=store)
    kept = [
        register.purpose(r.purpose).retention.expires(
            r.last_used, tz=r.timezone or DEFAULT_TIMEZONE
        )
        for r in due
    ]
    if args.format == "json":
        _json(out, [
            {
                "section": r.section, "subject_id": r.subject_id, "school_id": r.school_id,
                "purpose": r.purpose, "records": list(r.records),
                "last_used": instant(r.last_used).isoformat(),
                "kept_until": until.isoformat(),
            }
            for r, until in zip(due, kept, strict=True)
        ])  # fmt: skip
        return 0
    t = Translator(args.locale)
    if args.purge:
        text = t.gettext(
            "Erased: {section} of {subject} (purpose {purpose}, last used on {last_used}, "
            "retention ended on {kept_until})."
        )
    else:
        text = t.gettext(
            "Due for deletion: {section} of {subject} (purpose {purpose}, last used on "
            "{last_used}, retention ended on {kept_until})."
        )
    for r, until in zip(due, kept, strict=True):
        subject = r.subject_id
        if r.school_id is not None:
            subject = t.gettext("{pupil} of school {school}").format(
                pupil=r.subject_id, school=r.school_id
            )
        out.write(
            text.format(
                section=label(t, SECTIONS, r.section),
                subject=subject,
                purpose=r.purpose,
                last_used=_day(t, r.last_used, args.tz),
                kept_until=_day(t, until, args.tz),
            )
            + "\n"
        )
    if not due:
        out.write(t.gettext("Nothing is due for deletion.") + "\n")
    return 0


def _given(value: str) -> str:
    """An argparse type for the privacy commands' text arguments: blank text is refused
    (an empty ``--id`` would otherwise mean "make a new one", an empty ``--by`` no one)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("is empty; expected non-empty text")
    return value


def _refuse_blank(
    parsers: Iterable[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Give every text argument of ``parsers`` (not those of ``common``, shared with the
    other commands, nor those with a type of their own) the type :func:`_given`, so each
    blank one is refused with the option's name."""
    shared = {id(action) for action in common._actions}
    for parser in parsers:
        for action in parser._actions:
            if action.type is None and action.nargs != 0 and id(action) not in shared:
                action.type = _given


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
    fmt = argparse.ArgumentParser(add_help=False)
    fmt.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default), or json: the records as data, moments in ISO 8601",
    )
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
        "request",
        parents=[*parents, fmt],
        help="record a data-subject request; prints its deadline",
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

    add_request_steps(cmds, [*parents, fmt], _cmd_step)

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

    add_rectify(cmds, parents, _cmd_rectify)

    p = cmds.add_parser(
        "overdue", parents=[*parents, fmt], help="open requests past their deadline"
    )
    p.set_defaults(handler=_cmd_overdue)

    p = cmds.add_parser(
        "retention", parents=[*parents, fmt], help="records past their retention period"
    )
    p.add_argument("--purge", action="store_true", help="erase them (default: only list them)")
    p.set_defaults(handler=_cmd_retention)
    _refuse_blank(cmds.choices.values(), common)
