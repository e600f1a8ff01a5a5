"""The activity store contract: idempotent ingestion and the same monthly counts everywhere."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import random
import threading
import time
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import attrs
import pytest

from conftest import StoreFactory
from subscriptionkit import clock, errors, metering, plans
from subscriptionkit.storage import Store
from subscriptionkit.storage.sql import SqlStore

UTC = dt.UTC
AMS = ZoneInfo("Europe/Amsterdam")
CATEGORIES = ("cross_method_test", "objective_mastery", "engagement", "login")


def _event(
    i: int, school: str, pupil: str, grade: int, category: str, at: dt.datetime
) -> metering.ActivityEvent:
    return metering.ActivityEvent(
        event_id=f"e{i}",
        school_id=school,
        pupil_id=pupil,
        grade=grade,
        category=category,
        processed_at=at,
    )


def _random_events(seed: int, n: int = 1500) -> list[metering.ActivityEvent]:
    """Events over three years, with a share sitting right on month boundaries."""
    rng = random.Random(seed)
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        at = start + dt.timedelta(seconds=rng.randrange(3 * 365 * 86400))
        if rng.random() < 0.1:  # midnight Amsterdam at a month start, give or take a second
            month_start = dt.datetime(2024 + rng.randrange(3), rng.randrange(1, 13), 1)
            local = month_start.replace(tzinfo=dt.timezone(dt.timedelta(hours=1)))
            at = local + dt.timedelta(seconds=rng.choice((-1, 0, 1)))
        out.append(
            _event(
                i,
                f"school-{rng.randrange(3)}",
                f"pupil-{rng.randrange(40)}",
                rng.randrange(1, 9),
                rng.choice(CATEGORIES),
                at,
            )
        )
    return out


def _add(store: Store, events: list[metering.ActivityEvent]) -> int:
    with store.unit_of_work() as uow:
        new = uow.activity.add(events)
        uow.commit()
    return new


MONTHS = metering.month_range(metering.Month(2024, 4), metering.Month(2026, 9))


class TestIngestion:
    def test_same_id_counts_once(self, store: Store) -> None:
        """Adding an event twice, in one call or two, stores it once."""
        at = dt.datetime(2026, 3, 1, 9, tzinfo=UTC)
        a = _event(1, "s", "p", 3, "engagement", at)
        b = _event(2, "s", "q", 4, "engagement", at)
        assert _add(store, [a, a, b]) == 2
        assert _add(store, [a, b]) == 0
        with store.unit_of_work() as uow:
            assert [e.event_id for e in uow.activity.events()] == ["e1", "e2"]

    def test_an_id_reused_by_another_event_is_refused(self, store: Store) -> None:
        """A stored id given again with other content raises InvalidEvent (as EventLog
        does), naming the id and its position; nothing of that call is kept."""
        at = dt.datetime(2026, 3, 1, 9, tzinfo=UTC)
        _add(store, [_event(1, "s", "p", 3, "engagement", at)])
        fresh = _event(2, "s", "q", 4, "engagement", at)
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidEvent) as info:
            uow.activity.add([fresh, _event(1, "s", "p", 7, "engagement", at)])
        assert (info.value.field, info.value.got, info.value.index) == ("event_id", "e1", 1)
        assert str(info.value) == (
            "row 1: activity event event_id must be an id not already used by a different "
            "event, got 'e1'"
        )
        with store.unit_of_work() as uow:
            [stored] = uow.activity.events()
        assert (stored.event_id, stored.grade) == ("e1", 3)

    def test_the_same_wall_clock_an_hour_apart_is_another_event(self, store: Store) -> None:
        """Issue 10 §3: 2025-10-26 02:30+02:00 and 02:30+01:00 (Amsterdam) are an hour
        apart; the second under the same id is refused, in a later call or the same one."""
        summer = dt.datetime(2025, 10, 26, 2, 30, tzinfo=AMS)  # fold=0: +02:00
        winter = summer.replace(fold=1)  # +01:00, an hour later
        assert summer == winter  # Python's == on one zone ignores fold
        first = _event(1, "s", "p", 3, "engagement", summer)
        _add(store, [first])
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidEvent) as info:
            uow.activity.add([_event(1, "s", "p", 3, "engagement", winter)])
        assert (info.value.field, info.value.index) == ("event_id", 0)
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidEvent) as info:
            uow.activity.add(
                [
                    _event(2, "s", "p", 3, "engagement", winter),
                    _event(2, "s", "p", 3, "engagement", summer),
                ]
            )
        assert (info.value.got, info.value.index) == ("e2", 1)
        with store.unit_of_work() as uow:
            [stored] = uow.activity.events()
        assert stored == first
        assert clock.instant(stored.processed_at) == clock.instant(summer)

    def test_the_same_instant_in_another_zone_is_a_redelivery(self, store: Store) -> None:
        """Equal instants written with other offsets (or as 02:30+01:00 again) are the
        same event: skipped, not refused."""
        winter = dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=AMS)
        _add(store, [_event(1, "s", "p", 3, "engagement", winter)])
        again = [
            _event(1, "s", "p", 3, "engagement", winter.astimezone(UTC)),
            _event(
                1, "s", "p", 3, "engagement", dt.datetime(2025, 10, 26, 2, 30, fold=1, tzinfo=AMS)
            ),
        ]
        assert _add(store, again) == 0
        with store.unit_of_work() as uow:
            assert len(uow.activity.events()) == 1

    def test_events_round_trip_and_filter(self, store: Store) -> None:
        """Events read back equal, oldest first, filtered by school and [since, until)."""
        events = _random_events(1, 200)
        _add(store, events)
        since = dt.datetime(2025, 1, 1, tzinfo=UTC)
        until = dt.datetime(2025, 7, 1, 12, 30, 0, 500, tzinfo=UTC)
        expected = sorted(
            (e for e in events if e.school_id == "school-1" and since <= e.processed_at < until),
            key=lambda e: (e.processed_at, e.event_id),
        )
        with store.unit_of_work() as uow:
            got = uow.activity.events(school_id="school-1", since=since, until=until)
        assert list(got) == expected

    def test_count(self, store: Store) -> None:
        """count() is the number of stored events, of one school or all, without reading them."""
        events = _random_events(3, 120)
        with store.unit_of_work() as uow:
            assert uow.activity.count() == 0
        _add(store, [*events, *events[:5]])  # ids given twice count once
        with store.unit_of_work() as uow:
            assert uow.activity.count() == len(events)
            assert uow.activity.count(school_id="school-1") == sum(
                e.school_id == "school-1" for e in events
            )
            assert uow.activity.count(school_id="nobody") == 0

    def test_rollback_keeps_nothing(self, store: Store) -> None:
        """Events added in a unit of work that raises are not stored."""
        with pytest.raises(RuntimeError), store.unit_of_work() as uow:  # noqa: PT012
            uow.activity.add(_random_events(2, 10))
            raise RuntimeError("halfway")
        with store.unit_of_work() as uow:
            assert list(uow.activity.events()) == []

    def test_naive_bounds_are_refused(self, store: Store) -> None:
        """events(since=naive) raises NaiveDatetimeError."""
        with store.unit_of_work() as uow, pytest.raises(errors.NaiveDatetimeError):
            uow.activity.events(since=dt.datetime(2026, 1, 1))


class TestMonthlyCounts:
    @pytest.mark.parametrize(
        "plan_id", ["focus-po-1-2", "focus-po-3-8", "focus-po-combi", "focus-po-1-8"]
    )
    @pytest.mark.parametrize("seed", [11, 12])
    def test_same_counts_as_the_python_engine(self, store: Store, plan_id: str, seed: int) -> None:
        """The store's counts equal metering.monthly_counts over the same events."""
        events = _random_events(seed)
        _add(store, events)
        plan = plans.default_catalog()[plan_id]
        assert isinstance(plan, plans.PupilPlan)
        expected = metering.monthly_counts(events, plan, MONTHS)
        with store.unit_of_work() as uow:
            got = uow.activity.monthly_counts(plan, MONTHS)
        assert got == expected
        assert list(got.counts) == list(expected.counts)  # same order: school, month, band

    def test_other_count_moment_and_zone(self, store: Store) -> None:
        """A mid-month count moment in another zone gives the engine's counts too."""
        events = _random_events(13)
        _add(store, events)
        plan = plans.default_catalog()["focus-po-combi"]
        assert isinstance(plan, plans.PupilPlan)
        policy = metering.CountMoment(day=15)
        expected = metering.monthly_counts(
            events, plan, MONTHS, tz="America/New_York", policy=policy
        )
        with store.unit_of_work() as uow:
            got = uow.activity.monthly_counts(plan, MONTHS, tz="America/New_York", policy=policy)
        assert got == expected

    def test_one_school(self, store: Store) -> None:
        """school_id limits the count to that school."""
        events = _random_events(14)
        _add(store, events)
        plan = plans.default_catalog()["focus-po-1-8"]
        assert isinstance(plan, plans.PupilPlan)
        mine = [e for e in events if e.school_id == "school-2"]
        with store.unit_of_work() as uow:
            got = uow.activity.monthly_counts(plan, MONTHS, school_id="school-2")
        assert got == metering.monthly_counts(mine, plan, MONTHS)
        assert got.schools == ("school-2",)

    def test_window_bounds(self, store: Store) -> None:
        """An event exactly nine months before a count moment counts; a second earlier does not."""
        ams = dt.timezone(dt.timedelta(hours=2))
        edge = dt.datetime(2025, 7, 1, 0, 0, tzinfo=ams)  # window start of March 2026
        _add(
            store,
            [
                _event(1, "s", "in", 4, "engagement", edge),
                _event(2, "s", "out", 4, "engagement", edge - dt.timedelta(seconds=1)),
            ],
        )
        plan = plans.default_catalog()["focus-po-3-8"]
        assert isinstance(plan, plans.PupilPlan)
        march = metering.Month(2026, 3)
        with store.unit_of_work() as uow:
            counts = uow.activity.monthly_counts(plan, [march])
        assert counts.count("s", march) == 1

    def test_bad_months_are_refused(self, store: Store) -> None:
        """Months that are not consecutive raise InvalidInput."""
        plan = plans.default_catalog()["focus-po-1-2"]
        assert isinstance(plan, plans.PupilPlan)
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput, match="consecutive"):
            uow.activity.monthly_counts(plan, [metering.Month(2026, 1), metering.Month(2026, 3)])


