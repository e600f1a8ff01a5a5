"""Fuzz every public function with values of the wrong type: only library errors come out.

Every public callable (functions, classes, and the named constructors of public classes)
is found from the packages' ``__all__`` on disk, as in ``test_exported_members.py``, so
a new public name is fuzzed without editing this file. Each argument is either a valid
value (known by the argument's name, so calls get past their first check) or a random
value of the wrong kind; whatever the call does, any exception must be a
:class:`~subscriptionkit.errors.SubscriptionKitError` (issue 9: "every error that leaves a
public function is a SubscriptionKitError subclass").
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import inspect
import os
import pkgutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subscriptionkit
from subscriptionkit import billing, metering, plans, subscriptions
from subscriptionkit.errors import SubscriptionKitError
from subscriptionkit.money import eur

ROOT = Path(subscriptionkit.__file__).parent
#: Fuzzed elsewhere: the command line has its own test of broken inputs (tests/cli/).
SKIP_MODULES = ("subscriptionkit.cli",)


def _modules(path: Path, prefix: str) -> Iterator[str]:
    yield prefix
    for info in pkgutil.iter_modules([str(path)]):
        if not info.name.startswith("_"):
            if info.ispkg:
                yield from _modules(path / info.name, f"{prefix}.{info.name}")
            else:
                yield f"{prefix}.{info.name}"


def _is_protocol(obj: object) -> bool:
    return (isinstance(obj, type) and Protocol in getattr(obj, "__mro__", ())) or bool(
        getattr(obj, "_is_protocol", False)
    )


def _public_callables() -> list[tuple[str, Callable[..., Any]]]:
    found: dict[int, tuple[str, Callable[..., Any]]] = {}
    for module_name in _modules(ROOT, "subscriptionkit"):
        if module_name.startswith(SKIP_MODULES):
            continue
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if not callable(obj) or not getattr(obj, "__module__", "").startswith(
                "subscriptionkit"
            ):
                continue  # constants, and foreign classes re-exported (moneyed.Money)
            if isinstance(obj, type) and (issubclass(obj, BaseException) or _is_protocol(obj)):
                continue
            found.setdefault(id(obj), (f"{module_name}.{name}", obj))
            if isinstance(obj, type) and not issubclass(obj, enum.Enum):
                for attr, raw in vars(obj).items():
                    if not attr.startswith("_") and isinstance(raw, classmethod | staticmethod):
                        method = getattr(obj, attr)
                        found.setdefault(id(raw), (f"{module_name}.{name}.{attr}", method))
    return sorted(found.values(), key=lambda item: item[0])


CALLABLES = _public_callables()


def _cases() -> list[Any]:
    # No expected failures: every public callable checks its arguments (issue 9).
    return [pytest.param(name, func, id=name) for name, func in CALLABLES]


AT = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
COMBI = plans.default_catalog()["focus-po-combi"]
assert isinstance(COMBI, plans.PupilPlan)
TEAMS = plans.teams_plan(eur("60.00"))
SUB = subscriptions.subscribe("c1", COMBI, at=AT, subscription_id="s1").subscription
MONTHS = metering.month_range(metering.Month(2026, 1), metering.Month(2026, 3))

#: Valid values by argument name: calls get past the arguments they are given right.
VALID: dict[str, Any] = {
    "plan": COMBI,
    "previous_plan": COMBI,
    "subscription": SUB,
    "renewed": SUB,
    "upgraded": SUB,
    "at": AT,
    "start": AT,
    "end": AT + dt.timedelta(days=365),
    "renewal": AT,
    "moment": AT,
    "tz": "Europe/Amsterdam",
    "locale": "nl_NL",
    "months": MONTHS,
    "month": metering.Month(2026, 2),
    "first": metering.Month(2026, 1),
    "last": metering.Month(2026, 3),
    "customer_id": "c1",
    "school_id": "s1",
    "pupil_id": "p1",
    "event_id": "e1",
    "subscription_id": "s1",
    "plan_id": "focus-po-combi",
    "pupils": {1: 10, 3: 12},
    "next_pupils": {1: 10, 3: 12},
    "seats": 5,
    "events": [],
    "value": eur("1.00"),
    "amount": eur("1.00"),
    "unit_price": eur("0.96"),
    "quantity": 3,
    "currency": "EUR",
    "issued_on": dt.date(2026, 3, 2),
    "on": dt.date(2026, 3, 2),
    "counts": metering.monthly_counts([], COMBI, MONTHS),
    "previous_advance": billing.advance(SUB, {1: 10, 3: 12}),
    "grade": 3,
    "category": "engagement",
    "processed_at": AT,
    "teams": TEAMS,
}

#: Values of the wrong kind (and a few right kinds with wrong values).
WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.binary(max_size=20),
    st.sampled_from(["３", "", "\x00", "a" * 101, "nl_NL", "EUR", "2026-13", "1e999999999"]),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=3),
    st.dictionaries(st.one_of(st.integers(), st.text(max_size=3)), st.none(), max_size=3),
    st.datetimes(min_value=dt.datetime(1, 1, 2), max_value=dt.datetime(9999, 12, 30)),
    st.dates(),
    st.builds(object),
    st.sampled_from([COMBI, TEAMS, SUB, eur("1"), metering.Month(2026, 1), AT]),
)


@pytest.fixture(scope="module", autouse=True)
def _in_a_scratch_directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Functions that take a path get random text: let any file land in a scratch place."""
    before = Path.cwd()
    os.chdir(tmp_path_factory.mktemp("fuzz"))
    try:
        yield
    finally:
        os.chdir(before)


