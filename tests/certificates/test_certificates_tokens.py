"""Tokens: JWS format, pinned header, tampering, key windows, fuzzing, v1 tokens, a second process."""

from __future__ import annotations

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

from certificate_helpers import b64, canonical, sign_jws, sign_v1, split, unb64, v1_payload
from subscriptionkit.certificates import (
    MAX_TOKEN_LENGTH,
    Certificate,
    IssuerProfile,
    KeyRing,
    PublicKeySet,
    RevocationList,
    SigningKey,
    StatusList,
    Verified,
    identity_hash,
    open_badge_credential,
    status_list_token,
    token,
    verification_url,
    verify,
    verify_status_list,
)
from subscriptionkit.errors import (
    BadSignature,
    CertificateRevoked,
    InvalidCertificate,
    InvalidInput,
    InvalidStatusList,
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
ALPHABET = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def _expected(cert: Certificate, kid: str, at: dt.datetime = LATER) -> Verified:
    return Verified(
        certificate_id=cert.certificate_id,
        course_id=cert.course_id,
        course_title=cert.course_title,
        completed_on=cert.completed_on,
        issued_at=cert.issued_at,
        issuer=cert.issuer,
        kid=kid,
        verified_at=at,
        identity_hash=identity_hash(cert.holder_id, cert.certificate_id),
    )


class TestToken:
    def test_round_trip(self, ring: KeyRing, cert: Certificate) -> None:
        """A token verifies with the public keys and gives back what the certificate states."""
        verified = verify(token(cert, ring), ring.public_keyset(), at=LATER)
        assert verified == _expected(cert, ring.active_kid)
        assert not verified.legacy
        assert verified.holder_name is None

    def test_verifies_with_the_ring_too(self, ring: KeyRing, cert: Certificate) -> None:
        """verify() takes a KeyRing as well as a PublicKeySet."""
        assert verify(token(cert, ring), ring, at=LATER) == _expected(cert, ring.active_kid)

    def test_format(self, ring: KeyRing, cert: Certificate) -> None:
        """A compact JWS: header {alg Ed25519, kid, typ vc+jwt}, the credential as canonical JSON."""
        signed = token(cert, ring)
        header, payload, signature = split(signed)
        assert header == {"alg": "Ed25519", "kid": ring.active_kid, "typ": "vc+jwt"}
        assert payload == open_badge_credential(cert)
        assert unb64(signed.split(".")[1]) == canonical(payload)
        assert len(signature) == 64
        assert signed == sign_jws(ring.active, payload, header=header)
        assert set(signed) <= ALPHABET
        ring.active.public.public_key.verify(signature, signed.rsplit(".", 1)[0].encode())

    def test_no_holder_name_or_id_in_clear(self, ring: KeyRing, cert: Certificate) -> None:
        """Neither the holder's name nor account id appears in the token or its payload."""
        signed = token(cert, ring)
        decoded = unb64(signed.split(".")[1]).decode()
        for secret in (cert.holder_name, cert.holder_id, "Zo", "member"):
            assert secret not in decoded
        assert cert.holder_id not in signed
        assert "holder" not in decoded

    def test_is_held_by(self, ring: KeyRing, cert: Certificate) -> None:
        """The salted identity hash matches the holder's id only."""
        verified = verify(token(cert, ring), ring, at=LATER)
        assert verified.is_held_by("member-42")
        assert not verified.is_held_by("member-43")
        assert not verified.is_held_by(42)  # type: ignore[arg-type]

    def test_identity_hash_is_salted_per_certificate(self, cert: Certificate) -> None:
        """The same holder gets unrelated hashes on two certificates."""
        other = attrs.evolve(cert, certificate_id="cert-0002")
        assert identity_hash(cert.holder_id, cert.certificate_id) != identity_hash(
            other.holder_id, other.certificate_id
        )

    def test_deterministic(self, ring: KeyRing, cert: Certificate) -> None:
        """The same certificate and key always give the same token."""
        assert token(cert, ring) == token(cert, ring)

    def test_bytes_token(self, ring: KeyRing, cert: Certificate) -> None:
        """An ASCII bytes token verifies too."""
        assert verify(token(cert, ring).encode(), ring, at=LATER).certificate_id == "cert-0001"

    def test_naive_at_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """verify() needs an aware moment."""
        with pytest.raises(NaiveDatetimeError, match="at must be"):
            verify(token(cert, ring), ring, at=dt.datetime(2030, 1, 1))

    def test_no_key_valid_at_issue_time(self, ring: KeyRing, cert: Certificate) -> None:
        """A certificate issued before every key of the ring cannot be signed."""
        with pytest.raises(KeyRingError, match="no key in the ring was valid"):
            token(attrs.evolve(cert, issued_at=T0 - US), ring)

    def test_status_entry_with_a_profile(self, ring: KeyRing, cert: Certificate) -> None:
        """With a status list URL and a status index the token carries both."""
        issuer = IssuerProfile("https://soofos.example", "https://soofos.example/status/1")
        signed = token(attrs.evolve(cert, status_index=9), ring, issuer=issuer)
        verified = verify(signed, ring, at=LATER)
        assert (verified.status_index, verified.status_list_url) == (
            9,
            "https://soofos.example/status/1",
        )
        assert split(signed)[1]["issuer"]["id"] == "https://soofos.example"


class TestArguments:
    """verify() refuses wrong argument kinds with library errors (issue 9)."""

    @pytest.mark.parametrize("keys", [None, "keys.json", {"keys": []}, 42])
    def test_keys_of_the_wrong_kind(self, ring: KeyRing, cert: Certificate, keys: Any) -> None:
        """keys=None and other non-key-sources raise InvalidInput saying what was expected."""
        with pytest.raises(InvalidInput, match="keys must be a PublicKeySet or a KeyRing") as info:
            verify(token(cert, ring), keys, at=LATER)
        assert type(keys).__name__ in str(info.value)

    @pytest.mark.parametrize("revocations", [[], ["cert-0001"], {"cert-0001": "x"}, "cert-0001"])
    def test_revocations_of_the_wrong_kind(
        self, ring: KeyRing, cert: Certificate, revocations: Any
    ) -> None:
        """revocations=[...] and other non-lookups raise InvalidInput."""
        with pytest.raises(InvalidInput, match="revocations must be None, a StatusList"):
            verify(token(cert, ring), ring, at=LATER, revocations=revocations)

    @pytest.mark.parametrize("leeway", [None, 5, dt.timedelta(seconds=-1)])
    def test_bad_leeway(self, ring: KeyRing, cert: Certificate, leeway: Any) -> None:
        """leeway must be a non-negative timedelta."""
        with pytest.raises(InvalidInput, match="leeway must be a timedelta"):
            verify(token(cert, ring), ring, at=LATER, leeway=leeway)

    def test_token_needs_a_keyring(self, ring: KeyRing, cert: Certificate) -> None:
        """token() signs only with a KeyRing, never with a public set."""
        with pytest.raises(InvalidInput, match="a certificate token signs with a KeyRing"):
            token(cert, ring.public_keyset())  # type: ignore[arg-type]


class TestTampering:
    @pytest.mark.parametrize(
        ("path", "value"),
        [
            (("id",), "urn:uuid:00000000-0000-4000-8000-000000000000"),
            (("credentialSubject", "achievement", "id"), "urn:subscriptionkit:course:course-8"),
            (("credentialSubject", "achievement", "name"), "Leiding geven"),
            (("credentialSubject", "completionDate"), "2026-01-03"),
            (("credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "0" * 64),
            (("validFrom",), "2026-01-02T09:00:01Z"),
            (("issuer", "name"), "Someone else"),
        ],
    )
    def test_every_field_change_is_rejected(
        self, ring: KeyRing, cert: Certificate, path: tuple[Any, ...], value: str
    ) -> None:
        """Re-encoding the payload with one field changed, keeping the signature, fails."""
        original = token(cert, ring)
        header_part, _, signature = original.split(".")
        payload = split(original)[1]
        target = payload
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
        forged = f"{header_part}.{b64(canonical(payload))}.{signature}"
        with pytest.raises(BadSignature, match="does not match its contents") as info:
            verify(forged, ring, at=LATER)
        assert info.value.kid == ring.active_kid

    def test_kid_change_to_another_key_of_the_ring(self, ring: KeyRing, cert: Certificate) -> None:
        """Pointing the kid at another key of the ring fails the signature check."""
        rotated = ring.rotate(at=T1)
        _, payload, signature = token(cert, ring).split(".")
        header = {"alg": "Ed25519", "kid": rotated.active_kid, "typ": "vc+jwt"}
        with pytest.raises(BadSignature):
            verify(f"{b64(json.dumps(header).encode())}.{payload}.{signature}", rotated, at=LATER)

    @pytest.mark.parametrize(
        "header",
        [
            {"alg": "none", "typ": "vc+jwt"},
            {"alg": "EdDSA", "typ": "vc+jwt"},
            {"alg": "HS256", "typ": "vc+jwt"},
            {"alg": "ES256", "typ": "vc+jwt"},
            {"alg": "Ed25519", "typ": "JWT"},
            {"alg": "Ed25519", "typ": "statuslist+vc+jwt"},
            {"alg": "Ed25519"},
            {"alg": "Ed25519", "typ": "vc+jwt", "crit": ["exp"], "exp": 1},
            {"alg": "Ed25519", "typ": "vc+jwt", "b64": False, "crit": ["b64"]},
            {"alg": "Ed25519", "typ": "vc+jwt", "jku": "https://evil.example/jwks"},
            {"alg": "Ed25519", "typ": "vc+jwt", "jwk": {"kty": "OKP"}},
            {"alg": "Ed25519", "typ": "vc+jwt", "cty": "json"},
        ],
    )
    def test_unpinned_headers_are_refused_even_when_signed(
        self, ring: KeyRing, cert: Certificate, header: dict[str, Any]
    ) -> None:
        """Every header other than exactly {alg Ed25519, kid, typ vc+jwt} is refused (RFC 8725)."""
        full = {"kid": ring.active_kid, **header}
        forged = sign_jws(ring.active, open_badge_credential(cert), header=full)
        with pytest.raises(MalformedToken, match=r"header|algorithm|token type"):
            verify(forged, ring, at=LATER)

    def test_a_pinned_header_stays_pinned_to_its_type(
        self, ring: KeyRing, cert: Certificate
    ) -> None:
        """verify() decodes each header once; a certificate header that passed is still
        refused where a status list is expected, and a status list header by verify()
        (the pinning is per type, not per header text alone)."""
        genuine = token(cert, ring)
        verify(genuine, ring, at=LATER)  # its header is now known
        with pytest.raises(InvalidStatusList, match="wrong token type"):
            verify_status_list(genuine, ring, at=LATER)
        status = StatusList.from_certificates(
            "https://example.org/status/1", [], RevocationList(), at=cert.issued_at
        )
        issuer = IssuerProfile("https://example.org", "https://example.org/status/1")
        listed = status_list_token(status, ring, issuer=issuer)
        verify_status_list(listed, ring, at=LATER)
        with pytest.raises(MalformedToken, match="wrong token type"):
            verify(listed, ring, at=LATER)
        # And a header once refused is refused again (a cached refusal, same message).
        forged = sign_jws(
            ring.active,
            open_badge_credential(cert),
            header={"alg": "Ed25519", "kid": ring.active_kid, "typ": "JWT"},
        )
        for _ in range(2):
            with pytest.raises(MalformedToken, match="wrong token type"):
                verify(forged, ring, at=LATER)

    def test_alg_none_without_signature(self, ring: KeyRing, cert: Certificate) -> None:
        """An unsigned token (alg none, empty signature) is refused."""
        header = {"alg": "none", "kid": ring.active_kid, "typ": "vc+jwt"}
        body = b64(canonical(open_badge_credential(cert)))
        with pytest.raises(MalformedToken):
            verify(f"{b64(json.dumps(header).encode())}.{body}.", ring, at=LATER)

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
        header = {"alg": "Ed25519", "kid": ring.active_kid, "typ": "vc+jwt"}
        forged = sign_jws(SigningKey.generate(at=T0), open_badge_credential(cert), header=header)
        with pytest.raises(BadSignature):
            verify(forged, ring, at=LATER)

    @pytest.mark.parametrize(
        "change",
        [
            lambda p: p.pop("issuer"),
            lambda p: p.update(type=["VerifiableCredential"]),
            lambda p: p.update(id="https://example.org/not-ours"),
            lambda p: p.update(validFrom="2026-01-02T09:00:00"),
            lambda p: p["credentialSubject"].pop("completionDate"),
            lambda p: p["credentialSubject"]["achievement"].update(name=" "),
            lambda p: p.update(credentialStatus={"statusListIndex": "01"}),
        ],
    )
    def test_valid_signature_over_a_non_certificate(
        self, ring: KeyRing, cert: Certificate, change: Any
    ) -> None:
        """A payload signed by a trusted key but not a credential of ours is malformed."""
        payload = open_badge_credential(cert)
        change(payload)
        with pytest.raises(MalformedToken, match="not a certificate credential"):
            verify(sign_jws(ring.active, payload), ring, at=LATER)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "not a compact JWS"),
            ("v2.abc.def", "not a compact JWS"),
            ("abc", "not a compact JWS"),
            ("a.b.c.d", "not a compact JWS"),
            ("e30.e30.", "header"),
            ("eyJ.e30.QQ", "not a compact JWS"),
            ("é.e30.QQ", "non-ASCII characters"),
            ("e30." + "A" * MAX_TOKEN_LENGTH, "too long"),
            ("v1", "not a compact JWS"),
            ("v1.abc", "wrong number of parts"),
            ("v1.a.b.c", "wrong number of parts"),
            ("v1.QQ.QR", "not canonical base64url"),
            ("v1.QQ+.QQ", "not canonical base64url"),
            ("v1.QQ==.QQ", "not canonical base64url"),
            ("v1.QQ.QQ", "signature has the wrong length"),
        ],
    )
    def test_malformed_tokens(self, ring: KeyRing, text: str, message: str) -> None:
        """Malformed tokens raise MalformedToken saying what was wrong and expected."""
        with pytest.raises(MalformedToken, match=message) as info:
            verify(text, ring, at=LATER)
        assert "expected" in str(info.value)

    @pytest.mark.parametrize(
        "payload", [b"not json", b"\xff\xfe", b"[1]", b"[" * 5000, b'"text"', b"null"]
    )
    def test_signed_payloads_that_are_not_objects(
        self, ring: KeyRing, payload: bytes, cert: Certificate
    ) -> None:
        """A trusted signature over bytes that are not a JSON object is malformed."""
        with pytest.raises(MalformedToken, match=r"not a JSON object|not a certificate"):
            verify(sign_jws(ring.active, payload, raw=True), ring, at=LATER)

    @pytest.mark.parametrize(
        "value", [None, 42, ["e30"], object(), bytearray(b"\xff"), b"e30." + b"A" * 10**6]
    )
    def test_non_text_tokens(self, ring: KeyRing, value: Any) -> None:
        """Non-text, non-ASCII or huge input is a MalformedToken, not a TypeError."""
        with pytest.raises(MalformedToken):
            verify(value, ring, at=LATER)


