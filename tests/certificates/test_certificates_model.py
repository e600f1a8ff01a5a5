"""The certificate value object and issue()."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import zoneinfo
from typing import Any

import attrs
import pytest

from subscriptionkit.certificates import Certificate, issue
from subscriptionkit.errors import (
    InvalidIdentifier,
    InvalidInput,
    NaiveDatetimeError,
    SubscriptionKitError,
)

AMS = zoneinfo.ZoneInfo("Europe/Amsterdam")


def _issue(**changes: Any) -> Certificate:
    fields: dict[str, Any] = {
        "holder_id": "m1",
        "holder_name": "Ada",
        "course_id": "c1",
        "course_title": "Course",
        "completed_on": dt.date(2026, 3, 1),
        "issued_at": dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC),
        "issuer": "Soofos",
    }
    fields.update(changes)
    return issue(**fields)


class TestIssue:
    def test_generates_a_uuid_when_no_id_is_given(self) -> None:
        """Without certificate_id, issue() makes a random, unique UUID4."""
        a = _issue()
        b = _issue()
        assert len(a.certificate_id) == 36
        assert a.certificate_id != b.certificate_id

    def test_keeps_a_given_id(self) -> None:
        """A given certificate_id is used as is."""
        assert _issue(certificate_id="x-1").certificate_id == "x-1"

    def test_naive_issued_at_is_rejected(self) -> None:
        """A naive issued_at raises NaiveDatetimeError naming the field."""
        with pytest.raises(NaiveDatetimeError, match="issued_at must be a timezone-aware"):
            _issue(issued_at=dt.datetime(2026, 3, 1, 12))

    def test_issued_at_is_kept_in_utc(self) -> None:
        """issued_at in another zone is stored as the same instant in UTC."""
        local = dt.datetime(2026, 3, 1, 13, tzinfo=AMS)
        cert = _issue(issued_at=local)
        assert cert.issued_at == local
        assert cert.issued_at.tzinfo is dt.UTC
        assert cert.issued_at.hour == 12

    @pytest.mark.parametrize(
        "field", ["holder_id", "holder_name", "course_id", "course_title", "issuer"]
    )
    @pytest.mark.parametrize("value", ["", "   ", None, 3])
    def test_empty_or_non_text_fields_are_rejected(self, field: str, value: object) -> None:
        """Every text field must be a non-blank string; the message names the field."""
        with pytest.raises(
            InvalidInput, match=f"{field} (must be a non-empty string|is empty|is not text)"
        ):
            _issue(**{field: value})

    @pytest.mark.parametrize("field", ["certificate_id", "holder_id"])
    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            ("x" * 101, "is too long (101 characters)"),
            ("a\x00b", "holds a control character (U+0000 at position 1)"),
            ("a\nb", "holds a control character (U+000A at position 1)"),
            ("", "is empty"),
            (7, "is not text"),
        ],
    )
    def test_ids_follow_the_identifier_rule(self, field: str, value: object, problem: str) -> None:
        """Certificate and holder ids are identifiers like every other id (issue 9)."""
        with pytest.raises(InvalidIdentifier, match=re.escape(f"{field} {problem}")):
            _issue(**{field: value})
        data = _issue().to_dict()
        data[field] = value
        with pytest.raises(InvalidInput):
            Certificate.from_dict(data)

    def test_the_longest_id_is_accepted(self) -> None:
        """100 characters is the documented limit, and allowed."""
        assert len(_issue(certificate_id="c" * 100, holder_id="h" * 100).holder_id) == 100

    def test_completed_on_must_be_a_plain_date(self) -> None:
        """A datetime for completed_on is refused: it would hide a time and zone."""
        with pytest.raises(InvalidInput, match=r"completed_on must be a datetime\.date"):
            _issue(completed_on=dt.datetime(2026, 3, 1, tzinfo=dt.UTC))


class TestCertificateValue:
    def test_is_frozen(self) -> None:
        """A certificate cannot be changed in place; attrs.evolve makes a new one."""
        cert = _issue()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            cert.holder_name = "Eve"  # type: ignore[misc]
        assert attrs.evolve(cert, holder_name="Eve").holder_name == "Eve"

    def test_is_standalone(self) -> None:
        """A certificate refers to no subscription or team: it outlives both."""
        names = {f.name for f in attrs.fields(Certificate)}
        assert not names & {"subscription_id", "team_id", "plan_id"}

    def test_dict_round_trip(self) -> None:
        """to_dict/from_dict round-trip, with ISO dates."""
        cert = _issue()
        data = cert.to_dict()
        assert data["completed_on"] == "2026-03-01"
        assert data["issued_at"] == "2026-03-01T12:00:00+00:00"
        assert Certificate.from_dict(data) == cert

    def test_from_dict_names_missing_and_extra_fields(self) -> None:
        """from_dict lists the missing and the extra fields."""
        data: dict[str, object] = dict(_issue().to_dict())
        del data["issuer"]
        data["colour"] = "red"
        with pytest.raises(InvalidInput, match=r"missing \['issuer'\], extra \['colour'\]"):
            Certificate.from_dict(data)

    @pytest.mark.parametrize(
        ("completed_on", "issued_at"),
        [
            ("2026-13-01", "2026-03-01T12:00:00+00:00"),
            ("2026-03-01", "2026-03-01T12:00:00"),
            ("2026-03-01", "yesterday"),
            (20260301, "2026-03-01T12:00:00+00:00"),
            ("2026-03-01", "0001-01-01T00:00:00+01:00"),
        ],
    )
    def test_from_dict_rejects_bad_dates(self, completed_on: object, issued_at: object) -> None:
        """Unparseable, naive or unrepresentable dates raise InvalidInput (a library error)."""
        data: dict[str, object] = dict(_issue().to_dict())
        data.update(completed_on=completed_on, issued_at=issued_at)
        with pytest.raises(SubscriptionKitError):
            Certificate.from_dict(data)

    def test_pickles(self) -> None:
        """Certificates cross process boundaries intact."""
        cert = _issue()
        assert pickle.loads(pickle.dumps(cert)) == cert