def _failing(events: list[metering.ActivityEvent], after: int) -> Iterator[metering.ActivityEvent]:
    """Yield ``after`` events, then fail as a broken source would."""
    yield from events[:after]
    raise RuntimeError("the source broke")


def _stored(store: Store) -> list[str]:
    with store.unit_of_work() as uow:
        return sorted(e.event_id for e in uow.activity.events())


class TestAllOrNothing:
    def test_failed_add_leaves_the_unit_of_work_unchanged(self, store: Store) -> None:
        """An add() whose input fails halfway stages nothing: a later commit keeps only
        what else was added, and the same events still count as new afterwards."""
        events = _random_events(21, 6000)
        with store.unit_of_work() as uow:
            assert uow.activity.add(events[:100]) == 100
            with pytest.raises(RuntimeError, match="the source broke"):
                uow.activity.add(_failing(events, 5500))
            assert len(uow.activity.events()) == 100
            assert uow.activity.add(events[100:5600]) == 5500
            uow.commit()
        assert _stored(store) == sorted(e.event_id for e in events[:5600])

    def test_a_bad_item_stages_nothing(self, store: Store) -> None:
        """An item that is not an event is refused with a library error; nothing staged."""
        events = _random_events(22, 50)
        with store.unit_of_work() as uow:
            bad: list[object] = [*events[:30], None, *events[30:]]
            with pytest.raises(errors.SubscriptionKitError):
                uow.activity.add(bad)  # type: ignore[arg-type]
            uow.commit()
        assert _stored(store) == []


