"""Consent per subject and purpose: explicit, implicit, withdrawn never retroactively."""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from subscriptionkit.errors import (
    ConsentAlreadyWithdrawn,
    ConsentOutOfOrder,
    InvalidArgument,
    InvalidInput,
    UnknownPurpose,
)
from subscriptionkit.privacy import (
    Consent,
    ConsentKind,
    complete_request,
    consent_given,
    default_register,
    has_consent,
    implicit_consent,
    lift_restriction,
    may_process,
    receive_request,
    record_consent,
    record_identity_check,
    unsubscribe,
    withdraw_consent,
)

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


class TestConsent:
    """has_consent answers for any moment, before and after withdrawal."""

    def test_before_given_during_and_after_withdrawal(self) -> None:
        """Not before it was given; yes while in force; no from the withdrawal on."""
        c = record_consent("ann", "promotion", at=T0, source="web", text_version="v3")
        w = withdraw_consent(c, at=T0 + 10 * DAY, source="account settings")
        assert not has_consent([w], "ann", "promotion", at=T0 - DAY)
        assert has_consent([w], "ann", "promotion", at=T0)
        assert has_consent([w], "ann", "promotion", at=T0 + 9 * DAY)
        assert not has_consent([w], "ann", "promotion", at=T0 + 10 * DAY)
        assert w.withdrawal_source == "account settings"
        assert w.text_version == "v3"
        assert w.source == "web"

    def test_per_purpose_and_subject(self) -> None:
        """A consent is for one purpose of one subject."""
        c = record_consent("ann", "promotion", at=T0, source="web", text_version="v1")
        assert not has_consent([c], "bob", "promotion", at=T0)
        assert not has_consent([c], "ann", "newsletter", at=T0)
        assert consent_given([c], "ann", at=T0) == ("promotion",)

    def test_withdraw_twice(self) -> None:
        """A withdrawn consent cannot be withdrawn again, later or earlier: the recorded
        withdrawal stands (the reported fault moved it back from 1 June to 10 May)."""
        c = record_consent("ann", "promotion", at=T0, source="web", text_version="v1")
        w = withdraw_consent(c, at=T0 + 2 * DAY, source="x")
        for again in (T0 + 3 * DAY, T0 + DAY):
            with pytest.raises(ConsentAlreadyWithdrawn, match=r"withdrawn at 2026-.* already"):
                withdraw_consent(w, at=again, source="x")

    def test_withdraw_before_given(self) -> None:
        """Withdrawal before the consent existed is refused."""
        c = record_consent("ann", "promotion", at=T0, source="web", text_version="v1")
        with pytest.raises(ConsentOutOfOrder, match="before the consent given at"):
            withdraw_consent(c, at=T0 - DAY, source="x")

    def test_checked_against_the_register(self) -> None:
        """With a register, only its consent purposes."""
        register = default_register()
        with pytest.raises(UnknownPurpose):
            record_consent("ann", "spam", at=T0, source="web", text_version="v1", register=register)
        with pytest.raises(InvalidInput, match="rests on contract, not on consent"):
            record_consent(
                "ann", "account", at=T0, source="web", text_version="v1", register=register
            )

    def test_naive_moment(self) -> None:
        """Moments are aware."""
        with pytest.raises(InvalidInput):
            record_consent(
                "ann", "promotion", at=dt.datetime(2026, 1, 1), source="w", text_version="v"
            )

    def test_round_trip(self) -> None:
        """to_dict / from_dict keep every field."""
        c = withdraw_consent(
            implicit_consent("ann", "review", at=T0, source="course page"), at=T0 + DAY, source="x"
        )
        assert Consent.from_dict(c.to_dict()) == c


class TestImplicitConsent:
    """Seed 001: contacting, subscribing to the newsletter, posting a review."""

    @pytest.mark.parametrize(
        ("kind", "purpose"),
        [("contact", "support"), ("newsletter_signup", "newsletter"), ("review", "reviews")],
    )
    def test_each_action_consents_to_its_purpose(self, kind: str, purpose: str) -> None:
        """Recorded as implicit, for the action's purpose."""
        c = implicit_consent("ann", kind, at=T0, source="site", register=default_register())
        assert c.purpose == purpose
        assert c.implicit
        assert c.kind is ConsentKind(kind)

    def test_unsubscribing_withdraws(self) -> None:
        """Unsubscribing from the newsletter withdraws the sign-up's consent."""
        c = implicit_consent("ann", "newsletter_signup", at=T0, source="footer")
        (w,) = unsubscribe([c], "ann", at=T0 + DAY)
        assert w.withdrawn_at == T0 + DAY
        assert has_consent([w], "ann", "newsletter", at=T0)
        assert not has_consent([w], "ann", "newsletter", at=T0 + DAY)

    def test_explicit_is_not_implicit(self) -> None:
        """implicit_consent() takes only the implicit kinds."""
        with pytest.raises(InvalidInput, match="an implicit consent is implied by an action"):
            implicit_consent("ann", "explicit", at=T0, source="x")
        with pytest.raises(InvalidInput, match="consent kind must be one of"):
            implicit_consent("ann", "smile", at=T0, source="x")

    def test_wrong_types(self) -> None:
        """Wrong types are library errors."""
        with pytest.raises(InvalidArgument):
            has_consent([], None, "x", at=T0)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput):
            has_consent([1], "ann", "x", at=T0)  # type: ignore[list-item]


