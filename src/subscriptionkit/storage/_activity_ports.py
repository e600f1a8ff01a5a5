"""The storage port of activity events: ingestion, monthly counts, and the reads and the one
change privacy needs (internal).

Re-exported by :mod:`subscriptionkit.storage.ports`, which users import; kept apart so each
module stays small.
"""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Protocol, runtime_checkable

from ..clock import DEFAULT_TIMEZONE, instant
from ..metering import ActivityEvent, CountMoment, Month, MonthlyCounts
from ..plans import PupilPlan

__all__ = ["ActivityStore", "event_order"]


def event_order(event: ActivityEvent) -> tuple[_dt.datetime, str]:
    """The order events are returned in: oldest first (as instants), then by event id."""
    return instant(event.processed_at), event.event_id


@runtime_checkable
class ActivityStore(Protocol):
    """Activity events for metering, the monthly billable counts over them, and a pupil's
    events for privacy (export, erasure)."""

    def add(self, events: Iterable[ActivityEvent]) -> int:
        """Store events; return how many were new.

        Ingestion is idempotent by event id: an event whose id is already stored (or
        given earlier in the call) is skipped when it is the same event, its moment
        compared as an instant (:func:`~subscriptionkit.clock.instant`); a *different*
        event under that id is refused, as :class:`~subscriptionkit.metering.EventLog`
        refuses it, and nothing of the call is kept (02:30+02:00 and 02:30+01:00 on the
        night the clocks go back are two events an hour apart).

        Raises:
            InvalidEvent: an id already used by a different event (field ``event_id``,
                ``index`` the position in ``events``).
            InvalidInput: an item is not an :class:`~subscriptionkit.metering.ActivityEvent`.
            DatabaseBusy: another writer was in the way; retry the unit of work.
        """
        ...

    def add_csv(
        self,
        source: str | os.PathLike[str] | IO[bytes],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Store the events of a CSV file; return how many were new.

        The file is read as :func:`~subscriptionkit.metering.read_events_csv` reads it and
        its events go in as :meth:`add` takes them (the same duplicates, all or nothing).
        PostgreSQL with the ``arrow`` extra reads the file as columns and copies them in
        without building an event per row.

        Args:
            source: a path, or a file opened in binary mode at its start.
            progress: called with the number of bytes read so far, as reading goes.

        Raises:
            InvalidInput: ``source`` cannot be opened or read, or ``progress`` is not
                callable.
            InvalidCsv: the file is not UTF-8 CSV with the needed header (with its line).
            InvalidEvent: a row is malformed (with its line); nothing is stored.
        """
        ...

    def events(
        self,
        *,
        school_id: str | None = None,
        since: _dt.datetime | None = None,
        until: _dt.datetime | None = None,
    ) -> Sequence[ActivityEvent]:
        """Return stored events of a school (or all), in ``[since, until)``, oldest first."""
        ...

    def count(self, *, school_id: str | None = None) -> int:
        """Return how many events are stored (of one school, or all): what ``status``
        shows, without reading them (the SQL adapter counts inside the database)."""
        ...

    def monthly_counts(
        self,
        plan: PupilPlan,
        months: Iterable[Month],
        *,
        tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
        policy: CountMoment | None = None,
        school_id: str | None = None,
    ) -> MonthlyCounts:
        """Billable pupils per school, month and band: the same result as
        :func:`subscriptionkit.metering.monthly_counts` over the stored events (the SQL
        adapter computes it inside the database, in one query)."""
        ...

    def pseudonymise(self, school_id: str, pupil_id: str, pseudonym: str) -> int:
        """Erasure: ``pupil_id`` becomes ``pseudonym`` in every event of ``school_id`` (pupil
        ids are unique only within a school; counts stay the same, other schools' events
        are untouched), also in events that arrive later for a (school, pupil) pair
        :class:`PseudonymStore` holds erased."""
        ...

    def pupil_events(self, school_id: str, pupil_id: str) -> Sequence[ActivityEvent]:
        """Return the events of pupil ``pupil_id`` of school ``school_id``, oldest first
        (then by event id): what an export holds about a pupil. Pupil ids are unique only
        within a school (seed 002), so a pupil is always asked for with its school; the SQL
        adapter selects the pair's rows in the database, through the school's index."""
        ...

    def schools_of_pupil(self, pupil_id: str) -> tuple[str, ...]:
        """Return the ids of the schools holding events of a pupil with the id ``pupil_id``,
        sorted.

        For an export or erasure given no school: the same id may be a pupil's in these
        schools (each the controller of its pupils' data), for the operator to act on.
        Events already pseudonymised hold the pseudonym, so a school where that pupil was
        erased is not among them.

        Cost: no index serves a pupil across schools (the table is indexed by school and
        moment, for counting), so the SQL adapter scans the whole table once: about
        0.1 s per million events on SQLite and PostgreSQL (``benchmarks/privacy.py``). Meant
        for a data-subject request, not for a loop.
        """
        ...