_FUZZ_RING = KeyRing.generate(at=T0)
_FUZZ_CERT = Certificate(
    certificate_id="fuzz",
    holder_id="h",
    holder_name="H",
    course_id="c",
    course_title="C",
    completed_on=dt.date(2026, 1, 2),
    issued_at=T0,
    issuer="I",
)
_FUZZ_TOKEN = token(_FUZZ_CERT, _FUZZ_RING)


class TestFuzz:
    """The short form of benchmarks/certificates.py's 100,000-input fuzz run."""

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.text(), st.binary(), st.text(alphabet="v1.AQgw-_xyzeJ=+/")))
    def test_only_library_errors(self, value: str | bytes) -> None:
        """Whatever text or bytes verify() gets, it raises only library errors."""
        with contextlib.suppress(SubscriptionKitError):
            verify(value, _FUZZ_RING.public_keyset(), at=LATER)

    @settings(max_examples=300, deadline=None)
    @given(st.data())
    def test_mutated_genuine_tokens(self, data: st.DataObject) -> None:
        """Random edits of a genuine token (replace, insert, delete) are refused."""
        text = list(_FUZZ_TOKEN)
        for _ in range(data.draw(st.integers(1, 4))):
            position = data.draw(st.integers(0, len(text) - 1))
            action = data.draw(st.sampled_from(["replace", "insert", "delete"]))
            char = data.draw(st.sampled_from(sorted(ALPHABET | {"=", "+", "/"})))
            if action == "replace":
                text[position] = char
            elif action == "insert":
                text.insert(position, char)
            else:
                del text[position]
        mutated = "".join(text)
        if mutated == _FUZZ_TOKEN:
            return
        with pytest.raises(InvalidCertificate):
            verify(mutated, _FUZZ_RING, at=LATER)

    @settings(max_examples=200, deadline=None)
    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
            lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
            max_leaves=20,
        ),
        st.booleans(),
    )
    def test_structured_payloads(self, value: object, signed: bool) -> None:
        """Well-encoded tokens with arbitrary JSON payloads raise only InvalidCertificate."""
        raw = json.dumps(value).encode()
        if signed:
            text = sign_jws(_FUZZ_RING.active, raw, raw=True)
        else:
            header = {"alg": "Ed25519", "kid": _FUZZ_RING.active_kid, "typ": "vc+jwt"}
            text = f"{b64(json.dumps(header).encode())}.{b64(raw)}.{b64(bytes(64))}"
        with pytest.raises(InvalidCertificate):
            verify(text, _FUZZ_RING, at=LATER)


