"""Fixtures for the teams tests: a Teams subscription, token keys and a team owned by Ann."""

from __future__ import annotations

import pytest

from subscriptionkit import subscriptions, teams
from subscriptionkit.testing import active_subscription
from teams_helpers import START


@pytest.fixture
def keys() -> teams.TokenKeys:
    """Fresh token keys (one random 32-byte key)."""
    return teams.TokenKeys.generate()


@pytest.fixture
def subscription() -> subscriptions.Subscription:
    """An active Teams subscription with 5 seats at € 60 a seat per year, from START."""
    return active_subscription("teams", seats=5, at=START)


@pytest.fixture
def team(subscription: subscriptions.Subscription) -> teams.Team:
    """A team of that subscription owned by Ann, who takes one seat."""
    return teams.create_team(
        subscription,
        name="Sales",
        owner_id="ann",
        owner_name="Ann",
        owner_email="ann@example.org",
        at=START,
        team_id="team-1",
    ).team
