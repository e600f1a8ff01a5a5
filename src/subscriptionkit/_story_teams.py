"""The demo story's Teams chapters: seats, invitations, a course, a certificate (internal).

A training company (``TEAMS_CUSTOMER``) buys Teams for 5 seats at a configured € 60,00 per
seat per year, invites one colleague by e-mail and shares a registration link with
another; a member completes a course and gets a certificate whose verification link
verifies against the published keys. The private key ring stays in the store's key store;
only the public key set is what a verifier needs.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import billing, certificates, plans, subscriptions, teams
from ._story import TEAMS_CUSTOMER, VERIFY_URL, ZONE, Chapter, Story, at_local, token_of
from .money import eur, format_money

_OWNER = ("anna", "Anna de Vries", "anna@leerhuis-noord.example")
_INVITED = ("bram", "Bram Jansen", "bram@leerhuis-noord.example")
_VIA_LINK = ("carla", "Carla Smit", "carla@leerhuis-noord.example")
_COURSE = ("feedback-101", "Feedback geven en ontvangen")


class TeamsStory:
    """The Teams chapters of :class:`~subscriptionkit._story.Story` (sharing its store)."""

    def __init__(self, story: Story) -> None:
        self.story = story
        self.t = story.t
        # Token keys from the story's seed: a real host keeps them in its configuration.
        self.keys = teams.TokenKeys({"demo": story.rng.randbytes(32)}, current="demo")

    def chapters(self) -> Iterator[Chapter]:
        """The seats and members chapter, then the course and certificate chapter."""
        yield self._seats_and_members()
        yield self._certificate()

    def _seats_and_members(self) -> Chapter:
        story, t = self.story, self.t
        at = at_local(2027, 10, 4)
        plan = plans.teams_plan(eur("60.00"))  # the price is configuration: none is published
        owner, owner_name, owner_email = _OWNER
        with story.store.unit_of_work() as uow:
            bought = subscriptions.subscribe(
                TEAMS_CUSTOMER, plan, at=at, seats=5, subscription_id="teams-1"
            )
            sub = uow.subscriptions.add(bought.subscription, events=bought.events)
            issued = story._issue(uow, billing.seat_invoice(sub), plan)
            team, _events = teams.create_team(
                sub,
                name="Leerhuis Noord",
                owner_id=owner,
                owner_name=owner_name,
                owner_email=owner_email,
                at=at,
                team_id="team-1",
            )
            invited = teams.invite(team, by=owner, email=_INVITED[2], keys=self.keys, at=at)
            link = teams.create_link(invited.team, by=owner, keys=self.keys, at=at, max_uses=3)
            account, name, email = _INVITED
            team, _ = teams.join_with_invitation(
                link.team, invited.token, account_id=account, name=name, email=email,
                keys=self.keys, at=at,
            )  # fmt: skip
            account, name, email = _VIA_LINK
            team, _ = teams.join_with_link(
                team, link.token, account_id=account, name=name, email=email, keys=self.keys,
                at=at,
            )  # fmt: skip
            uow.teams.add(team)
            uow.commit()
        lines = (
            t.gettext(
                "{day}: {customer} buys Teams for {seats} seats at {price} per seat per year."
            ).format(
                day=story._day(at),
                customer=TEAMS_CUSTOMER,
                seats=sub.seats,
                price=format_money(plan.price(), story.locale),
            ),
            t.gettext("{owner} invites {email} by e-mail; {name} accepts the invitation.").format(
                owner=owner_name, email=_INVITED[2], name=_INVITED[1]
            ),
            t.gettext(
                "{owner} shares a registration link (at most 3 uses; anyone holding it can "
                "join); {name} joins with it."
            ).format(owner=owner_name, name=_VIA_LINK[1]),
            t.gettext("Seats taken: {taken} of {seats}.").format(
                taken=team.seats_taken(at), seats=team.seats
            ),
        )
        return Chapter(t.gettext("A Teams customer and its members"), lines, invoices=(issued,))

    def _certificate(self) -> Chapter:
        story, t = self.story, self.t
        started, done = at_local(2027, 10, 11), at_local(2027, 11, 1, 15)
        course_id, course_title = _COURSE
        account, name, _email = _INVITED
        issuer = certificates.IssuerProfile("https://learn.example")
        with story.store.unit_of_work() as uow:
            progress = teams.record_progress(
                teams.enrol(account, course_id, at=started), 100, at=done
            )
            uow.progress.save(progress)
            ring = certificates.KeyRing.generate(at=at_local(2027, 10, 1, 0))
            uow.keys.save_private_keyring(ring)
            uow.keys.save_public_keys(ring.public_keyset())
            cert = certificates.issue(
                holder_id=account,
                holder_name=name,
                course_id=course_id,
                course_title=course_title,
                completed_on=done.date(),
                issued_at=done,
                issuer="Leerhuis Noord",
                certificate_id="cert-1",
            )
            uow.certificates.add(cert)
            link = certificates.verification_url(
                VERIFY_URL, certificates.token(cert, ring, issuer=issuer)
            )
            team = uow.teams.get("team-1")
            view = teams.team_progress(team, uow.progress, viewer=_OWNER[0], tz=ZONE)
            uow.commit()
        # What a visitor of the link gets: the token checked against the published keys.
        with story.store.unit_of_work() as uow:
            story.verified = certificates.verify(
                token_of(link),
                uow.keys.public_keys(),
                at=at_local(2027, 11, 2),
                revocations=uow.revocations,
            )
        story.verification_link = link
        shown = link if len(link) < 72 else f"{link[:68]}…"
        lines = (
            t.gettext("{day}: {name} completes “{course}” and gets a certificate.").format(
                day=story._day(done), name=name, course=course_title
            ),
            t.gettext("Verification link: {link}").format(link=shown),
            t.gettext(
                "The link verifies against the published keys: “{course}”, completed on {day}."
            ).format(course=story.verified.course_title, day=t.date(story.verified.completed_on)),
        )
        return Chapter(
            t.gettext("A course completed, a certificate verified"),
            lines,
            tables=(view.table(story.locale),),
        )
