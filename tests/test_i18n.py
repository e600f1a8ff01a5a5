"""Message catalogs: the template is current, Dutch is complete, the .mo matches the .po."""

from __future__ import annotations

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

import subscriptionkit
from subscriptionkit._i18n import Translator, check_locale, gettext_noop
from subscriptionkit.errors import InvalidInput

PACKAGE = Path(subscriptionkit.__file__).parent
SRC = PACKAGE.parent
LOCALE = PACKAGE / "locale"
POT = LOCALE / "subscriptionkit.pot"
NL_PO = LOCALE / "nl" / "LC_MESSAGES" / "subscriptionkit.po"
NL_MO = LOCALE / "nl" / "LC_MESSAGES" / "subscriptionkit.mo"
#: The keywords of noxfile.py's `catalogs` session: babel's defaults plus these.
KEYWORDS = {**DEFAULT_KEYWORDS, "gettext": None, "ngettext": (1, 2), "gettext_noop": None}
REFRESH = "run `nox -s catalogs`, then translate the new entries in the .po"


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def _extracted() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(SRC), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _listing(ids: set[str | tuple[str, ...]]) -> str:
    return "\n".join(f"  - {i!r}" for i in sorted(ids, key=str))


class TestCatalogs:
    """The shipped catalogs are complete and current."""

    def test_template_is_current(self) -> None:
        """The .pot holds exactly the messages marked in the source."""
        in_source, in_pot = _extracted(), _ids(_read_po(POT))
        missing, stale = in_source - in_pot, in_pot - in_source
        report = (
            f"subscriptionkit.pot is out of date ({REFRESH}).\n"
            f"In the source but not in the .pot:\n{_listing(missing)}\n"
            f"In the .pot but no longer in the source:\n{_listing(stale)}"
        )
        assert not missing, report
        assert not stale, report

    def test_every_marked_message_is_extracted(self) -> None:
        """Every text literal given to gettext, ngettext or gettext_noop, read from the
        syntax tree, is one the extractor finds: a call inside an f-string's braces is
        invisible to it, so its text would never reach a catalog (teams show printed
        "members and pending invitations" in English in every locale)."""
        marked: dict[str, str] = {}
        for path in sorted(PACKAGE.rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("gettext", "ngettext", "gettext_noop"):
                    first = node.args[0]
                    if isinstance(first, ast.Constant) and isinstance(first.value, str):
                        where = f"{path.relative_to(SRC)}:{node.lineno}"
                        marked.setdefault(first.value, where)
        extracted = {i if isinstance(i, str) else i[0] for i in _extracted()}
        hidden = {f"{where}: {text!r}" for text, where in marked.items() if text not in extracted}
        assert not hidden, "marked but not extracted (move the call out of the f-string):\n" + (
            "\n".join(sorted(hidden))
        )

    def test_dutch_is_complete(self) -> None:
        """Every template message has a non-empty, non-fuzzy Dutch translation."""
        po = _read_po(NL_PO)
        untranslated = set()
        for msgid in _ids(_read_po(POT)):
            key = msgid if isinstance(msgid, str) else msgid[0]
            message = po.get(key)
            found = None if message is None else message.string
            strings = [found] if isinstance(found, str) else list(found or ())
            if message is None or message.fuzzy or not all(strings):
                untranslated.add(msgid)
        assert not untranslated, (
            f"Dutch translations missing or fuzzy in {NL_PO.relative_to(SRC.parent)} "
            f"({REFRESH}):\n{_listing(untranslated)}"
        )

    def test_placeholders_kept(self) -> None:
        """Each Dutch text uses the same {placeholders} as its English source."""
        wrong = [
            m.id
            for m in _read_po(NL_PO)
            if isinstance(m.id, str)
            and m.id
            and isinstance(m.string, str)
            and set(re.findall(r"{\w+}", m.id)) != set(re.findall(r"{\w+}", m.string))
        ]
        assert not wrong, f"placeholders differ in: {wrong}"

    def test_no_two_terms_translated_alike(self) -> None:
        """Different English texts get different Dutch texts: a reader can tell a plan
        ("Abonnementsvorm") from a subscription ("Abonnement"). Compared without case and
        surrounding space; texts that differ only so may share a translation."""
        seen: dict[str, set[str]] = {}
        for m in _read_po(NL_PO):
            if not m.id or m.fuzzy:
                continue
            source = m.id if isinstance(m.id, str) else m.id[0]
            text = m.string if isinstance(m.string, str) else (m.string or ("",))[0]
            seen.setdefault(text.strip().casefold(), set()).add(source.strip().casefold())
        alike = {text: sorted(ids) for text, ids in seen.items() if len(ids) > 1}
        assert not alike, f"Dutch texts shared by different English texts: {alike}"

    def test_a_seat_is_a_teamlid(self) -> None:
        """The seat, the unit a Teams customer buys, is called what the platform calls it
        (seed 000: "Je betaalt per teamlid, per jaar", "het aantal teamleden dat bij je
        past"): every Dutch text of an English one about seats says teamlid or teamleden,
        and none says plaatsen or licenties, words the platform does not use for it."""
        odd = []
        for m in _read_po(NL_PO):
            if not m.id or m.fuzzy:
                continue
            sources = [m.id] if isinstance(m.id, str) else list(m.id)
            texts = [m.string] if isinstance(m.string, str) else list(m.string or ())
            if not any(re.search(r"\bseats?\b", s, re.IGNORECASE) for s in sources):
                continue
            if any(
                not re.search(r"teaml(?:eden|id)", text, re.IGNORECASE)
                or re.search(r"plaatsen|licentie", text, re.IGNORECASE)
                for text in texts
            ):
                odd.append((sources[0], texts))
        assert not odd, f"seats not called teamleden: {odd}"

    def test_mo_matches_po(self) -> None:
        """The compiled .mo holds exactly the .po's translations (`nox -s catalogs`)."""
        # Plural entries: the readers give lists or tuples; compare them as tuples.
        po = {
            m.id if isinstance(m.id, str) else tuple(m.id): (
                m.string if isinstance(m.string, str) else tuple(m.string or ())
            )
            for m in _read_po(NL_PO)
            if m.id and not m.fuzzy
        }
        with NL_MO.open("rb") as f:
            mo = read_mo(f)
        compiled = {
            m.id if isinstance(m.id, str) else tuple(m.id): (
                m.string if isinstance(m.string, str) else tuple(m.string or ())
            )
            for m in mo
            if m.id
        }
        assert compiled == po, "the .mo is stale: run `pybabel compile` (nox -s catalogs)"


class TestTranslator:
    """Translating and formatting for one locale."""

    def test_dutch_and_english(self) -> None:
        """Dutch is translated; English is the source language."""
        assert Translator("nl_NL").gettext("Total") == "Totaal"
        assert Translator("nl").gettext("Pupils") == "Leerlingen"
        assert Translator("en_GB").gettext("Total") == "Total"

    def test_unknown_message_passes_through(self) -> None:
        """A message without a translation is shown as is."""
        assert Translator("nl_NL").gettext("No such message") == "No such message"

    def test_plural(self) -> None:
        """ngettext chooses by count (the source language's forms without a translation)."""
        t = Translator("en_GB")
        assert t.ngettext("one seat", "{n} seats", 1) == "one seat"
        assert t.ngettext("one seat", "{n} seats", 2) == "{n} seats"

    def test_dates(self) -> None:
        """Dates and aware datetimes in the locale's words."""
        assert Translator("nl_NL").date(dt.date(2026, 11, 21)) == "21 november 2026"
        assert Translator("en_GB").date(dt.date(2026, 11, 21)) == "21 November 2026"
        moment = dt.datetime(2026, 11, 21, 9, 30, tzinfo=dt.UTC)
        assert Translator("en_GB").datetime(moment, "short") == "21/11/2026, 09:30"

    def test_bad_locale(self) -> None:
        """An unknown locale is refused when the translator is made."""
        with pytest.raises(InvalidInput) as info:
            Translator("xx_YY")
        assert str(info.value) == (
            "locale must be a known locale identifier such as 'nl_NL', 'en_GB' or 'en_US', "
            "got 'xx_YY'"
        )
        assert check_locale("nl_NL") == "nl_NL"

    def test_noop(self) -> None:
        """gettext_noop marks without translating."""
        assert gettext_noop("Total") == "Total"
