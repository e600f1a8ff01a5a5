"""Bitstring Status List: encoding, the signed list credential, and verify() refusing revoked ones."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from typing import Any

import attrs
import pytest

from certificate_helpers import b64, canonical, sign_jws, split
from subscriptionkit.certificates import (
    Certificate,
    IssuerProfile,
    KeyRing,
    RevocationList,
    StatusList,
    status_list_token,
    token,
    verify,
    verify_status_list,
)
from subscriptionkit.errors import (
    CertificateRevoked,
    InvalidInput,
    InvalidStatusList,
    MalformedToken,
    StatusNotCovered,
)

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
PUBLISHED = T0 + dt.timedelta(days=10)
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
URL = "https://soofos.example/status/1"
ISSUER = IssuerProfile("https://soofos.example", URL)


def _bits(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


class TestStatusList:
    def test_encoding_is_the_w3c_bitstring(self) -> None:
        """Index 0 is the left-most bit of the first byte; GZIP; multibase base64url ('u')."""
        status = StatusList(URL, PUBLISHED, {0, 9, 131_071})
        bits = _bits(status.encoded_list())
        assert len(bits) == 131_072 // 8
        assert bits[0] == 0b1000_0000
        assert bits[1] == 0b0100_0000
        assert bits[-1] == 0b0000_0001
        assert sum(bin(b).count("1") for b in bits) == 3

    def test_round_trip_and_growth(self) -> None:
        """Decoding gives the same list; an index past the end grows it by 131,072 bits."""
        status = StatusList(URL, PUBLISHED).revoke(5).revoke(200_000)
        assert status.size == 262_144
        again = StatusList.from_encoded_list(URL, PUBLISHED, status.encoded_list())
        assert again == status
        assert again.is_revoked(200_000)
        assert not again.is_revoked(4)

    def test_deterministic(self) -> None:
        """The same list always encodes to the same text (GZIP mtime 0)."""
        assert StatusList(URL, PUBLISHED, {3}).encoded_list() == (
            StatusList(URL, PUBLISHED, {3}).encoded_list()
        )

    def test_from_certificates(self, cert: Certificate) -> None:
        """The register of revocations and the certificates' indexes make the list at a moment."""
        certs = [attrs.evolve(cert, certificate_id=f"c{i}", status_index=i) for i in range(4)]
        certs.append(attrs.evolve(cert, certificate_id="old"))  # no index: skipped
        register = (
            RevocationList()
            .revoke("c1", reason="fraud", at=T0)
            .revoke("c3", reason="error", at=LATER)
            .revoke("old", reason="error", at=T0)
        )
        status = StatusList.from_certificates(URL, certs, register, at=PUBLISHED)
        assert status.revoked == {1}
        assert StatusList.from_certificates(URL, certs, register, at=LATER).revoked == {1, 3}

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"url": "status.json"}, "absolute http"),
            ({"revoked": {-1}}, "whole number"),
            ({"revoked": {True}}, "whole number"),
            ({"revoked": {2**24}}, "whole number"),
            ({"size": 12}, "multiple of 8"),
            ({"revoked": {16}, "size": 16}, "holds every revoked index"),
        ],
    )
    def test_bad_lists(self, kwargs: dict[str, Any], message: str) -> None:
        """Out-of-range indexes, bad sizes and relative URLs are refused."""
        arguments: dict[str, Any] = {"url": URL, "issued_at": PUBLISHED, **kwargs}
        with pytest.raises(InvalidInput, match=message):
            StatusList(**arguments)

    @pytest.mark.parametrize(
        "encoded",
        [
            "",
            "z" + b64(gzip.compress(bytes(8))),  # another multibase
            "u" + b64(bytes(8)),  # not gzip
            "u" + b64(gzip.compress(bytes(2**21 + 1))),  # past 2 MiB: a bomb
            "u" + b64(gzip.compress(b"")),  # empty
            "u" + b64(gzip.compress(bytes(8)) + b"junk"),  # trailing data
            "u" + b64(gzip.compress(bytes(8)))[:-4],  # truncated
            "u+/==",
        ],
    )
    def test_bad_encoded_lists(self, encoded: str) -> None:
        """Anything but one bounded GZIP bitstring in multibase base64url is refused."""
        with pytest.raises(InvalidStatusList, match="encodedList"):
            StatusList.from_encoded_list(URL, PUBLISHED, encoded)


@pytest.fixture(scope="module")
def revoked_cert(cert: Certificate) -> Certificate:
    """A certificate with status index 7."""
    return attrs.evolve(cert, status_index=7)


