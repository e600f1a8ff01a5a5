"""The messages a host sends for invitations and links, in Dutch or English.

The library sends no e-mail: it returns the subject and body for the host's mailer. The
body holds the link with the token, so it is left out of ``repr``.
"""

from __future__ import annotations

import attrs

from .._i18n import Translator, gettext_noop
from ..clock import local
from ..errors import InvalidInput
from ..money import DEFAULT_LOCALE
from ._checked import checked
from ._model import (
    Invitation,
    RegistrationLink,
    Team,
)

#: The seed's warning, sent with every registration link.
LINK_WARNING = gettext_noop(
    "Note! Anyone who has the registration link can join your team. So only send this link "
    "to the people it is meant for."
)


@attrs.frozen
class TeamMessage:
    """A message for the host to send.

    Attributes:
        to: the recipient's address (invitations), or ``None`` (a link: the manager
            chooses the recipients).
        subject: the subject line.
        body: the text, with the link; not shown in ``repr`` (it holds the token).
        url: the link itself; not shown in ``repr``.
    """

    to: str | None
    subject: str
    body: str = attrs.field(repr=False)
    url: str = attrs.field(repr=False)


def _url(url_template: str, token: str) -> str:
    if not isinstance(url_template, str) or url_template.count("{token}") != 1:
        raise InvalidInput(
            "url_template must hold '{token}' exactly once, such as "
            f"'https://example.org/teams/join?token={{token}}', got {url_template!r}"
        )
    return url_template.replace("{token}", token)


@checked
def invitation_message(
    team: Team,
    invitation: Invitation,
    token: str,
    *,
    url_template: str,
    tz: str = "Europe/Amsterdam",
    locale: str = DEFAULT_LOCALE,
) -> TeamMessage:
    """The e-mail invitation for ``invitation``, in ``locale`` (``nl_NL`` or ``en_*``).

    Args:
        token: the token from :func:`invite` (the only clear copy).
        url_template: the host's join address with ``{token}`` where the token goes.
        tz: the time zone the expiry is shown in.

    Raises:
        InvalidInput: a template without exactly one ``{token}``, an unknown locale.
    """
    t = Translator(locale)
    url = _url(url_template, token)
    expires = local(invitation.expires_at, tz)
    inviter = team.member(invitation.created_by)
    subject = t.gettext("Invitation to join the team {team}").format(team=team.name)
    body = t.gettext(
        "{inviter} invites you to join the team {team}.\n\n"
        "Join with this link: {url}\n\n"
        "The invitation is for {email} only, works once, and expires on {date} at {time}."
    ).format(
        inviter=inviter.name if inviter is not None else team.name,
        team=team.name,
        url=url,
        email=invitation.email,
        date=t.date(expires.date(), "long"),
        time=t.time(expires),
    )
    return TeamMessage(invitation.email, subject, body, url)


@checked
def link_message(
    team: Team,
    link: RegistrationLink,
    token: str,
    *,
    url_template: str,
    tz: str = "Europe/Amsterdam",
    locale: str = DEFAULT_LOCALE,
) -> TeamMessage:
    """The text to share a registration link, with the seed's warning that anyone
    holding it can join.

    Raises:
        InvalidInput: a template without exactly one ``{token}``, an unknown locale.
    """
    t = Translator(locale)
    url = _url(url_template, token)
    parts = [
        t.gettext("Join the team {team} with this registration link: {url}").format(
            team=team.name, url=url
        ),
        t.gettext(LINK_WARNING),
    ]
    if link.expires_at is not None:
        expires = local(link.expires_at, tz)
        parts.append(
            t.gettext("The link works until {date} at {time}.").format(
                date=t.date(expires.date(), "long"), time=t.time(expires)
            )
        )
    if link.max_uses is not None:
        left = link.max_uses - link.uses
        parts.append(
            t.ngettext("It admits {n} more person.", "It admits {n} more people.", left).format(
                n=left
            )
        )
    subject = t.gettext("Registration link for the team {team}").format(team=team.name)
    return TeamMessage(None, subject, "\n\n".join(parts), url)