class TestConcurrentIngestion:
    def test_same_events_from_eight_writers_in_shuffled_orders(
        self, store_factory: StoreFactory
    ) -> None:
        """Eight writers (threads, each with its own store object and connection; the
        memory store is one object shared by all) add the same events in different
        orders at once: all succeed, each event is stored once, and the "new" counts
        they return add up to the events stored."""
        events = _random_events(23, 2000)
        writers = 8
        stores = [store_factory() for _ in range(writers)]
        start = threading.Barrier(writers)

        def ingest(i: int) -> int:
            mine = events[:]
            random.Random(i).shuffle(mine)
            start.wait()
            return _add(stores[i], mine)

        with concurrent.futures.ThreadPoolExecutor(writers) as pool:
            new = list(pool.map(ingest, range(writers)))
        assert sum(new) == len(events)
        assert _stored(stores[0]) == sorted(e.event_id for e in events)

    def test_a_writer_waiting_on_the_same_id_with_another_moment_is_refused(
        self, store_factory: StoreFactory
    ) -> None:
        """One unit of work adds e1 at 02:30+02:00 and holds it; another adds e1 at
        02:30+01:00 and waits. When the first commits, the second is refused."""
        summer = dt.datetime(2025, 10, 26, 2, 30, tzinfo=AMS)
        stores = [store_factory(), store_factory()]
        holding = threading.Event()

        def second() -> str:
            holding.wait(30)
            try:
                _add(stores[1], [_event(1, "s", "p", 3, "engagement", summer.replace(fold=1))])
            except errors.InvalidEvent as exc:
                return exc.field
            return "added"

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            with stores[0].unit_of_work() as uow:
                uow.activity.add([_event(1, "s", "p", 3, "engagement", summer)])
                waiting = pool.submit(second)
                holding.set()
                time.sleep(0.5)  # let the second writer reach the held id (not asserted)
                uow.commit()
            assert waiting.result(timeout=60) == "event_id"
        with stores[0].unit_of_work() as uow:
            [stored] = uow.activity.events()
        assert clock.instant(stored.processed_at) == clock.instant(summer)

    def test_the_position_counts_across_batches(self, store: Store) -> None:
        """A conflict deep in a large call (past the adapters' batch size) names its position."""
        events = _random_events(25, 6000)
        _add(store, events)
        changed = [*events[:5500], attrs.evolve(events[5500], grade=events[5500].grade % 8 + 1)]
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidEvent) as info:
            uow.activity.add(changed)
        assert (info.value.got, info.value.index) == (events[5500].event_id, 5500)

    def test_crossing_writers_get_a_library_error(self, store_factory: StoreFactory) -> None:
        """Two units of work that each add one event, then the other's, would deadlock:
        one of them fails with DatabaseBusy (retry advice, never a raw driver error),
        the other commits, and only its events are stored."""
        stores = [store_factory(), store_factory()]
        if isinstance(stores[0], SqlStore) and stores[0].engine.dialect.name == "sqlite":
            pytest.skip("SQLite has one writer at a time: two writers cannot cross")
        a, b = _random_events(24, 2)
        halfway = threading.Barrier(2, timeout=30)

        def ingest(first: metering.ActivityEvent, second: metering.ActivityEvent) -> str:
            store = stores[0] if first is a else stores[1]
            try:
                with store.unit_of_work() as uow:
                    uow.activity.add([first])
                    halfway.wait()
                    uow.activity.add([second])
                    uow.commit()
            except errors.DatabaseBusy:
                return "busy"
            return "committed"

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(ingest, (a, b), (b, a)))
        assert outcomes == ["busy", "committed"]
        assert _stored(stores[0]) == sorted([a.event_id, b.event_id])
