"""Event CSV files for the reader tests: plain rows and the odd values readers must agree on."""

from __future__ import annotations

import codecs
import random
from collections.abc import Sequence

from hypothesis import strategies as st

NAMES = ("event_id", "school_id", "pupil_id", "grade", "category", "processed_at")
CATEGORIES = ("engagement", "objective_mastery", "cross_method_test", "login")
ZONES = ("Z", "+01:00", "+02:00", "-05:00", "+0530")


def csv_rows(seed: int, n: int) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    out: list[tuple[str, ...]] = []
    for i in range(n):
        day = rng.randrange(1, 29)
        month = rng.randrange(1, 13)
        year = rng.choice((2024, 2025, 2026))
        at = f"{year}-{month:02d}-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:07"
        if rng.random() < 0.2:
            at += ".25"
        out.append(
            (
                f"e{i}",
                f"school-{rng.randrange(4)}",
                f"p{rng.randrange(60)}",
                str(rng.randrange(1, 9)),
                rng.choice(CATEGORIES),
                at + rng.choice(ZONES),
            )
        )
    return out


def csv_bytes(
    rows: Sequence[tuple[str, ...]], sep: str = ",", end: str = "\n", bom: bool = False
) -> bytes:
    text = "".join(sep.join(r) + end for r in [NAMES, *rows])
    return (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")


#: Values the columnar reader must treat exactly as the streaming reader does.
ODD = {
    "event_id": ["e 1", "", " ", "é1", "e\x01", "x" * 120, '"e,1"'],
    "school_id": ["school 1", "", "schoöl", "s\x1c"],
    "pupil_id": ["p 1", "", "ρ", "p\u2028", "p" * 70],
    "grade": ["03", " 3", "+3", "３", "9", "0", "3.0", "", "NA"],
    "category": ["", " ", "Engagement", "engagement "],
    "processed_at": [
        "",
        "NA",
        "null",
        "2026-03-02",
        "2026-03-02T10:00:00",
        "2026-03-02 10:00:00+01:00",
        "2026-03-02T10:00+01:00",
        "2026-03-02T10:00:00.1234567Z",
        "2026-03-02T10:00:00 +01:00",
        " 2026-03-02T10:00:00Z",
        "20260302T100000Z",
        "2026-03-02T24:00:00Z",
        "2026-02-30T10:00:00Z",
    ],
}


def odd_changes(extra: tuple[str, ...] = ()) -> st.SearchStrategy[list[tuple[str, str]]]:
    """Up to four (field, value) changes: odd values, ``extra`` ones, or random text."""
    return st.lists(
        st.tuples(
            st.sampled_from(NAMES),
            st.one_of(
                st.sampled_from([v for vs in ODD.values() for v in vs] + list(extra)),
                st.text(st.characters(codec="utf-8", exclude_characters='\n\r,"'), max_size=12),
            ),
        ),
        max_size=4,
    )


def changed_file(changes: list[tuple[str, str]], seed: int = 7, n: int = 6) -> bytes:
    """A CSV file of ``n`` plain rows with ``changes`` made in turn to its rows."""
    rows = [list(r) for r in csv_rows(seed, n)]
    for k, (field, value) in enumerate(changes):
        rows[k % len(rows)][NAMES.index(field)] = value
    return csv_bytes([tuple(r) for r in rows])
