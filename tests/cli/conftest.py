"""The command's tests run without the developer's locale: its default comes from the
environment (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), so each test starts
with none of them and gets the documented fallback, Dutch, unless it sets one."""

from __future__ import annotations

import pytest

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.fixture(autouse=True)
def _no_environment_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove the locale variables for the test (restored after it)."""
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
