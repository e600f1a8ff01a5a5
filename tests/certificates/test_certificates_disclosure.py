"""Public views: the holder's disclosure choices and GDPR erasure."""

from __future__ import annotations

import datetime as dt

import pytest

from certificate_helpers import sign_v1, v1_payload
from subscriptionkit.certificates import (
    Certificate,
    DisclosureSettings,
    KeyRing,
    PublicView,
    Verified,
    erased_holder_settings,
    public_view,
    token,
    verify,
)
from subscriptionkit.errors import InvalidInput

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def verified(ring: KeyRing, cert: Certificate) -> Verified:
    """The session certificate, verified."""
    return verify(token(cert, ring), ring.public_keyset(), at=LATER)


NAME = "Zoë van der Berg"


class TestPublicView:
    def test_token_names_nobody(self, verified: Verified) -> None:
        """A JWS token carries no name: without the store's name the view shows none."""
        assert public_view(verified).holder_display_name is None

    def test_v1_token_name_is_the_fallback(self, ring: KeyRing, cert: Certificate) -> None:
        """A deprecated v1 token carries the name; the store's name wins when given."""
        legacy = verify(sign_v1(ring.active, v1_payload(cert, ring.active)), ring, at=LATER)
        assert public_view(legacy).holder_display_name == NAME
        assert public_view(legacy, holder_name="Zoë Berg").holder_display_name == "Zoë Berg"
        assert public_view(legacy, holder_erased=True).holder_display_name is None

    def test_full_by_default(self, verified: Verified) -> None:
        """Without settings everything shows, but never the holder's account id."""
        view = public_view(verified, holder_name=NAME)
        assert view == PublicView(
            certificate_id="cert-0001",
            course_title="Feedback geven",
            completed_on=dt.date(2026, 1, 2),
            holder_display_name="Zoë van der Berg",
            issuer="Soofos",
            genuine=True,
        )
        assert "member-42" not in repr(view)

    def test_initials(self, verified: Verified) -> None:
        """With name='initials' only initials show, keeping case."""
        view = public_view(verified, DisclosureSettings(name="initials"), holder_name=NAME)
        assert view.holder_display_name == "Z. v. d. B."

    def test_hidden_name_and_date(self, verified: Verified) -> None:
        """The holder can hide the name and the completion date."""
        view = public_view(
            verified,
            DisclosureSettings(name="hidden", show_completion_date=False),
            holder_name=NAME,
        )
        assert view.holder_display_name is None
        assert view.completed_on is None
        assert view.genuine

    def test_erased_holder(self, verified: Verified) -> None:
        """After erasure the certificate is still genuine, and nothing personal shows."""
        view = public_view(
            verified, DisclosureSettings(name="full"), holder_name=NAME, holder_erased=True
        )
        assert view.genuine
        assert view.holder_display_name is None
        assert view.completed_on is None
        assert view.course_title == "Feedback geven"
        assert view == public_view(verified, erased_holder_settings())

    def test_bad_settings(self) -> None:
        """Unknown name choices and non-bool flags are refused, naming the choices."""
        with pytest.raises(InvalidInput, match="one of 'full', 'initials', 'hidden', got 'some'"):
            DisclosureSettings(name="some")  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="show_completion_date must be True or False"):
            DisclosureSettings(show_completion_date="yes")  # type: ignore[arg-type]

    def test_needs_a_verified_certificate(self, cert: Certificate) -> None:
        """A bare certificate (unverified) cannot become a public view."""
        with pytest.raises(InvalidInput, match="needs the Verified result of a verification"):
            public_view(cert)  # type: ignore[arg-type]

    def test_bad_name_and_settings(self, verified: Verified) -> None:
        """A non-string name or non-settings object is refused."""
        with pytest.raises(InvalidInput, match="holder_name must be a string"):
            public_view(verified, holder_name=42)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="settings must be DisclosureSettings"):
            public_view(verified, {"name": "full"})  # type: ignore[arg-type]
