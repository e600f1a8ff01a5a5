"""The ``privacy rectify`` command (internal; ``_privacy`` adds it with the others).

Corrects a subject's name or e-mail address in every store in one unit of work, and prints
the message of each pending invitation it re-addressed, to send again with its new link.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, TextIO

from .. import privacy, teams
from .._i18n import Translator
from ..errors import InvalidInput
from ..privacy._labels import SECTIONS, label
from ._subscriptions import _at, open_database
from ._teams import KEYS_VARIABLE, URL_VARIABLE, _message, _url_template, token_keys


def rectify(args: argparse.Namespace, out: TextIO) -> int:
    """Run ``privacy rectify`` (its handler is ``_privacy._cmd_rectify``)."""
    store = open_database(args)
    request = None
    changes = {k: v for k, v in (("name", args.name), ("email", args.email)) if v is not None}
    if args.request is not None:
        with store.unit_of_work() as uow:
            request = uow.requests.get(args.request)
        changes = {**request.changes, **changes}  # a mismatch is the library's to refuse
    if not changes:
        raise InvalidInput(
            "a rectification needs the corrected --name or --email, or a --request that "
            "names them; got none"
        )
    keys = token_keys() if "email" in changes else None  # pending invitations get new tokens
    done = privacy.rectify_subject(
        store, args.subject, at=_at(args), name=changes.get("name"), email=changes.get("email"),
        emails=args.old_email or (), keys=keys, request=request,
    )  # fmt: skip
    t = Translator(args.locale)
    if not done.matched:
        return _nothing_matched(t, args, request, out)
    out.write(t.gettext("Rectified {subject}.").format(subject=args.subject) + "\n")
    for section, count in done.changed.items():
        out.write(
            "  "
            + t.ngettext(
                "{section}: {count} record corrected", "{section}: {count} records corrected", count
            ).format(section=label(t, SECTIONS, section), count=count)
            + "\n"
        )
    with store.unit_of_work() as uow:
        for sent in done.reissued:
            team = uow.teams.get(sent.team_id)
            invitation = team.invitation(sent.invitation_id)
            assert invitation is not None  # re-addressed in place: it is there
            out.write(
                "\n"
                + t.gettext(
                    "Invitation {id} of team {team} now goes to {email} with a new link (the "
                    "old one no longer works). Send it again:"
                ).format(id=sent.invitation_id, team=team.name, email=sent.email)
                + "\n\n"
            )
            _message(
                teams.invitation_message(
                    team, invitation, sent.token, url_template=_url_template(args),
                    tz=args.tz, locale=args.locale,
                ),
                out,
                t,
            )  # fmt: skip
    return 0


def _nothing_matched(
    t: Translator, args: argparse.Namespace, request: privacy.SubjectRequest | None, out: TextIO
) -> int:
    """No record matched: say so as ``erase`` does; a request given stays open (an error)."""
    if request is not None:
        raise InvalidInput(
            f"no record of {args.subject!r} matched, so nothing was corrected and request "
            f"{request.request_id!r} stays open; expected a record under the subject's id or "
            "at one of its addresses: give an old address that is not on one of its team "
            "memberships (an invitation's, say) with --old-email ADDRESS"
        )
    out.write(
        t.gettext("No records held about {subject}: nothing corrected.").format(
            subject=args.subject
        )
        + "\n  "
        + t.gettext(
            "If an old address of the subject is not on one of its team memberships (an "
            "invitation's, say), give it with --old-email ADDRESS."
        )
        + "\n"
    )
    return 0


def add_rectify(
    cmds: argparse._SubParsersAction[Any],
    parents: list[argparse.ArgumentParser],
    handler: Callable[[argparse.Namespace, TextIO, TextIO], int],
) -> None:
    """Add ``privacy rectify`` to the privacy commands, run by ``handler`` (which the
    command table expects in ``_privacy``)."""
    p = cmds.add_parser(
        "rectify",
        parents=parents,
        help="correct a subject's name or e-mail address in every store, all or nothing",
        description="Corrects the name and/or e-mail address everywhere the stores keep one. "
        "Invitations to the old addresses take the new one; a pending invitation gets a new "
        "link (the old one went to the wrong address and stops working), printed here to send "
        f"again: this needs the team token keys in ${KEYS_VARIABLE}.",
    )
    p.add_argument("subject", help="whose data")
    p.add_argument("--request", help="the verified rectification request this answers")
    p.add_argument("--name", help="the corrected name (default: the request's)")
    p.add_argument("--email", help="the corrected e-mail address (default: the request's)")
    p.add_argument(
        "--old-email",
        action="append",
        metavar="ADDRESS",
        help="an old address of the subject outside its team memberships (repeatable)",
    )
    p.add_argument("--url", help=f"the join address with {{token}} (default: ${URL_VARIABLE})")
    p.set_defaults(handler=handler)
