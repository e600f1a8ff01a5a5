"""Storing the events of a CSV file: one rule for every store (internal).

:func:`add_csv` reads the file the way :func:`~subscriptionkit.metering.read_events_csv`
does and hands the events to the store's ``add``; a store that can take whole columns
(PostgreSQL) passes ``columnar``, which gets the file as a pyarrow table when the
columnar reader can read it exactly as the streaming one would (the ``arrow`` extra).
Any other file streams through the row reader, whose errors name the line.
"""

from __future__ import annotations

import array
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from ..errors import InvalidEvent, InvalidInput
from ..metering import ActivityEvent
from ..metering._csv import at_line, numbered_rows

#: What a store does with the events it reads.
Add = Callable[[Iterable[ActivityEvent]], int]


def add_csv(
    source: str | os.PathLike[str] | IO[bytes],
    add: Add,
    *,
    progress: Callable[[int], None] | None = None,
    columnar: Callable[[Any], int] | None = None,
) -> int:
    """Read ``source`` and store its events through ``add`` (or ``columnar``).

    Raises:
        InvalidInput: ``source`` is neither a path nor a binary file, cannot be opened, or
            ``progress`` is not callable.
        InvalidCsv, InvalidEvent: the file is not an event CSV file, or a row reuses the
            id of a different event; the error names the row's file line, whatever
            reported it (the reader or the store).
    """
    from ..metering import _arrow
    from ..metering._count_csv import _opened, _Progress, _seekable

    if progress is not None and not callable(progress):
        raise InvalidInput(
            f"progress must be a function of the bytes read, got {type(progress).__name__}"
        )
    if isinstance(source, os.PathLike):
        source = Path(source)
    with _opened(source) as stream:
        if columnar is not None and _arrow.available() and _seekable(stream):
            table = _arrow.read_event_table(stream, progress=progress)
            if table is not None:
                try:
                    return columnar(table)
                except InvalidEvent as exc:
                    if exc.line is not None or exc.index is None:
                        raise
                    stream.seek(0)  # the table holds the file's rows in order
                    line = next(itertools.islice(numbered_rows(stream), exc.index, None))[0]
                    raise at_line(exc, line) from None
            stream.seek(0)
        #: The file line of each row handed to ``add``, by its position (4 bytes a row).
        lines = array.array("L")

        def events() -> Iterator[ActivityEvent]:
            for line, row in numbered_rows(
                cast(IO[bytes], _Progress(stream, progress)) if progress is not None else stream
            ):
                lines.append(line)
                yield ActivityEvent.from_row(row)

        try:
            return add(events())
        except InvalidEvent as exc:
            if exc.line is not None or exc.index is None or exc.index >= len(lines):
                raise
            raise at_line(exc, lines[exc.index]) from None
