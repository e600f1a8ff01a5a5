"""Teams and course progress in memory (internal; part of :mod:`.memory`).

Same rules as the subscriptions there: a unit of work stages its writes, reads see them,
and commit checks every version under the store's lock before applying anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import attrs

from ..errors import AlreadyExists, ConcurrentUpdate, NotFound
from ..teams import CourseProgress, Team, TokenDigest
from ._team_ledger_ports import involves

if TYPE_CHECKING:
    from .memory import MemoryUnitOfWork

_KIND = "team"


class MemoryTeams:
    """The team repository of one memory unit of work (reads see staged writes)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[str, Team] = {}
        self._expected: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"<memory teams staged={len(self._staged)}>"

    def _visible(self) -> dict[str, Team]:
        return {**self._store._teams, **self._staged}

    def add(self, team: Team) -> Team:
        self._uow._require_open()
        with self._store._lock:
            if team.id in self._visible():
                raise AlreadyExists(kind=_KIND, key=team.id)
        stored = attrs.evolve(team, version=1)
        self._staged[stored.id] = stored
        self._expected[stored.id] = 0
        return stored

    def get(self, team_id: str) -> Team:
        self._uow._require_open()
        with self._store._lock:
            found = self._visible().get(team_id)
        if found is None:
            raise NotFound(kind=_KIND, key=team_id)
        return found

    def update(self, team: Team) -> Team:
        self._uow._require_open()
        with self._store._lock:
            current = self._visible().get(team.id)
            if current is None:
                raise NotFound(kind=_KIND, key=team.id)
            if current.version != team.version:
                raise ConcurrentUpdate(
                    kind=_KIND,
                    key=team.id,
                    expected_version=team.version,
                    found_version=current.version,
                )
            base = self._store._teams.get(team.id)
        stored = attrs.evolve(team, version=team.version + 1)
        self._expected.setdefault(stored.id, base.version if base else 0)
        self._staged[stored.id] = stored
        return stored

    def _sorted(self) -> list[Team]:
        self._uow._require_open()
        with self._store._lock:
            return sorted(self._visible().values(), key=lambda t: t.id)

    def for_subscription(self, subscription_id: str) -> Sequence[Team]:
        return [t for t in self._sorted() if t.subscription_id == subscription_id]

    def for_account(self, account_id: str) -> Sequence[Team]:
        return [t for t in self._sorted() if t.member(account_id) is not None]

    def involving(self, account_id: str, emails: Iterable[str] = ()) -> Sequence[Team]:
        addresses = tuple(emails)
        return [t for t in self._sorted() if involves(t, account_id, addresses)]

    def with_invitation(self, digests: Iterable[TokenDigest]) -> Team | None:
        wanted = set(digests)
        return next(
            (t for t in self._sorted() if any(i.token in wanted for i in t.invitations)), None
        )

    def with_link(self, digests: Iterable[TokenDigest]) -> Team | None:
        wanted = set(digests)
        return next((t for t in self._sorted() if any(ln.token in wanted for ln in t.links)), None)

    def list(self) -> Iterator[Team]:
        return iter(self._sorted())

    def _check(self) -> None:
        base = self._store._teams
        for key, expected in self._expected.items():
            found = base[key].version if key in base else 0
            if expected == 0 and found:
                raise AlreadyExists(kind=_KIND, key=key)
            if found != expected:
                raise ConcurrentUpdate(
                    kind=_KIND, key=key, expected_version=expected, found_version=found
                )

    def _apply(self) -> None:
        self._store._teams.update(self._staged)

    def _discard(self) -> None:
        self._staged.clear()
        self._expected.clear()


class MemoryProgress:
    """The progress store of one memory unit of work (last write wins, like an upsert)."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._store = uow.store
        self._staged: dict[tuple[str, str], CourseProgress] = {}
        self._erased: set[str] = set()

    def __repr__(self) -> str:
        return f"<memory progress staged={len(self._staged)}>"

    def _visible(self) -> dict[tuple[str, str], CourseProgress]:
        every = {**self._store._progress, **self._staged}
        return {k: p for k, p in every.items() if k[0] not in self._erased}

    def erase(self, account_id: str) -> int:
        self._uow._require_open()
        with self._store._lock:
            count = sum(1 for key in self._visible() if key[0] == account_id)
        self._staged = {k: p for k, p in self._staged.items() if k[0] != account_id}
        self._erased.add(account_id)
        return count

    def save(self, progress: CourseProgress) -> CourseProgress:
        self._uow._require_open()
        self._erased.discard(progress.account_id)  # saved after the erasure: kept
        self._staged[(progress.account_id, progress.course_id)] = progress
        return progress

    def get(self, account_id: str, course_id: str) -> CourseProgress | None:
        self._uow._require_open()
        with self._store._lock:
            return self._visible().get((account_id, course_id))

    def for_accounts(self, account_ids: Iterable[str]) -> Sequence[CourseProgress]:
        self._uow._require_open()
        wanted = set(account_ids)
        with self._store._lock:
            found = [p for p in self._visible().values() if p.account_id in wanted]
        return sorted(
            found,
            key=lambda p: (p.account_id, p.enrolled_at.in_timezone("UTC"), p.course_id),
        )

    def _check(self) -> None:
        return None

    def _apply(self) -> None:
        for key in [k for k in self._store._progress if k[0] in self._erased]:
            del self._store._progress[key]
        self._store._progress.update(self._staged)

    def _discard(self) -> None:
        self._staged.clear()
        self._erased.clear()
