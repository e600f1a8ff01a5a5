"""Tokens: random, long, stored only as a keyed hash, compared in constant time, rotatable keys."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from subscriptionkit import errors, teams

KEY = b"k" * 32


class TestNewToken:
    """Tokens come from ``secrets`` and carry at least 128 bits."""

    def test_length_and_alphabet(self) -> None:
        """The prefix, then 43 URL-safe characters: 32 random bytes (256 bits)."""
        token = teams.new_token()
        assert re.fullmatch(r"skt_[A-Za-z0-9_-]{43}", token)
        assert teams.TOKEN_BYTES * 8 >= 128

    def test_unique(self) -> None:
        """A thousand tokens are all different."""
        assert len({teams.new_token() for _ in range(1000)}) == 1000


class TestTokenKeys:
    """The host's keys: validated, hidden in repr, rotatable."""

    def test_digest_is_keyed_hmac(self) -> None:
        """The digest is HMAC-SHA256 over purpose and token with the current key."""
        keys = teams.TokenKeys({"a": KEY}, current="a")
        digest = keys.digest("tok", "link")
        expected = hmac.new(KEY, b"link\x00tok", hashlib.sha256).hexdigest()
        assert digest == teams.TokenDigest("a", expected)

    def test_purposes_do_not_mix(self) -> None:
        """An invitation token's digest does not match as a link."""
        keys = teams.TokenKeys({"a": KEY}, current="a")
        digest = keys.digest("tok", "invitation")
        assert keys.matches("tok", digest, "invitation")
        assert not keys.matches("tok", digest, "link")
        assert not keys.matches("tok2", digest, "invitation")

    def test_other_key_does_not_match(self) -> None:
        """A digest checks only under the key that made it; a dropped key matches nothing."""
        digest = teams.TokenKeys({"a": KEY}, current="a").digest("tok", "link")
        assert not teams.TokenKeys({"a": b"x" * 32}, current="a").matches("tok", digest, "link")
        assert not teams.TokenKeys({"b": KEY}, current="b").matches("tok", digest, "link")

    def test_rotation(self) -> None:
        """After rotation new digests use the new key, old ones still check."""
        keys = teams.TokenKeys({"a": KEY}, current="a")
        old = keys.digest("tok", "link")
        rotated = keys.rotate("b", b"b" * 32)
        assert rotated.current == "b"
        assert rotated.digest("tok", "link").key_id == "b"
        assert rotated.matches("tok", old, "link")
        assert [d.key_id for d in rotated.digests("tok", "link")] == ["a", "b"]

    def test_repr_hides_keys(self) -> None:
        """Neither repr nor a digest's repr shows secret material."""
        keys = teams.TokenKeys({"a": KEY}, current="a")
        digest = keys.digest("tok", "link")
        assert repr(keys) == "TokenKeys(key_ids=('a',), current='a')"
        assert digest.digest not in repr(digest)

    def test_from_hex(self) -> None:
        """Keys load from hex configuration values."""
        keys = teams.TokenKeys.from_hex({"a": KEY.hex()}, current="a")
        assert keys.keys == {"a": KEY}
        with pytest.raises(errors.InvalidTokenKey, match="not hexadecimal"):
            teams.TokenKeys.from_hex({"a": "zz"}, current="a")

    def test_short_key_refused(self) -> None:
        """A key under 16 bytes is refused."""
        with pytest.raises(errors.InvalidTokenKey) as info:
            teams.TokenKeys({"a": b"short"}, current="a")
        assert str(info.value) == (
            "token key 'a' is too short or not bytes (got 5); expected at least 16 random bytes"
        )

    def test_current_must_exist(self) -> None:
        """The current key id must be configured; so must a key asked for by id."""
        with pytest.raises(errors.InvalidTokenKey, match="not among the configured keys"):
            teams.TokenKeys({"a": KEY}, current="b")
        with pytest.raises(errors.InvalidTokenKey, match="is not configured"):
            teams.TokenKeys({"a": KEY}, current="a").digest("t", "link", key_id="z")

    def test_generate(self) -> None:
        """Generated keys are 32 random bytes, different each time."""
        a, b = teams.TokenKeys.generate(), teams.TokenKeys.generate()
        assert len(a.keys["k1"]) == 32
        assert a.keys != b.keys
