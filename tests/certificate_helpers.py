"""Independent encoders for the certificate tests: compact JWS and v1 tokens with any key.

They use only the standard library and ``cryptography``, not the library's own code, so a
test that signs with them checks the documented format rather than the implementation.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

import pytest

from subscriptionkit.certificates import Certificate, SigningKey


def b64(data: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def canonical(data: Any) -> bytes:
    """Canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign_jws(
    key: SigningKey, payload: Any, *, header: dict[str, Any] | None = None, raw: bool = False
) -> str:
    """A compact JWS of ``payload`` signed by ``key``; the header defaults to ours."""
    protected = (
        header if header is not None else {"alg": "Ed25519", "kid": key.kid, "typ": "vc+jwt"}
    )
    body = payload if raw else canonical(payload)
    signing_input = f"{b64(json.dumps(protected, separators=(',', ':')).encode())}.{b64(body)}"
    return f"{signing_input}.{b64(key.sign(signing_input.encode()))}"


def split(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes]:
    """Return a compact JWS's header, payload and signature."""
    header, payload, signature = token.split(".")
    return json.loads(unb64(header)), json.loads(unb64(payload)), unb64(signature)


def sign_v1(key: SigningKey, payload: dict[str, Any]) -> str:
    """A token of the deprecated v1 format (release 0.1), signing with any key."""
    signed = "v1." + b64(canonical(payload))
    return signed + "." + b64(key.sign(signed.encode()))


def v1_payload(cert: Certificate, key: SigningKey) -> dict[str, Any]:
    """The v1 payload of a certificate: its fields and the 16-character key id of 0.1."""
    return {**cert.to_dict(), "kid": key.kid[:16]}


def missing(what: str) -> None:
    """Skip a test needing ``what`` (naming it), or fail it under ``CI=true``."""
    message = f"needs {what}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI=true: this test must run; .ci/run installs it)")
    pytest.skip(message)


def lenient_segments(token: str) -> list[bytes] | None:
    """The bytes of a compact JWS's segments, decoded as leniently as most libraries do."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        return [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in parts]
    except ValueError:
        return None


def tampered_tokens(genuine: str, key: SigningKey, other: SigningKey) -> list[str]:
    """Tokens made from ``genuine`` without ``key``'s help: a bit flip in every byte (the
    bit rotating with the position; all 7 ASCII bits in the last 8 bytes), prefixes and
    suffixes at every 5th cut, payload field edits with the original signature, and
    signatures by ``other`` under ``key``'s kid."""
    data = genuine.encode()
    out: list[str] = []
    for position in range(len(data)):
        bits = range(7) if position >= len(data) - 8 else (position % 7,)  # bit 7: not ASCII
        for bit in bits:
            flipped = bytearray(data)
            flipped[position] ^= 1 << bit
            out.append(flipped.decode("ascii"))
    for cut in range(0, len(genuine), 5):
        out.extend((genuine[:cut], genuine[cut + 1 :]))
    header_part, _, signature = genuine.split(".")
    _, payload, _ = split(genuine)
    for field, value in (("validFrom", "2020-01-01T00:00:00Z"), ("name", "Other course")):
        edited = {**payload, field: value}
        out.append(f"{header_part}.{b64(canonical(edited))}.{signature}")
    out.append(sign_jws(other, payload, header={"alg": "Ed25519", "kid": key.kid, "typ": "vc+jwt"}))
    return out
