"""Shared fixtures for the certificate tests."""

from __future__ import annotations

import datetime as dt

import pytest

from subscriptionkit.certificates import Certificate, KeyRing, issue

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def t0() -> dt.datetime:
    """The moment the session's key ring became valid."""
    return T0


@pytest.fixture(scope="session")
def ring() -> KeyRing:
    """A key ring with one key, valid from T0 (generated once per session)."""
    return KeyRing.generate(at=T0)


@pytest.fixture(scope="session")
def cert() -> Certificate:
    """A certificate issued a day after T0, with a non-ASCII name."""
    return issue(
        holder_id="member-42",
        holder_name="Zoë van der Berg",
        course_id="course-7",
        course_title="Feedback geven",
        completed_on=dt.date(2026, 1, 2),
        issued_at=T0 + dt.timedelta(days=1),
        issuer="Soofos",
        certificate_id="cert-0001",
    )
