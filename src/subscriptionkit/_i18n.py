"""Locales, message catalogs and date formatting through babel (internal).

Texts shown to people are marked with ``_()`` style calls on a :class:`Translator` and
translated through gettext catalogs shipped in ``subscriptionkit/locale`` (``.po`` sources
and compiled ``.mo``; ``nox -s catalogs`` regenerates them). English is the source
language; Dutch (``nl``) is shipped.
"""

from __future__ import annotations

import datetime as _dt
import functools
from pathlib import Path
from typing import Final

import attrs
import babel
import babel.dates
import babel.support

from .errors import InvalidInput

#: Where the compiled catalogs live.
LOCALE_DIR: Final = Path(__file__).with_name("locale")
#: The gettext domain of the library's messages.
DOMAIN: Final = "subscriptionkit"


def check_locale(locale: str) -> str:
    """Return ``locale`` if babel knows it, else raise :class:`InvalidInput`."""
    if not isinstance(locale, str):  # before the cache: not every value can be hashed
        raise InvalidInput(
            f"locale must be a known locale identifier such as 'nl_NL', 'en_GB' or 'en_US', "
            f"got {type(locale).__name__}: {locale!r}"
        )
    return _check_locale(locale)


@functools.lru_cache(maxsize=64)
def _check_locale(locale: str) -> str:
    try:
        babel.Locale.parse(locale)
    except (ValueError, TypeError, babel.UnknownLocaleError) as exc:
        raise InvalidInput(
            f"locale must be a known locale identifier such as 'nl_NL', 'en_GB' or 'en_US', "
            f"got {locale!r}"
        ) from exc
    return locale


#: The language the messages are written in (no catalog needed).
SOURCE_LANGUAGE: Final = "en"


def languages() -> tuple[str, ...]:
    """The languages the library speaks: English, the source, and each language with a
    catalog in :data:`LOCALE_DIR` (``nl``), sorted. Read when called, never at import."""
    return _languages(LOCALE_DIR)


@functools.lru_cache(maxsize=1)
def _languages(directory: Path) -> tuple[str, ...]:
    shipped = {p.parent.parent.name for p in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.mo")}
    return tuple(sorted({SOURCE_LANGUAGE, *shipped}))


def language(locale: str) -> str:
    """The language of a locale babel knows (``nl`` for ``nl_BE``)."""
    return babel.Locale.parse(check_locale(locale)).language


@functools.lru_cache(maxsize=16)
def _translations(locale: str) -> babel.support.NullTranslations:
    return babel.support.Translations.load(str(LOCALE_DIR), [locale], DOMAIN)


def _checked_locale(locale: str) -> str:
    return check_locale(locale)


@attrs.frozen
class Translator:
    """Translate and format for one locale."""

    locale: str = attrs.field(converter=_checked_locale)

    def gettext(self, message: str) -> str:
        """Translate ``message``."""
        return _translations(self.locale).gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """Translate with a plural form chosen by ``n``."""
        return _translations(self.locale).ngettext(singular, plural, n)

    def date(self, value: _dt.date, fmt: str = "long") -> str:
        """Format a date (``21 november 2026`` in nl_NL)."""
        return babel.dates.format_date(value, format=fmt, locale=self.locale)

    def time(self, value: _dt.datetime, fmt: str = "short") -> str:
        """Format the wall-clock time of an aware datetime (``10:00``)."""
        return babel.dates.format_time(value, format=fmt, tzinfo=value.tzinfo, locale=self.locale)

    def datetime(self, value: _dt.datetime, fmt: str = "long") -> str:
        """Format an aware datetime in its own time zone."""
        return babel.dates.format_datetime(
            value, format=fmt, tzinfo=value.tzinfo, locale=self.locale
        )


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message