def _arguments(func: Callable[..., Any]) -> list[inspect.Parameter]:
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return []
    return [
        p for p in signature.parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


@st.composite
def _calls(draw: st.DrawFn, func: Callable[..., Any]) -> tuple[list[Any], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    if isinstance(func, enum.EnumType):  # a lookup by value; the functional API is Python's
        return [draw(WRONG)], {}
    for param in _arguments(func):
        required = param.default is param.empty
        if not required and not draw(st.booleans()):
            continue
        valid = param.name in VALID and draw(st.booleans())
        value = VALID[param.name] if valid else draw(WRONG)
        if param.kind is param.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[param.name] = value
    return args, kwargs


class TestFuzzPublicFunctions:
    """Random wrong-typed arguments to every public callable raise only library errors."""

    def test_the_discovery_finds_the_api(self) -> None:
        """The fuzz reaches the functions the issue names (so it cannot pass by finding none)."""
        names = {name for name, _ in CALLABLES}
        for expected in (
            "subscriptionkit.billing.advance",
            "subscriptionkit.subscriptions.subscribe",
            "subscriptionkit.metering.monthly_counts",
            "subscriptionkit.metering.EventLog",
            "subscriptionkit.money.format_money",
            "subscriptionkit.plans.quote",
            "subscriptionkit.plans.Catalog.from_json",
        ):
            assert expected in names

    @pytest.mark.parametrize(("name", "func"), _cases())
    def test_only_library_errors(self, name: str, func: Callable[..., Any]) -> None:
        """Whatever is passed, a failure is a SubscriptionKitError."""

        @settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
        @given(call=_calls(func))
        def check(call: tuple[list[Any], dict[str, Any]]) -> None:
            args, kwargs = call
            try:
                result = func(*args, **kwargs)
                if inspect.isgenerator(result):
                    for _ in result:
                        pass
            except SubscriptionKitError:
                pass
            except Exception as exc:
                raise AssertionError(
                    f"{name}(*{args!r:.300}, **{kwargs!r:.300}) raised {type(exc).__name__}: {exc}"
                ) from exc

        check()


class TestFuzzEventLog:
    """The EventLog's methods take rows from anywhere: wrong rows are reported, never raised raw."""

    @given(rows=st.lists(WRONG, max_size=5))
    def test_ingest_rows_reports_every_bad_row(self, rows: list[Any]) -> None:
        """Every row that is not an event row is rejected with its index."""
        result = metering.EventLog().ingest_rows(rows)
        assert result.accepted + result.duplicates + len(result.rejected) == len(rows)
        assert [i for i, _ in result.rejected] == sorted(i for i, _ in result.rejected)


def test_wrong_decimal_is_not_money() -> None:
    """A plain Decimal NaN is refused where money goes (a reported case, kept as a test)."""
    with pytest.raises(SubscriptionKitError):
        plans.teams_plan(Decimal("NaN"))  # type: ignore[arg-type]
