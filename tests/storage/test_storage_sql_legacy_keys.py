"""Keys stored by release 0.1 (16-character key ids) still load from a SQL store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import sqlalchemy as sa

from subscriptionkit import certificates
from subscriptionkit.storage.sql import SqlStore

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


def test_private_ring_with_short_kids_loads(tmp_path: Path) -> None:
    """A ring whose rows and JWKs carry 0.1's short key ids loads with the full thumbprints."""
    ring = certificates.KeyRing.generate(at=T0).rotate(at=T0 + dt.timedelta(days=1))
    store = SqlStore(f"sqlite:///{tmp_path / 'old.db'}")
    with store.unit_of_work() as uow:
        uow.keys.save_private_keyring(ring)
        uow.commit()
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        for key in ring:
            jwk = key.to_jwk(private=True) | {"kid": key.kid[:16]}
            connection.execute(
                sa.text("UPDATE sk_keys SET kid = :short, document = :doc WHERE kid = :kid"),
                {"short": key.kid[:16], "doc": json.dumps(jwk), "kid": key.kid},
            )
    engine.dispose()
    with store.unit_of_work() as uow:
        loaded = uow.keys.private_keyring()
    assert loaded.active_kid == ring.active_kid
    assert loaded.kids == ring.kids
