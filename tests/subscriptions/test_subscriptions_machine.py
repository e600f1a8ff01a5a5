"""Random lifecycles against a model, persisted through units of work.

A :class:`~hypothesis.stateful.RuleBasedStateMachine` starts trials, subscribes, activates,
moves time (also to the exact boundaries: deadlines, paid-through moments), cancels,
upgrades, downgrades and changes seats. Every step goes through a store (memory, and a
SQLite file) in a unit of work; the machine keeps a small model of what each subscription
must be, and checks that the library raises its errors exactly when the model says so.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import attrs
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
)

from subscriptionkit import errors, plans
from subscriptionkit.money import eur
from subscriptionkit.storage import MemoryStore, Store
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.subscriptions import (
    Course,
    Status,
    Subscription,
    Transition,
    activate,
    cancel,
    catch_up,
    change_seats,
    has_access,
    schedule_downgrade,
    start_trial,
    subscribe,
    upgrade,
)

CATALOG = plans.default_catalog(teams=plans.teams_plan(eur("60.00")))
PLAN_IDS = tuple(CATALOG)
CUSTOMERS = ("school-a", "school-b", "team-c")
ZONES = ("Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "UTC")
PAID = Course("course-1")
FREE = Course("free-1", kind="free")
PROGRAMME = Course("programme-1", kind="programme")
US = dt.timedelta(microseconds=1)


def utc(at: dt.datetime) -> dt.datetime:
    """``at`` as a plain stdlib datetime in UTC.

    Equality across zones is unreliable in a DST fold (PEP 495), and pendulum's
    ``astimezone`` returns pendulum values; the machine's clock stays stdlib UTC.
    """
    offset = at.utcoffset()
    assert offset is not None
    wall = dt.datetime(at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond)
    return (wall - offset).replace(tzinfo=dt.UTC)


#: The published upgrade paths, written out independently of the catalog.
UPGRADES: dict[str, frozenset[str]] = {
    "focus-po-1-2": frozenset({"focus-po-combi", "focus-po-1-8"}),
    "focus-po-3-8": frozenset({"focus-po-combi", "focus-po-1-8"}),
    "focus-po-combi": frozenset({"focus-po-1-8"}),
    "focus-po-1-8": frozenset(),
    "teams": frozenset(),
}


@attrs.define
class Model:
    """What the machine expects of one subscription, caught up to the machine's clock."""

    customer_id: str
    status: Status
    plan_id: str
    tz: str
    anchor: dt.datetime  # the start the paid periods are counted from
    periods: int  # paid periods from the anchor (0: trial only)
    trial_end: dt.datetime | None
    pending: str | None = None
    seats: int | None = None
    version: int = 1

    @property
    def terms(self) -> plans.Terms:
        """The calendar terms of the current plan."""
        return CATALOG[self.plan_id].terms

    @property
    def paid_through(self) -> dt.datetime | None:
        """Where access ends: the trial's end, or the end of the paid periods."""
        if self.periods == 0:
            return self.trial_end
        return self.terms.renewal_date(self.anchor, self.periods, tz=self.tz)

    def catch_up(self, now: dt.datetime) -> None:
        """Let time pass: trials and cancellations expire, active ones renew."""
        while True:
            paid = self.paid_through
            if self.status is Status.EXPIRED or paid is None or now < paid:
                return
            if self.status is Status.ACTIVE:
                if self.pending is not None:
                    self.plan_id, self.pending = self.pending, None
                self.periods += 1
            else:
                self.status = Status.EXPIRED


T = TypeVar("T")


def attempt(call: Callable[[], T]) -> T | errors.SubscriptionKitError:
    """Return what ``call`` returns, or the library error it raises."""
    try:
        return call()
    except errors.SubscriptionKitError as err:
        return err


