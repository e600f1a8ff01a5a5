"""Strict, canonical base64url (no padding) and canonical JSON, shared by tokens and key files."""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
from typing import Any, Final

from ._model import to_utc

# base64url to standard base64; "+", "/" and "=" become "*", which strict decoding refuses.
_TO_STANDARD: Final = bytes.maketrans(b"-_+/=", b"+/***")
# The last character of an unpadded segment may only use the bits that carry data:
# with 2 characters in the last group 4 bits are unused, with 3 characters 2 bits.
# Anything else would let two different strings decode to the same bytes.
_LAST_OF_2: Final = frozenset("AQgw")
_LAST_OF_3: Final = frozenset("AEIMQUYcgkosw048")


def b64encode(data: bytes) -> str:
    """Encode bytes as unpadded base64url text."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    """Decode unpadded, canonical base64url text; the caller has checked it is ASCII.

    Raises:
        ValueError: not canonical unpadded base64url.
    """
    rest = len(text) % 4
    if rest == 1:
        raise ValueError("impossible length")
    if rest == 2 and text[-1] not in _LAST_OF_2:
        raise ValueError("non-canonical final character")
    if rest == 3 and text[-1] not in _LAST_OF_3:
        raise ValueError("non-canonical final character")
    padded = text.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(text) % 4)
    try:
        return binascii.a2b_base64(padded, strict_mode=True)
    except binascii.Error as exc:
        raise ValueError(str(exc)) from exc


def canonical_json(data: Any) -> bytes:
    """Serialize ``data`` as canonical JSON: sorted keys, no spaces, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def iso(moment: _dt.datetime) -> str:
    """Render an aware datetime in UTC, ISO 8601."""
    return to_utc(moment).isoformat()


def parse_moment(value: object) -> _dt.datetime:
    """Parse an ISO 8601 datetime with an offset into a UTC datetime.

    Raises:
        ValueError: not a string, unparseable or without an offset.
    """
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 string, got {type(value).__name__}")
    moment = _dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("expected an offset")
    return to_utc(moment)
