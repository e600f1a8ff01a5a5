"""Tokens: format, verification, tampering, key windows, fuzzing, a second process."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptionkit.certificates import (
    MAX_TOKEN_LENGTH,
    Certificate,
    KeyRing,
    PublicKeySet,
    SigningKey,
    Verified,
    token,
    verification_url,
    verify,
)
from subscriptionkit.errors import (
    BadSignature,
    CertificateRevoked,
    InvalidCertificate,
    InvalidInput,
    KeyNotValid,
    KeyRingError,
    MalformedToken,
    NaiveDatetimeError,
    NotYetValid,
    SubscriptionKitError,
    UnknownKey,
)

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=30)
US = dt.timedelta(microseconds=1)
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign_with(key: SigningKey, payload: dict[str, Any]) -> str:
    """An independent encoder of the documented format, signing with any key."""
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    signed = "v1." + _b64(raw.encode())
    return signed + "." + _b64(key.sign(signed.encode()))


def _payload(cert: Certificate, kid: str) -> dict[str, Any]:
    return {**cert.to_dict(), "kid": kid}


class TestToken:
    def test_round_trip(self, ring: KeyRing, cert: Certificate) -> None:
        """A token verifies with the public keys and gives back the certificate."""
        verified = verify(token(cert, ring), ring.public_keyset(), at=LATER)
        assert verified == Verified(cert, ring.active_kid, LATER)

    def test_verifies_with_the_ring_too(self, ring: KeyRing, cert: Certificate) -> None:
        """verify() takes a KeyRing as well as a PublicKeySet."""
        assert verify(token(cert, ring), ring, at=LATER).certificate == cert

    def test_format(self, ring: KeyRing, cert: Certificate) -> None:
        """v1.<canonical JSON payload>.<signature over 'v1.<payload>'>, URL-safe."""
        signed = token(cert, ring)
        version, payload, signature = signed.split(".")
        assert version == "v1"
        raw = _unb64(payload)
        data = json.loads(raw)
        assert data == _payload(cert, ring.active_kid)
        assert (
            raw
            == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
        assert len(_unb64(signature)) == 64
        assert signed == _sign_with(ring.active, data)
        assert set(signed) <= set(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
        )

    def test_deterministic(self, ring: KeyRing, cert: Certificate) -> None:
        """The same certificate and key always give the same token."""
        assert token(cert, ring) == token(cert, ring)

    def test_bytes_token(self, ring: KeyRing, cert: Certificate) -> None:
        """An ASCII bytes token verifies too."""
        assert verify(token(cert, ring).encode(), ring, at=LATER).certificate == cert

    def test_naive_at_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """verify() needs an aware moment."""
        with pytest.raises(NaiveDatetimeError, match="at must be"):
            verify(token(cert, ring), ring, at=dt.datetime(2030, 1, 1))

    def test_no_key_valid_at_issue_time(self, ring: KeyRing, cert: Certificate) -> None:
        """A certificate issued before every key of the ring cannot be signed."""
        with pytest.raises(KeyRingError, match="no key in the ring was valid"):
            token(attrs.evolve(cert, issued_at=T0 - US), ring)


class TestTampering:
    @pytest.mark.parametrize(
        "field",
        [
            "certificate_id",
            "holder_id",
            "holder_name",
            "course_id",
            "course_title",
            "completed_on",
            "issued_at",
            "issuer",
        ],
    )
    def test_every_field_change_is_rejected(
        self, ring: KeyRing, cert: Certificate, field: str
    ) -> None:
        """Re-encoding the payload with one field changed, keeping the signature, fails."""
        original = token(cert, ring)
        signature = original.rsplit(".", 1)[1]
        changed = {
            "completed_on": "2026-01-03",
            "issued_at": "2026-01-02T09:00:01+00:00",
        }
        payload = _payload(cert, ring.active_kid)
        payload[field] = changed.get(field, payload[field] + "x")
        raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        forged = f"v1.{_b64(raw.encode())}.{signature}"
        with pytest.raises(BadSignature, match="does not match its contents") as info:
            verify(forged, ring, at=LATER)
        assert info.value.kid == ring.active_kid

    def test_kid_change_to_another_key_of_the_ring(self, ring: KeyRing, cert: Certificate) -> None:
        """Pointing the kid at another key of the ring fails the signature check."""
        rotated = ring.rotate(at=T1)
        payload = _payload(cert, rotated.active_kid)
        signature = token(cert, ring).rsplit(".", 1)[1]
        raw = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        with pytest.raises(BadSignature):
            verify(f"v1.{_b64(raw.encode())}.{signature}", rotated, at=LATER)

    def test_every_bit_flip_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """Flipping any single bit of any byte of the token makes it fail."""
        data = token(cert, ring).encode()
        keys = ring.public_keyset()
        for position in range(len(data)):
            for bit in range(8):
                flipped = bytearray(data)
                flipped[position] ^= 1 << bit
                with pytest.raises(InvalidCertificate):
                    verify(bytes(flipped), keys, at=LATER)

    def test_every_truncation_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """Every proper prefix and every proper suffix of the token fails."""
        text = token(cert, ring)
        keys = ring.public_keyset()
        for cut in range(len(text)):
            with pytest.raises(InvalidCertificate):
                verify(text[:cut], keys, at=LATER)
            with pytest.raises(InvalidCertificate):
                verify(text[cut + 1 :], keys, at=LATER)

    def test_another_rings_token_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """A token from a different key ring names a key this set lacks."""
        other = KeyRing.generate(at=T0)
        with pytest.raises(UnknownKey, match="which the key set does not hold") as info:
            verify(token(cert, other), ring.public_keyset(), at=LATER)
        assert info.value.kid == other.active_kid
        assert info.value.known == (ring.active_kid,)

    def test_same_kid_other_key_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """A signature by another key under this ring's kid fails the signature check."""
        forged = _sign_with(SigningKey.generate(at=T0), _payload(cert, ring.active_kid))
        with pytest.raises(BadSignature):
            verify(forged, ring, at=LATER)

    def test_valid_signature_over_a_non_certificate(self, ring: KeyRing, cert: Certificate) -> None:
        """A payload signed by a trusted key but missing fields is malformed."""
        payload = _payload(cert, ring.active_kid)
        del payload["issuer"]
        with pytest.raises(MalformedToken, match="the payload is not a certificate"):
            verify(_sign_with(ring.active, payload), ring, at=LATER)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "unsupported token version"),
            ("v2.abc.def", "unsupported token version"),
            ("v1", "unsupported token version"),
            ("v1.abc", "wrong number of parts"),
            ("v1.a.b.c", "wrong number of parts"),
            ("v1.QQ.QR", "not canonical base64url"),
            ("v1.QQ+.QQ", "not canonical base64url"),
            ("v1.QQ==.QQ", "not canonical base64url"),
            ("v1.QQ.QQ", "signature has the wrong length"),
            ("v1.é.QQ", "non-ASCII characters"),
            ("v1." + "A" * MAX_TOKEN_LENGTH, "too long"),
        ],
    )
    def test_malformed_tokens(self, ring: KeyRing, text: str, message: str) -> None:
        """Malformed tokens raise MalformedToken saying what was wrong and expected."""
        with pytest.raises(MalformedToken, match=message) as info:
            verify(text, ring, at=LATER)
        assert "expected" in str(info.value)

    @pytest.mark.parametrize(
        ("payload", "message"),
        [
            (b"not json", "not JSON"),
            (b"\xff\xfe", "not JSON"),
            (b"[1]", "not an object"),
            (b"[" * 5000, "not JSON"),
            (b'{"a":1}', "no key id"),
            (b'{"kid":1}', "no key id"),
        ],
    )
    def test_bad_payloads(self, ring: KeyRing, payload: bytes, message: str) -> None:
        """Payloads that are not JSON objects with a kid are malformed."""
        text = f"v1.{_b64(payload)}.{_b64(bytes(64))}"
        with pytest.raises(MalformedToken, match=message):
            verify(text, ring, at=LATER)

    @pytest.mark.parametrize(
        "value", [None, 42, ["v1"], object(), bytearray(b"\xff"), b"v1." + b"A" * 10**6]
    )
    def test_non_text_tokens(self, ring: KeyRing, value: Any) -> None:
        """Non-text, non-ASCII or huge input is a MalformedToken, not a TypeError."""
        with pytest.raises(MalformedToken):
            verify(value, ring, at=LATER)


