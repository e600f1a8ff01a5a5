"""Verified elsewhere: our tokens with jwcrypto (Python) and with Node's `jose` (npm), and back.

Both other libraries get only the published JWK Set. A tampered token must fail there too.
One kind of edit passes both of them: a different last character of the signature that
decodes to the same 64 bytes (base64url's unused low bits, which they do not check). It
changes no signed or signature byte, so it is not a forgery; our verifier refuses it all
the same (canonical encoding only), and the tests below assert exactly that case.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jws as jwcrypto_jws

from certificate_helpers import lenient_segments, missing, split, tampered_tokens
from subscriptionkit.certificates import (
    Certificate,
    IssuerProfile,
    KeyRing,
    SigningKey,
    open_badge_credential,
    token,
    verify,
)
from subscriptionkit.errors import BadSignature, InvalidCertificate, UnknownKey

LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
NODE_DIR = Path(__file__).parents[1] / "node"
ISSUER = IssuerProfile("https://soofos.example", "https://soofos.example/status/1")


@pytest.fixture(scope="module")
def genuine(ring: KeyRing, cert: Certificate) -> str:
    """The session certificate's token, with a status entry."""
    return token(cert, ring, issuer=ISSUER)


@pytest.fixture(scope="module")
def tampered(ring: KeyRing, genuine: str) -> list[str]:
    """Every tampered variant of the genuine token, each refused by our verify()."""
    tokens = tampered_tokens(genuine, ring.active, SigningKey.generate(at=ring.active.not_before))
    for text in tokens:
        with pytest.raises(InvalidCertificate):
            verify(text, ring.public_keyset(), at=LATER)
    return tokens


def _same_bytes(text: str, genuine: str) -> bool:
    """Whether ``text`` decodes, segment by segment, to the genuine token's bytes."""
    decoded = lenient_segments(text)
    return decoded is not None and decoded == lenient_segments(genuine)


def _jwcrypto_verify(text: str, keys: jwcrypto_jwk.JWKSet) -> dict[str, Any]:
    obj = jwcrypto_jws.JWS()
    obj.allowed_algs = ["Ed25519"]
    obj.deserialize(text)
    obj.verify(keys)
    if obj.jose_header.get("typ") != "vc+jwt":
        raise ValueError("wrong typ")
    payload: dict[str, Any] = json.loads(obj.payload)
    return payload


class TestJwcrypto:
    """A second, independent Python JOSE library with only the published JWK Set."""

    def test_genuine_token_verifies(self, ring: KeyRing, cert: Certificate, genuine: str) -> None:
        """jwcrypto verifies our token and reads the same credential."""
        keys = jwcrypto_jwk.JWKSet.from_json(ring.public_keyset().to_json())
        payload = _jwcrypto_verify(genuine, keys)
        assert payload == open_badge_credential(cert, ISSUER)
        assert split(genuine)[0]["kid"] == ring.active_kid

    def test_every_tampered_token_fails(
        self, ring: KeyRing, genuine: str, tampered: list[str]
    ) -> None:
        """Every tampered token fails in jwcrypto, but for same-bytes re-encodings."""
        keys = jwcrypto_jwk.JWKSet.from_json(ring.public_keyset().to_json())
        accepted = []
        for text in tampered:
            try:
                _jwcrypto_verify(text, keys)
            except Exception:  # any refusal counts; the library's kinds vary
                continue
            accepted.append(text)
        assert all(_same_bytes(text, genuine) for text in accepted)
        assert all(text[:-1] == genuine[:-1] for text in accepted)


def _node(request: dict[str, Any]) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        missing("Node.js (`node` on PATH)")
    if not (NODE_DIR / "node_modules" / "jose" / "package.json").exists():
        missing(f"the npm package jose (npm ci --prefix {NODE_DIR})")
    result = subprocess.run(
        [str(node), str(NODE_DIR / "jose_check.mjs")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


class TestNodeJose:
    """Node's `jose` from npm: it verifies ours with the JWK Set, and we verify its tokens."""

    def test_genuine_verifies_and_tampered_fail(
        self, ring: KeyRing, cert: Certificate, genuine: str, tampered: list[str]
    ) -> None:
        """The genuine token verifies in Node; every tampered one fails (same-bytes aside)."""
        answer = _node(
            {
                "mode": "verify",
                "jwks": ring.public_keyset().to_dict(),
                "typ": "vc+jwt",
                "tokens": [genuine, *tampered],
            }
        )
        first, *rest = answer["results"]
        assert first == {
            "ok": True,
            "kid": ring.active_kid,
            "payload": open_badge_credential(cert, ISSUER),
        }
        accepted = [text for text, result in zip(tampered, rest, strict=True) if result["ok"]]
        assert all(_same_bytes(text, genuine) for text in accepted)
        assert all(text[:-1] == genuine[:-1] for text in accepted)

    def test_node_made_tokens(self, ring: KeyRing, cert: Certificate) -> None:
        """A Node-made token verifies with our verify() when signed by a key of our set only."""
        payload = json.dumps(open_badge_credential(cert, ISSUER))
        answer = _node(
            {"mode": "sign", "jwk": ring.active.to_jwk(private=True), "payload": payload}
        )
        verified = verify(answer["own"], ring.public_keyset(), at=LATER)
        assert verified.certificate_id == cert.certificate_id
        assert verified.is_held_by(cert.holder_id)
        assert verified.status_index is None  # the session certificate has none
        with pytest.raises(UnknownKey):
            verify(answer["foreign"], ring.public_keyset(), at=LATER)
        with pytest.raises(BadSignature):
            verify(answer["impostor"], ring.public_keyset(), at=LATER)
