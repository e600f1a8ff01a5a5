"""Benchmark: certificate tokens verified per second, against raw Ed25519 verification.

Run ``python benchmarks/certificates.py [--quick]``. Both measurements run in the same
process, pinned to one core where the platform allows it, interleaved over several
rounds; the best round of each counts. The target is ``verify()`` reaching at least
80 % of the raw ``Ed25519PublicKey.verify`` rate on the same signed bytes: the rest
of ``verify()`` (decoding, JSON, checks) must stay cheap next to the signature check.
Without ``--quick`` the script exits 1 when the ratio is under the target.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable

from subscriptionkit.certificates import KeyRing, RevocationList, issue, token, verify

TARGET_RATIO = 0.80


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity") and hasattr(os, "sched_getaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"pinned to core {core}"
    return "not pinned (no sched_setaffinity here)"


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``fn`` over about ``seconds``."""
    batch = 200
    calls = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        now = time.perf_counter()
        if now >= deadline:
            return calls / (now - start)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short run, never fails")
    args = parser.parse_args(argv)
    rounds, seconds = (2, 0.2) if args.quick else (5, 1.0)

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
    )
    signed = token(certificate, ring)
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

    best_raw = best_full = 0.0
    for _ in range(rounds):
        best_raw = max(best_raw, _rate(raw, seconds))
        best_full = max(best_full, _rate(full, seconds))
    ratio = best_full / best_raw

    print(f"certificate verification benchmark ({pinning}; token of {len(signed)} characters)")
    print(f"  raw Ed25519PublicKey.verify : {best_raw:10,.0f} verifies/s")
    print(f"  certificates.verify()       : {best_full:10,.0f} verifies/s")
    print(f"  ratio                       : {ratio:10.3f} (target >= {TARGET_RATIO:.2f})")
    if ratio < TARGET_RATIO and not args.quick:
        print("FAIL: verify() is too slow relative to raw Ed25519", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