@pytest.fixture(scope="module")
def rotated() -> KeyRing:
    """A ring valid from T0, rotated at T1."""
    return KeyRing.generate(at=T0).rotate(at=T1)


def _signed_at(key: SigningKey, cert: Certificate, issued_at: dt.datetime) -> str:
    return sign_jws(key, open_badge_credential(attrs.evolve(cert, issued_at=issued_at)))


class TestKeyWindows:
    """Old keys keep verifying what they signed while valid; edges on both sides."""

    @pytest.mark.parametrize("legacy", [False, True])
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
        self,
        rotated: KeyRing,
        cert: Certificate,
        which: str,
        issued_at: dt.datetime,
        ok: bool,
        legacy: bool,
    ) -> None:
        """not_before and retired_after are both inclusive, for JWS and v1 tokens alike."""
        key = rotated.get(rotated.kids[0] if which == "old" else rotated.active_kid)
        assert key is not None
        moved = attrs.evolve(cert, issued_at=issued_at)
        signed = (
            sign_v1(key, v1_payload(moved, key)) if legacy else _signed_at(key, cert, issued_at)
        )
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
        assert verify(_signed_at(key, cert, end), keys, at=LATER).kid == old_kid
        with pytest.raises(KeyNotValid):
            verify(_signed_at(key, cert, end + US), keys, at=LATER)

    def test_removed_key_no_longer_verifies(self, rotated: KeyRing, cert: Certificate) -> None:
        """A removed (compromised) key's tokens are unknown."""
        signed = token(attrs.evolve(cert, issued_at=T0), rotated)
        with pytest.raises(UnknownKey):
            verify(signed, rotated.remove(rotated.kids[0]), at=LATER)


