"""Seats through the subscription and billing, discounts on the seat lines, and access."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pendulum
import pytest

from subscriptionkit import billing, errors, subscriptions, teams
from subscriptionkit.money import eur
from subscriptionkit.subscriptions import Course
from teams_helpers import START, add, refused

#: 2026-09-01 10:00 in Amsterdam: 182 of the period's 365 days remain (1 Sep – 1 Mar).
SEPTEMBER = pendulum.datetime(2026, 9, 1, 8, 0, tz="UTC")
PAID = Course("course-1")
FREE = Course("free-1", kind="free")


class TestChangeSeats:
    """teams.change_seats changes team and subscription together and invoices the added seats."""

    def test_add_seats_prorated(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """5 → 7 seats on 1 September: 2 seats × € 60 × 182/365 = € 59,84 (rounded once)."""
        change = teams.change_seats(team, subscription, 7, by="ann", at=SEPTEMBER)
        assert change.team.seats == 7
        assert change.subscription.seats == 7
        assert change.invoice is not None
        [line] = change.invoice.lines
        assert (line.kind, line.quantity, line.details) == (
            "seats_prorated",
            2,
            {"days": 182, "period_days": 365},
        )
        assert change.invoice.total == eur("59.84")
        assert isinstance(change.events[-1], teams.TeamSeatsChanged)
        assert change.events[-1] == teams.TeamSeatsChanged(
            "team-1", subscription.id, 5, 7, "ann", SEPTEMBER
        )
        assert any(isinstance(e, subscriptions.SeatsChanged) for e in change.events)

    def test_fewer_seats_refund_nothing(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Lowering seats gives no invoice (and no refund)."""
        change = teams.change_seats(team, subscription, 3, by="ann", at=SEPTEMBER)
        assert change.invoice is None
        assert change.team.seats == 3

    def test_seats_paid_in_the_term_are_not_charged_again(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """The billing high-water mark: 5 → 4 → 5 charges nothing; then → 6 charges one seat."""
        down = teams.change_seats(team, subscription, 4, by="ann", at=START)
        back = teams.change_seats(down.team, down.subscription, 5, by="ann", at=SEPTEMBER)
        assert back.invoice is None
        up = teams.change_seats(back.team, back.subscription, 6, by="ann", at=SEPTEMBER)
        assert up.invoice is not None
        [line] = up.invoice.lines
        assert line.quantity == 1
        # 1 seat × € 60 × 182/365 = € 29,917… → € 29,92
        assert up.invoice.total == eur("29.92")

    def test_never_below_members_and_invitations(
        self, team: teams.Team, subscription: subscriptions.Subscription, keys: teams.TokenKeys
    ) -> None:
        """Members (pending too) plus pending invitations bound the seats from below."""
        team = add(add(add(team, "b"), "c"), "d")
        team = teams.invite(team, by="ann", email="e@x.org", keys=keys, at=START).team
        err = refused(
            errors.SeatsBelowCommitted,
            team,
            lambda: teams.change_seats(team, subscription, 4, by="ann", at=START),
        )
        assert (err.seats, err.members, err.pending_invitations) == (4, 4, 1)
        assert str(err) == (
            "team 'team-1' needs at least 5 seats (4 members and 1 pending invitations); got 4"
        )
        # Once the invitation expires its seat no longer counts.
        later = START + dt.timedelta(days=15)
        assert teams.change_seats(team, subscription, 4, by="ann", at=later).team.seats == 4

    def test_plan_bounds(self, team: teams.Team, subscription: subscriptions.Subscription) -> None:
        """The plan's 3–40 still applies."""
        with pytest.raises(errors.SeatCountOutOfRange):
            teams.change_seats(team, subscription, 41, by="ann", at=START)

    def test_only_the_teams_subscription_in_step(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Another subscription, or one whose seats changed elsewhere, is refused."""
        elsewhere = subscriptions.change_seats(subscription, 9, at=START).subscription
        with pytest.raises(errors.InvalidInput, match="expected the same count"):
            teams.change_seats(team, elsewhere, 6, by="ann", at=START)
        other = attrs.evolve(subscription, id="sub-other")
        with pytest.raises(errors.InvalidInput, match="is paid by subscription"):
            teams.change_seats(team, other, 6, by="ann", at=START)

    def test_not_permitted(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Only the owner changes seats."""
        team = teams.accept_membership(add(team, "bob"), account_id="bob", at=START).team
        refused(
            errors.NotPermitted,
            team,
            lambda: teams.change_seats(team, subscription, 6, by="bob", at=START),
        )

    def test_cancelled_subscription_refused(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """No seat changes on a cancelled subscription."""
        cancelled = subscriptions.cancel(subscription, at=START).subscription
        with pytest.raises(errors.InvalidTransition):
            teams.change_seats(team, cancelled, 6, by="ann", at=START)

    def test_at_renewal_plan_invoices_nothing_now(self, team: teams.Team) -> None:
        """With seat_proration='at_renewal' the added seats wait for the renewal invoice."""
        from subscriptionkit import plans

        plan = plans.teams_plan(eur("60.00"), seat_proration="at_renewal")
        sub = subscriptions.subscribe(
            "c", plan, at=START, seats=5, subscription_id="s"
        ).subscription
        team = attrs.evolve(team, subscription_id="s")
        change = teams.change_seats(team, sub, 8, by="ann", at=SEPTEMBER)
        assert change.invoice is None
        assert change.subscription.seats == 8


class TestDiscounts:
    """Discounts: their own credit line, for some terms, ended by a cancellation for good."""

    def test_percent_line(self, team: teams.Team, subscription: subscriptions.Subscription) -> None:
        """10 % of the prorated line: 2 × € 2,99178… = € 5,98 off, € 53,86 to pay."""
        discount = billing.Discount.percent("d1", subscription, "10")
        change = teams.change_seats(
            team, subscription, 7, by="ann", at=SEPTEMBER, discounts=[discount]
        )
        assert change.invoice is not None
        seats, off = change.invoice.lines
        assert off.kind == "discount_percent"
        assert off.amount == eur("-5.98")
        assert change.invoice.total == eur("53.86")
        assert change.invoice.total == seats.amount + off.amount
        assert off.describe("en_GB") == "Discount 10% on seats (1 Sept 2026 – 1 Mar 2027)"

    def test_per_seat_line(self, subscription: subscriptions.Subscription) -> None:
        """€ 6 per seat per year on a full-year invoice of 5 seats: € 30 off € 300."""
        invoice = billing.seat_invoice(subscription)
        discount = billing.Discount.per_seat("d2", subscription, eur("6.00"))
        out = billing.apply_discounts(invoice, subscription, [discount])
        assert [ln.kind for ln in out.lines] == ["seats", "discount_per_seat"]
        assert out.total == eur("270.00")
        assert out.lines[1].describe("nl_NL") == "Korting per teamlid (2 mrt 2026 – 1 mrt 2027)"

    def test_per_seat_never_above_price(self, subscription: subscriptions.Subscription) -> None:
        """A discount larger than the price is refused; one stored before that was refused
        takes the price, not more."""
        invoice = billing.seat_invoice(subscription)
        with pytest.raises(errors.InvalidInput, match=r"\(60.00 EUR\), got 100.00 EUR"):
            billing.Discount.per_seat("d", subscription, eur("100.00"))
        discount = billing.Discount("d", subscription.id, "per_seat", eur("100.00"))
        assert billing.apply_discounts(invoice, subscription, [discount]).total == eur("0.00")

    def test_terms(self, subscription: subscriptions.Subscription) -> None:
        """A one-term discount applies in the first term, not after the renewal."""
        discount = billing.Discount.percent("d", subscription, 10, terms=1)
        assert discount.applies_to(subscription)
        renewed = subscriptions.catch_up(subscription, at=START + dt.timedelta(days=366))
        assert renewed.subscription.periods == 2
        assert not discount.applies_to(renewed.subscription)
        open_ended = billing.Discount.percent("d", subscription, 10)
        assert open_ended.applies_to(renewed.subscription)

    def test_cancellation_ends_and_resubscription_does_not_restore(
        self, subscription: subscriptions.Subscription
    ) -> None:
        """Seed: discounts are no longer valid after cancelling, also after re-subscribing."""
        discount = billing.Discount.percent("d", subscription, 10)
        cancelled, events = subscriptions.cancel(subscription, at=START)
        [ended] = billing.end_discounts([discount], events)
        assert ended.ended_at == START
        assert not ended.applies_to(cancelled)
        assert not discount.applies_to(cancelled)
        again = subscriptions.subscribe(
            subscription.customer_id,
            subscription.plan,
            at=START + dt.timedelta(days=400),
            seats=5,
        ).subscription
        assert not ended.applies_to(again)
        assert not discount.applies_to(again)
        invoice = billing.seat_invoice(again)
        assert billing.apply_discounts(invoice, again, [ended, discount]) == invoice

    def test_end_discounts_leaves_others(self, subscription: subscriptions.Subscription) -> None:
        """Only the cancelled subscription's discounts end; an ended one keeps its moment."""
        mine = billing.Discount.percent("d", subscription, 10)
        other = billing.Discount("o", "sub-else", "percent", Decimal(5))
        _cancelled, events = subscriptions.cancel(subscription, at=START)
        assert billing.end_discounts([mine, other], events)[1] is other
        early = attrs.evolve(mine, ended_at=START - dt.timedelta(days=1))
        assert billing.end_discounts([early], events) == (early,)

    @pytest.mark.parametrize(
        ("kind", "value", "message"),
        [
            ("percent", Decimal(0), "above 0 and at most 100"),
            ("percent", Decimal(101), "above 0 and at most 100"),
            ("percent", 10, "above 0 and at most 100"),
            ("per_seat", eur("0"), "positive Money"),
            ("per_seat", Decimal(5), "positive Money"),
            ("gift", Decimal(5), "'percent' or 'per_seat'"),
        ],
    )
    def test_invalid(self, kind: str, value: object, message: str) -> None:
        """Bad percentages, amounts and kinds are refused."""
        with pytest.raises(errors.InvalidInput, match=message):
            billing.Discount("d", "s", kind, value)  # type: ignore[arg-type]

    def test_invalid_terms(self, subscription: subscriptions.Subscription) -> None:
        """Terms are whole numbers from 1; a percent must be a number."""
        with pytest.raises(errors.InvalidInput, match="terms must be a whole number"):
            billing.Discount.percent("d", subscription, 10, terms=0)
        with pytest.raises(errors.InvalidInput, match="percent must be a number"):
            billing.Discount.percent("d", subscription, "ten")

    def test_other_subscriptions_invoice_refused(
        self, subscription: subscriptions.Subscription
    ) -> None:
        """Discounts are applied with the invoice's own subscription."""
        invoice = billing.seat_invoice(subscription)
        with pytest.raises(errors.InvalidInput, match="the invoice is for subscription"):
            billing.apply_discounts(invoice, attrs.evolve(subscription, id="x"), [])


class TestAccess:
    """Members have the team subscription's access; removed members lose it at once."""

    def test_member_access(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Active members have access; pending members, strangers and removed members not."""
        team = add(add(team, "bob"), "pat")
        team = teams.accept_membership(team, account_id="bob", at=START).team
        assert teams.has_access(team, subscription, "ann", PAID, at=START)
        assert teams.has_access(team, subscription, "bob", PAID, at=START)
        assert not teams.has_access(team, subscription, "pat", PAID, at=START)
        assert not teams.has_access(team, subscription, "zed", PAID, at=START)
        removed = teams.remove_member(team, "bob", by="ann", at=START).team
        assert not teams.has_access(removed, subscription, "bob", PAID, at=START)

    def test_free_courses_always(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Free courses are open to anyone, also after the subscription ended."""
        far = START + dt.timedelta(days=800)
        cancelled = subscriptions.cancel(subscription, at=START).subscription
        assert teams.has_access(team, cancelled, "zed", FREE, at=far)

    def test_after_cancellation_until_paid_through(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """After cancelling, access lasts exactly until the paid-through moment."""
        cancelled = subscriptions.cancel(subscription, at=START).subscription
        end = cancelled.paid_through
        assert end is not None
        assert teams.has_access(team, cancelled, "ann", PAID, at=end - dt.timedelta(seconds=1))
        assert not teams.has_access(team, cancelled, "ann", PAID, at=end)

    def test_programmes_never(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """Programmes ("opleidingen") are not included."""
        assert not teams.has_access(
            team, subscription, "ann", Course("p", kind="programme"), at=START
        )

    def test_wrong_subscription(
        self, team: teams.Team, subscription: subscriptions.Subscription
    ) -> None:
        """The subscription must be the team's."""
        with pytest.raises(errors.InvalidInput):
            teams.has_access(team, attrs.evolve(subscription, id="x"), "ann", PAID, at=START)
