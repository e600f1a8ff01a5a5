"""Counting straight from a CSV file: the fastest reader and engine installed (internal)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import os
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal, cast

from .._checks import accepts, items
from ..clock import DEFAULT_TIMEZONE
from ..errors import InvalidArgument, InvalidInput
from ..plans import PupilPlan
from ._csv import EventRow, numbered_rows, unique_rows
from ._engine import CountTable
from ._usage import MonthlyCounts, monthly_counts
from ._window import CountMoment, Month, Timeline

if TYPE_CHECKING:
    from ._arrow import EventColumns

Reader = Literal["auto", "arrow", "python"]


@accepts(
    plan=(PupilPlan, "a PupilPlan"),
    policy=(CountMoment, "a CountMoment"),
    school_id=(str, "a school id (str)"),
    reader=(str, "'auto', 'arrow' or 'python'"),
)
def count_csv(
    source: str | Path | IO[bytes],
    plan: PupilPlan,
    months: Iterable[Month],
    *,
    tz: str | _dt.tzinfo = DEFAULT_TIMEZONE,
    policy: CountMoment | None = None,
    school_id: str | None = None,
    progress: Callable[[int], None] | None = None,
    reader: Reader = "auto",
) -> MonthlyCounts:
    """Count billable pupils per school, month and band from a CSV file of events.

    The same counts as :func:`monthly_counts` over :func:`read_events_csv` of the file,
    and the same errors, but fast: with the ``arrow`` extra installed, a file on disk is
    read as whole columns by pyarrow's multi-threaded CSV reader and counted by the numpy
    engine; a file that reader cannot take exactly as :func:`read_events_csv` would (odd
    values, a bad row, another encoding) is read again by :func:`read_events_csv`, which
    names the line of any error. Without the extra, or from a pipe, the file streams
    through :func:`read_events_csv`, keeping only each event id's first event.

    Event ids follow the rule of :class:`EventLog` and the stores: a row repeating an
    earlier event exactly (same id, same values, the moment as an instant) is a
    redelivery and counts once; a row reusing the id of a different event is refused,
    naming its line and the earlier one's.

    Args:
        source: a path, or a file opened in binary mode (``sys.stdin.buffer``).
        plan: the plan; its grades filter and its bands group.
        months: consecutive, ascending months.
        tz: the customer's time zone.
        policy: when months are counted.
        school_id: count this school only (every row is still checked).
        progress: called with the number of bytes read so far, as reading goes (for a
            progress bar; the total is the file's size).
        reader: ``"auto"`` (columnar when possible), ``"arrow"`` (columnar; the
            ``arrow`` extra must be installed) or ``"python"`` (streaming).

    Raises:
        InvalidCsv: the file is not UTF-8 CSV with the needed header (with its line).
        InvalidEvent: a row is malformed, or reuses the id of a different event (with
            its line).
        InvalidInput: the file cannot be opened, ``reader`` is unknown, or ``"arrow"``
            was asked without the extra.

    >>> import io
    >>> from subscriptionkit import plans
    >>> data = b"event_id;school_id;pupil_id;grade;category;processed_at\\r\\n"
    >>> data += b"e1;s1;p1;3;engagement;2026-03-02T10:00:00+01:00\\r\\n"
    >>> counts = count_csv(io.BytesIO(data), plans.default_catalog()["focus-po-1-8"],
    ...                    [Month(2026, 3)])
    >>> counts.count("s1", Month(2026, 3))
    1
    """
    from . import _arrow

    if reader not in ("auto", "arrow", "python"):
        raise InvalidInput(f"reader must be 'auto', 'arrow' or 'python', got {reader!r}")
    if reader == "arrow" and not _arrow.available():
        raise InvalidInput(
            "reader='arrow' needs pyarrow and numpy, which are not installed; expected "
            "them installed: pip install 'subscriptionkit[arrow]'"
        )
    if progress is not None and not callable(progress):
        raise InvalidArgument(
            name="progress", expected="a function of the bytes read", got=progress
        )
    months = items(months, "months", "an iterable of Month")
    with _opened(source) as stream:
        if reader != "python" and _arrow.available() and _seekable(stream):
            columns = _arrow.read_columns(stream, progress=progress)
            if columns is not None:
                counts = _counted_while_checked(
                    columns, lambda: _count_columns(columns, plan, months, tz, policy, school_id)
                )
                if counts is not None:
                    return counts
            stream.seek(0)  # the streaming reader names the line at fault
        numbered = numbered_rows(
            cast(IO[bytes], _Progress(stream, progress)) if progress is not None else stream
        )
        rows: Iterator[EventRow] = (row for _, row in unique_rows(numbered))
        if school_id is not None:
            rows = (r for r in rows if r.school_id == school_id)
        return monthly_counts(rows, plan, months, tz=tz, policy=policy)


@contextlib.contextmanager
def _opened(source: str | Path | IO[bytes]) -> Iterator[IO[bytes]]:
    if isinstance(source, str | Path):
        try:
            stream = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise InvalidInput(
                f"cannot read the CSV file {os.fspath(source)!r} ({exc.strerror}); "
                "expected a readable file"
            ) from None
        with stream:
            yield stream
    elif hasattr(source, "read"):
        yield source
    else:
        raise InvalidInput(f"source must be a path or a binary file, got {type(source).__name__}")


def _seekable(stream: IO[bytes]) -> bool:
    try:
        return bool(stream.seekable()) and stream.tell() == 0
    except (AttributeError, OSError):
        return False


class _Progress:
    """A binary stream that reports the bytes read so far (for the streaming reader)."""

    def __init__(self, stream: IO[bytes], progress: Callable[[int], None]) -> None:
        self._stream = stream
        self._progress = progress
        self._done = 0

    def readline(self, size: int = -1) -> bytes:
        line = self._stream.readline(size)
        self._done += len(line)
        if not line or self._done >> 16 != (self._done - len(line)) >> 16:  # every 64 KiB
            self._progress(self._done)
        return line


def _counted_while_checked(
    columns: EventColumns, count: Callable[[], MonthlyCounts]
) -> MonthlyCounts | None:
    """``count()`` in this thread while a second one runs the columns' last check (no
    event id reused by a different event; numpy and pyarrow release the GIL, so both
    cores work): the counts, or ``None`` when the check fails."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        distinct = pool.submit(columns.one_event_per_id)
        counts = count()
        return counts if distinct.result() else None


