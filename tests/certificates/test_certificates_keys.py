"""Signing keys, key rings, public key sets: ids, windows, rotation, JWK and PEM."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import pickle
import re

import attrs
import pytest

from subscriptionkit.certificates import KeyRing, PublicKeySet, SigningKey, VerifyingKey
from subscriptionkit.errors import InvalidKeyMaterial, KeyRingError, NaiveDatetimeError

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=30)
US = dt.timedelta(microseconds=1)


class TestSigningKey:
    def test_kid_is_the_rfc7638_thumbprint(self) -> None:
        """The key id is the RFC 7638 thumbprint, computed here independently with hashlib."""
        key = SigningKey.generate(at=T0)
        x = key.public.to_jwk()["x"]
        members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
        digest = hashlib.sha256(members.encode()).digest()
        assert key.kid == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        assert len(key.kid) == 43
        assert key.public.kid == key.kid
        assert SigningKey.generate(at=T0).kid != key.kid

    def test_legacy_short_kid_still_loads(self) -> None:
        """A JWK saved by 0.1 (kid: the thumbprint's first 16 characters) loads, with the full kid."""
        key = SigningKey.generate(at=T0)
        jwk = key.to_jwk()
        jwk["kid"] = key.kid[:16]
        assert SigningKey.from_jwk(jwk).kid == key.kid
        ring_doc = json.loads(KeyRing((key,), key.kid).to_json())
        ring_doc["active"] = key.kid[:16]
        ring_doc["keys"][0]["kid"] = key.kid[:16]
        assert KeyRing.from_json(json.dumps(ring_doc)).active_kid == key.kid
        jwk["kid"] = key.kid[:15]
        with pytest.raises(InvalidKeyMaterial, match="kid does not belong"):
            SigningKey.from_jwk(jwk)

    def test_private_material_never_in_repr_or_str(self) -> None:
        """Neither repr nor str of a key or ring shows d or the PEM body."""
        ring = KeyRing.generate(at=T0)
        key = ring.active
        d = key.to_jwk()["d"]
        pem_body = "".join(key.to_pem().splitlines()[1:-1])
        for shown in (repr(key), str(key), repr(ring), str(ring), repr(ring.public_keyset())):
            assert d not in shown
            assert pem_body not in shown
            assert key.kid in shown

    def test_naive_not_before_is_rejected(self) -> None:
        """Key windows need aware datetimes."""
        with pytest.raises(NaiveDatetimeError, match="at must be a timezone-aware"):
            SigningKey.generate(at=dt.datetime(2026, 1, 1))

    def test_window_end_before_start_is_rejected(self) -> None:
        """retired_after before not_before raises KeyRingError with both moments."""
        key = SigningKey.generate(at=T0)
        with pytest.raises(KeyRingError, match="retired before it becomes valid") as info:
            attrs.evolve(key, retired_after=T0 - US)
        assert "2026-01-01T09:00:00+00:00" in str(info.value)

    @pytest.mark.parametrize(
        ("moment", "valid"),
        [(T0 - US, False), (T0, True), (T1, True), (T1 + US, False)],
    )
    def test_window_includes_both_ends(self, moment: dt.datetime, valid: bool) -> None:
        """A key is valid from not_before through retired_after, both included."""
        key = attrs.evolve(SigningKey.generate(at=T0), retired_after=T1)
        assert key.is_valid_at(moment) is valid
        assert key.public.is_valid_at(moment) is valid


class TestJwk:
    def test_private_round_trip(self) -> None:
        """A private JWK round-trips, window included, and signs the same."""
        key = attrs.evolve(SigningKey.generate(at=T0), retired_after=T1)
        jwk = key.to_jwk()
        assert jwk["kty"] == "OKP"
        assert jwk["crv"] == "Ed25519"
        assert jwk["kid"] == key.kid
        assert jwk["nbf"] == "2026-01-01T09:00:00+00:00"
        assert "exp" in jwk
        again = SigningKey.from_jwk(jwk)
        assert again == key
        assert again.sign(b"x") == key.sign(b"x")

    def test_public_jwk_has_no_private_part(self) -> None:
        """The public JWK has x but no d, and loads as a VerifyingKey."""
        key = SigningKey.generate(at=T0)
        jwk = key.public.to_jwk()
        assert "d" not in jwk
        assert key.to_jwk(private=False) == jwk
        assert VerifyingKey.from_jwk(jwk) == key.public

    def test_kid_must_match_the_key(self) -> None:
        """A JWK whose kid is not its thumbprint is refused."""
        jwk = SigningKey.generate(at=T0).public.to_jwk()
        jwk["kid"] = "somebody-else"
        with pytest.raises(InvalidKeyMaterial, match="kid does not belong to its public key"):
            VerifyingKey.from_jwk(jwk)

    def test_x_must_match_d(self) -> None:
        """A private JWK whose x is another key's is refused."""
        jwk = SigningKey.generate(at=T0).to_jwk()
        jwk["x"] = SigningKey.generate(at=T0).to_jwk()["x"]
        with pytest.raises(InvalidKeyMaterial, match="'x' does not belong"):
            SigningKey.from_jwk(jwk)

    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"kty": "RSA"}, "unsupported key type"),
            ({"crv": "P-256"}, "unsupported key type"),
            ({"alg": "none"}, "unsupported algorithm"),
            ({"x": "short"}, "not an Ed25519 key"),
            ({"nbf": "2026-01-01T09:00:00"}, "validity window cannot be read"),
            ({"nbf": None}, "validity window cannot be read"),
            ({"exp": "soon"}, "validity window cannot be read"),
        ],
    )
    def test_bad_public_jwks(self, change: dict[str, object], message: str) -> None:
        """Broken JWKs raise InvalidKeyMaterial saying what is wrong."""
        jwk: dict[str, object] = dict(SigningKey.generate(at=T0).public.to_jwk())
        jwk.update(change)
        with pytest.raises(InvalidKeyMaterial, match=message):
            VerifyingKey.from_jwk(jwk)

    def test_private_key_copied_into_x_is_not_echoed(self) -> None:
        """A hand-edited JWK with d copied into x: no message or exception chain holds d."""
        ring = KeyRing.generate(at=T0)
        document = json.loads(ring.to_json())
        d = document["keys"][0]["d"]
        document["keys"][0]["x"] = d
        for edited in (document, {**document, "keys": [{**document["keys"][0], "x": d + "A"}]}):
            text = json.dumps(edited)
            with pytest.raises(InvalidKeyMaterial) as info:
                KeyRing.from_json(text)
            _assert_no_secret(info.value, d)
            with pytest.raises(InvalidKeyMaterial) as public_info:
                PublicKeySet.from_json(text)
            _assert_no_secret(public_info.value, d)

    def test_unparsable_ring_is_not_echoed(self) -> None:
        """A ring file that is not JSON: neither the message nor __cause__/__context__ hold it."""
        text = KeyRing.generate(at=T0).to_json()
        d = json.loads(text)["keys"][0]["d"]
        with pytest.raises(InvalidKeyMaterial, match="content hidden") as info:
            KeyRing.from_json(text[:-2])
        _assert_no_secret(info.value, d)
        assert info.value.__cause__ is None
        assert info.value.__context__ is None

    def test_bad_private_part_is_not_echoed(self) -> None:
        """A broken d is refused without showing its value."""
        jwk = SigningKey.generate(at=T0).to_jwk()
        jwk["d"] = jwk["d"][:-4]
        with pytest.raises(InvalidKeyMaterial, match="value hidden") as info:
            SigningKey.from_jwk(jwk)
        assert jwk["d"] not in str(info.value)


