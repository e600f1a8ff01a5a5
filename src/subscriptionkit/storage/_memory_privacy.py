"""The privacy records of a memory unit of work: consents, requests, pseudonyms (internal)."""

from __future__ import annotations

import datetime as _dt
import secrets
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

from ..clock import instant
from ..errors import NotFound
from ..privacy import Consent, Register, SubjectRequest
from ._privacy_ports import (
    consent_in_force,
    consent_order,
    deadline_order,
    erased_records,
    pseudonym_of,
    request_order,
    require_consent,
    require_request,
    same_record,
)

if TYPE_CHECKING:
    from .memory import MemoryUnitOfWork

R = TypeVar("R", Consent, SubjectRequest)


class PrivacyData:
    """What a memory store keeps for privacy; the key never shows in a ``repr``."""

    def __init__(self) -> None:
        self.consents: dict[str, Consent] = {}
        self.requests: dict[str, SubjectRequest] = {}
        self.key: bytes | None = None
        #: pseudonym -> the moment its subject was erased
        self.erased: dict[str, _dt.datetime] = {}

    def __repr__(self) -> str:
        return f"<privacy data consents={len(self.consents)} requests={len(self.requests)}>"


class _Records(Generic[R]):
    """Consents or requests of one memory unit of work: saves staged until commit."""

    _kind = "record"

    def __init__(self, uow: MemoryUnitOfWork, table: dict[str, R]) -> None:
        self._uow: MemoryUnitOfWork = uow
        self._lock = uow.store._lock
        self._table: dict[str, R] = table
        self._staged: dict[str, R] = {}
        #: ids first saved by this unit of work: checked again at commit
        self._new: set[str] = set()

    def __repr__(self) -> str:
        return f"<memory {self._kind}s staged={len(self._staged)}>"

    def _key(self, record: R) -> str:
        raise NotImplementedError

    def _visible(self) -> dict[str, R]:
        with self._lock:
            return {**self._table, **self._staged}

    def _save(self, record: R) -> R:
        self._uow._require_open()
        key = self._key(record)
        stored = self._visible().get(key)
        self._staged[key] = same_record(self._kind, stored, record)
        if stored is None:
            self._new.add(key)
        return record

    def get(self, key: str) -> R:
        self._uow._require_open()
        found = self._visible().get(key)
        if found is None:
            raise NotFound(kind=self._kind, key=key)
        return found

    def _select(self, keep: Callable[[R], bool], order: Callable[[R], object]) -> list[R]:
        self._uow._require_open()
        return sorted((r for r in self._visible().values() if keep(r)), key=order)  # type: ignore[arg-type]

    def list(self) -> Iterator[R]:
        self._uow._require_open()
        return iter(sorted(self._visible().values(), key=self._key))

    def pseudonymise(self, subject_id: str, pseudonym: str) -> int:
        self._uow._require_open()
        found = [r for r in self._visible().values() if r.subject_id == subject_id]
        for record in erased_records(found, pseudonym):
            self._staged[self._key(record)] = record
        return len(found)

    def _check(self) -> None:
        """An id first saved here that another unit of work committed meanwhile for a
        different record is refused (:func:`same_record`), as a primary key refuses it."""
        for key in self._new:
            same_record(self._kind, self._table.get(key), self._staged[key])

    def _apply(self) -> None:
        self._table.update(self._staged)

    def _discard(self) -> None:
        self._staged.clear()
        self._new.clear()


class MemoryConsents(_Records[Consent]):
    """The consent store of one memory unit of work."""

    _kind = "consent"

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, uow.store._privacy.consents)

    def _key(self, record: Consent) -> str:
        return record.consent_id

    def save(self, consent: Consent) -> Consent:
        return self._save(require_consent(consent))

    def for_subject(self, subject_id: str) -> Sequence[Consent]:
        return self._select(lambda c: c.subject_id == subject_id, consent_order)

    def has_consent(
        self, subject_id: str, purpose: str, *, at: _dt.datetime, register: Register | None = None
    ) -> bool:
        return consent_in_force(self, subject_id, purpose, at, register)


class MemoryRequests(_Records[SubjectRequest]):
    """The request store of one memory unit of work."""

    _kind = "request"

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        super().__init__(uow, uow.store._privacy.requests)

    def _key(self, record: SubjectRequest) -> str:
        return record.request_id

    def save(self, request: SubjectRequest) -> SubjectRequest:
        return self._save(require_request(request))

    def for_subject(self, subject_id: str) -> Sequence[SubjectRequest]:
        return self._select(lambda r: r.subject_id == subject_id, request_order)

    def open_requests(self) -> Sequence[SubjectRequest]:
        return self._select(lambda r: r.is_open, deadline_order)


class MemoryPseudonyms:
    """The pseudonym key and erased subjects of one memory unit of work."""

    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow
        self._data: PrivacyData = uow.store._privacy
        self._lock = uow.store._lock
        self._erased: dict[str, _dt.datetime] = {}

    def __repr__(self) -> str:
        return f"<memory pseudonyms staged={len(self._erased)}>"

    def _current_key(self) -> bytes:
        # Made on first use and kept at once (not staged): pseudonyms written by units of
        # work that commit later must all be under the one key. A key is no personal data.
        with self._lock:
            if self._data.key is None:
                self._data.key = secrets.token_bytes(32)
            return self._data.key

    def pseudonym(self, subject_id: str, *, school_id: str | None = None) -> str:
        self._uow._require_open()
        return pseudonym_of(self._current_key(), subject_id, school_id)

    def record_erasure(
        self, subject_id: str, *, at: _dt.datetime, school_id: str | None = None
    ) -> str:
        pseudonym = self.pseudonym(subject_id, school_id=school_id)
        self._erased.setdefault(pseudonym, instant(at, "at"))
        return pseudonym

    def erased(self, subject_id: str, *, school_id: str | None = None) -> bool:
        return self.erased_pseudonym(subject_id, school_id) is not None

    def erased_pseudonym(self, subject_id: str, school_id: str | None = None) -> str | None:
        """The pseudonym of ``subject_id`` (of ``school_id``) if it was erased (for
        records arriving later)."""
        self._uow._require_open()
        with self._lock:
            if not self._data.erased and not self._erased:
                return None
            pseudonym = pseudonym_of(self._current_key(), subject_id, school_id)
            known = pseudonym in self._data.erased or pseudonym in self._erased
        return pseudonym if known else None

    def _check(self) -> None:
        """Nothing can conflict: the first erasure moment stands."""

    def _apply(self) -> None:
        for pseudonym, at in self._erased.items():
            self._data.erased.setdefault(pseudonym, at)

    def _discard(self) -> None:
        self._erased.clear()