class TestPublishAndVerify:
    def test_round_trip_revoke_publish_verify_refuses(
        self, ring: KeyRing, revoked_cert: Certificate
    ) -> None:
        """Revoke, publish the signed list, verify it, and verify() refuses the certificate."""
        signed = token(revoked_cert, ring, issuer=ISSUER)
        clean = verify_status_list(
            status_list_token(StatusList(URL, PUBLISHED), ring, issuer=ISSUER),
            ring.public_keyset(),
            at=LATER,
            url=URL,
        )
        assert verify(signed, ring, at=LATER, revocations=clean).status_index == 7
        published = status_list_token(StatusList(URL, PUBLISHED).revoke(7), ring, issuer=ISSUER)
        status = verify_status_list(published, ring.public_keyset(), at=LATER, url=URL)
        assert status.revoked == {7}
        assert status.issued_at == PUBLISHED
        with pytest.raises(CertificateRevoked, match="status list") as info:
            verify(signed, ring.public_keyset(), at=LATER, revocations=status)
        assert info.value.revoked_at == PUBLISHED
        assert info.value.certificate_id == revoked_cert.certificate_id

    def test_the_credential(self, ring: KeyRing) -> None:
        """The token is a BitstringStatusListCredential with typ statuslist+vc+jwt."""
        header, payload, _ = split(
            status_list_token(StatusList(URL, PUBLISHED), ring, issuer=ISSUER)
        )
        assert header == {"alg": "Ed25519", "kid": ring.active_kid, "typ": "statuslist+vc+jwt"}
        assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
        assert payload["id"] == URL
        assert payload["issuer"] == "https://soofos.example"
        assert payload["validFrom"] == "2026-01-11T09:00:00Z"
        assert payload["credentialSubject"]["statusPurpose"] == "revocation"
        assert payload["credentialSubject"]["type"] == "BitstringStatusList"

    def test_fails_closed_without_an_entry(self, ring: KeyRing, cert: Certificate) -> None:
        """A token without an entry in the given list is not reported genuine."""
        status = StatusList(URL, PUBLISHED)
        with pytest.raises(StatusNotCovered, match="cannot be checked against the status list"):
            verify(token(cert, ring), ring, at=LATER, revocations=status)
        other = IssuerProfile("https://soofos.example", "https://soofos.example/status/2")
        signed = token(attrs.evolve(cert, status_index=7), ring, issuer=other)
        with pytest.raises(StatusNotCovered, match="status/2"):
            verify(signed, ring, at=LATER, revocations=status)

    def test_a_status_list_is_not_a_certificate(self, ring: KeyRing) -> None:
        """The typ keeps the two kinds apart in both directions."""
        listed = status_list_token(StatusList(URL, PUBLISHED), ring, issuer=ISSUER)
        with pytest.raises(MalformedToken, match="wrong token type"):
            verify(listed, ring, at=LATER)

    def test_certificate_is_not_a_status_list(self, ring: KeyRing, cert: Certificate) -> None:
        """A certificate token is refused as a status list."""
        with pytest.raises(InvalidStatusList, match="does not verify"):
            verify_status_list(token(cert, ring), ring, at=LATER)

    def test_tampered_list_fails(self, ring: KeyRing) -> None:
        """An edited list (a bit cleared, keeping the signature) fails."""
        published = status_list_token(StatusList(URL, PUBLISHED).revoke(7), ring, issuer=ISSUER)
        header_part, _, signature = published.split(".")
        payload = split(published)[1]
        payload["credentialSubject"]["encodedList"] = StatusList(URL, PUBLISHED).encoded_list()
        forged = f"{header_part}.{b64(canonical(payload))}.{signature}"
        with pytest.raises(InvalidStatusList, match="does not verify"):
            verify_status_list(forged, ring, at=LATER)

    def test_url_window_and_time_checks(self, ring: KeyRing) -> None:
        """Another list's URL, a list from the future and a key outside its window are refused."""
        published = status_list_token(StatusList(URL, PUBLISHED), ring, issuer=ISSUER)
        with pytest.raises(InvalidStatusList, match="not the one published"):
            verify_status_list(published, ring, at=LATER, url=URL + "x")
        with pytest.raises(InvalidStatusList, match="not valid yet"):
            verify_status_list(published, ring, at=PUBLISHED - dt.timedelta(seconds=1))
        assert (
            verify_status_list(
                published,
                ring,
                at=PUBLISHED - dt.timedelta(seconds=1),
                leeway=dt.timedelta(seconds=1),
            ).url
            == URL
        )
        early = StatusList(URL, T0).credential(ISSUER) | {"validFrom": "2025-01-01T00:00:00Z"}
        header = {"alg": "Ed25519", "kid": ring.active_kid, "typ": "statuslist+vc+jwt"}
        with pytest.raises(InvalidStatusList, match="was not valid when the status list"):
            verify_status_list(sign_jws(ring.active, early, header=header), ring, at=LATER)

    @pytest.mark.parametrize(
        "change",
        [
            lambda p: p.update(type=["VerifiableCredential"]),
            lambda p: p["credentialSubject"].update(statusPurpose="suspension"),
            lambda p: p.update(validFrom="2026-01-11T09:00:00"),
            lambda p: p["credentialSubject"].update(encodedList="u"),
            lambda p: p.update(id="relative/list"),
        ],
    )
    def test_signed_non_lists(self, ring: KeyRing, change: Any) -> None:
        """Signed by a trusted key, yet not a revocation status list: refused."""
        payload = StatusList(URL, PUBLISHED).credential(ISSUER)
        change(payload)
        header = {"alg": "Ed25519", "kid": ring.active_kid, "typ": "statuslist+vc+jwt"}
        with pytest.raises(InvalidStatusList):
            verify_status_list(sign_jws(ring.active, payload, header=header), ring, at=LATER)

    def test_bad_arguments(self, ring: KeyRing) -> None:
        """Wrong argument kinds raise library errors."""
        with pytest.raises(InvalidInput, match="needs a StatusList and an IssuerProfile"):
            status_list_token({7}, ring, issuer=ISSUER)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="signs with a KeyRing"):
            status_list_token(StatusList(URL, PUBLISHED), ring.public_keyset(), issuer=ISSUER)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="keys must be"):
            verify_status_list("a.b.c", None, at=LATER)  # type: ignore[arg-type]
