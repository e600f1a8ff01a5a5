"""The ``teams`` commands: create, show, add, invite, link, join, remove, make-manager,
seats, progress (internal).

Every command acts as ``--as ACCOUNT``: the library checks that account's permission.
Tokens are hashed with the keys in ``$SUBSCRIPTIONKIT_TOKEN_KEYS`` (``id=hex`` pairs
separated by commas, the first one current); they are never stored. ``invite`` and
``link`` print the message for the host to send, with the token in it: the only copy.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
from collections.abc import Mapping
from typing import Any, Final, Literal, TextIO

from .. import teams
from .._i18n import Translator, gettext_noop
from ..clock import local
from ..errors import InvalidInput
from ..storage import Store, UnitOfWork
from ._common import command_group, positive_whole_number_option, whole_number_option
from ._output import invoice_table
from ._subscriptions import _at, _moment, open_database

#: The environment variable holding the token keys (``id=hex,id=hex``; the first is current).
KEYS_VARIABLE = "SUBSCRIPTIONKIT_TOKEN_KEYS"
#: The environment variable holding the join address template (``{token}`` marks the token).
URL_VARIABLE = "SUBSCRIPTIONKIT_JOIN_URL"


def token_keys(environ: dict[str, str] | None = None) -> teams.TokenKeys:
    """Read the token keys from ``$SUBSCRIPTIONKIT_TOKEN_KEYS`` (``id=hex,...``, first current).

    Raises:
        InvalidInput: the variable is missing or malformed (never echoing key material).
    """
    text = (os.environ if environ is None else environ).get(KEYS_VARIABLE, "")
    pairs = [p.strip() for p in text.split(",") if p.strip()]
    if not pairs or any("=" not in p for p in pairs):
        raise InvalidInput(
            f"${KEYS_VARIABLE} must hold the token keys as id=hex pairs separated by commas "
            f"(the first is current), e.g. 2026-03=<64 hex digits>; got "
            f"{'nothing' if not pairs else 'a value without id=hex pairs'}"
        )
    keys = dict(p.split("=", 1) for p in pairs)
    return teams.TokenKeys.from_hex(keys, current=pairs[0].split("=", 1)[0])


def _url_template(args: argparse.Namespace) -> str:
    return str(args.url or os.environ.get(URL_VARIABLE) or "{token}")


#: Roles and member statuses as people read them (translated when shown).
ROLE_LABELS: Final[Mapping[teams.Role, str]] = {
    teams.Role.OWNER: gettext_noop("owner"),
    teams.Role.CO_MANAGER: gettext_noop("co-manager"),
    teams.Role.MEMBER: gettext_noop("member"),
}
MEMBER_STATUS_LABELS: Final[Mapping[teams.MemberStatus, str]] = {
    teams.MemberStatus.ACTIVE: gettext_noop("active"),
    teams.MemberStatus.PENDING: gettext_noop("not joined yet"),
}


def _write_team(team: teams.Team, t: Translator, tz: str, at: _dt.datetime, out: TextIO) -> None:
    # Every gettext call stands outside the f-strings: the extractor cannot see one inside.
    def day(value: _dt.datetime | None) -> str:
        return "-" if value is None else t.date(local(value, tz).date(), "medium")

    words = {
        "team": t.gettext("Team"),
        "seats": t.gettext("Seats"),
        "taken": t.gettext("members and pending invitations"),
        "invitation": t.gettext("invitation"),
        "link": t.gettext("link"),
    }
    out.write(f"{words['team']}  {team.name} ({team.id})\n")
    out.write(f"{words['seats']}  {team.seats_taken(at)} / {team.seats} ({words['taken']})\n")
    for m in team.members:
        role, status = t.gettext(ROLE_LABELS[m.role]), t.gettext(MEMBER_STATUS_LABELS[m.status])
        out.write(f"  {m.account_id}  {m.name}  <{m.email}>  {role}  {status}\n")
    for inv in team.pending_invitations(at):
        out.write(f"  {words['invitation']} {inv.id}  <{inv.email}>  → {day(inv.expires_at)}\n")
    for ln in team.links:
        if ln.is_usable(at):
            limit = "" if ln.max_uses is None else f" {ln.uses}/{ln.max_uses}"
            until = "" if ln.expires_at is None else f" → {day(ln.expires_at)}"
            out.write(f"  {words['link']} {ln.id}{limit}{until}\n")


def _update(
    args: argparse.Namespace,
    action: Any,
) -> teams.TeamTransition | teams.TokenIssued:
    store = open_database(args)
    result: teams.TeamTransition | teams.TokenIssued = teams.update_team(
        store, lambda uow: uow.teams.get(args.team_id), action
    )
    return result


def _done(args: argparse.Namespace, team: teams.Team, out: TextIO) -> int:
    _write_team(team, Translator(args.locale), args.tz, _at(args), out)
    return 0


def _message(msg: teams.TeamMessage, out: TextIO, t: Translator) -> None:
    """Write a message to send, its headers (To, Subject) in ``t``'s language: the
    command's ``--locale``, the language the message's body is written in."""
    if msg.to is not None:
        out.write(t.gettext("To: {address}").format(address=msg.to) + "\n")
    out.write(t.gettext("Subject: {subject}").format(subject=msg.subject) + "\n")
    out.write(f"\n{msg.body}\n")


def _token_message(
    args: argparse.Namespace,
    result: teams.TeamTransition | teams.TokenIssued,
    kind: Literal["invitation", "link"],
    out: TextIO,
) -> int:
    """Write the message that carries the token just issued for an invitation or a link."""
    assert isinstance(result, teams.TokenIssued)
    team = result.team
    options = {"url_template": _url_template(args), "tz": args.tz, "locale": args.locale}
    if kind == "invitation":
        invitation = team.invitation(result.id)
        assert invitation is not None
        msg = teams.invitation_message(team, invitation, result.token, **options)
    else:
        link = team.link(result.id)
        assert link is not None
        msg = teams.link_message(team, link, result.token, **options)
    _message(msg, out, Translator(args.locale))
    return 0


def _cmd_create(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store: Store = open_database(args)
    uow: UnitOfWork
    with store.unit_of_work() as uow:
        sub = uow.subscriptions.get(args.subscription_id)
        team, _events = teams.create_team(
            sub,
            name=args.name,
            owner_id=args.acting,
            owner_name=args.owner_name,
            owner_email=args.owner_email,
            at=_at(args),
            team_id=args.id,
            settings=teams.TeamSettings(co_managers=args.co_managers),
        )
        stored = uow.teams.add(team)
        uow.commit()
    return _done(args, stored, out)


def _cmd_show(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        team = uow.teams.get(args.team_id)
    teams.authorize(team, args.acting, "view the team")
    return _done(args, team, out)


def _cmd_add(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = _update(
        args,
        lambda team: teams.add_member(
            team,
            by=args.acting,
            account_id=args.account,
            name=args.name,
            email=args.email,
            at=_at(args),
        ),
    )
    return _done(args, result.team, out)


def _cmd_invite(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    keys = token_keys()
    validity = None if args.valid_days is None else _dt.timedelta(days=args.valid_days)
    result = _update(
        args,
        lambda team: teams.invite(
            team, by=args.acting, email=args.email, keys=keys, at=_at(args), validity=validity
        ),
    )
    return _token_message(args, result, "invitation", out)


def _cmd_link(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    keys = token_keys()
    at = _at(args)
    if args.revoke:
        revoked = _update(
            args, lambda team: teams.revoke_link(team, args.revoke, by=args.acting, at=at)
        )
        return _done(args, revoked.team, out)
    if args.rotate:
        result = _update(
            args,
            lambda team: teams.rotate_link(team, args.rotate, by=args.acting, keys=keys, at=at),
        )
    else:
        result = _update(
            args,
            lambda team: teams.create_link(
                team,
                by=args.acting,
                keys=keys,
                at=at,
                expires_at=args.expires,
                max_uses=args.max_uses,
            ),
        )
    return _token_message(args, result, "link", out)


def _cmd_join(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = teams.join(
        open_database(args),
        args.token,
        via="invitation" if args.invitation else "link",
        account_id=args.acting,
        name=args.name,
        email=args.email,
        keys=token_keys(),
        at=_at(args),
    )
    t = Translator(args.locale)
    out.write(t.gettext("Joined the team {team}.").format(team=result.team.name) + "\n")
    return 0


def _cmd_remove(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = _update(
        args, lambda team: teams.remove_member(team, args.account, by=args.acting, at=_at(args))
    )
    return _done(args, result.team, out)


def _cmd_make_manager(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = _update(
        args, lambda team: teams.make_manager(team, args.account, by=args.acting, at=_at(args))
    )
    return _done(args, result.team, out)


def _cmd_seats(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    store = open_database(args)
    with store.unit_of_work() as uow:
        team = uow.teams.get(args.team_id)
        sub = uow.subscriptions.get(team.subscription_id)
        change = teams.change_seats(
            team,
            sub,
            args.seats,
            by=args.acting,
            at=_at(args),
            discounts=uow.discounts.for_subscription(sub.id),
        )
        uow.subscriptions.update(change.subscription, events=change.subscription_events)
        stored = uow.teams.update(change.team)
        issued = None
        if change.invoice is not None:  # into the ledger, numbered like every invoice
            issued = uow.ledger.issue(
                change.invoice,
                series=str(change.invoice.issued_on.year),
                vat=change.subscription.plan.vat,
            )
        uow.commit()
    _done(args, stored, out)
    if issued is not None:
        out.write("\n" + invoice_table(issued, "open", args.locale) + "\n")
    else:
        t = Translator(args.locale)
        out.write("\n" + t.gettext("Nothing to invoice now.") + "\n")
    return 0


def _cmd_progress(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with open_database(args).unit_of_work() as uow:
        team = uow.teams.get(args.team_id)
        view = teams.team_progress(team, uow.progress, viewer=args.acting, tz=args.tz)
    out.write(view.format(args.locale) + "\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    """Add ``teams`` and its commands to the command line."""
    group = sub.add_parser("teams", help="run Teams: members, invitations, links, seats, progress")
    cmds = command_group(group, "team commands")
    base = argparse.ArgumentParser(add_help=False)
    base.add_argument(
        "--as", dest="acting", required=True, metavar="ACCOUNT", help="the acting account"
    )
    base.add_argument(
        "--at", type=_moment, help="when it happens, ISO 8601 with offset (default: now)"
    )
    parents = [common, base]
    url = argparse.ArgumentParser(add_help=False)
    url.add_argument(
        "--url",
        help=f"join address with {{token}} in it (default: ${URL_VARIABLE}, else the token alone)",
    )

    p = cmds.add_parser("create", parents=parents, help="create the team of a Teams subscription")
    p.add_argument("subscription_id", help="the Teams subscription")
    p.add_argument("--name", required=True, help="the team's name")
    p.add_argument("--owner-name", required=True, help="the owner's display name")
    p.add_argument("--owner-email", required=True, help="the owner's e-mail address")
    p.add_argument("--id", help="team id (default: a new one)")
    p.add_argument("--co-managers", action="store_true", help="allow co-managers")
    p.set_defaults(handler=_cmd_create)

    p = cmds.add_parser("show", parents=parents, help="members, seats, invitations and links")
    p.add_argument("team_id", help="the team's id")
    p.set_defaults(handler=_cmd_show)

    p = cmds.add_parser("add", parents=parents, help="add a member with their details (pending)")
    p.add_argument("team_id", help="the team's id")
    p.add_argument("account", help="the member's account id")
    p.add_argument("--name", required=True, help="display name")
    p.add_argument("--email", required=True, help="e-mail address")
    p.set_defaults(handler=_cmd_add)

    p = cmds.add_parser("invite", parents=[*parents, url], help="invite an e-mail address")
    p.add_argument("team_id", help="the team's id")
    p.add_argument("email", help="the e-mail address to invite")
    p.add_argument(
        "--valid-days", type=positive_whole_number_option, help="days the invitation is valid"
    )
    p.set_defaults(handler=_cmd_invite)

    p = cmds.add_parser(
        "link",
        parents=[*parents, url],
        help="create, rotate or revoke a registration link (anyone holding it can join)",
    )
    p.add_argument("team_id", help="the team's id")
    p.add_argument("--expires", type=_moment, help="the link's end, ISO 8601 with offset")
    p.add_argument(
        "--max-uses", type=positive_whole_number_option, help="the most people it admits"
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--rotate", metavar="LINK_ID", help="give this link a new token")
    which.add_argument("--revoke", metavar="LINK_ID", help="revoke this link")
    p.set_defaults(handler=_cmd_link)

    p = cmds.add_parser("join", parents=parents, help="join with a link or invitation token")
    p.add_argument("token", help="the token from the link or invitation")
    p.add_argument("--name", required=True, help="your display name")
    p.add_argument("--email", required=True, help="your e-mail address")
    p.add_argument("--invitation", action="store_true", help="the token is an invitation's")
    p.set_defaults(handler=_cmd_join)

    p = cmds.add_parser("remove", parents=parents, help="remove a member (frees the seat)")
    p.add_argument("team_id", help="the team's id")
    p.add_argument("account", help="the member's account id")
    p.set_defaults(handler=_cmd_remove)

    p = cmds.add_parser(
        "make-manager", parents=parents, help="make another member the owner (transfer)"
    )
    p.add_argument("team_id", help="the team's id")
    p.add_argument("account", help="the member's account id")
    p.set_defaults(handler=_cmd_make_manager)

    p = cmds.add_parser("seats", parents=parents, help="change the seats; prints the invoice")
    p.add_argument("team_id", help="the team's id")
    p.add_argument("seats", type=whole_number_option, help="the new number of seats")
    p.set_defaults(handler=_cmd_seats)

    p = cmds.add_parser("progress", parents=parents, help="the team's progress per member")
    p.add_argument("team_id", help="the team's id")
    p.set_defaults(handler=_cmd_progress)
