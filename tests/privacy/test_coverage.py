"""Every table and in-memory store that keeps personal data has an exporter and an eraser."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from subscriptionkit import privacy
from subscriptionkit.errors import PrivacyCoverageError
from subscriptionkit.storage import MemoryStore
from subscriptionkit.storage.sql import LIBRARY_TABLES

#: Parts of a memory store that are machinery, not records.
_MACHINERY = {"_lock", "_released", "lock_timeout"}


def _memory_parts(store: MemoryStore) -> Iterator[str]:
    """Each record container of a memory store, as an attribute path."""
    for name, value in vars(store).items():
        if name in _MACHINERY:
            continue
        inner = (
            vars(value)
            if hasattr(value, "__dict__") and not hasattr(value, "__attrs_attrs__")
            else None
        )
        if inner and type(value).__module__.startswith("subscriptionkit.storage"):
            yield from (f"{name}.{part}" for part in inner)
        else:
            yield name


class TestCoverage:
    """A new table or store without exporter and eraser fails here."""

    def test_every_sql_table(self) -> None:
        """Each table of the schema: covered, or listed as holding no personal data."""
        privacy.check_coverage(LIBRARY_TABLES)

    def test_every_memory_store_part(self) -> None:
        """Each dictionary and list of a memory store, likewise."""
        parts = list(_memory_parts(MemoryStore()))
        assert "_data.audit" in parts
        assert "_privacy.consents" in parts
        privacy.check_coverage(parts)

    def test_an_uncovered_store_fails(self) -> None:
        """A store nobody claims is named."""
        with pytest.raises(PrivacyCoverageError, match="sk_notes"):
            privacy.check_coverage([*LIBRARY_TABLES, "sk_notes"])

    def test_every_handler_exports_and_erases_or_says_why(self) -> None:
        """An eraser, or the reason the records are kept."""
        for handler in privacy.DEFAULT_HANDLERS:
            assert handler.erase is not None or handler.kept, handler.section
