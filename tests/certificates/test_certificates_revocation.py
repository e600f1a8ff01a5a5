"""Revocation lists: immutable values, lookups, JSON export and optional signatures."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from subscriptionkit.certificates import KeyRing, Revocation, RevocationList, RevocationLookup
from subscriptionkit.errors import InvalidInput, InvalidRevocationList, NaiveDatetimeError

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=30)


class TestRevocationList:
    def test_revoke_returns_a_new_list(self) -> None:
        """revoke() leaves the original list alone."""
        empty = RevocationList()
        revoked = empty.revoke("c1", reason="issued in error", at=T1)
        assert len(empty) == 0
        assert "c1" not in empty
        assert "c1" in revoked
        assert revoked.get("c1") == Revocation("c1", "issued in error", T1)
        assert revoked.get("c2") is None

    def test_first_revocation_stands(self) -> None:
        """Revoking again returns the same list: the first reason and moment stand."""
        revoked = RevocationList().revoke("c1", reason="first", at=T0)
        assert revoked.revoke("c1", reason="second", at=T1) is revoked

    def test_is_revoked_at(self) -> None:
        """With `at`, only a revocation in effect by then counts."""
        revoked = RevocationList().revoke("c1", reason="r", at=T1)
        assert revoked.is_revoked("c1")
        assert revoked.is_revoked("c1", at=T1)
        assert not revoked.is_revoked("c1", at=T0)
        assert not revoked.is_revoked("c2")

    def test_is_a_lookup(self) -> None:
        """A RevocationList satisfies the RevocationLookup protocol verify() uses."""
        lookup: RevocationLookup = RevocationList()
        assert lookup.get("x") is None

    def test_naive_and_empty_input(self) -> None:
        """Naive moments and empty reasons are refused."""
        with pytest.raises(NaiveDatetimeError):
            RevocationList().revoke("c1", reason="r", at=dt.datetime(2026, 1, 1))
        with pytest.raises(InvalidInput, match="reason must be a non-empty string"):
            RevocationList().revoke("c1", reason=" ", at=T0)

    def test_duplicates_refused(self) -> None:
        """A list built with one certificate twice is refused."""
        with pytest.raises(InvalidInput, match="'c1' twice"):
            RevocationList([Revocation("c1", "a", T0), Revocation("c1", "b", T1)])


class TestRevocationJson:
    def test_round_trip(self) -> None:
        """The list round-trips through JSON, sorted by certificate id."""
        revoked = RevocationList().revoke("c2", reason="b", at=T1).revoke("c1", reason="a", at=T0)
        text = revoked.to_json()
        assert [r["certificate_id"] for r in json.loads(text)["revocations"]] == ["c1", "c2"]
        assert RevocationList.from_json(text) == revoked

    def test_signed_round_trip(self) -> None:
        """A signed list loads with the public keys."""
        ring = KeyRing.generate(at=T0)
        revoked = RevocationList().revoke("c1", reason="a", at=T1)
        text = revoked.to_json(sign_with=ring)
        assert RevocationList.from_json(text, keys=ring.public_keyset()) == revoked
        assert RevocationList.from_json(text) == revoked  # without keys, no check

    def test_altered_signed_list(self) -> None:
        """Removing an entry from a signed list breaks its signature."""
        ring = KeyRing.generate(at=T0)
        revoked = RevocationList().revoke("c1", reason="a", at=T1).revoke("c2", reason="b", at=T1)
        document = json.loads(revoked.to_json(sign_with=ring))
        document["revocations"].pop()
        with pytest.raises(InvalidRevocationList, match="does not match its contents"):
            RevocationList.from_json(json.dumps(document), keys=ring)

    def test_unsigned_list_with_keys(self) -> None:
        """When keys are given, an unsigned list is refused."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(InvalidRevocationList, match="not signed"):
            RevocationList.from_json(RevocationList().to_json(), keys=ring)

    def test_other_signer(self) -> None:
        """A list signed by a key the set lacks is refused."""
        text = RevocationList().to_json(sign_with=KeyRing.generate(at=T0))
        with pytest.raises(InvalidRevocationList, match="unknown key"):
            RevocationList.from_json(text, keys=KeyRing.generate(at=T0))

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "[]",
            '{"format": "other"}',
            '{"format": "subscriptionkit-revocations/1"}',
            '{"format": "subscriptionkit-revocations/1", "revocations": [1]}',
            '{"format": "subscriptionkit-revocations/1", "revocations": [{"certificate_id": "c"}]}',
            '{"format": "subscriptionkit-revocations/1", "revocations": '
            '[{"certificate_id": "c", "reason": "r", "revoked_at": "2026-01-01T00:00:00"}]}',
        ],
    )
    def test_bad_documents(self, text: str) -> None:
        """Documents that are not revocation lists raise InvalidRevocationList."""
        with pytest.raises(InvalidRevocationList, match="expected"):
            RevocationList.from_json(text)