class TestFuzz:
    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(), st.binary(), st.text(alphabet="v1.AQgw-_xyz=+/")))
    def test_only_library_errors(self, value: str | bytes) -> None:
        """Whatever text or bytes verify() gets, it raises only library errors."""
        keys = _FUZZ_RING.public_keyset()
        with contextlib.suppress(SubscriptionKitError):
            verify(value, keys, at=LATER)

    @settings(max_examples=200, deadline=None)
    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
            max_leaves=20,
        ),
        st.booleans(),
    )
    def test_structured_payloads(self, value: object, with_kid: bool) -> None:
        """Well-encoded tokens with arbitrary JSON payloads raise only library errors."""
        if with_kid:
            value = {"kid": _FUZZ_RING.active_kid, "data": value}
        raw = json.dumps(value).encode()
        text = f"v1.{_b64(raw)}.{_b64(bytes(64))}"
        with pytest.raises(InvalidCertificate):
            verify(text, _FUZZ_RING, at=LATER)


_FUZZ_RING = KeyRing.generate(at=T0)


@pytest.fixture(scope="module")
def rotated() -> KeyRing:
    """A ring valid from T0, rotated at T1."""
    return KeyRing.generate(at=T0).rotate(at=T1)


class TestKeyWindows:
    """Old keys keep verifying what they signed while valid; edges on both sides."""

    @pytest.mark.parametrize(
        ("which", "issued_at", "ok"),
        [
            ("old", T0 - US, False),
            ("old", T0, True),
            ("old", T1, True),
            ("old", T1 + US, False),
            ("new", T1 - US, False),
            ("new", T1, True),
            ("new", LATER, True),
        ],
    )
    def test_boundaries(
        self, rotated: KeyRing, cert: Certificate, which: str, issued_at: dt.datetime, ok: bool
    ) -> None:
        """not_before and retired_after are both inclusive, for the old and the new key."""
        key = rotated.get(rotated.kids[0] if which == "old" else rotated.active_kid)
        assert key is not None
        signed = _sign_with(key, _payload(attrs.evolve(cert, issued_at=issued_at), key.kid))
        keys = rotated.public_keyset()
        if ok:
            assert verify(signed, keys, at=LATER).kid == key.kid
        else:
            with pytest.raises(KeyNotValid, match=f"key '{key.kid}' was not valid") as info:
                verify(signed, keys, at=LATER)
            assert info.value.issued_at == issued_at
            assert info.value.not_before == key.not_before
            assert info.value.retired_after == key.retired_after

    def test_old_token_survives_rotation(self, ring: KeyRing, cert: Certificate) -> None:
        """A token signed before rotation verifies against the rotated ring's public keys."""
        signed = token(cert, ring)
        rotated = ring.rotate(at=T1)
        assert verify(signed, rotated.public_keyset(), at=LATER).kid == ring.active_kid
        assert token(cert, rotated) == signed  # re-minting an old certificate uses the old key

    def test_retire_edges(self, rotated: KeyRing, cert: Certificate) -> None:
        """After retire(kid, at=R), issue times up to R verify, R + 1 µs does not."""
        old_kid = rotated.kids[0]
        end = T0 + dt.timedelta(days=10)
        retired = rotated.retire(old_kid, at=end)
        key = retired.get(old_kid)
        assert key is not None
        keys = retired.public_keyset()
        at_end = _sign_with(key, _payload(attrs.evolve(cert, issued_at=end), old_kid))
        after_end = _sign_with(key, _payload(attrs.evolve(cert, issued_at=end + US), old_kid))
        assert verify(at_end, keys, at=LATER).kid == old_kid
        with pytest.raises(KeyNotValid):
            verify(after_end, keys, at=LATER)

    def test_removed_key_no_longer_verifies(self, rotated: KeyRing, cert: Certificate) -> None:
        """A removed (compromised) key's tokens are unknown."""
        signed = token(attrs.evolve(cert, issued_at=T0), rotated)
        with pytest.raises(UnknownKey):
            verify(signed, rotated.remove(rotated.kids[0]), at=LATER)


