"""Shared helpers for the teams tests (``import teams_helpers``): a start moment and actions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
import pendulum
import pytest

from subscriptionkit import errors, teams

__all__ = ["START", "add", "join_link", "refused"]

#: The moment the test teams start (a Monday morning in Amsterdam).
START = pendulum.datetime(2026, 3, 2, 9, 0, tz="UTC")


def refused(error: type[errors.TeamError], team: teams.Team, action: Callable[[], Any]) -> Any:
    """Run an action that must be refused with ``error``; the team is unchanged afterwards."""
    before = attrs.asdict(team, recurse=True)
    with pytest.raises(error) as info:
        action()
    assert attrs.asdict(team, recurse=True) == before
    return info.value


def add(team: teams.Team, who: str, *, by: str = "ann", at: dt.datetime = START) -> teams.Team:
    """Add ``who`` (pending), with an e-mail made from the id."""
    return teams.add_member(
        team, by=by, account_id=who, name=who.title(), email=f"{who}@example.org", at=at
    ).team


def join_link(
    team: teams.Team, token: str, who: str, keys: teams.TokenKeys, at: dt.datetime = START
) -> teams.Team:
    """Join through a link as ``who``, with an e-mail made from the id."""
    return teams.join_with_link(
        team,
        token,
        account_id=who,
        name=who.title(),
        email=f"{who}@example.org",
        keys=keys,
        at=at,
    ).team
