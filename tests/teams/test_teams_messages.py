"""Messages for the host to send: subject and body in Dutch and English, with the link."""

from __future__ import annotations

import datetime as dt

import pytest

from subscriptionkit import errors, teams
from teams_helpers import START

URL = "https://example.org/join?t={token}"


@pytest.fixture
def invited(team: teams.Team, keys: teams.TokenKeys) -> teams.TokenIssued:
    """An invitation of bob@example.org, valid 14 days."""
    return teams.invite(team, by="ann", email="bob@example.org", keys=keys, at=START)


class TestInvitationMessage:
    """The invitation e-mail."""

    def test_english(self, invited: teams.TokenIssued) -> None:
        """The English text names the team, the inviter, the address and the expiry."""
        msg = teams.invitation_message(
            invited.team,
            invited.team.invitations[0],
            invited.token,
            url_template=URL,
            locale="en_GB",
        )
        assert msg.to == "bob@example.org"
        assert msg.subject == "Invitation to join the team Sales"
        assert msg.url == f"https://example.org/join?t={invited.token}"
        assert msg.body == (
            "Ann invites you to join the team Sales.\n\n"
            f"Join with this link: {msg.url}\n\n"
            "The invitation is for bob@example.org only, works once, and expires on "
            "16 March 2026 at 10:00."
        )

    def test_dutch(self, invited: teams.TokenIssued) -> None:
        """The Dutch text comes from the catalog."""
        msg = teams.invitation_message(
            invited.team,
            invited.team.invitations[0],
            invited.token,
            url_template=URL,
            locale="nl_NL",
        )
        assert msg.subject == "Uitnodiging voor het team Sales"
        assert msg.body.startswith("Ann nodigt je uit voor het team Sales.")
        assert "16 maart 2026 om 10:00" in msg.body

    def test_repr_hides_token(self, invited: teams.TokenIssued) -> None:
        """The body and URL hold the token; repr shows neither."""
        msg = teams.invitation_message(
            invited.team, invited.team.invitations[0], invited.token, url_template=URL
        )
        assert invited.token in msg.body
        assert invited.token not in repr(msg)

    @pytest.mark.parametrize("template", ["https://x.org/join", "{token}{token}", ""])
    def test_bad_template(self, invited: teams.TokenIssued, template: str) -> None:
        """The template must hold {token} exactly once."""
        with pytest.raises(errors.InvalidInput, match="exactly once"):
            teams.invitation_message(
                invited.team, invited.team.invitations[0], invited.token, url_template=template
            )


class TestLinkMessage:
    """Sharing a registration link always carries the seed's warning."""

    def test_dutch_warning_from_the_seed(self, team: teams.Team, keys: teams.TokenKeys) -> None:
        """The Dutch warning is the seed's sentence."""
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        msg = teams.link_message(issued.team, issued.team.links[0], issued.token, url_template=URL)
        assert msg.to is None
        assert msg.subject == "Registratielink voor het team Sales"
        assert (
            "Let op! Met de registratielink kan iedereen zich aansluiten bij jouw Team. Stuur "
            "deze link dus alleen naar personen voor wie de link is bedoeld."
        ) in msg.body

    def test_english_with_limits(self, team: teams.Team, keys: teams.TokenKeys) -> None:
        """Expiry and remaining uses are stated."""
        issued = teams.create_link(
            team,
            by="ann",
            keys=keys,
            at=START,
            expires_at=START + dt.timedelta(days=7),
            max_uses=1,
        )
        msg = teams.link_message(
            issued.team, issued.team.links[0], issued.token, url_template=URL, locale="en_GB"
        )
        assert msg.body == (
            f"Join the team Sales with this registration link: {msg.url}\n\n"
            f"{teams.LINK_WARNING}\n\n"
            "The link works until 9 March 2026 at 10:00.\n\n"
            "It admits 1 more person."
        )
        issued = teams.create_link(team, by="ann", keys=keys, at=START, max_uses=3)
        msg = teams.link_message(
            issued.team, issued.team.links[-1], issued.token, url_template=URL, locale="en_GB"
        )
        assert msg.body.endswith("It admits 3 more people.")
