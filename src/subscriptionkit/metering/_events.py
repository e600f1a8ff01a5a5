"""Activity events, their validation, and idempotent ingestion (internal)."""

from __future__ import annotations

import calendar
import datetime as _dt
import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

import attrs

from .._checks import MAX_ID_LENGTH
from .._checks import identifier as _identifier
from .._iso import moment_fault
from ..clock import instant
from ..errors import InvalidEvent, InvalidEventBatch, InvalidIdentifier

#: Grades ("groepen") of Dutch primary school.
GRADES: Final = frozenset(range(1, 9))


class Category(enum.StrEnum):
    """The three categories of processed data that make a pupil billable (seed 002).

    Members are strings, so ``Category.ENGAGEMENT == "engagement"``. Events may carry any
    other category string (``"login"``, ``"report_viewed"``...): they are accepted and
    stored, but never billed.
    """

    #: "methodeoverstijgende toetsen": tests that are independent of a teaching method.
    CROSS_METHOD_TEST = "cross_method_test"
    #: "leerdoelbeheersing": mastery of learning objectives.
    OBJECTIVE_MASTERY = "objective_mastery"
    #: "betrokkenheid": engagement.
    ENGAGEMENT = "engagement"

    @classmethod
    def _missing_(cls, value: object) -> Category:
        raise _invalid("category", value, f"one of {', '.join(c.value for c in cls)}")


#: The category values that count for billing (the three :class:`Category` members).
BILLABLE_CATEGORIES: Final[frozenset[str]] = frozenset(c.value for c in Category)


def _invalid(field: str, got: object, expected: str, index: int | None = None) -> InvalidEvent:
    return InvalidEvent(field=field, got=got, expected=expected, index=index)


#: What an id must be, in words (the library's one identifier rule, see ``_checks``).
ID_RULE: Final = f"non-empty text of at most {MAX_ID_LENGTH} characters without control characters"


def check_id(field: str, value: object, index: int | None = None) -> str:
    """Return ``value`` as an id by the library's identifier rule (ints become text), with
    no white space before or after it: ids are matched exactly, so ``' p1 '`` and ``'p1'``
    would be two pupils; such an id is refused, never trimmed."""
    try:
        text = _identifier(value, field, allow_int=True)
    except InvalidIdentifier as exc:
        raise _invalid(field, value, f"{ID_RULE} ({exc.problem})", index) from None
    if text != text.strip():  # ' p1 ' and 'p1' would be two pupils, billed twice
        raise _invalid(field, value, f"{ID_RULE}, with no spaces before or after it", index)
    return text


def check_grade(value: object, index: int | None = None) -> int:
    """Return ``value`` as a grade 1–8: an ``int`` (never a ``bool``), or, for rows read
    from text, a string of ASCII digits such as ``"3"`` (full-width digits are refused)."""
    grade: object = value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        grade = int(value)
    if isinstance(grade, int) and not isinstance(grade, bool) and grade in GRADES:
        return grade
    raise _invalid("grade", value, "a grade from 1 to 8", index)


def _strict_grade(value: object) -> int:
    """An event's grade: a real ``int`` 1–8; text is converted by :meth:`ActivityEvent.from_row`."""
    if isinstance(value, int) and not isinstance(value, bool) and value in GRADES:
        return value
    raise _invalid("grade", value, "a grade from 1 to 8")


def check_category(value: object, index: int | None = None) -> str:
    """Return ``value`` as a category string (any non-empty string; billable or not).

    A category is matched exactly: one with white space before or after it is refused, and
    so is one that differs from a billable category only by case or spaces
    (``'Engagement'``, ``' engagement'``), which would otherwise be silently unbilled."""
    if isinstance(value, Category):
        return value.value
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH:
        raise _invalid(
            "category",
            value,
            f"a non-empty string of at most {MAX_ID_LENGTH} characters such as "
            "'cross_method_test', 'objective_mastery' or 'engagement'",
            index,
        )
    written = value.strip().lower()
    if value not in BILLABLE_CATEGORIES and written in BILLABLE_CATEGORIES:
        # 'Engagement' or ' engagement' is not billable: refused, never silently unbilled
        raise _invalid("category", value, f"{written!r} written exactly so", index)
    if value != value.strip():
        raise _invalid("category", value, "a category with no spaces before or after it", index)
    return value