class TestNotYetValid:
    def test_issue_time_edge(self, ring: KeyRing, cert: Certificate) -> None:
        """A certificate verifies at its issue time, not a microsecond before."""
        signed = token(cert, ring)
        assert verify(signed, ring, at=cert.issued_at).certificate_id == cert.certificate_id
        with pytest.raises(NotYetValid, match="not valid yet") as info:
            verify(signed, ring, at=cert.issued_at - US)
        assert info.value.issued_at == cert.issued_at

    def test_leeway(self, ring: KeyRing, cert: Certificate) -> None:
        """A leeway tolerates clock skew up to its size."""
        signed = token(cert, ring)
        skew = dt.timedelta(seconds=30)
        assert verify(signed, ring, at=cert.issued_at - skew, leeway=skew).kid == ring.active_kid
        with pytest.raises(NotYetValid):
            verify(signed, ring, at=cert.issued_at - skew - US, leeway=skew)


class TestRevokedAtVerification:
    @pytest.mark.parametrize("legacy", [False, True])
    def test_revoked_certificate(self, ring: KeyRing, cert: Certificate, legacy: bool) -> None:
        """A revocation in effect at `at` raises CertificateRevoked with its data."""
        revoked_at = T1
        revocations = RevocationList().revoke(cert.certificate_id, reason="fraud", at=revoked_at)
        signed = (
            sign_v1(ring.active, v1_payload(cert, ring.active)) if legacy else token(cert, ring)
        )
        with pytest.raises(CertificateRevoked, match=r"revoked at .*\(reason: fraud\)") as info:
            verify(signed, ring, at=revoked_at, revocations=revocations)
        assert (info.value.certificate_id, info.value.reason, info.value.revoked_at) == (
            cert.certificate_id,
            "fraud",
            revoked_at,
        )
        assert verify(signed, ring, at=revoked_at - US, revocations=revocations).kid

    def test_errors_pickle(self) -> None:
        """Verification errors keep their data across pickling."""
        err = CertificateRevoked(certificate_id="c", reason="r", revoked_at=T1)
        again = pickle.loads(pickle.dumps(err))
        assert (again.certificate_id, again.reason, again.revoked_at) == ("c", "r", T1)
        assert str(again) == str(err)


