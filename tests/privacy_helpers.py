"""Helpers of the privacy tests: a scan of everything a store keeps, and a store that fails
at the n-th write (for the all-or-nothing tests of erasure and rectification)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import pytest
import sqlalchemy as sa

from subscriptionkit import certificates, teams
from subscriptionkit.storage import MemoryStore, Store
from subscriptionkit.storage.sql import SqlStore, metadata
from subscriptionkit.testing import active_subscription

T = TypeVar("T")
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def team_and_certificate(
    store: Store, *, account: str = "u-ann", name: str = "Ann Smit", email: str = "ann@example.org"
) -> None:
    """``account`` a member of Olga's team and the holder of certificate ``cert-1``, at AT."""
    sub = active_subscription("teams", "acme", seats=5, at=AT)
    team, _ = teams.create_team(
        sub, name="Sales", owner_id="u-olga", owner_name="Olga", owner_email="olga@example.org",
        at=AT, team_id="team-1",
    )  # fmt: skip
    team, _ = teams.add_member(team, by="u-olga", account_id=account, name=name, email=email, at=AT)
    cert = certificates.issue(
        holder_id=account, holder_name=name, course_id="c-1", course_title="Feedback",
        completed_on=AT.date(), issued_at=AT, issuer="Soofos", certificate_id="cert-1",
    )  # fmt: skip
    with store.unit_of_work() as uow:
        uow.subscriptions.add(sub)
        uow.teams.add(team)
        uow.certificates.add(cert)
        uow.commit()


def strings(value: Any, seen: set[int]) -> Iterator[str]:
    """Every piece of text reachable from a memory store's insides."""
    if id(value) in seen or (callable(value) and not attrs.has(type(value))):
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | int | float | Decimal | dt.datetime | dt.date | type(None)):
        return
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k, seen)
            yield from strings(v, seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from strings(v, seen)
    elif attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            yield from strings(getattr(value, field.name), seen)
    elif hasattr(value, "__dict__"):
        for v in vars(value).values():
            yield from strings(v, seen)
    elif hasattr(value, "items"):  # mapping proxies
        yield from strings(dict(value.items()), seen)


def dump(store: Store) -> list[str]:
    """Everything a store keeps, as text: every row of every table, or every string."""
    if isinstance(store, SqlStore):
        out: list[str] = []
        with store.engine.connect() as conn:
            for table in metadata.sorted_tables:
                rows = conn.execute(sa.select(table)).all()
                out.append(f"{table.name}: {sorted(map(repr, rows))}")
        return out
    assert isinstance(store, MemoryStore)
    return sorted(
        strings({k: v for k, v in vars(store).items() if not k.startswith("_lock")}, set())
    )


class Injected(Exception):
    """The fault injected at one write."""


class Counting:
    """A store whose units of work count the writes named in ``ports`` (port -> method
    names) and fail at the ``fail_at``-th one."""

    def __init__(self, store: Store, fail_at: int | None, ports: Mapping[str, set[str]]) -> None:
        self.store, self.fail_at, self.ports, self.writes = store, fail_at, ports, 0

    def unit_of_work(self) -> Any:
        outer = self

        class Part:
            def __init__(self, name: str, inner: Any) -> None:
                self._name, self._inner = name, inner

            def __getattr__(self, attr: str) -> Any:
                found = getattr(self._inner, attr)
                if attr not in outer.ports.get(self._name, ()):
                    return found

                def write(*args: Any, **kwargs: Any) -> Any:
                    outer.writes += 1
                    if outer.writes == outer.fail_at:
                        raise Injected(f"{self._name}.{attr}")
                    return found(*args, **kwargs)

                return write

        class Uow:
            def __init__(self, inner: Any) -> None:
                self._inner = inner

            def __enter__(self) -> Uow:
                self._inner.__enter__()
                return self

            def __exit__(self, *exc: object) -> None:
                self._inner.__exit__(*exc)

            def __getattr__(self, attr: str) -> Any:
                found = getattr(self._inner, attr)
                return Part(attr, found) if attr in outer.ports else found

        return Uow(self.store.unit_of_work())


def fault_at_every_write(
    store: Store,
    ports: Mapping[str, set[str]],
    prepare: Callable[[Store], T],
    run: Callable[[Any, T], object],
) -> int:
    """Prepare ``store``, count the writes ``run`` makes on a prepared memory copy, then
    fail at each in turn: every store must stay as it was; a clean run changes it.
    Return the number of writes."""
    given = prepare(store)
    before = dump(store)
    probe = Counting(MemoryStore(), None, ports)
    prepare(probe.store)
    run(probe, given)
    for n in range(1, probe.writes + 1):
        with pytest.raises(Injected):
            run(Counting(store, n, ports), given)
        assert dump(store) == before, f"a fault at write {n} of {probe.writes} left a change"
    run(store, given)
    assert dump(store) != before
    return probe.writes