def _assert_no_secret(error: BaseException, secret: str) -> None:
    """Neither the error, nor any exception chained to it, shows ``secret``."""
    seen: BaseException | None = error
    while seen is not None:
        assert secret not in str(seen)
        assert secret not in repr(seen.args)
        assert all(secret not in repr(value) for value in vars(seen).values())
        seen = seen.__cause__ or seen.__context__


class TestPem:
    def test_private_round_trip(self) -> None:
        """A private key round-trips through PKCS#8 PEM; the window is given on load."""
        key = SigningKey.generate(at=T0)
        pem = key.to_pem()
        assert pem.startswith("-----BEGIN PRIVATE KEY-----")
        assert SigningKey.from_pem(pem, not_before=T0) == key

    def test_encrypted_round_trip(self) -> None:
        """With a password the PEM is encrypted and needs the password back."""
        key = SigningKey.generate(at=T0)
        pem = key.to_pem(password=b"s3cret")
        assert "ENCRYPTED" in pem
        assert SigningKey.from_pem(pem, not_before=T0, password=b"s3cret") == key
        with pytest.raises(InvalidKeyMaterial, match="cannot be loaded as a private key"):
            SigningKey.from_pem(pem, not_before=T0, password=b"wrong")

    def test_public_round_trip(self) -> None:
        """A public key round-trips through SubjectPublicKeyInfo PEM."""
        public = SigningKey.generate(at=T0).public
        pem = public.to_pem()
        assert pem.startswith("-----BEGIN PUBLIC KEY-----")
        assert VerifyingKey.from_pem(pem.encode(), not_before=T0) == public

    def test_garbage_pem(self) -> None:
        """Garbage PEM raises InvalidKeyMaterial."""
        with pytest.raises(InvalidKeyMaterial, match="cannot be loaded as a public key"):
            VerifyingKey.from_pem("not a pem", not_before=T0)
        with pytest.raises(InvalidKeyMaterial, match="cannot be loaded as a private key"):
            SigningKey.from_pem("not a pem", not_before=T0)

    def test_public_pem_is_not_a_private_key(self) -> None:
        """Loading a public PEM as a private key fails cleanly."""
        with pytest.raises(InvalidKeyMaterial):
            SigningKey.from_pem(SigningKey.generate(at=T0).public.to_pem(), not_before=T0)