def _count_columns(
    columns: object,
    plan: PupilPlan,
    months: tuple[Month, ...],
    tz: str | _dt.tzinfo,
    policy: CountMoment | None,
    school_id: str | None,
) -> MonthlyCounts:
    from ._arrow import EventColumns
    from ._fast import count_arrays, counting  # the numpy engine's entries

    assert isinstance(columns, EventColumns)
    timeline = Timeline.build(months, tz, policy)
    # The events that count, first: only their pupil ids are numbered.
    keep = counting(
        timeline,
        columns.grade,
        columns.category,
        columns.epoch,
        allowed_grades=plan.grades,
        billable=columns.billable,
    )
    if school_id is not None:
        code = columns.schools.index(school_id) if school_id in columns.schools else -1
        keep &= columns.school == code
    table = count_arrays(
        timeline,
        columns.school[keep],
        columns.pupil_codes(keep),
        columns.grade[keep],
        columns.category[keep],
        columns.epoch[keep],
        allowed_grades=plan.grades,
        by_grade=len(plan.bands) > 1,
        billable=columns.billable,
    )
    names = columns.schools
    named = CountTable(
        table.months,
        {names[_code(c)]: row for c, row in table.totals.items()},
        None if table.by_grade is None else {names[_code(c)]: g for c, g in table.by_grade.items()},
    )
    return MonthlyCounts.from_table(named, plan)


def _code(value: Hashable) -> int:
    assert isinstance(value, int)  # the engine keys schools by the codes it was given
    return value