class TestMayProcess:
    """Restriction excludes named purposes until lifted; objection stops a purpose."""

    def _done(self, kind: str, purposes: list[str]):  # type: ignore[no-untyped-def]
        r = receive_request("ann", kind, at=T0, purposes=purposes)
        r = record_identity_check(r, at=T0, by="dpo")
        return complete_request(r, at=T0 + DAY)

    def test_restriction_until_lifted(self) -> None:
        """No marketing while restricted; again after the lift."""
        register = default_register()
        r = self._done("restriction", ["marketing", "newsletter"])
        assert may_process(register, "ann", "marketing", at=T0, requests=[r])
        assert not may_process(register, "ann", "marketing", at=T0 + 2 * DAY, requests=[r])
        lifted = lift_restriction(r, at=T0 + 5 * DAY)
        assert not may_process(register, "ann", "marketing", at=T0 + 4 * DAY, requests=[lifted])
        assert may_process(register, "ann", "marketing", at=T0 + 5 * DAY, requests=[lifted])
        assert may_process(register, "bob", "marketing", at=T0 + 2 * DAY, requests=[r])

    def test_objection_stops_a_legitimate_interest(self) -> None:
        """An objection to marketing stops it from its completion on."""
        r = self._done("objection", ["marketing"])
        assert not may_process(
            default_register(), "ann", "marketing", at=T0 + 2 * DAY, requests=[r]
        )

    def test_consent_purposes_need_consent(self) -> None:
        """The newsletter only with consent in force."""
        c = implicit_consent("ann", "newsletter_signup", at=T0, source="footer")
        assert may_process(default_register(), "ann", "newsletter", at=T0, consents=[c])
        assert not may_process(default_register(), "bob", "newsletter", at=T0, consents=[c])


class TestContradictions:
    """What the caller says must agree with what the register says (trial report)."""

    def test_implicit_purpose_contradicting_the_action_is_refused(self) -> None:
        """A review consents to reviews: naming newsletter for it is refused, naming both."""
        with pytest.raises(
            InvalidInput, match=r"'review' consents to purpose 'reviews'.*'newsletter'"
        ):
            implicit_consent("mia-1", "review", at=T0, source="x", purpose="newsletter")
        given = implicit_consent("mia-1", "review", at=T0, source="x", purpose="reviews")
        assert given.purpose == "reviews"

    def test_has_consent_checks_the_purpose_against_the_register(self) -> None:
        """An unknown purpose raises, as record_consent raises for it."""
        register = default_register()
        c = record_consent("ann", "promotion", at=T0, source="web", text_version="v1")
        with pytest.raises(UnknownPurpose, match="nosuch"):
            record_consent(
                "ann", "nosuch", at=T0, source="web", text_version="v1", register=register
            )
        with pytest.raises(UnknownPurpose, match="nosuch"):
            has_consent([c], "ann", "nosuch", at=T0, register=register)
        with pytest.raises(InvalidInput, match="rests on contract"):
            has_consent([c], "ann", "account", at=T0, register=register)
        assert has_consent([c], "ann", "promotion", at=T0, register=register)


class TestMisspeltPurpose:
    """A purpose nobody registered is an error, with or without ``register=`` (trial
    report: 'newsleter' silently answered no consent)."""

    def test_has_consent_refuses_a_typo(self) -> None:
        """Without a register the seed's is used: the typo raises UnknownPurpose naming
        the purposes known; the right spelling answers."""
        c = record_consent("ann", "newsletter", at=T0, source="web", text_version="v1")
        assert has_consent([c], "ann", "newsletter", at=T0)
        with pytest.raises(UnknownPurpose, match=r"no purpose 'newsleter'.*newsletter") as caught:
            has_consent([c], "ann", "newsleter", at=T0)
        assert caught.value.purpose == "newsleter"
        with pytest.raises(InvalidInput, match="rests on contract, not on consent"):
            has_consent([c], "ann", "account", at=T0)

    def test_own_register_names_its_own_purposes(self) -> None:
        """A purpose of the caller's own register is checked against that register."""
        register = default_register()
        webinar = attrs.evolve(register.purpose("promotion"), id="webinar")
        own = attrs.evolve(register, purposes=(*register.purposes, webinar))
        c = record_consent("ann", "webinar", at=T0, source="web", text_version="v1", register=own)
        assert has_consent([c], "ann", "webinar", at=T0, register=own)
        with pytest.raises(UnknownPurpose):
            record_consent("ann", "webinar", at=T0, source="web", text_version="v1")

    def test_unsubscribe_and_requests_refuse_a_typo(self) -> None:
        """unsubscribe() and a restriction request check the purpose as has_consent does:
        a typo never withdraws nothing or restricts nothing in silence."""
        c = record_consent("ann", "newsletter", at=T0, source="web", text_version="v1")
        with pytest.raises(UnknownPurpose, match="'newsleter'"):
            unsubscribe([c], "ann", at=T0 + DAY, purpose="newsleter")
        with pytest.raises(UnknownPurpose, match="'marketting'"):
            receive_request("ann", "restriction", at=T0, purposes=["marketting"])
