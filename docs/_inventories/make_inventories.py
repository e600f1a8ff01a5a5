"""Write the local intersphinx inventories that ``docs/conf.py`` falls back to.

The docs build without network (here and in CI), so intersphinx cannot download the
``objects.inv`` of Python, babel, attrs... Each project gets a small local inventory
(Sphinx inventory format version 2: four header lines, then zlib-compressed lines of
``name domain:role priority uri dispname``) listing the objects our docs refer to, with
their real upstream addresses. When the download works, the real inventory wins.

Run ``python docs/_inventories/make_inventories.py`` after adding a reference to an
object that is not listed yet, and commit the regenerated ``.inv`` files.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).parent

# project -> (display name, version, [(name, role, uri)]); a uri ending in "$" gets the
# name appended, as in real inventories.
DT = "library/datetime.html#$"
DEC = "library/decimal.html#$"
TYP = "library/typing.html#$"
ABC = "library/collections.abc.html#$"
FUN = "library/functions.html#$"
STD = "library/stdtypes.html#$"
EXC = "library/exceptions.html#$"
ARG = "library/argparse.html#$"

INVENTORIES: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "python": (
        "Python",
        "3.11",
        [
            ("datetime", "py:module", "library/datetime.html#module-datetime"),
            ("datetime.date", "py:class", DT),
            ("datetime.datetime", "py:class", DT),
            ("datetime.time", "py:class", DT),
            ("datetime.timedelta", "py:class", DT),
            ("datetime.timezone", "py:class", DT),
            ("datetime.tzinfo", "py:class", DT),
            ("datetime.UTC", "py:attribute", DT),
            ("decimal", "py:module", "library/decimal.html#module-decimal"),
            ("decimal.Decimal", "py:class", DEC),
            ("decimal.ROUND_HALF_UP", "py:data", DEC),
            ("decimal.ROUND_HALF_EVEN", "py:data", DEC),
            ("zoneinfo.ZoneInfo", "py:class", "library/zoneinfo.html#$"),
            ("typing.Any", "py:data", TYP),
            ("typing.Final", "py:data", TYP),
            ("typing.Literal", "py:data", TYP),
            ("typing.NoReturn", "py:data", TYP),
            ("typing.Protocol", "py:class", TYP),
            ("typing.TextIO", "py:class", TYP),
            ("typing.IO", "py:class", TYP),
            ("typing.Self", "py:data", TYP),
            ("typing.runtime_checkable", "py:function", TYP),
            ("collections.abc.Callable", "py:class", ABC),
            ("collections.abc.Collection", "py:class", ABC),
            ("collections.abc.Hashable", "py:class", ABC),
            ("collections.abc.Iterable", "py:class", ABC),
            ("collections.abc.Iterator", "py:class", ABC),
            ("collections.abc.Mapping", "py:class", ABC),
            ("collections.abc.Sequence", "py:class", ABC),
            ("collections.abc.Set", "py:class", ABC),
            ("argparse.ArgumentParser", "py:class", ARG),
            ("argparse.Namespace", "py:class", ARG),
            ("argparse.ArgumentTypeError", "py:exception", ARG),
            ("pathlib.Path", "py:class", "library/pathlib.html#$"),
            ("pathlib.PurePath", "py:class", "library/pathlib.html#$"),
            ("io.StringIO", "py:class", "library/io.html#$"),
            ("io.TextIOBase", "py:class", "library/io.html#$"),
            ("json.dumps", "py:function", "library/json.html#$"),
            ("tomllib.loads", "py:function", "library/tomllib.html#$"),
            ("pickle", "py:module", "library/pickle.html#module-pickle"),
            ("uuid.UUID", "py:class", "library/uuid.html#$"),
            ("enum.Enum", "py:class", "library/enum.html#$"),
            ("enum.StrEnum", "py:class", "library/enum.html#$"),
            ("sqlite3", "py:module", "library/sqlite3.html#module-sqlite3"),
            ("contextlib.AbstractContextManager", "py:class", "library/contextlib.html#$"),
            ("types.TracebackType", "py:class", "library/types.html#$"),
            ("object", "py:class", FUN),
            ("int", "py:class", FUN),
            ("float", "py:class", FUN),
            ("bool", "py:class", FUN),
            ("str", "py:class", STD),
            ("bytes", "py:class", STD),
            ("tuple", "py:class", STD),
            ("list", "py:class", STD),
            ("dict", "py:class", STD),
            ("set", "py:class", STD),
            ("frozenset", "py:class", STD),
            ("type", "py:class", FUN),
            ("sum", "py:function", FUN),
            ("None", "py:data", "library/constants.html#$"),
            ("NotImplemented", "py:data", "library/constants.html#$"),
            ("Exception", "py:exception", EXC),
            ("BaseException", "py:exception", EXC),
            ("ValueError", "py:exception", EXC),
            ("TypeError", "py:exception", EXC),
            ("KeyError", "py:exception", EXC),
            ("LookupError", "py:exception", EXC),
            ("OSError", "py:exception", EXC),
            ("FileNotFoundError", "py:exception", EXC),
            ("SystemExit", "py:exception", EXC),
        ],
    ),
    "babel": (
        "Babel",
        "2.18",
        [
            ("babel.Locale", "py:class", "api/core.html#$"),
            ("babel.core.Locale", "py:class", "api/core.html#$"),
            ("babel.numbers.format_currency", "py:function", "api/numbers.html#$"),
            ("babel.numbers.format_decimal", "py:function", "api/numbers.html#$"),
            ("babel.dates.format_date", "py:function", "api/dates.html#$"),
            ("babel.dates.format_datetime", "py:function", "api/dates.html#$"),
            ("babel.support.Translations", "py:class", "api/support.html#$"),
            ("babel.support.NullTranslations", "py:class", "api/support.html#$"),
        ],
    ),
    "pendulum": (
        "pendulum",
        "3",
        [
            ("pendulum.DateTime", "py:class", "#instantiation"),
            ("pendulum.datetime.DateTime", "py:class", "#instantiation"),
            ("pendulum.Date", "py:class", "#instantiation"),
            ("pendulum.date.Date", "py:class", "#instantiation"),
            ("pendulum.Duration", "py:class", "#duration"),
            ("pendulum.Interval", "py:class", "#interval"),
            ("pendulum.interval.Interval", "py:class", "#interval"),
            ("pendulum.Timezone", "py:class", "#timezones"),
            ("pendulum.tz.timezone.Timezone", "py:class", "#timezones"),
            ("pendulum.FixedTimezone", "py:class", "#timezones"),
            ("pendulum.tz.timezone.FixedTimezone", "py:class", "#timezones"),
            ("pendulum.timezone", "py:function", "#timezones"),
            ("pendulum.instance", "py:function", "#instantiation"),
            ("pendulum.now", "py:function", "#instantiation"),
        ],
    ),
    "attrs": (
        "attrs",
        "26.1",
        [
            ("attrs.Attribute", "py:class", "api.html#$"),
            ("attr.Attribute", "py:class", "api.html#attrs.Attribute"),
            ("attrs.evolve", "py:function", "api.html#$"),
            ("attrs.frozen", "py:function", "api.html#$"),
            ("attrs.define", "py:function", "api.html#$"),
            ("attrs.field", "py:function", "api.html#$"),
            ("attrs.asdict", "py:function", "api.html#$"),
            ("attrs.exceptions.FrozenInstanceError", "py:exception", "api.html#$"),
        ],
    ),
    "sqlalchemy": (
        "SQLAlchemy",
        "2.0",
        [
            ("sqlalchemy.create_engine", "py:function", "core/engines.html#$"),
            ("sqlalchemy.engine.Engine", "py:class", "core/connections.html#$"),
            (
                "sqlalchemy.engine.base.Engine",
                "py:class",
                "core/connections.html#sqlalchemy.engine.Engine",
            ),
            ("sqlalchemy.engine.Connection", "py:class", "core/connections.html#$"),
            (
                "sqlalchemy.engine.base.Connection",
                "py:class",
                "core/connections.html#sqlalchemy.engine.Connection",
            ),
            ("sqlalchemy.engine.URL", "py:class", "core/engines.html#$"),
            ("sqlalchemy.schema.MetaData", "py:class", "core/metadata.html#$"),
            ("sqlalchemy.schema.Table", "py:class", "core/metadata.html#$"),
            (
                "sqlalchemy.sql.schema.MetaData",
                "py:class",
                "core/metadata.html#sqlalchemy.schema.MetaData",
            ),
            (
                "sqlalchemy.sql.schema.Table",
                "py:class",
                "core/metadata.html#sqlalchemy.schema.Table",
            ),
        ],
    ),
    "cryptography": (
        "Cryptography",
        "50",
        [
            (
                f"cryptography.hazmat.primitives.asymmetric.ed25519.{name}",
                "py:class",
                "hazmat/primitives/asymmetric/ed25519/#$",
            )
            for name in ("Ed25519PrivateKey", "Ed25519PublicKey")
        ],
    ),
}


def inventory(project: str, version: str, entries: list[tuple[str, str, str]]) -> bytes:
    """Return a Sphinx v2 inventory (header, then zlib-compressed object lines)."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    lines = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in sorted(entries))
    return header + zlib.compress(lines.encode())


def main() -> None:
    """Write one ``<key>.inv`` per project next to this script."""
    for key, (project, version, entries) in INVENTORIES.items():
        (HERE / f"{key}.inv").write_bytes(inventory(project, version, entries))


if __name__ == "__main__":
    main()
