"""Invitation and link tokens: random, shown once, stored only as a keyed hash.

A token is ``skt_`` and 32 random bytes from ``secrets`` (256 bits), URL-safe base64. The team keeps
only ``HMAC-SHA256(key, purpose || token)`` with a key from the host's configuration, never
stored in the database: a copy of the database yields no working token, and without the key
the hashes cannot even be checked against guesses. Keys have ids, so they can be rotated:
a new key hashes new tokens while the old one still checks the tokens it hashed, until the
host drops it (which cancels those tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Final, Literal

import attrs

from .._checks import identifier, is_identifier
from ..errors import InvalidArgument, InvalidTokenKey

#: Random bytes in a token (256 bits; the rule is at least 128).
TOKEN_BYTES: Final = 32
#: The shortest key accepted for hashing tokens, in bytes.
MIN_KEY_BYTES: Final = 16

#: The prefix of every token: says what it is, and keeps a token from starting with ``-``
#: (which a command line would take for an option).
TOKEN_PREFIX: Final = "skt_"

TokenPurpose = Literal["invitation", "link"]


def new_token() -> str:
    """Return a fresh token: ``skt_`` and 256 random bits from ``secrets``, URL-safe.

    47 characters: the prefix and 43 of base64url.
    """
    return TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)


@attrs.frozen
class TokenDigest:
    """The stored form of a token: which key hashed it, and the hex HMAC-SHA256.

    Attributes:
        key_id: the id of the :class:`TokenKeys` key that made the digest.
        digest: 64 hex digits.
    """

    key_id: str
    digest: str = attrs.field(repr=False)


def _keys(value: Mapping[str, bytes]) -> Mapping[str, bytes]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidArgument(
            name="keys", expected="a mapping of key ids (str) to bytes", got=value
        )
    return dict(value)


@attrs.frozen
class TokenKeys:
    """The host's keys for hashing team tokens, by id; ``current`` hashes new tokens.

    Load them from configuration (an environment variable, a secrets manager), never from
    the database. ``repr`` shows the key ids only.

    >>> keys = TokenKeys({"2026-01": b"0123456789abcdef0123456789abcdef"}, current="2026-01")
    >>> keys
    TokenKeys(key_ids=('2026-01',), current='2026-01')

    Raises:
        InvalidTokenKey: no keys, ``current`` not among them, or a key shorter than 16 bytes.
    """

    keys: Mapping[str, bytes] = attrs.field(converter=_keys)
    current: str = attrs.field(validator=is_identifier)

    def __attrs_post_init__(self) -> None:
        if self.current not in self.keys:
            raise InvalidTokenKey(
                key_id=self.current,
                problem="is not among the configured keys",
                expected=f"one of {sorted(self.keys)!r}",
            )
        for key_id, key in self.keys.items():
            if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
                size = len(key) if isinstance(key, bytes) else type(key).__name__
                raise InvalidTokenKey(
                    key_id=key_id,
                    problem=f"is too short or not bytes (got {size})",
                    expected=f"at least {MIN_KEY_BYTES} random bytes",
                )

    def __repr__(self) -> str:
        return f"TokenKeys(key_ids={tuple(sorted(self.keys))!r}, current={self.current!r})"

    @classmethod
    def generate(cls, key_id: str = "k1") -> TokenKeys:
        """Return one fresh random 32-byte key (for tests and first-time setup)."""
        identifier(key_id, "key_id")
        return cls({key_id: secrets.token_bytes(32)}, current=key_id)

    @classmethod
    def from_hex(cls, keys: Mapping[str, str], *, current: str) -> TokenKeys:
        """Build from hex strings, as configuration files and environment variables hold them.

        Raises:
            InvalidTokenKey: a value that is not hex, or a key too short.
        """
        if not isinstance(keys, Mapping):
            raise InvalidArgument(name="keys", expected="a mapping of key ids to hex", got=keys)
        decoded: dict[str, bytes] = {}
        for key_id, text in keys.items():
            try:
                decoded[key_id] = bytes.fromhex(text)
            except (ValueError, TypeError):
                raise InvalidTokenKey(
                    key_id=key_id, problem="is not hexadecimal", expected="hex digits"
                ) from None
        return cls(decoded, current=current)

    def rotate(self, key_id: str, key: bytes) -> TokenKeys:
        """Return keys with ``key`` added as the current one; the old keys still check."""
        return TokenKeys({**self.keys, key_id: key}, current=key_id)

    def digest(self, token: str, purpose: TokenPurpose, key_id: str | None = None) -> TokenDigest:
        """Hash ``token`` for ``purpose`` with the current key (or ``key_id``).

        Raises:
            InvalidTokenKey: ``key_id`` is not configured.
        """
        kid = self.current if key_id is None else key_id
        key = self.keys.get(kid)
        if key is None:
            raise InvalidTokenKey(
                key_id=kid,
                problem="is not configured",
                expected=f"one of {sorted(self.keys)!r}",
            )
        mac = hmac.new(key, f"{purpose}\x00{token}".encode(), hashlib.sha256)
        return TokenDigest(kid, mac.hexdigest())

    def digests(self, token: str, purpose: TokenPurpose) -> tuple[TokenDigest, ...]:
        """Hash ``token`` with every configured key (for looking it up in a store)."""
        return tuple(self.digest(token, purpose, kid) for kid in sorted(self.keys))

    def matches(self, token: str, stored: TokenDigest, purpose: TokenPurpose) -> bool:
        """Whether ``token`` is the one ``stored`` was made from, compared in constant time.

        A digest made with a key that is no longer configured matches nothing.
        """
        if stored.key_id not in self.keys or not isinstance(token, str):
            return False
        mine = self.digest(token, purpose, stored.key_id).digest
        return hmac.compare_digest(mine, stored.digest)
