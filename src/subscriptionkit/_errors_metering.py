"""The metering errors of :mod:`subscriptionkit.errors` (internal; import them from there)."""

from __future__ import annotations

from collections.abc import Iterable

from ._errors_base import (
    SubscriptionKitError,
    _repr,
)


class MeteringError(SubscriptionKitError):
    """Activity events that cannot be used for metering."""


class InvalidEvent(MeteringError, ValueError):
    """One activity event (or input row) is malformed; ``field`` names the culprit.

    Attributes:
        field: the name of the bad field (``"grade"``, ``"processed_at"``...).
        got: the value given.
        expected: what the field must be, in words.
        index: the row's position in its input (0-based), or ``None`` for a lone event.
        line: for a row read from a file, the file line (1-based, the header is line 1)
            the row starts on, else ``None``; the message then names the line.
    """

    def __init__(
        self,
        *,
        field: str,
        got: object,
        expected: str,
        index: int | None = None,
        line: int | None = None,
    ) -> None:
        self.field = field
        self.got = got
        self.expected = expected
        self.index = index
        self.line = line
        if line is not None:
            where = f"line {line}: "
        else:
            where = f"row {index}: " if index is not None else ""
        super().__init__(f"{where}activity event {field} must be {expected}, got {_repr(got)}")


class InvalidCsv(InvalidEvent):
    """A CSV file of activity events that cannot be read as such: not UTF-8, a header
    without the needed columns or with a column twice, an over-long line, broken quoting.

    Attributes:
        field: what is wrong (``"encoding"``, ``"header"``, ``"line"``, ``"quoting"``).
        got: what was found, in words.
        expected: what the file must be, in words.
        line: the file line (1-based) where the problem was found.
        index: always ``None`` (the problem is the file's, not one event's).
    """

    def __init__(self, *, field: str, got: str, expected: str, line: int) -> None:
        self.field = field
        self.got = got
        self.expected = expected
        self.index: int | None = None
        self.line = line
        MeteringError.__init__(self, f"CSV line {line}: the {field} must be {expected}, got {got}")


class InvalidEventBatch(MeteringError, ValueError):
    """A batch of rows had bad rows; every one is listed, with the good rows counted.

    Attributes:
        errors: the :class:`InvalidEvent` of every bad row, in input order (each has ``index``).
        accepted: how many rows of the batch were good.
    """

    def __init__(self, *, errors: Iterable[InvalidEvent], accepted: int) -> None:
        self.errors: tuple[InvalidEvent, ...] = tuple(errors)
        self.accepted = accepted
        shown = "; ".join(str(e) for e in self.errors[:5])
        more = f"; and {len(self.errors) - 5} more" if len(self.errors) > 5 else ""
        super().__init__(
            f"{len(self.errors)} bad row(s) in a batch of {accepted + len(self.errors)}, "
            f"expected none ({accepted} good row(s) kept): {shown}{more}"
        )
