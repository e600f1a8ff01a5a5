"""Identifiers are the same on every store: the longest and oddest valid ids round-trip.

The identifier rule (non-empty text, no control characters, at most 100 characters) is
checked in the model (issue 9), so memory, SQLite and PostgreSQL accept exactly the same
ids: these tests store ids at the limit, in several scripts, on each store and read them
back unchanged; one character more is refused before any store sees it.
"""

from __future__ import annotations

import datetime as dt

import attrs
import pytest

from subscriptionkit import certificates, errors, metering
from subscriptionkit.storage import Store
from subscriptionkit.testing import active_subscription

AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
#: Valid ids at the limit: 100 characters, accents, CJK, an emoji, inner spaces.
IDS = ("x" * 100, "é" * 100, "学校-" + "名" * 97, "🦉 owl " + "o" * 92, "a b")


def _certificate(**ids: str) -> certificates.Certificate:
    return certificates.issue(
        holder_name="Ada",
        course_id="c1",
        course_title="Course",
        completed_on=AT.date(),
        issued_at=AT,
        issuer="Soofos",
        **ids,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("value", IDS, ids=["ascii", "accents", "cjk", "emoji", "space"])
class TestIdsRoundTrip:
    def test_subscription_and_customer(self, store: Store, value: str) -> None:
        """A subscription with that id and customer id is stored and read back."""
        sub = attrs.evolve(active_subscription(), id=value, customer_id=value)
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(value).customer_id == value
            assert [s.id for s in uow.subscriptions.for_customer(value)] == [value]

    def test_certificate_and_holder(self, store: Store, value: str) -> None:
        """A certificate with that id and holder id is stored and read back."""
        cert = _certificate(holder_id=value, certificate_id=value)
        with store.unit_of_work() as uow:
            stored = uow.certificates.add(cert)  # the store assigns its status index
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.certificates.get(value) == stored
            assert [c.certificate_id for c in uow.certificates.for_holder(value)] == [value]

    def test_activity_event(self, store: Store, value: str) -> None:
        """An event with those ids is stored once and read back."""
        event = metering.ActivityEvent(value, value, value, 3, "engagement", AT)
        with store.unit_of_work() as uow:
            assert uow.activity.add([event]) == 1
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event_id for e in uow.activity.events(school_id=value)] == [value]


def test_one_character_more_never_reaches_a_store() -> None:
    """101 characters: refused where the value is made, for every kind of id."""
    long = "x" * 101
    with pytest.raises(errors.InvalidIdentifier):
        attrs.evolve(active_subscription(), id=long)
    with pytest.raises(errors.InvalidIdentifier):
        _certificate(holder_id=long)
    with pytest.raises(errors.InvalidEvent):
        metering.ActivityEvent(long, "s1", "p1", 3, "engagement", AT)