class TestLegacyV1:
    """Tokens of release 0.1 (`v1.`) still verify, read-only, with every check."""

    def test_round_trip(self, ring: KeyRing, cert: Certificate) -> None:
        """A v1 token verifies; it carries the whole certificate, name included."""
        verified = verify(sign_v1(ring.active, v1_payload(cert, ring.active)), ring, at=LATER)
        assert verified.legacy
        assert verified.certificate == cert
        assert verified.holder_name == "Zoë van der Berg"
        assert verified.kid == ring.active_kid
        assert verified.is_held_by("member-42")
        assert not verified.is_held_by("member-43")

    def test_every_bit_flip_is_rejected(self, ring: KeyRing, cert: Certificate) -> None:
        """Flipping any single bit of a v1 token makes it fail."""
        data = sign_v1(ring.active, v1_payload(cert, ring.active)).encode()
        for position in range(len(data)):
            for bit in range(8):
                flipped = bytearray(data)
                flipped[position] ^= 1 << bit
                with pytest.raises(InvalidCertificate):
                    verify(bytes(flipped), ring, at=LATER)

    @pytest.mark.parametrize(
        "field",
        ["certificate_id", "holder_id", "holder_name", "course_id", "course_title", "issuer"],
    )
    def test_field_edits_are_rejected(self, ring: KeyRing, cert: Certificate, field: str) -> None:
        """Re-encoding a v1 payload with one field changed, keeping the signature, fails."""
        signature = sign_v1(ring.active, v1_payload(cert, ring.active)).rsplit(".", 1)[1]
        payload = v1_payload(cert, ring.active)
        payload[field] += "x"
        with pytest.raises(BadSignature):
            verify(f"v1.{b64(canonical(payload))}.{signature}", ring, at=LATER)

    def test_unknown_short_kid(self, ring: KeyRing, cert: Certificate) -> None:
        """A v1 token of another ring names an unknown key."""
        other = SigningKey.generate(at=T0)
        with pytest.raises(UnknownKey):
            verify(sign_v1(other, v1_payload(cert, other)), ring, at=LATER)

    def test_status_index_is_not_a_v1_field(self, ring: KeyRing, cert: Certificate) -> None:
        """A v1 payload with a status_index (never made by 0.1) is malformed."""
        payload = {**v1_payload(cert, ring.active), "status_index": 3}
        with pytest.raises(MalformedToken, match="not a certificate"):
            verify(sign_v1(ring.active, payload), ring, at=LATER)