def check_time(value: object, index: int | None = None) -> _dt.datetime:
    """Return ``value`` as an aware datetime; ISO 8601 strings need an offset."""
    moment: object = value
    if isinstance(value, str):
        try:
            moment = _dt.datetime.fromisoformat(value.strip())
        except ValueError:
            moment = None
    if (
        isinstance(moment, _dt.datetime)
        and moment.tzinfo is not None
        and moment.tzinfo.utcoffset(moment) is not None
    ):
        return moment
    if isinstance(value, str):  # name the real fault: a month 13 is no missing offset
        fault = moment_fault(value)
        raise _invalid(
            "processed_at",
            value,
            "an ISO 8601 moment with its UTC offset, such as 2026-03-02T10:00:00+01:00"
            + (f" ({fault})" if fault else ""),
            index,
        )
    if isinstance(moment, _dt.datetime):
        raise _invalid(
            "processed_at", value, "a timezone-aware datetime (naive datetimes are refused)", index
        )
    raise _invalid(
        "processed_at",
        value,
        "a timezone-aware datetime or an ISO 8601 string with an offset",
        index,
    )


def epoch_seconds(moment: _dt.datetime) -> int:
    """Return the whole epoch second an aware datetime falls in (floor, exact).

    Raises:
        InvalidEvent: ``moment`` is not an aware datetime (field ``processed_at``).
    """
    if (
        not isinstance(moment, _dt.datetime)
        or moment.tzinfo is None
        or moment.tzinfo.utcoffset(moment) is None
    ):
        raise _invalid("processed_at", moment, "a timezone-aware datetime")
    # timegm of the UTC wall clock drops the microseconds: a floor, exact for any year.
    return calendar.timegm(moment.utctimetuple())


def _event_id(value: object) -> str:
    return check_id("event_id", value)


def _school_id(value: object) -> str:
    return check_id("school_id", value)


def _pupil_id(value: object) -> str:
    return check_id("pupil_id", value)


@attrs.frozen
class ActivityEvent:
    """One piece of data processed for one pupil: the input to metering.

    Attributes:
        event_id: unique id of the event; ingesting the same id twice counts once.
        school_id: the school (customer) the pupil belongs to.
        pupil_id: the pupil, unique within the school.
        grade: the pupil's grade (1–8) when the data was processed.
        category: what kind of data; see :class:`Category`. Other strings are kept but
            never billed.
        processed_at: when the data was processed; timezone-aware.

    Raises:
        InvalidEvent: a field is missing or malformed; ``err.field`` names it.

    >>> import datetime as dt
    >>> e = ActivityEvent("e1", "school-1", "p1", 3, "engagement",
    ...                   dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    >>> e.billable
    True
    >>> ActivityEvent("e2", "school-1", "p1", 9, "engagement", e.processed_at)
    Traceback (most recent call last):
    ...
    subscriptionkit.errors.InvalidEvent: activity event grade must be a grade from 1 to 8, got 9
    """

    event_id: str = attrs.field(converter=_event_id)
    school_id: str = attrs.field(converter=_school_id)
    pupil_id: str = attrs.field(converter=_pupil_id)
    grade: int = attrs.field(converter=_strict_grade)
    category: str = attrs.field(converter=check_category)
    # Compared (and hashed) as an instant: 02:30+02:00 and 02:30+01:00 on the night the
    # clocks go back are an hour apart, though Python's == on one zone calls them equal.
    processed_at: _dt.datetime = attrs.field(converter=check_time, eq=instant)

    @classmethod
    def from_row(
        cls, row: Sequence[Any] | Mapping[str, Any], index: int | None = None
    ) -> ActivityEvent:
        """Build an event from a row: a mapping with the field names, or a sequence in
        field order (``event_id, school_id, pupil_id, grade, category, processed_at``).

        Rows come from text as often as not, so a grade may be a string of ASCII digits
        (``"3"``); the constructor takes only an ``int``.

        Args:
            row: the row.
            index: the row's position in its input, put on the error.

        Raises:
            InvalidEvent: the row is neither a mapping nor a sequence (field ``row``), or a
                field is missing or malformed (with ``index``).
        """
        values: list[Any] = []
        if isinstance(row, ActivityEvent):
            return row
        if not isinstance(row, Mapping | Sequence) or isinstance(row, str | bytes):
            raise _invalid(
                "row",
                row,
                f"an ActivityEvent, a mapping or a sequence of {', '.join(FIELDS)}",
                index,
            )
        if isinstance(row, Mapping):
            for name in FIELDS:
                if name not in row:
                    raise _invalid(name, None, f"present (the row has no {name!r})", index)
                values.append(row[name])
        else:
            if len(row) != len(FIELDS):
                raise _invalid("row", row, f"{len(FIELDS)} values ({', '.join(FIELDS)})", index)
            values = list(row)
        values[3] = check_grade(values[3], index)
        try:
            return cls(*values)
        except InvalidEvent as exc:
            if index is None:
                raise
            raise InvalidEvent(
                field=exc.field, got=exc.got, expected=exc.expected, index=index
            ) from None

    @property
    def billable(self) -> bool:
        """Whether the event's category is one of the three billable ones."""
        return self.category in BILLABLE_CATEGORIES

    @property
    def epoch(self) -> int:
        """The whole epoch second of :attr:`processed_at`."""
        return epoch_seconds(self.processed_at)


