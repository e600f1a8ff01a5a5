"""The memory store's privacy records between units of work (SQL's primary keys do the
same for SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest

from subscriptionkit import errors, privacy
from subscriptionkit.storage import MemoryStore

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _consent(subject: str) -> privacy.Consent:
    return privacy.record_consent(
        subject, "promotion", at=AT, source="web", text_version="v1", consent_id="c-race"
    )


def test_an_id_taken_by_a_concurrent_unit_of_work() -> None:
    """Two units of work give one new id to different consents: the second commit is
    refused and the first consent stays."""
    store = MemoryStore()
    with store.unit_of_work() as first, store.unit_of_work() as second:
        first.consents.save(_consent("zed"))
        second.consents.save(_consent("yan"))
        first.commit()
        with pytest.raises(errors.AlreadyExists, match="'c-race'"):
            second.commit()
    with store.unit_of_work() as uow:
        assert uow.consents.get("c-race").subject_id == "zed"