class TestVerificationUrl:
    def test_query_parameter(self) -> None:
        """The token is added as the `token` query parameter."""
        assert (
            verification_url("https://x.org/verify", "a.b.c") == "https://x.org/verify?token=a.b.c"
        )

    def test_keeps_query_and_fragment(self) -> None:
        """An existing query is kept and the fragment stays last."""
        assert (
            verification_url("https://x.org/v?lang=nl#top", "a.b.c")
            == "https://x.org/v?lang=nl&token=a.b.c#top"
        )

    def test_path_placeholder(self) -> None:
        """A {token} placeholder puts the token in the path."""
        assert verification_url("https://x.org/c/{token}", "a.b.c") == "https://x.org/c/a.b.c"

    def test_quotes(self) -> None:
        """Characters outside the token alphabet are percent-quoted."""
        assert verification_url("https://x.org/v", "a b&c") == "https://x.org/v?token=a%20b%26c"

    @pytest.mark.parametrize("base", ["x.org/verify", "ftp://x.org/", "/verify", ""])
    def test_bad_base(self, base: str) -> None:
        """Only absolute http(s) URLs are accepted."""
        with pytest.raises(InvalidInput, match="must be an absolute http"):
            verification_url(base, "a.b.c")


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
            "print(v.certificate_id, v.course_title, v.kid)\n"
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
        assert result.stdout.split() == ["cert-0001", "Feedback", "geven", ring.active_kid]

    def test_public_set_loaded_from_json_verifies(self, ring: KeyRing, cert: Certificate) -> None:
        """The key set loaded from JSON verifies like the ring."""
        keys = PublicKeySet.from_json(ring.public_keyset().to_json())
        assert verify(token(cert, ring), keys, at=LATER) == _expected(cert, ring.active_kid)
