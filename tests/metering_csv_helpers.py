"""Event CSV files for the reader tests: plain rows and the odd values readers must agree on."""

from __future__ import annotations

import codecs
import random

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
    rows: list[tuple[str, ...]], sep: str = ",", end: str = "\n", bom: bool = False
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
