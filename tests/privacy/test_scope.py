"""Export and erasure without a school: activity is out of scope, and said to be.

Pupil ids are unique only within a school, and the school is the controller of its pupils'
data (seed 002). An account whose id merely equals some school's pupil id is still erased;
the result names those schools, so the operator can act.
"""

from __future__ import annotations

import datetime as dt

from subscriptionkit import metering, privacy
from subscriptionkit.storage import Store

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LATER = AT + dt.timedelta(days=30)


def _populate(store: Store) -> None:
    """Account ``u-ann`` with a consent; pupil ``u-ann`` of schools s-b and s-a."""
    with store.unit_of_work() as uow:
        uow.consents.save(
            privacy.implicit_consent("u-ann", "review", at=AT, source="course", consent_id="c1")
        )
        uow.activity.add(
            metering.ActivityEvent(f"e{n}", school, pupil, 3, "engagement", AT)
            for n, (school, pupil) in enumerate(
                [("s-b", "u-ann"), ("s-a", "u-ann"), ("s-c", "p2"), ("s-b", "u-ann")]
            )
        )
        uow.commit()


def _pupils(store: Store) -> dict[str, str]:
    with store.unit_of_work() as uow:
        return {e.event_id: e.pupil_id for e in uow.activity.events()}


class TestWithoutSchool:
    """No school: no activity event is read or changed, and the result says so."""

    def test_erasure_goes_ahead_and_names_the_schools(self, store: Store) -> None:
        """The account is erased; the pupils' events stay; the scope names their schools."""
        _populate(store)
        before = _pupils(store)
        done = privacy.erase_subject(store, "u-ann", at=LATER)
        assert done.changed["consents"] == 1
        assert done.changed["activity"] == 0
        assert _pupils(store) == before
        assert done.scope == privacy.Scope(None, ("s-a", "s-b"))
        assert not done.scope.activity

    def test_export_states_its_scope(self, store: Store) -> None:
        """The document says activity was excluded, and names no other school's pupils;
        subject_scope() names them for the operator."""
        _populate(store)
        doc = privacy.export_subject(store, "u-ann", at=LATER)
        assert doc["scope"] == {"school_id": None, "activity": "excluded"}
        assert doc["sections"]["activity"] == []
        assert "s-a" not in str(doc)
        assert privacy.subject_scope(store, "u-ann").pupil_schools == ("s-a", "s-b")
        assert privacy.subject_scope(store, "nobody") == privacy.Scope()

    def test_with_a_school_as_before(self, store: Store) -> None:
        """With a school: that school's pupil, in scope; other schools are not named."""
        _populate(store)
        doc = privacy.export_subject(store, "u-ann", at=LATER, school_id="s-b")
        assert doc["scope"] == {"school_id": "s-b", "activity": "included"}
        assert [e["event_id"] for e in doc["sections"]["activity"]] == ["e0", "e3"]
        done = privacy.erase_subject(store, "u-ann", at=LATER, school_id="s-b")
        assert done.changed["activity"] == 2
        assert done.scope == privacy.Scope("s-b")
        assert privacy.subject_scope(store, "u-ann", school_id="s-a") == privacy.Scope("s-a")


class TestErasedAndReused:
    """An erased pupil's school drops out, also when its id comes back; a pseudonym is
    no pupil to name schools for."""

    def test_reused_id_after_erasure(self, store: Store) -> None:
        """Events arriving later under the erased pupil's id are pseudonymised as they
        arrive (the erasure is recorded), so that school is not named again; another
        school's pupil with the id still is."""
        _populate(store)
        done = privacy.erase_subject(store, "u-ann", at=LATER, school_id="s-b")
        with store.unit_of_work() as uow:
            uow.activity.add(
                [
                    metering.ActivityEvent("e8", "s-b", "u-ann", 4, "engagement", LATER),
                    metering.ActivityEvent("e9", "s-d", "u-ann", 4, "engagement", LATER),
                ]
            )
            uow.commit()
        assert _pupils(store)["e8"] == done.pseudonym
        assert privacy.subject_scope(store, "u-ann").pupil_schools == ("s-a", "s-d")
        assert privacy.subject_scope(store, done.pseudonym) == privacy.Scope()
        again = privacy.erase_subject(store, done.pseudonym, at=LATER)
        assert again.scope == privacy.Scope()
