"""Benchmark: certificate tokens verified per second against raw Ed25519, and a fuzz run.

Run ``python benchmarks/certificates.py [--quick]``. Both rates are measured in the same
process, pinned to one core where the platform allows it, interleaved over several
rounds, in the process's CPU time (so other load on a shared machine does not count);
the best round of each counts, and the median of the per-round ratios is printed too. The target is ``verify()`` of a JWS token reaching
at least 60 % of the raw ``Ed25519PublicKey.verify`` rate on the same signed bytes (the
JOSE library's parsing and the credential's fields cost the rest).

The fuzz run then feeds ``verify()`` 100,000 inputs (``--quick``: 5,000): random edits of
a genuine token, random base64url text shaped like a JWS, random bytes and text, and
well-signed tokens with random JSON payloads and headers; every one must raise a library
error, and none may verify. Without ``--quick`` the script exits 1 when the ratio is under
the target; a non-library error or a forged token that verifies fails every run.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator

from subscriptionkit.certificates import (
    IssuerProfile,
    KeyRing,
    RevocationList,
    issue,
    open_badge_credential,
    token,
    verify,
)
from subscriptionkit.errors import SubscriptionKitError

TARGET_RATIO = 0.60
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _fuzz_inputs(
    genuine: str, ring: KeyRing, payload: object, rng: random.Random
) -> Iterator[object]:
    """Endless fuzz inputs, cycling through four kinds."""
    key = ring.active
    header = {"alg": "Ed25519", "kid": key.kid, "typ": "vc+jwt"}
    while True:
        text = list(genuine)
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(text))
            action = rng.randrange(3)
            char = rng.choice(_ALPHABET + ".=+/")
            if action == 0:
                text[position] = char
            elif action == 1:
                text.insert(position, char)
            else:
                del text[position]
        yield "".join(text)
        yield ".".join(
            "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 60))) for _ in range(3)
        )
        yield (
            rng.randbytes(rng.randint(0, 200))
            if rng.random() < 0.5
            else "".join(chr(rng.randint(0, 0x2FF)) for _ in range(rng.randint(0, 80)))
        )
        # Signed by the real key: a header or payload that is not ours must still fail.
        fields = dict(payload) if isinstance(payload, dict) else {}
        victim = rng.choice([*fields, "x"])
        fields[victim] = rng.choice([None, 0, "", [], {}, "2026-13-01", True])
        bad_header = dict(header)
        if rng.random() < 0.3:
            bad_header[rng.choice(["alg", "typ", "crit", "b64", "jku"])] = rng.choice(
                ["none", "EdDSA", "JWT", ["b64"], False, "https://x"]
            )
        signing_input = (
            f"{_b64(json.dumps(bad_header).encode())}.{_b64(json.dumps(fields).encode())}"
        )
        yield f"{signing_input}.{_b64(key.sign(signing_input.encode()))}"


def _fuzz(count: int, genuine: str, ring: KeyRing, payload: object) -> tuple[int, int, float]:
    """Run ``count`` fuzz inputs; return (library errors, signed inputs accepted, seconds).

    Every fourth input is signed by the real key (a header or payload edit made by the
    key holder): it may verify when the edit leaves a credential of ours, and must
    otherwise raise a library error. Any other input that verifies is a forgery: fail.
    """
    at = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    keys = ring.public_keyset()
    inputs = _fuzz_inputs(genuine, ring, payload, random.Random(20260301))
    refused = signed_accepted = 0
    start = time.perf_counter()
    for number in range(count):
        value = next(inputs)
        if value == genuine:
            refused += 1  # an edit that undid itself: not a forgery
            continue
        try:
            verify(value, keys, at=at)  # type: ignore[arg-type]
        except SubscriptionKitError:
            refused += 1
        else:
            if number % 4 != 3:
                raise SystemExit(f"FAIL: a fuzz input verified: {value!r}")
            signed_accepted += 1
    return refused, signed_accepted, time.perf_counter() - start


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second of ``fn`` over about ``seconds`` of this process's CPU time.

    CPU time, not wall time: on a shared machine the time other processes hold the core
    is not counted against either side, so the ratio measures our code, not the load.
    """
    batch = 200
    calls = 0
    start = time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        now = time.process_time()
        if now >= deadline:
            return calls / (now - start)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run, never fails")
    args = parser.parse_args(argv)
    rounds, seconds = (2, 0.2) if args.quick else (5, 1.0)
    fuzz_count = 5_000 if args.quick else 100_000

    pinning = _pin_to_one_core()
    at = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
    ring = KeyRing.generate(at=at)
    keys = ring.public_keyset()
    certificate = issue(
        holder_id="member-0042",
        holder_name="Anne-Marie van der Berg",
        course_id="course-feedback-101",
        course_title="Feedback geven en ontvangen",
        completed_on=at.date(),
        issued_at=at,
        issuer="Soofos",
        status_index=4711,
    )
    issuer = IssuerProfile("https://soofos.example", "https://soofos.example/status/1")
    signed = token(certificate, ring, issuer=issuer)
    revocations = RevocationList().revoke("someone-else", reason="test", at=at)

    # The raw baseline: the very bytes verify() checks, with a pre-loaded key object.
    signed_part, _, _ = signed.rpartition(".")
    message = signed_part.encode("ascii")
    signature = ring.active.sign(message)
    public_key = ring.active.private_key.public_key()

    def raw() -> None:
        public_key.verify(signature, message)

    def full() -> None:
        verify(signed, keys, at=at, revocations=revocations)

    raw_rates: list[float] = []
    full_rates: list[float] = []
    for _ in range(rounds):
        raw_rates.append(_rate(raw, seconds))
        full_rates.append(_rate(full, seconds))
    best_raw, best_full = max(raw_rates), max(full_rates)
    ratio = best_full / best_raw
    # Each round's own ratio (the two measured back to back), as a second view.
    round_ratio = statistics.median(f / r for f, r in zip(full_rates, raw_rates, strict=True))

    print(f"certificate verification benchmark ({pinning}; token of {len(signed)} characters)")
    print(f"  raw Ed25519PublicKey.verify : {best_raw:10,.0f} verifies/s")
    print(f"  certificates.verify()       : {best_full:10,.0f} verifies/s")
    print(f"  ratio                       : {ratio:10.3f} (target >= {TARGET_RATIO:.2f})")
    print(f"  median of per-round ratios  : {round_ratio:10.3f} ({rounds} rounds, CPU time)")
    payload = open_badge_credential(certificate, issuer)
    refused, accepted, elapsed = _fuzz(fuzz_count, signed, ring, payload)
    print(
        f"  fuzz: {fuzz_count:,} inputs in {elapsed:.1f} s: {refused:,} refused with library "
        f"errors, no forgery verified; {accepted:,} edits signed by the real key verified"
    )
    if refused + accepted != fuzz_count:
        print("FAIL: a fuzz input raised something else", file=sys.stderr)
        return 1
    if ratio < TARGET_RATIO and not args.quick:
        print("FAIL: verify() is too slow relative to raw Ed25519", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