class TestNotYetValid:
    def test_issue_time_edge(self, ring: KeyRing, cert: Certificate) -> None:
        """A certificate verifies at its issue time, not a microsecond before."""
        signed = token(cert, ring)
        assert verify(signed, ring, at=cert.issued_at).certificate == cert
        with pytest.raises(NotYetValid, match="not valid yet") as info:
            verify(signed, ring, at=cert.issued_at - US)
        assert info.value.issued_at == cert.issued_at

    def test_leeway(self, ring: KeyRing, cert: Certificate) -> None:
        """A leeway tolerates clock skew up to its size."""
        signed = token(cert, ring)
        skew = dt.timedelta(seconds=30)
        assert verify(signed, ring, at=cert.issued_at - skew, leeway=skew).certificate == cert
        with pytest.raises(NotYetValid):
            verify(signed, ring, at=cert.issued_at - skew - US, leeway=skew)


class TestRevokedAtVerification:
    def test_revoked_certificate(self, ring: KeyRing, cert: Certificate) -> None:
        """A revocation in effect at `at` raises CertificateRevoked with its data."""
        from subscriptionkit.certificates import RevocationList

        revoked_at = T1
        revocations = RevocationList().revoke(cert.certificate_id, reason="fraud", at=revoked_at)
        signed = token(cert, ring)
        with pytest.raises(CertificateRevoked, match=r"revoked at .*\(reason: fraud\)") as info:
            verify(signed, ring, at=revoked_at, revocations=revocations)
        assert (info.value.certificate_id, info.value.reason, info.value.revoked_at) == (
            cert.certificate_id,
            "fraud",
            revoked_at,
        )
        assert verify(signed, ring, at=revoked_at - US, revocations=revocations).certificate == cert

    def test_errors_pickle(self) -> None:
        """Verification errors keep their data across pickling."""
        err = CertificateRevoked(certificate_id="c", reason="r", revoked_at=T1)
        again = pickle.loads(pickle.dumps(err))
        assert (again.certificate_id, again.reason, again.revoked_at) == ("c", "r", T1)
        assert str(again) == str(err)