class TestKeyRing:
    def test_generate(self) -> None:
        """A new ring has one active key, valid from at, not retired."""
        ring = KeyRing.generate(at=T0)
        assert len(ring) == 1
        assert ring.active.not_before == T0
        assert ring.active.retired_after is None
        assert ring.kids == (ring.active_kid,)

    def test_rotate(self) -> None:
        """Rotation adds a new active key from at and retires the old one at at."""
        ring = KeyRing.generate(at=T0)
        rotated = ring.rotate(at=T1)
        assert rotated is not ring
        assert len(ring) == 1  # the original is unchanged
        old = rotated.get(ring.active_kid)
        assert old is not None
        assert old.retired_after == T1
        assert rotated.active.not_before == T1
        assert rotated.active_kid != ring.active_kid

    @pytest.mark.parametrize("at", [T0, T0 - US])
    def test_rotate_not_after_the_active_key_start(self, at: dt.datetime) -> None:
        """Rotation at or before the active key's not_before is refused."""
        with pytest.raises(KeyRingError, match="can only rotate after"):
            KeyRing.generate(at=T0).rotate(at=at)

    def test_retire(self) -> None:
        """Retiring a former key shortens its window; the ring is new."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        old_kid = ring.kids[0]
        retired = ring.retire(old_kid, at=T1 - dt.timedelta(days=1))
        key = retired.get(old_kid)
        assert key is not None
        assert key.retired_after == T1 - dt.timedelta(days=1)

    def test_retire_cannot_extend(self) -> None:
        """Retirement only shortens a window."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        with pytest.raises(KeyRingError, match="retirement only shortens"):
            ring.retire(ring.kids[0], at=T1 + US)

    def test_retire_active_key(self) -> None:
        """The active key cannot be retired: rotate first."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(KeyRingError, match="cannot retire the active key"):
            ring.retire(ring.active_kid, at=T1)

    def test_retire_unknown_key(self) -> None:
        """Retiring a key the ring does not hold names the key ids it holds."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(
            KeyRingError, match=re.escape(f"not in the key ring; expected one of {ring.active_kid}")
        ):
            ring.retire("nope", at=T1)

    def test_remove(self) -> None:
        """A former key can be removed (compromise); the active key cannot."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        assert ring.remove(ring.kids[0]).kids == (ring.active_kid,)
        with pytest.raises(KeyRingError, match="cannot remove the active key"):
            ring.remove(ring.active_kid)

    def test_signing_key_for(self) -> None:
        """The key that signs is the one valid at the issue time, the newest on a tie."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        assert ring.signing_key_for(T1).kid == ring.active_kid
        assert ring.signing_key_for(T1 - US).kid == ring.kids[0]
        with pytest.raises(KeyRingError, match="no key in the ring was valid"):
            ring.signing_key_for(T0 - US)

    def test_json_round_trip(self) -> None:
        """The private ring round-trips through JSON."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        again = KeyRing.from_json(ring.to_json())
        assert again == ring
        assert again.active.sign(b"m") == ring.active.sign(b"m")

    def test_active_key_must_be_in_the_ring(self) -> None:
        """An active kid the ring lacks is refused."""
        data = KeyRing.generate(at=T0).to_dict()
        data["active"] = "missing"
        with pytest.raises(KeyRingError, match="active key id is not in the key ring"):
            KeyRing.from_dict(data)

    def test_active_key_must_not_be_retired(self) -> None:
        """A ring whose active key is retired is refused."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(KeyRingError, match="is retired"):
            KeyRing((attrs.evolve(ring.active, retired_after=T1),), ring.active_kid)

    def test_duplicate_keys(self) -> None:
        """A key twice in a ring is refused."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(InvalidKeyMaterial, match="twice"):
            KeyRing((ring.active, ring.active), ring.active_kid)

    @pytest.mark.parametrize("text", ["", "{", "[]", '{"format": "x"}', "null"])
    def test_bad_ring_documents(self, text: str) -> None:
        """Documents that are not key rings raise InvalidKeyMaterial."""
        with pytest.raises(InvalidKeyMaterial):
            KeyRing.from_json(text)

    def test_public_ring_document_is_not_a_private_ring(self) -> None:
        """A public key set cannot be loaded as a private ring."""
        ring = KeyRing.generate(at=T0)
        with pytest.raises(InvalidKeyMaterial, match="not a private key ring"):
            KeyRing.from_json(ring.public_keyset().to_json())


class TestPublicKeySet:
    def test_json_round_trip_without_private_parts(self) -> None:
        """The public set dumps without d and loads back equal."""
        ring = KeyRing.generate(at=T0).rotate(at=T1)
        public = ring.public_keyset()
        text = public.to_json()
        assert '"d"' not in text
        assert len(json.loads(text)["keys"]) == 2
        assert PublicKeySet.from_json(text) == public
        assert public.kids == ring.kids

    def test_loads_the_public_half_of_a_private_ring(self) -> None:
        """A private ring's JSON loads as a public set (the private parts are dropped)."""
        ring = KeyRing.generate(at=T0)
        assert PublicKeySet.from_json(ring.to_json()) == ring.public_keyset()

    @pytest.mark.parametrize("text", ["", "{}", '{"keys": {}}', '{"keys": [1]}', "[1]"])
    def test_bad_documents(self, text: str) -> None:
        """Documents that are not key sets raise InvalidKeyMaterial."""
        with pytest.raises(InvalidKeyMaterial):
            PublicKeySet.from_json(text)

    def test_errors_pickle(self) -> None:
        """Key errors keep their attributes across pickling."""
        err = KeyRingError(problem="p", expected="e", got="g")
        again = pickle.loads(pickle.dumps(err))
        assert (again.problem, again.expected, again.got, str(again)) == (
            "p",
            "e",
            "g",
            "p; expected e, got g",
        )