class LifecycleMachine(RuleBasedStateMachine):
    """Random lifecycles over one store; subclasses pick the store."""

    subs: Bundle[str] = Bundle("subs")

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="sk-machine-"))
        self.store = self.open_store(self.tmp)
        self.now = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
        self.tz = "Europe/Amsterdam"
        self.models: dict[str, Model] = {}
        self.trial_customers: set[str] = set()

    def teardown(self) -> None:
        """Close the store and remove its files."""
        if isinstance(self.store, SqlStore):
            self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # -- helpers -------------------------------------------------------------------------

    def open_store(self, tmp: Path) -> Store:
        """Open the store the machine runs against (in ``tmp`` if it needs files)."""
        raise NotImplementedError

    def _new_id(self) -> str:
        return f"sub-{len(self.models) + 1}"

    def _load(self, sub_id: str) -> Subscription:
        with self.store.unit_of_work() as uow:
            return uow.subscriptions.get(sub_id)

    def _save(self, new: Subscription) -> None:
        with self.store.unit_of_work() as uow:
            stored = uow.subscriptions.update(new)
            uow.commit()
        model = self.models[new.id]
        model.version += 1
        assert stored.version == model.version

    def _model(self, sub_id: str) -> Model:
        model = self.models[sub_id]
        model.catch_up(self.now)
        return model

    # -- rules ---------------------------------------------------------------------------

    @initialize(
        tz=st.sampled_from(ZONES),
        start=st.datetimes(
            min_value=dt.datetime(2000, 1, 1),
            max_value=dt.datetime(2090, 1, 1),
            timezones=st.just(dt.UTC),
        ),
    )
    def begin(self, tz: str, start: dt.datetime) -> None:
        """Pick the customers' time zone and the moment the machine starts."""
        self.tz, self.now = tz, start

    @rule(
        target=subs,
        customer=st.sampled_from(CUSTOMERS),
        months=st.integers(0, 7),
        days=st.integers(0, 3),
        via_history=st.booleans(),
    )
    def trial(
        self, customer: str, months: int, days: int, via_history: bool
    ) -> str | MultipleResults[str]:
        """Start a trial; refused when the customer had one (by the rules or the store)."""
        length = plans.Span(months=months, days=days)
        ends = utc(length.after(self.now, tz=self.tz))
        too_long = ends > utc(plans.Span(months=6).after(self.now, tz=self.tz))
        bad_length = (months, days) == (0, 0) or too_long
        sub_id = self._new_id()

        def add() -> Subscription:
            with self.store.unit_of_work() as uow:
                history = uow.subscriptions.for_customer(customer) if via_history else ()
                sub = start_trial(
                    customer,
                    at=self.now,
                    length=length,
                    history=history,
                    tz=self.tz,
                    subscription_id=sub_id,
                ).subscription
                stored = uow.subscriptions.add(sub)
                uow.commit()
            return stored

        outcome = attempt(add)
        if bad_length:  # the length is checked before the history
            assert isinstance(outcome, errors.InvalidInput), outcome
            assert str(outcome).startswith("a trial lasts more than zero and at most P6M")
            return multiple()
        if customer in self.trial_customers:
            assert isinstance(outcome, errors.TrialAlreadyUsed), outcome
            assert outcome.customer_id == customer
            return multiple()
        assert isinstance(outcome, Subscription), outcome
        assert outcome.version == 1
        assert outcome.trial_ends_at is not None
        assert utc(outcome.trial_ends_at) == ends
        self.trial_customers.add(customer)
        self.models[sub_id] = Model(
            customer, Status.TRIAL, "focus-po-1-8", self.tz, self.now, 0, ends
        )
        return sub_id

    @rule(
        target=subs,
        customer=st.sampled_from(CUSTOMERS),
        plan_id=st.sampled_from(PLAN_IDS),
        seats=st.integers(3, 40),
    )
    def subscribe(self, customer: str, plan_id: str, seats: int) -> str:
        """Subscribe without a trial; any number of paid subscriptions is fine."""
        plan = CATALOG[plan_id]
        seat_count = seats if isinstance(plan, plans.SeatPlan) else None
        sub_id = self._new_id()
        with self.store.unit_of_work() as uow:
            sub = subscribe(
                customer, plan, at=self.now, seats=seat_count, tz=self.tz, subscription_id=sub_id
            ).subscription
            uow.subscriptions.add(sub)
            uow.commit()
        self.models[sub_id] = Model(
            customer, Status.ACTIVE, plan_id, self.tz, self.now, 1, None, seats=seat_count
        )
        return sub_id

    @rule(sub_id=subs, plan_id=st.sampled_from(PLAN_IDS), seats=st.integers(3, 40))
    def activate(self, sub_id: str, plan_id: str, seats: int) -> None:
        """Activate a trial (running or run out); anything else is InvalidTransition."""
        model = self._model(sub_id)
        plan = CATALOG[plan_id]
        seat_count = seats if isinstance(plan, plans.SeatPlan) else None
        loaded = self._load(sub_id)
        outcome = attempt(lambda: activate(loaded, plan, at=self.now, seats=seat_count))
        if not (model.periods == 0 and model.status in (Status.TRIAL, Status.EXPIRED)):
            assert isinstance(outcome, errors.InvalidTransition), outcome
            return
        if isinstance(plan, plans.SeatPlan):  # a Focus PO trial never becomes Teams
            assert isinstance(outcome, errors.InvalidPlan), outcome
            return
        assert isinstance(outcome, Transition), outcome
        self._save(outcome.subscription)
        if model.trial_end is not None and self.now < model.trial_end:
            model.trial_end = self.now
        model.status, model.plan_id, model.anchor, model.periods = (
            Status.ACTIVE,
            plan_id,
            self.now,
            1,
        )
        model.seats = seat_count

    @rule(days=st.integers(0, 120), hours=st.integers(0, 48))
    def advance(self, days: int, hours: int) -> None:
        """Let time pass."""
        self.now += dt.timedelta(days=days, hours=hours)

    @rule(
        sub_id=subs,
        which=st.sampled_from(["deadline", "after_deadline", "paid_through", "before_paid"]),
    )
    def jump_to_boundary(self, sub_id: str, which: str) -> None:
        """Move time to exactly a boundary of one subscription (if it lies ahead)."""
        model = self._model(sub_id)
        paid = model.paid_through
        if paid is None:
            return
        deadline = model.terms.cancel_deadline(paid, tz=model.tz)
        target = {
            "deadline": deadline,
            "after_deadline": deadline + US,
            "paid_through": paid,
            "before_paid": paid - US,
        }[which]
        if target > self.now:
            self.now = utc(target)

    @rule(sub_id=subs)
    def persist_catch_up(self, sub_id: str) -> None:
        """Store the caught-up subscription; a second catch-up changes nothing."""
        new, events = catch_up(self._load(sub_id), at=self.now)
        assert tuple(catch_up(new, at=self.now)) == (new, ())
        if events:
            self._save(new)

    @rule(sub_id=subs)
    def cancel(self, sub_id: str) -> None:
        """Cancel: trials end now; active ones until the deadline; others refuse."""
        model = self._model(sub_id)
        loaded = self._load(sub_id)
        outcome = attempt(lambda: cancel(loaded, at=self.now))
        if model.status in (Status.CANCELLED, Status.EXPIRED):
            assert isinstance(outcome, errors.InvalidTransition), outcome
            return
        if model.status is Status.TRIAL:
            assert isinstance(outcome, Transition), outcome
            assert outcome.subscription.ended_at is not None
            assert utc(outcome.subscription.ended_at) == self.now
            self._save(outcome.subscription)
            model.status, model.trial_end = Status.EXPIRED, self.now
            return
        paid = model.paid_through
        assert paid is not None
        deadline = model.terms.cancel_deadline(paid, tz=model.tz)
        if self.now > deadline:
            assert isinstance(outcome, errors.CancellationTooLate), outcome
            assert utc(outcome.deadline) == utc(deadline)
            return
        assert isinstance(outcome, Transition), outcome
        self._save(outcome.subscription)
        model.status, model.pending = Status.CANCELLED, None

    @rule(sub_id=subs, plan_id=st.sampled_from(PLAN_IDS))
    def upgrade(self, sub_id: str, plan_id: str) -> None:
        """Upgrade along the published paths; the year restarts now."""
        model = self._model(sub_id)
        loaded = self._load(sub_id)
        outcome = attempt(lambda: upgrade(loaded, CATALOG[plan_id], at=self.now))
        if model.status is not Status.ACTIVE:
            assert isinstance(outcome, errors.InvalidTransition), outcome
            return
        if plan_id not in UPGRADES[model.plan_id]:
            assert isinstance(outcome, errors.NotAnUpgrade), outcome
            assert set(outcome.allowed) == UPGRADES[model.plan_id]
            return
        assert isinstance(outcome, Transition), outcome
        new = outcome.subscription
        assert new.paid_through is not None
        restart = CATALOG[plan_id].terms.renewal_date(self.now, 1, tz=self.tz)
        assert utc(new.paid_through) == utc(restart)
        self._save(new)
        model.plan_id, model.anchor, model.periods, model.pending = plan_id, self.now, 1, None

    @rule(sub_id=subs, plan_id=st.sampled_from(PLAN_IDS))
    def schedule_downgrade(self, sub_id: str, plan_id: str) -> None:
        """Downgrade at renewal, within the notice period, to a plan below the current one."""
        model = self._model(sub_id)
        loaded = self._load(sub_id)
        outcome = attempt(lambda: schedule_downgrade(loaded, CATALOG[plan_id], at=self.now))
        if model.status is not Status.ACTIVE:
            assert isinstance(outcome, errors.InvalidTransition), outcome
            return
        if model.plan_id not in UPGRADES[plan_id]:
            assert isinstance(outcome, errors.InvalidInput), outcome
            return
        paid = model.paid_through
        assert paid is not None
        if self.now > model.terms.cancel_deadline(paid, tz=model.tz):
            assert isinstance(outcome, errors.CancellationTooLate), outcome
            return
        assert isinstance(outcome, Transition), outcome
        self._save(outcome.subscription)
        model.pending = plan_id

    @rule(sub_id=subs, seats=st.integers(0, 45))
    def change_seats(self, sub_id: str, seats: int) -> None:
        """Change the seats of an active Teams subscription, 3 to 40."""
        model = self._model(sub_id)
        loaded = self._load(sub_id)
        outcome = attempt(lambda: change_seats(loaded, seats, at=self.now))
        if model.status is not Status.ACTIVE:
            assert isinstance(outcome, errors.InvalidTransition), outcome
            return
        if model.plan_id != "teams":
            assert isinstance(outcome, errors.InvalidInput), outcome
            assert not isinstance(outcome, errors.SeatCountOutOfRange)
            return
        if not 3 <= seats <= 40:
            assert isinstance(outcome, errors.SeatCountOutOfRange), outcome
            assert ("Organisation" in str(outcome)) == (seats > 40)
            return
        assert isinstance(outcome, Transition), outcome
        self._save(outcome.subscription)
        model.seats = seats

    # -- invariants ----------------------------------------------------------------------

    @invariant()
    def one_trial_per_customer(self) -> None:
        """No customer holds two subscriptions that carry a trial."""
        with self.store.unit_of_work() as uow:
            trials = [s.customer_id for s in uow.subscriptions.list() if s.trial_started_at]
        assert len(trials) == len(set(trials))
        assert set(trials) == self.trial_customers

    @invariant()
    def store_matches_the_model(self) -> None:
        """Each stored subscription, caught up to now, is what the model expects."""
        with self.store.unit_of_work() as uow:
            stored = {s.id: s for s in uow.subscriptions.list()}
        assert set(stored) == set(self.models)
        for sub_id, loaded in stored.items():
            model = self._model(sub_id)
            assert loaded.version == model.version
            sub, _ = catch_up(loaded, at=self.now)
            assert (sub.status, sub.plan_id, sub.customer_id) == (
                model.status,
                model.plan_id,
                model.customer_id,
            )
            got, want = sub.paid_through, model.paid_through
            assert (got is None) == (want is None)
            if got is not None and want is not None:
                assert utc(got) == utc(want)
            assert (None if sub.pending_plan is None else sub.pending_plan.id) == model.pending
            assert sub.seats == model.seats
            assert tuple(catch_up(sub, at=self.now)) == (sub, ())

    @invariant()
    def access_follows_paid_through(self) -> None:
        """Paid courses open exactly while now < paid_through; free always, programmes never."""
        with self.store.unit_of_work() as uow:
            stored = list(uow.subscriptions.list())
        for loaded in stored:
            model = self._model(loaded.id)
            paid = model.paid_through
            expected = model.status is not Status.EXPIRED
            assert expected == (paid is not None and self.now < paid)
            sub = catch_up(loaded, at=self.now).subscription
            assert has_access(sub, PAID, at=self.now) is expected
            assert has_access(loaded, PAID, at=self.now) is expected
            assert has_access(sub, FREE, at=self.now)
            assert not has_access(sub, PROGRAMME, at=self.now)
            if sub.status is Status.CANCELLED:
                assert paid is not None
                assert has_access(sub, PAID, at=paid - US)
                assert not has_access(sub, PAID, at=paid)


class MemoryLifecycle(LifecycleMachine):
    """The machine over a MemoryStore."""

    def open_store(self, tmp: Path) -> Store:
        """A fresh MemoryStore."""
        return MemoryStore()


class SqliteLifecycle(LifecycleMachine):
    """The machine over a SQLite file (SqlStore)."""

    def open_store(self, tmp: Path) -> Store:
        """A fresh SQLite database file in ``tmp``."""
        return SqlStore(str(tmp / "machine.db"))


MACHINE_SETTINGS = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TestLifecycleMemory = MemoryLifecycle.TestCase
TestLifecycleMemory.settings = MACHINE_SETTINGS
TestLifecycleSqlite = SqliteLifecycle.TestCase
TestLifecycleSqlite.settings = settings(MACHINE_SETTINGS, max_examples=25)