class TestVerificationUrl:
    def test_query_parameter(self) -> None:
        """The token is added as the `token` query parameter."""
        assert (
            verification_url("https://x.org/verify", "v1.a.b")
            == "https://x.org/verify?token=v1.a.b"
        )

    def test_keeps_query_and_fragment(self) -> None:
        """An existing query is kept and the fragment stays last."""
        assert (
            verification_url("https://x.org/v?lang=nl#top", "v1.a.b")
            == "https://x.org/v?lang=nl&token=v1.a.b#top"
        )

    def test_path_placeholder(self) -> None:
        """A {token} placeholder puts the token in the path."""
        assert verification_url("https://x.org/c/{token}", "v1.a.b") == "https://x.org/c/v1.a.b"

    def test_quotes(self) -> None:
        """Characters outside the token alphabet are percent-quoted."""
        assert verification_url("https://x.org/v", "a b&c") == "https://x.org/v?token=a%20b%26c"

    @pytest.mark.parametrize("base", ["x.org/verify", "ftp://x.org/", "/verify", ""])
    def test_bad_base(self, base: str) -> None:
        """Only absolute http(s) URLs are accepted."""
        with pytest.raises(InvalidInput, match="must be an absolute http"):
            verification_url(base, "v1.a.b")


class TestOtherProcess:
    def test_verifies_with_only_the_public_key_file(
        self, tmp_path: Path, ring: KeyRing, cert: Certificate
    ) -> None:
        """A second process with only the exported public key set verifies the token."""
        keys_file = tmp_path / "public-keys.json"
        keys_file.write_text(ring.public_keyset().to_json(), encoding="utf-8")
        assert '"d"' not in keys_file.read_text(encoding="utf-8")
        code = (
            "import sys, datetime as dt, pathlib\n"
            "from subscriptionkit.certificates import PublicKeySet, verify\n"
            "keys = PublicKeySet.from_json(pathlib.Path(sys.argv[1]).read_bytes())\n"
            "at = dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)\n"
            "v = verify(sys.argv[2], keys, at=at)\n"
            "print(v.certificate.certificate_id, v.certificate.holder_name, v.kid)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code, str(keys_file), token(cert, ring)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == ["cert-0001", "Zoë", "van", "der", "Berg", ring.active_kid]

    def test_public_set_loaded_from_json_verifies(self, ring: KeyRing, cert: Certificate) -> None:
        """The key set loaded from JSON verifies like the ring."""
        keys = PublicKeySet.from_json(ring.public_keyset().to_json())
        assert verify(token(cert, ring), keys, at=LATER).certificate == cert
