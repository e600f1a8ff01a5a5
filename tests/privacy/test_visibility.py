"""Profile visibility (seed 001): everyone, account holders, hidden by the holder."""

from __future__ import annotations

import pytest

from subscriptionkit.errors import InvalidInput
from subscriptionkit.privacy import Profile, Visibility, certificate_disclosure, visible_profile

PARTS = {
    "name": "Ann de Vries",
    "photo": "ann.jpg",
    "reviews": ["Great course"],
    "followers": 12,
    "timeline": ["completed Feedback"],
    "followed_courses": ["c1"],
    "live_sessions": ["s1"],
    "portfolio": ["final.pdf"],
    "email": "ann@example.org",
}


class TestVisibleProfile:
    """What each viewer sees."""

    def test_visitor_sees_the_public_parts(self) -> None:
        """Name, photo, reviews, follower counts."""
        seen = visible_profile(Profile("ann", PARTS), viewer=None)
        assert set(seen) == {"name", "photo", "reviews", "followers"}

    def test_account_holder_sees_the_timeline_too(self) -> None:
        """Timeline, followed courses, live sessions for account holders."""
        seen = visible_profile(Profile("ann", PARTS), viewer="bob")
        assert set(seen) == {
            "name", "photo", "reviews", "followers", "timeline", "followed_courses",
            "live_sessions",
        }  # fmt: skip

    def test_holder_sees_everything(self) -> None:
        """Their own profile, whole."""
        assert visible_profile(Profile("ann", PARTS), viewer="ann") == PARTS

    def test_holder_choices(self) -> None:
        """The holder hides the photo and makes the portfolio public."""
        profile = Profile("ann", PARTS, choices={"photo": "hidden", "portfolio": "everyone"})
        seen = visible_profile(profile, viewer=None)
        assert "photo" not in seen
        assert seen["portfolio"] == ["final.pdf"]
        assert profile.visibility("email") is Visibility.HIDDEN

    def test_bad_level(self) -> None:
        """Only the three levels."""
        with pytest.raises(InvalidInput, match="visibility must be one of"):
            Profile("ann", PARTS, choices={"photo": "friends"})


class TestCertificateDisclosure:
    """The verification page follows the holder's choice for the name."""

    @pytest.mark.parametrize(
        ("level", "shown"),
        [("everyone", "full"), ("account_holders", "initials"), ("hidden", "hidden")],
    )
    def test_levels(self, level: str, shown: str) -> None:
        """Full, initials or nothing."""
        settings = certificate_disclosure(Profile("ann", PARTS, choices={"name": level}))
        assert settings.name == shown
