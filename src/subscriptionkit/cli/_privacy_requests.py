"""The ``privacy`` commands that take one step of a recorded request: verify-identity,
forward, complete, refuse, extend, lift (internal; ``_privacy`` adds them with the others),
and how the privacy commands print requests and moments.

Each loads the request from the database, takes one step of
:mod:`subscriptionkit.privacy` and saves it in the same unit of work, then prints the
request as it now stands.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TextIO

from .. import privacy
from .._errors_base import _indefinite as indefinite
from .._i18n import Translator
from ..clock import local
from ..errors import InvalidInput
from ..privacy._labels import KINDS, STATUSES, label
from ..privacy._request_steps import require_not_closed
from ._subscriptions import _at, open_database


def _when(t: Translator, value: _dt.datetime, tz: str) -> str:
    """A moment as the command line shows one: its date and time on ``tz``'s wall clock."""
    shown = local(value, tz)
    return t.gettext("{date} at {time}").format(date=t.date(shown.date()), time=t.time(shown))


def _day(t: Translator, value: _dt.datetime, tz: str) -> str:
    """The local date of a moment that ends a day (a deadline, a retention period)."""
    return t.date(local(value, tz).date())


def _json(out: TextIO, data: Any) -> None:
    out.write(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n")


def _show_requests(
    args: argparse.Namespace,
    requests: Sequence[privacy.SubjectRequest],
    out: TextIO,
    *,
    late: bool = False,
) -> None:
    """One line per request, its deadline as a date on the subject's wall clock (the
    deadline ends that local day); ``--format json``: the requests as data."""
    if args.format == "json":
        _json(out, [r.to_dict() for r in requests])
        return
    t = Translator(args.locale)
    for r in requests:
        if late:
            text = t.gettext(
                "Request {id} from {subject}: {kind}, {status}; the answer was due by {due} ({tz})."
            )
        elif r.is_open:
            text = t.gettext(
                "Request {id} from {subject}: {kind}, {status}; answer by {due} ({tz})."
            )
        else:
            text = t.gettext("Request {id} from {subject}: {kind}, {status} on {closed}.")
        closed = r.closed_at or r.received_at
        out.write(
            text.format(
                id=r.request_id,
                subject=r.subject_id,
                kind=label(t, KINDS, r.kind.value),
                status=label(t, STATUSES, r.status.value),
                due=_day(t, r.due_at, r.timezone),
                tz=r.timezone,
                closed=_day(t, closed, r.timezone),
            )
            + "\n"
        )


def _step(
    args: argparse.Namespace,
    out: TextIO,
    step: Callable[[privacy.SubjectRequest], privacy.SubjectRequest],
) -> privacy.SubjectRequest:
    """Load the request ``args.request_id``, take one ``step`` of it, save it in the same
    unit of work and print it as the other request commands do; return it."""
    with open_database(args).unit_of_work() as uow:
        request = step(uow.requests.get(args.request_id))
        uow.requests.save(request)
        uow.commit()
    _show_requests(args, [request], out)
    return request


def _verify(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    _step(
        args, out, lambda r: privacy.record_identity_check(r, at=at, by=args.by, method=args.method)
    )
    return 0


def _forward(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    _step(args, out, lambda r: privacy.forward_request(r, at=at, note=args.note))
    return 0


#: The requests whose work a command does, and completes them: ``privacy complete``
#: refuses them, so no request is marked answered while its work is undone.
_DONE_BY: Final[Mapping[privacy.RequestKind, str]] = {
    privacy.RequestKind.ACCESS: "subscriptionkit privacy export {subject} --request {id}",
    privacy.RequestKind.PORTABILITY: "subscriptionkit privacy export {subject} --request {id}",
    privacy.RequestKind.ERASURE: "subscriptionkit privacy erase {subject} --request {id}",
    privacy.RequestKind.RECTIFICATION: "subscriptionkit privacy rectify {subject} --request {id}",
}


def _completed(request: privacy.SubjectRequest, at: _dt.datetime) -> privacy.SubjectRequest:
    require_not_closed(request, "complete")  # before the kind: its subject may be a pseudonym
    command = _DONE_BY.get(request.kind)
    if command is not None and request.controller is None:
        raise InvalidInput(
            f"request {request.request_id!r} asks for {request.kind.value}, which "
            f"'{command.format(subject=request.subject_id, id=request.request_id)}' carries "
            "out and marks answered; expected a restriction or objection request here, "
            f"got {indefinite(request.kind.value)} request"
        )
    return privacy.complete_request(request, at=at)


def _complete(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    _step(args, out, lambda r: _completed(r, at))
    return 0


def _refuse(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    _step(args, out, lambda r: privacy.refuse_request(r, at=at, reason=args.reason))
    return 0


def _extend(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    _step(
        args,
        out,
        lambda r: privacy.extend_request(r, months=args.months, reason=args.reason, at=at),
    )
    return 0


def _lift(args: argparse.Namespace, out: TextIO) -> int:
    at = _at(args)
    with open_database(args).unit_of_work() as uow:
        request = privacy.lift_restriction(uow.requests.get(args.request_id), at=at)
        uow.requests.save(request)
        uow.commit()
    if args.format == "json":
        _json(out, [request.to_dict()])
        return 0
    t = Translator(args.locale)
    out.write(
        t.gettext(
            "Restriction {id} of {subject} lifted from {when}: processing for {purposes} resumes."
        ).format(
            id=request.request_id,
            subject=request.subject_id,
            when=_when(t, at, args.tz),
            purposes=", ".join(request.purposes),
        )
        + "\n"
    )
    return 0


def take_step(args: argparse.Namespace, out: TextIO) -> int:
    """Run the request command ``args`` names (its handler is ``_privacy._cmd_step``)."""
    step: Callable[[argparse.Namespace, TextIO], int] = args.step
    return step(args, out)


def add_request_steps(
    cmds: argparse._SubParsersAction[Any],
    parents: list[argparse.ArgumentParser],
    handler: Callable[[argparse.Namespace, TextIO, TextIO], int],
) -> None:
    """Add the commands that take one step of a recorded request, run by ``handler``
    (which the command table expects in ``_privacy``); ``parents`` give ``--db``,
    ``--locale``, ``--at``, ``--format``..."""

    def command(
        name: str,
        step: Callable[[argparse.Namespace, TextIO], int],
        about: str,
        request: str = "the request",
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = cmds.add_parser(name, parents=parents, help=about)
        p.add_argument("request_id", help=request)
        p.set_defaults(handler=handler, step=step)
        return p

    p = command("verify-identity", _verify, "record that the requester's identity was checked")
    p.add_argument("--by", required=True, help="who checked (a staff account)")
    p.add_argument(
        "--method",
        default="id-copy-redacted",
        help="how (default: a copy of an ID with MRZ, number and BSN blacked out, not kept)",
    )
    p = command(
        "forward",
        _forward,
        "record that a request about a controller's data (a school's pupil) was passed on "
        "to that controller; it is closed here",
        "the request (recorded with --controller)",
    )
    p.add_argument("--note", help="how and where it went (default: the controller's id)")
    command(
        "complete",
        _complete,
        "mark a verified restriction or objection carried out (export, erase and rectify "
        "complete the other kinds with --request)",
    )
    p = command("refuse", _refuse, "refuse a request, with the reason")
    p.add_argument(
        "--reason", required=True, help="why (e.g. identity not confirmed, manifestly unfounded)"
    )
    p = command(
        "extend",
        _extend,
        "extend a request's deadline by one or two months, with the reason (GDPR Art. 12(3))",
    )
    p.add_argument(
        "--months", type=int, choices=(1, 2), required=True, help="months added (2 at most in all)"
    )
    p.add_argument("--reason", required=True, help="why, as told to the subject")
    command(
        "lift",
        _lift,
        "lift a completed restriction: processing for its purposes resumes",
        "the restriction request",
    )
