"""The columnar CSV reader: pyarrow reads, numpy counts (internal; the ``arrow`` extra).

It reads a file of events as whole columns with pyarrow's multi-threaded CSV reader and
checks them with vectorised kernels, applying the same rules as the streaming reader
(:func:`~subscriptionkit.metering.read_events_csv`). It accepts a *subset* of what that
reader accepts, giving the same values: when a file holds anything it does not handle
exactly as the streaming reader would (a value it would refuse, an odd time format, a row
with more or fewer values than the header, a line over its block size, a file that is not UTF-8),
it returns ``None`` and the caller reads the file again with the streaming reader, which
either accepts it or raises the exact error with its line. So both readers honour the one
set of rules, and errors always name a line.

pyarrow and numpy are imported when :func:`read_columns` is called, never at import time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, Final

import attrs

from .._checks import MAX_ID_LENGTH
from ..errors import InvalidEvent
from ._csv import MAX_LINE, _lines, parse_header
from ._events import BILLABLE_CATEGORIES, FIELDS, check_category, check_grade, check_id

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Bytes per pyarrow block for a file with columns besides the six read. A row longer than
#: this makes pyarrow fail, and the file goes to the streaming reader; it also keeps every
#: field, the unread ones too, under the ``csv`` module's limit (131,072 characters), so
#: both readers refuse the same over-long fields.
BLOCK_SIZE: Final = 1 << 16
#: Bytes per block for a file of exactly the six columns (fewer, larger blocks read faster
#: and need no merging of dictionaries): every field is then read and checked, and no
#: value the checks let through is longer than :data:`MAX_ID_LENGTH` characters (longer
#: grades go to the streaming reader), far below the ``csv`` module's limit. At most
#: :data:`MAX_LINE`, so a longer line still goes to the streaming reader.
WIDE_BLOCK_SIZE: Final = 1 << 20
#: Ids pyarrow may pass without asking Python: printable ASCII without spaces, this long.
_PLAIN_ID_LENGTH: Final = 64


@attrs.frozen
class EventColumns:
    """Validated event columns, encoded as integers for the numpy engine.

    Attributes:
        schools: the school ids, indexed by ``school``'s codes.
        school: per event, the code of its school (int64).
        pupils: per event, its pupil id (a checked pyarrow string array); numbered by
            :meth:`pupil_codes` for the events that count only.
        grade: per event, its grade 1–8 (int64).
        category: per event, a code of its category (int64).
        billable: the category codes that are billable.
        epoch: per event, the whole UTC epoch second it was processed in (int64).
        one_event_per_id: the last check, left to the caller: whether no event id is
            reused by a different event (``False``: the streaming reader must read the
            file and name the lines). Numpy and pyarrow release the GIL as it runs, so
            the caller can count in one thread while it checks in another.
    """

    schools: tuple[str, ...]
    school: npt.NDArray[np.int64]
    pupils: Any
    grade: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    billable: frozenset[int]
    epoch: npt.NDArray[np.int64]
    one_event_per_id: Callable[[], bool] = attrs.field(eq=False, repr=False)

    def pupil_codes(self, keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
        """Codes of the pupil ids of the events where ``keep`` is true, in order: equal
        for equal ids, from 0 up. Hashing a million ids is the reader's dearest step, so
        only the events that count are numbered."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        # The mask goes to pyarrow as a bitmap buffer: converting a numpy array with
        # pa.array would import pandas.
        bits = np.packbits(keep, bitorder="little")
        mask = pa.Array.from_buffers(pa.bool_(), len(keep), [None, pa.py_buffer(bits)])
        return _codes(pc.dictionary_encode(pc.filter(self.pupils, mask)))


