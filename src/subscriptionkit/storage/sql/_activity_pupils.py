"""The activity reads privacy needs in SQL: one pupil's events, the schools of a pupil id
(internal; mixed into the SQL activity repository)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from ...metering import ActivityEvent
from .._activity_ports import event_order
from ._errors import translating
from ._tables import activity_table

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork


@translating
class PupilReads:
    """A pupil's events and schools, selected in the database (see
    :class:`~subscriptionkit.storage.ports.ActivityStore`)."""

    _uow: SqlUnitOfWork

    def pupil_events(self, school_id: str, pupil_id: str) -> Sequence[ActivityEvent]:
        from ._activity import select_events  # that module mixes this class in

        found = select_events(self._uow.connection, school_id=school_id, pupil_id=pupil_id)
        return sorted(found, key=event_order)  # the same order as memory, to the microsecond

    def schools_of_pupil(self, pupil_id: str) -> tuple[str, ...]:
        t = activity_table.c
        # A scan: no index serves a pupil across schools (the table's schema is ingestion's).
        # Not DISTINCT in SQL: SQLite would then walk the school index and fetch every row
        # through it (15x slower than a plain scan); the pupil's rows are few.
        query = sa.select(t.school_id).where(t.pupil_id == pupil_id)
        return tuple(sorted(set(self._uow.connection.execute(query).scalars())))
