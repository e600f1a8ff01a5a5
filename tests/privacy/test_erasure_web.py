"""After erasure the public verification page still says genuine, and shows no name."""

from __future__ import annotations

import datetime as dt

from starlette.testclient import TestClient

from subscriptionkit import certificates, privacy
from subscriptionkit.clock import FixedClock
from subscriptionkit.storage import Store
from subscriptionkit.web import create_app

AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class TestVerificationPage:
    """The holder's certificate verifies after erasure, without their name."""

    def test_genuine_without_name(self, store: Store) -> None:
        """Before: the name shows. After: still genuine, and no name."""
        ring = certificates.KeyRing.generate(at=AT)
        cert = certificates.issue(
            holder_id="u-ann", holder_name="Ann de Vries", course_id="c-1",
            course_title="Feedback geven", completed_on=AT.date(), issued_at=AT,
            issuer="Soofos", certificate_id="cert-1",
        )  # fmt: skip
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            uow.keys.save_public_keys(ring.public_keyset())
            uow.commit()
        token = certificates.token(cert, ring)
        app = create_app(store, clock=FixedClock(AT + dt.timedelta(days=1)))
        with TestClient(app) as client:
            before = client.get("/verify", params={"token": token}).text
            privacy.erase_subject(store, "u-ann", at=AT + dt.timedelta(hours=1))
            after = client.get("/verify", params={"token": token})
        assert "Ann de Vries" in before
        assert after.status_code == 200
        assert "Feedback geven" in after.text
        assert "Ann de Vries" not in after.text
        assert privacy.ERASED_NAME not in after.text