def available() -> bool:
    """Whether pyarrow and numpy can be imported (the ``arrow`` extra)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("pyarrow", "numpy"))


def read_columns(
    stream: IO[bytes], *, progress: Callable[[int], None] | None = None
) -> EventColumns | None:
    """Read a whole CSV file of events as columns, or ``None`` to leave it to the
    streaming reader (see the module docstring).

    Args:
        stream: the file, binary, seekable, at its start.
        progress: called with the number of bytes read so far, as reading goes.

    Raises:
        InvalidCsv: the header line is unusable (the same error the streaming reader
            raises for it).
    """
    import pyarrow as pa

    # Schools, grades and categories repeat: pyarrow hashes them while it parses, in
    # parallel. Pupil ids are read as text and numbered once afterwards: hashed block by
    # block, nearly every id is new, and merging the blocks' dictionaries costs more than
    # the reading. Times are parsed as ISO 8601 with an offset (a naive time fails).
    coded = pa.dictionary(pa.int32(), pa.string())
    types = [pa.string(), coded, pa.string(), coded, coded, pa.timestamp("us", tz="UTC")]
    columns = _read(stream, types, progress)
    return None if columns is None else _validate(*columns)


#: The shapes of times the columnar reader stores itself: ``...T10:00:00+01:00``, with six
#: fraction digits or none, ``Z`` or an offset; rewritten as :meth:`datetime.isoformat`
#: writes the parsed value (``Z`` as ``+00:00``, a zero fraction dropped). Any other shape
#: goes to the streaming reader.
_CANONICAL_TIME: Final = (
    r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{6})?"
    r"(Z|\+([01][0-9]|2[0-3]):[0-5][0-9]|-(0[0-9]|1[0-9]|2[0-3]):([0-5][1-9]|[1-5]0)"
    r"|-(0[1-9]|1[0-9]|2[0-3]):00)$"
)


def read_event_table(
    stream: IO[bytes], *, progress: Callable[[int], None] | None = None
) -> Any | None:
    """Read a whole CSV file of events as a pyarrow table of the values to store, or
    ``None`` to leave it to the streaming reader (see the module docstring).

    The table has the columns ``event_id, school_id, pupil_id`` (text), ``grade``
    (int16), ``category`` (text), ``processed_epoch`` (int64, the whole UTC epoch second,
    floor) and ``processed_at`` (text, as :meth:`datetime.isoformat` writes the time the
    streaming reader parses), in file order: row for row what
    :class:`~subscriptionkit.metering.ActivityEvent` would hold for each line.

    Args:
        stream: the file, binary, seekable, at its start.
        progress: called with the number of bytes read so far, as reading goes.

    Raises:
        InvalidCsv: the header line is unusable.
    """
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    coded = pa.dictionary(pa.int32(), pa.string())
    types = [pa.string(), coded, pa.string(), coded, coded, pa.string()]
    columns = _read(stream, types, progress)
    if columns is None:
        return None
    event_ids, schools, pupils, grades, categories, moments = columns
    if not (_ids_ok(event_ids, "event_id") and _ids_ok(pupils, "pupil_id")):
        return None
    try:
        for s in schools.dictionary.to_pylist():
            check_id("school_id", s)
        grade_values = [check_grade(g) for g in grades.dictionary.to_pylist()]
        for c in categories.dictionary.to_pylist():
            check_category(c)
    except InvalidEvent:
        return None  # the streaming reader names the line
    # The times are rewritten in a second thread while they are checked in this one
    # (pyarrow's kernels release the GIL): the rewrite is the dearest step after the read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        written = pool.submit(_written_times, moments)
        if not pc.all(pc.match_substring_regex(moments, _CANONICAL_TIME)).as_py():
            return None
        try:
            epoch_us = pc.cast(moments, pa.timestamp("us", tz="UTC")).cast(pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        grade = np.asarray(grade_values, dtype=np.int16)[_codes(grades)]
        epoch = _numpy(epoch_us, "int64") // 1_000_000  # floor, as epoch_seconds
        return pa.table(
            {
                "event_id": event_ids,
                "school_id": schools.cast(pa.string()),
                "pupil_id": pupils,
                "grade": pa.array(grade),
                "category": categories.cast(pa.string()),
                "processed_epoch": pa.array(epoch),
                "processed_at": written.result(),
            }
        )


def _written_times(moments: Any) -> Any:
    """Times of the checked shape (:data:`_CANONICAL_TIME`) as :meth:`datetime.isoformat`
    writes them: literal replacements, a third of the regular expressions' time (in a time
    of that shape ".000000" can only be a zero fraction and "Z" only its end)."""
    import pyarrow.compute as pc

    return pc.replace_substring(pc.replace_substring(moments, ".000000", ""), "Z", "+00:00")


def _read(
    stream: IO[bytes], types: list[Any], progress: Callable[[int], None] | None
) -> list[Any] | None:
    """The six columns in :data:`~subscriptionkit.metering.FIELDS` order, read with
    ``types``, each one array; ``None`` where pyarrow cannot read the file as given."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    first = next(_lines(stream, MAX_LINE), None)
    if first is None:
        return None  # the streaming reader names the empty file
    header = parse_header(first)
    stream.seek(0)
    names = [f"c{i}" for i in range(_width(first, header.separator))]
    wanted = [names[i] for i in header.positions]
    block = WIDE_BLOCK_SIZE if len(names) == len(FIELDS) else BLOCK_SIZE
    try:
        table = pcsv.read_csv(
            _Counting(stream, progress) if progress is not None else stream,
            read_options=pcsv.ReadOptions(
                skip_rows=1, column_names=names, block_size=block, encoding="utf8"
            ),
            parse_options=pcsv.ParseOptions(delimiter=header.separator, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                include_columns=wanted,
                column_types=dict(zip(wanted, types, strict=True)),
                null_values=[],  # an empty time is an error, not a missing value
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        table = table.unify_dictionaries()
        columns = [table.column(n).combine_chunks() for n in wanted]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # not plain enough: the streaming reader decides
    if any(c.null_count for c in columns) or any(
        _longest(c.dictionary) > MAX_ID_LENGTH for c in columns if pa.types.is_dictionary(c.type)
    ):
        return None  # a long grade may pass its check, but not the ``csv`` module's limit
    return columns


def _longest(values: Any) -> int:
    """The length of the longest of some pyarrow strings, in characters (0 for none)."""
    import pyarrow.compute as pc

    lengths = _numpy(pc.utf8_length(values), "int32")
    return int(lengths.max()) if len(lengths) else 0


def _width(line: str, separator: str) -> int:
    import csv

    return len(next(csv.reader([line.rstrip("\r\n")], delimiter=separator)))


def _validate(
    event_ids: Any, schools: Any, pupils: Any, grades: Any, categories: Any, moments: Any
) -> EventColumns | None:
    import numpy as np
    import pyarrow as pa

    if not (_ids_ok(event_ids, "event_id") and _ids_ok(pupils, "pupil_id")):
        return None
    try:
        school_names = tuple(check_id("school_id", s) for s in schools.dictionary.to_pylist())
        grade_values = [check_grade(g) for g in grades.dictionary.to_pylist()]
        category_values = [check_category(c) for c in categories.dictionary.to_pylist()]
    except InvalidEvent:
        return None  # the streaming reader names the line
    epoch_us = _numpy(moments.cast(pa.int64()), "int64")
    school = _codes(schools)
    grade = np.asarray(grade_values, dtype=np.int64)[_codes(grades)]
    category = _codes(categories)
    return EventColumns(
        schools=school_names,
        school=school,
        pupils=pupils,
        grade=grade,
        category=category,
        billable=frozenset(i for i, c in enumerate(category_values) if c in BILLABLE_CATEGORIES),
        epoch=epoch_us // 1_000_000,  # floor, as epoch_seconds
        one_event_per_id=functools.partial(
            _one_event_per_id, event_ids, pupils, (school, grade, category, epoch_us)
        ),
    )


def _one_event_per_id(
    event_ids: Any, pupils: Any, others: tuple[npt.NDArray[np.int64], ...]
) -> bool:
    """Whether no event id is reused by a different event (the rule of
    :func:`~subscriptionkit.metering._events.reused_id`; a row equal to an earlier one
    with its id is a redelivery, harmless to counting).

    The ids are hashed and sorted in numpy; rows whose hashes meet (if any) are compared
    exactly, id and event (``others``: codes of equal values, the moment in epoch
    microseconds), so a collision of hashes never decides anything.
    """
    import numpy as np
    import pyarrow.compute as pc

    if len(event_ids) < 2:
        return True
    hashes = _hash_strings(event_ids)
    ordered = np.sort(hashes)  # a plain sort is far faster than argsort: try it first
    if not (ordered[1:] == ordered[:-1]).any():
        return True
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    # Each pair of neighbours whose hashes are equal: a later row and an earlier one.
    later, earlier = order[same + 1], order[same]
    if not pc.all(
        pc.equal(event_ids.take(_arrow_ints(later)), event_ids.take(_arrow_ints(earlier)))
    ).as_py():
        # A collision, or three rows where the middle one differs: decided row by row.
        return _one_event_per_id_slowly(event_ids, pupils, others, np.union1d(later, earlier))
    if not pc.all(
        pc.equal(pupils.take(_arrow_ints(later)), pupils.take(_arrow_ints(earlier)))
    ).as_py():
        return False
    return all(bool((column[later] == column[earlier]).all()) for column in others)


def _one_event_per_id_slowly(
    event_ids: Any, pupils: Any, others: tuple[npt.NDArray[np.int64], ...], rows: Any
) -> bool:
    """:func:`_one_event_per_id` for the few ``rows`` whose id hashes meet, in Python."""
    seen: dict[str, tuple[object, ...]] = {}
    ids = event_ids.take(_arrow_ints(rows)).to_pylist()
    names = pupils.take(_arrow_ints(rows)).to_pylist()
    values = [column[rows].tolist() for column in others]
    for i, event_id in enumerate(ids):
        event = (names[i], *(v[i] for v in values))
        if seen.setdefault(event_id, event) != event:
            return False
    return True


def _arrow_ints(values: npt.NDArray[np.int64]) -> Any:
    """A pyarrow int64 array over the buffer of a numpy one (``pa.array`` of a numpy
    array would import pandas, see :func:`_numpy`)."""
    import numpy as np
    import pyarrow as pa

    data = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(data), [None, pa.py_buffer(data)])


#: An odd 64-bit multiplier (the golden ratio's) for :func:`_hash_strings`.
_MIX: Final = 0x9E3779B97F4A7C15


def _hash_strings(values: Any) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each string of a pyarrow string array: its length, then its bytes
    eight at a time, each word multiplied in and folded. Equal strings hash equal."""
    import numpy as np

    offsets = np.frombuffer(
        values.buffers()[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
    )
    lengths = np.diff(offsets)
    end = int(offsets[-1])
    padded = np.zeros(end + 8, dtype=np.uint8)
    padded[:end] = np.frombuffer(values.buffers()[2], dtype=np.uint8, count=end)
    # Every eight bytes from each offset as one (unaligned) 64-bit word.
    words = np.ndarray((end + 1,), dtype=np.uint64, buffer=padded, strides=(1,))
    mix = np.uint64(_MIX)
    out: npt.NDArray[np.uint64] = lengths.astype(np.uint64) * mix
    starts = offsets[:-1]
    for at in range(0, int(lengths.max(initial=0)), 8):
        word = words[np.minimum(starts + at, end)]  # a string ended: masked to 0 below
        left = lengths - at
        short = left < 8
        if short.any():  # keep only the string's own bytes (little-endian: the low ones)
            bits = np.clip(left, 0, 7).astype(np.uint64) * np.uint64(8)
            word = np.where(short, word & ((np.uint64(1) << bits) - np.uint64(1)), word)
        out = (out ^ word) * mix
        out ^= out >> np.uint64(31)
    return out


def _codes(encoded: Any) -> npt.NDArray[np.int64]:
    import numpy as np

    out: npt.NDArray[np.int64] = _numpy(encoded.indices, "int32").astype(np.int64)
    return out


def _numpy(array: Any, dtype: str) -> Any:
    """A numpy view of a pyarrow array of fixed-width numbers without nulls.

    ``Array.to_numpy`` (and any conversion of Python values to Arrow) imports pandas when
    it is installed, a third of a second the command would wait for.
    """
    import numpy as np

    assert array.null_count == 0
    assert array.type.bit_width == 8 * np.dtype(dtype).itemsize
    return np.frombuffer(
        array.buffers()[1],
        dtype=dtype,
        count=len(array),
        offset=array.offset * np.dtype(dtype).itemsize,
    )


def _ids_ok(values: Any, field: str) -> bool:
    """Whether every id passes ``check_id``: plain ones in bulk, the rest one by one."""
    import pyarrow.compute as pc

    if _all_plain(values):
        return True
    plain = pc.and_(
        pc.and_(pc.string_is_ascii(values), pc.ascii_is_printable(values)),
        pc.invert(pc.match_substring(values, " ")),
    )
    # The lengths are checked in numpy: comparing with a Python number would convert it,
    # and pyarrow's conversions import pandas.
    lengths = _numpy(pc.utf8_length(values), "int32")
    odd_length = (lengths == 0) | (lengths > _PLAIN_ID_LENGTH)
    all_plain = bool(pc.all(plain).as_py())
    if all_plain and not odd_length.any():
        return True
    others = set() if all_plain else set(pc.filter(values, pc.invert(plain)).unique().to_pylist())
    if odd_length.any():
        others.update(values.take(odd_length.nonzero()[0]).to_pylist())
    try:
        for value in others:
            check_id(field, value)
    except InvalidEvent:
        return False
    return True


def _all_plain(values: Any) -> bool:
    """Whether every string is 1 to :data:`_PLAIN_ID_LENGTH` bytes of printable ASCII
    without spaces (``!`` to ``~``): two passes over the array's offsets and bytes."""
    import numpy as np
    import pyarrow as pa

    if values.type != pa.string() or values.null_count or not len(values):
        return False
    offsets = np.frombuffer(
        values.buffers()[1], dtype=np.int32, count=len(values) + 1, offset=values.offset * 4
    )
    lengths = np.diff(offsets)
    if lengths.min() < 1 or lengths.max() > _PLAIN_ID_LENGTH:
        return False
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return bool(data.min() >= ord("!") and data.max() <= ord("~"))


class _Counting:
    """A binary file that reports how many bytes were read from it."""

    def __init__(self, stream: IO[bytes], progress: Callable[[int], None]) -> None:
        self._stream = stream
        self._progress = progress
        self._done = 0
        self.closed = False

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self._done += len(data)
        self._progress(self._done)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