#: The fields of an event, in row order.
FIELDS: Final = ("event_id", "school_id", "pupil_id", "grade", "category", "processed_at")


@attrs.frozen
class IngestResult:
    """What :meth:`EventLog.ingest_rows` did with a batch.

    Attributes:
        accepted: rows stored as new events.
        duplicates: rows whose event id was already stored with the same content (ignored).
        rejected: ``(index, error)`` for every bad row, in input order. A row that reuses a
            stored event id with different content is rejected too (field ``event_id``).
    """

    accepted: int
    duplicates: int
    rejected: tuple[tuple[int, InvalidEvent], ...]

    @property
    def ok(self) -> bool:
        """Whether no row was rejected."""
        return not self.rejected

    def raise_for_errors(self) -> None:
        """Raise :class:`InvalidEventBatch` listing every rejected row, if any.

        Raises:
            InvalidEventBatch: at least one row was rejected.
        """
        if self.rejected:
            raise InvalidEventBatch(
                errors=[e for _, e in self.rejected], accepted=self.accepted + self.duplicates
            )


def reused_id(
    event_id: str,
    index: int | None = None,
    *,
    line: int | None = None,
    first_line: int | None = None,
) -> InvalidEvent:
    """The error for an event id already used by a different event.

    One error for every place that keeps events by id (:class:`EventLog`, the activity
    stores and the readers of the ``meter`` command): a redelivered event equal to the
    stored one (its moment compared as an instant, see
    :func:`~subscriptionkit.clock.instant`) is skipped; any difference, an hour on the
    night the clocks go back included, is this error. Read from a file, ``line`` is the
    file line of the second event and ``first_line`` that of the first.
    """
    first = "" if first_line is None else f" (line {first_line} has another event with it)"
    return InvalidEvent(
        field="event_id",
        got=event_id,
        expected=f"an id not already used by a different event{first}",
        index=index,
        line=line,
    )


@attrs.define
class EventLog:
    """An in-memory, idempotent store of activity events, keyed by event id.

    Ingesting an event whose id is already stored is a no-op if the content is the same
    (redelivery), and an error if it differs (two different events may not share an id).

    >>> import datetime as dt
    >>> log = EventLog()
    >>> at = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    >>> log.ingest([ActivityEvent("e1", "s1", "p1", 3, "engagement", at)] * 2)
    1
    >>> r = log.ingest_rows([("e2", "s1", "p2", 4, "engagement", at),
    ...                      ("e3", "s1", "", 4, "engagement", at)])
    >>> r.accepted, [(i, e.field) for i, e in r.rejected], len(log)
    (1, [(1, 'pupil_id')], 2)
    """

    _events: dict[str, ActivityEvent] = attrs.field(factory=dict, init=False)

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[ActivityEvent]:
        return iter(self._events.values())

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._events

    def _add(self, event: ActivityEvent, index: int | None) -> bool:
        known = self._events.get(event.event_id)
        if known is None:
            self._events[event.event_id] = event
            return True
        if known == event:
            return False
        raise reused_id(event.event_id, index)

    def ingest(self, events: Iterable[ActivityEvent]) -> int:
        """Store events; return how many were new.

        Raises:
            InvalidEvent: an item is not an :class:`ActivityEvent`, or reuses a stored id
                with different content. Events before it are kept.
        """
        new = 0
        for index, event in enumerate(_iterable(events, "events")):
            if not isinstance(event, ActivityEvent):
                raise InvalidEvent(
                    field="event", got=event, expected="an ActivityEvent", index=index
                )
            new += self._add(event, index)
        return new

    def ingest_rows(self, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> IngestResult:
        """Validate and store rows; keep the good ones, report every bad one by index.

        This never raises for bad rows: call :meth:`IngestResult.raise_for_errors` to turn
        rejections into an :class:`InvalidEventBatch`.

        Args:
            rows: mappings with the field names or sequences in :data:`FIELDS` order.
        """
        accepted = duplicates = 0
        rejected: list[tuple[int, InvalidEvent]] = []
        for index, row in enumerate(_iterable(rows, "rows")):
            try:
                event = ActivityEvent.from_row(row, index)
                if self._add(event, index):
                    accepted += 1
                else:
                    duplicates += 1
            except InvalidEvent as exc:
                rejected.append((index, exc))
        return IngestResult(accepted, duplicates, tuple(rejected))


def _iterable(value: object, name: str) -> Iterable[Any]:
    """``value`` if it can be iterated (not text); else the error naming the argument."""
    if isinstance(value, str | bytes | Mapping) or not hasattr(value, "__iter__"):
        raise InvalidEvent(field=name, got=value, expected="an iterable of events or rows")
    return value
