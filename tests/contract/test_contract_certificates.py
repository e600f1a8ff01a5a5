"""The certificate, revocation and key store contract: every adapter passes the same tests."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

import attrs
import pytest
import sqlalchemy as sa

from subscriptionkit import certificates, errors
from subscriptionkit.certificates import Certificate, KeyRing, PublicKeySet, Revocation
from subscriptionkit.storage import (
    CertificateRepository,
    KeyStore,
    MemoryStore,
    RevocationStore,
    Store,
    UnitOfWork,
)
from subscriptionkit.storage.sql import SqlStore
from subscriptionkit.testing import active_subscription

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
AMSTERDAM = dt.timezone(dt.timedelta(hours=1))

StoreFactory = Callable[[], Store]

_counter = iter(range(1, 1_000_000))


def _cert(
    holder_id: str = "member-42",
    *,
    issued_at: dt.datetime = T0 + dt.timedelta(days=1),
    certificate_id: str | None = None,
    status_index: int | None = -1,
) -> Certificate:
    """A certificate with a non-ASCII name and a fresh id unless one is given.

    It names a fresh, free status index (so it reads back equal), unless ``status_index``
    is given; ``None`` leaves the choice to the store.
    """
    number = next(_counter)
    return certificates.issue(
        holder_id=holder_id,
        holder_name="Zoë van der Berg",
        course_id="course-7",
        course_title="Feedback geven en ontvangen",
        completed_on=issued_at.date(),
        issued_at=issued_at,
        issuer="Soofos",
        certificate_id=certificate_id or f"cert-{number:04d}",
        status_index=1000 + number if status_index == -1 else status_index,
    )


def _add(store: Store, *certs: Certificate) -> None:
    with store.unit_of_work() as uow:
        for cert in certs:
            uow.certificates.add(cert)
        uow.commit()


def _rotated_ring() -> KeyRing:
    """A ring of three keys: one retired by rotation, one retired by hand, one active."""
    ring = KeyRing.generate(at=T0).rotate(at=T0 + dt.timedelta(days=30))
    ring = ring.rotate(at=T0 + dt.timedelta(days=60))
    return ring.retire(ring.kids[1], at=T0 + dt.timedelta(days=59))


def _secrets(ring: KeyRing) -> list[str]:
    """Every private-key string of a ring: JWK ``d`` values and unencrypted PEM bodies."""
    found: list[str] = []
    for key in ring:
        found.append(key.to_jwk(private=True)["d"])
        pem_lines = key.to_pem().splitlines()
        found.extend(line for line in pem_lines if not line.startswith("-----"))
    return found


class TestPorts:
    def test_unit_of_work_offers_every_repository(self, store: Store) -> None:
        """A unit of work has certificates, revocations and keys next to subscriptions."""
        with store.unit_of_work() as uow:
            assert isinstance(uow, UnitOfWork)
            assert isinstance(uow.certificates, CertificateRepository)
            assert isinstance(uow.revocations, RevocationStore)
            assert isinstance(uow.keys, KeyStore)


class TestCertificates:
    @pytest.mark.parametrize(
        "issued_at",
        [
            T0,
            dt.datetime(2026, 3, 29, 1, 59, 59, 999_999, tzinfo=dt.UTC),
            dt.datetime(2026, 10, 25, 2, 30, 0, 1, tzinfo=AMSTERDAM),
            dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC),
            dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
        ],
        ids=["whole-hour", "microseconds", "offset", "year-1", "year-9999"],
    )
    def test_round_trip_is_equal(self, store: Store, issued_at: dt.datetime) -> None:
        """A stored certificate reads back equal, its issue moment to the microsecond."""
        cert = _cert(issued_at=issued_at)
        _add(store, cert)
        with store.unit_of_work() as uow:
            got = uow.certificates.get(cert.certificate_id)
        assert got == cert
        assert got.issued_at == issued_at
        assert got.issued_at.utcoffset() == dt.timedelta(0)

    def test_add_returns_the_certificate(self, store: Store) -> None:
        """add() returns what was stored, and reads in the same unit of work see it."""
        cert = _cert()
        with store.unit_of_work() as uow:
            assert uow.certificates.add(cert) == cert
            assert uow.certificates.get(cert.certificate_id) == cert

    def test_duplicate_id_is_refused(self, store: Store) -> None:
        """Adding an id twice raises AlreadyExists naming it, and keeps the first."""
        cert = _cert()
        _add(store, cert)
        with store.unit_of_work() as uow, pytest.raises(errors.AlreadyExists) as info:
            uow.certificates.add(attrs.evolve(cert, holder_name="Someone Else"))
        assert (info.value.kind, info.value.key) == ("certificate", cert.certificate_id)
        assert str(info.value) == (
            f"a certificate with id {cert.certificate_id!r} exists already; expected a new id"
        )
        with store.unit_of_work() as uow:
            assert uow.certificates.get(cert.certificate_id) == cert

    def test_duplicate_in_the_same_unit_of_work(self, store: Store) -> None:
        """Two certificates with one id staged together are refused too."""
        cert = _cert()
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            with pytest.raises(errors.AlreadyExists):
                uow.certificates.add(cert)

    def test_concurrent_duplicate_loses(self, store_factory: StoreFactory) -> None:
        """An id another store committed first is refused, at add or at commit."""
        first, second = store_factory(), store_factory()
        cert = _cert()
        with second.unit_of_work() as uow:
            _add(first, cert)
            with pytest.raises(errors.AlreadyExists):  # noqa: PT012 (memory: at commit)
                uow.certificates.add(attrs.evolve(cert, holder_name="Someone Else"))
                uow.commit()
        with first.unit_of_work() as uow:
            assert uow.certificates.get(cert.certificate_id) == cert

    def test_missing_id_raises_not_found(self, store: Store) -> None:
        """get() of an unknown id raises NotFound with a message naming the id."""
        with store.unit_of_work() as uow, pytest.raises(errors.NotFound) as info:
            uow.certificates.get("nope")
        assert str(info.value) == (
            "no certificate with id 'nope' was found; expected an existing certificate"
        )
        assert isinstance(info.value, LookupError)

    def test_add_refuses_other_things(self, store: Store) -> None:
        """add() takes a Certificate only."""
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput, match="got dict"):
            uow.certificates.add(_cert().to_dict())  # type: ignore[arg-type]

    def test_for_holder_oldest_first(self, store: Store) -> None:
        """for_holder returns one holder's certificates by issue moment, then id."""
        late = _cert("h1", issued_at=T0 + dt.timedelta(days=3), certificate_id="a-late")
        early = _cert("h1", issued_at=T0 + dt.timedelta(microseconds=1), certificate_id="z")
        tie = _cert("h1", issued_at=T0 + dt.timedelta(microseconds=1), certificate_id="b")
        _add(store, late, early, _cert("h2"), tie)
        with store.unit_of_work() as uow:
            got = uow.certificates.for_holder("h1")
            assert [c.certificate_id for c in got] == ["b", "z", "a-late"]
            assert uow.certificates.for_holder("nobody") == []

    def test_list_by_id(self, store: Store) -> None:
        """list() yields every certificate, by id, committed and staged alike."""
        _add(store, _cert(certificate_id="b"), _cert(certificate_id="C"))
        with store.unit_of_work() as uow:
            uow.certificates.add(_cert(certificate_id="a"))
            assert [c.certificate_id for c in uow.certificates.list()] == ["C", "a", "b"]
        with store.unit_of_work() as uow:
            assert [c.certificate_id for c in uow.certificates.list()] == ["C", "b"]

    def test_certificates_outlive_subscriptions(self, store: Store) -> None:
        """Certificates and subscriptions are independent records in one unit of work."""
        sub = active_subscription()
        cert = _cert(sub.customer_id)
        with store.unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.certificates.add(cert)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.certificates.for_holder(sub.customer_id) == [cert]


class TestStatusIndexes:
    """The store gives every certificate its status index (issue 14: unique per list)."""

    def test_the_store_assigns_the_next_free_index(self, store_factory: StoreFactory) -> None:
        """Certificates added without an index get 0, 1, 2...; add() returns them so, and
        a new store over the same database reads them back so."""
        added = []
        for _ in range(3):
            with store_factory().unit_of_work() as uow:
                added.append(uow.certificates.add(_cert(status_index=None)))
                uow.commit()
        assert [c.status_index for c in added] == [0, 1, 2]
        with store_factory().unit_of_work() as uow:
            assert [uow.certificates.get(c.certificate_id) for c in added] == added
            staged = [uow.certificates.add(_cert(status_index=None)) for _ in range(2)]
            assert [c.status_index for c in staged] == [3, 4]  # staged ones count too

    def test_a_free_index_asked_for_is_kept(self, store: Store) -> None:
        """An explicit free index is kept; the next assigned one goes above the highest."""
        with store.unit_of_work() as uow:
            assert uow.certificates.add(_cert(status_index=10)).status_index == 10
            assert uow.certificates.add(_cert(status_index=None)).status_index == 11
            assert uow.certificates.add(_cert(status_index=4)).status_index == 4
            assert uow.certificates.add(_cert(status_index=None)).status_index == 12
            uow.commit()

    def test_a_taken_index_is_refused(self, store: Store) -> None:
        """Asking for a held index raises StatusIndexTaken naming both certificates;
        nothing is stored."""
        held = _cert(certificate_id="held", status_index=None)
        _add(store, held)
        asking = _cert(certificate_id="asking", status_index=0)
        with store.unit_of_work() as uow, pytest.raises(errors.StatusIndexTaken) as info:
            uow.certificates.add(asking)
        assert (info.value.index, info.value.holder, info.value.certificate_id) == (
            0,
            "held",
            "asking",
        )
        assert isinstance(info.value, errors.AlreadyExists)
        assert str(info.value) == (
            "status index 0 is held by certificate 'held' already; expected a free index for "
            "'asking' (leave status_index None and the store assigns the next free one)"
        )
        with store.unit_of_work() as uow:
            staged = uow.certificates.add(_cert(certificate_id="new", status_index=None))
            with pytest.raises(errors.StatusIndexTaken) as info:
                uow.certificates.add(_cert(certificate_id="late", status_index=1))
            assert info.value.holder == "new"
            uow.commit()
        with store.unit_of_work() as uow:
            assert [c.certificate_id for c in uow.certificates.list()] == ["held", "new"]
            assert uow.certificates.get("new") == staged

    def test_a_rolled_back_index_is_free_again(self, store: Store) -> None:
        """A unit of work that does not commit gives its index back."""
        with store.unit_of_work() as uow:
            assert uow.certificates.add(_cert(status_index=None)).status_index == 0
            uow.rollback()
        with store.unit_of_work() as uow:
            assert uow.certificates.add(_cert(status_index=None)).status_index == 0

    def test_concurrent_writers_never_share_an_index(self, store_factory: StoreFactory) -> None:
        """Four writers (each its own store and connection) add five certificates each at
        once, each in its own unit of work: twenty distinct indexes, 0 to 19."""
        stores = [store_factory() for _ in range(4)]
        start = threading.Barrier(4)
        got: list[int] = []

        def write(store: Store) -> None:
            start.wait()
            for _ in range(5):
                while True:
                    try:
                        with store.unit_of_work() as uow:
                            stored = uow.certificates.add(_cert(status_index=None))
                            uow.commit()
                    except errors.DatabaseBusy:
                        continue  # SQLite's one writer: the documented advice is to retry
                    got.append(stored.status_index or 0)
                    break

        threads = [threading.Thread(target=write, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(got) == list(range(20))
        with stores[0].unit_of_work() as uow:
            assert sorted(c.status_index or 0 for c in uow.certificates.list()) == list(range(20))

    def test_status_list_round_trip(self, store: Store) -> None:
        """Issue through the store, sign, revoke, publish the list from the store: the
        revoked token is refused by the list, the other verifies."""
        ring = KeyRing.generate(at=T0)
        url = "https://issuer.example/status/1"
        issuer = certificates.IssuerProfile("https://issuer.example", status_list_url=url)
        with store.unit_of_work() as uow:
            kept, revoked = (uow.certificates.add(_cert(status_index=None)) for _ in range(2))
            uow.revocations.revoke(Revocation(revoked.certificate_id, "error in name", T0))
            uow.commit()
        at = T0 + dt.timedelta(days=2)
        with store.unit_of_work() as uow:
            status = certificates.StatusList.from_certificates(
                url, list(uow.certificates.list()), uow.revocations, at=at
            )
        published = certificates.status_list_token(status, ring, issuer=issuer)
        checked = certificates.verify_status_list(published, ring.public_keyset(), at=at, url=url)
        keys = ring.public_keyset()
        good = certificates.verify(
            certificates.token(kept, ring, issuer=issuer), keys, at=at, revocations=checked
        )
        assert good.status_index == kept.status_index == 0
        with pytest.raises(errors.CertificateRevoked):
            certificates.verify(
                certificates.token(revoked, ring, issuer=issuer), keys, at=at, revocations=checked
            )


class TestRevocations:
    def test_revoked_certificate_fails_verification(self, store: Store) -> None:
        """verify() with the unit of work's revocations raises CertificateRevoked."""
        ring = KeyRing.generate(at=T0)
        cert = _cert()
        revoked_at = dt.datetime(2026, 2, 1, 8, 30, 0, 250_000, tzinfo=AMSTERDAM)
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            uow.revocations.revoke(Revocation(cert.certificate_id, "issued in error", revoked_at))
            uow.commit()
        token = certificates.token(cert, ring)
        with store.unit_of_work() as uow:
            before = certificates.verify(
                token,
                ring.public_keyset(),
                at=revoked_at - dt.timedelta(microseconds=1),
                revocations=uow.revocations,
            )
            assert before.certificate_id == cert.certificate_id
            assert before.is_held_by(cert.holder_id)
            with pytest.raises(errors.CertificateRevoked) as info:
                certificates.verify(
                    token, ring.public_keyset(), at=revoked_at, revocations=uow.revocations
                )
        assert info.value.reason == "issued in error"
        assert info.value.revoked_at == revoked_at
        assert info.value.certificate_id == cert.certificate_id

    def test_get_round_trip(self, store: Store) -> None:
        """get() returns the revocation as given (in UTC), or None when not revoked."""
        moment = dt.datetime(2026, 5, 1, 12, 0, 0, 123_456, tzinfo=AMSTERDAM)
        revocation = Revocation("cert-1", "Fraude bij het examen; excuses", moment)
        with store.unit_of_work() as uow:
            assert uow.revocations.revoke(revocation) == revocation
            uow.commit()
        with store.unit_of_work() as uow:
            got = uow.revocations.get("cert-1")
            assert uow.revocations.get("cert-2") is None
        assert got == revocation
        assert got is not None
        assert got.revoked_at == moment
        assert got.revoked_at.utcoffset() == dt.timedelta(0)

    def test_revoking_twice_keeps_the_first(self, store: Store) -> None:
        """A second revocation of one certificate changes nothing and returns the first."""
        first = Revocation("cert-1", "issued in error", T0)
        second = Revocation("cert-1", "another reason", T0 + dt.timedelta(days=1))
        with store.unit_of_work() as uow:
            uow.revocations.revoke(first)
            assert uow.revocations.revoke(second) == first  # staged in the same unit
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.revocations.revoke(second) == first  # committed before
            uow.commit()
            assert uow.revocations.get("cert-1") == first

    def test_concurrent_revocations_keep_the_first_commit(
        self, store_factory: StoreFactory
    ) -> None:
        """Of two units of work revoking one certificate, the first commit stands."""
        first, second = store_factory(), store_factory()
        winner = Revocation("cert-1", "first", T0)
        with second.unit_of_work() as uow:
            with first.unit_of_work() as other:
                other.revocations.revoke(winner)
                other.commit()
            uow.revocations.revoke(Revocation("cert-1", "second", T0 + dt.timedelta(days=1)))
            uow.commit()
        with first.unit_of_work() as uow:
            assert uow.revocations.get("cert-1") == winner
            assert len(uow.revocations.revocation_list()) == 1

    def test_revocation_list_export_and_import(self, store_factory: StoreFactory) -> None:
        """revocation_list() exports a (signed) list that another store can import."""
        ring = KeyRing.generate(at=T0)
        store = store_factory()
        revocations = [
            Revocation(f"cert-{n}", f"reason {n}", T0 + dt.timedelta(hours=n, microseconds=n))
            for n in (3, 1, 2)
        ]
        with store.unit_of_work() as uow:
            assert len(uow.revocations.revocation_list()) == 0
            for revocation in revocations:
                uow.revocations.revoke(revocation)
            uow.commit()
        with store.unit_of_work() as uow:
            exported = uow.revocations.revocation_list()
        assert list(exported) == sorted(revocations, key=lambda r: r.certificate_id)
        text = exported.to_json(sign_with=ring)

        loaded = certificates.RevocationList.from_json(text, keys=ring.public_keyset())
        with store_factory().unit_of_work() as uow:
            for revocation in loaded:
                uow.revocations.revoke(revocation)  # already there: the first stands
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.revocations.revocation_list() == exported

    def test_revoke_refuses_other_things(self, store: Store) -> None:
        """revoke() takes a Revocation only."""
        with store.unit_of_work() as uow, pytest.raises(errors.InvalidInput, match="got str"):
            uow.revocations.revoke("cert-1")  # type: ignore[arg-type]


class TestKeys:
    def test_public_keys_round_trip_and_verify(self, store: Store) -> None:
        """A saved public key set reads back equal and verifies tokens of every window."""
        ring = _rotated_ring()
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(ring.public_keyset())
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.keys.public_keys()
        assert loaded == ring.public_keyset()
        assert loaded.kids == ring.kids
        assert [k.to_jwk() for k in loaded] == [k.to_jwk() for k in ring.public_keyset()]
        for issued in (T0, T0 + dt.timedelta(days=45), T0 + dt.timedelta(days=61)):
            cert = _cert(issued_at=issued)
            token = certificates.token(cert, ring)
            verified = certificates.verify(token, loaded, at=T0 + dt.timedelta(days=90))
            assert (verified.certificate_id, verified.issued_at) == (cert.certificate_id, issued)

    def test_public_keys_without_anything_saved(self, store: Store) -> None:
        """With nothing saved public_keys() is an empty set: every token has an unknown key."""
        ring = KeyRing.generate(at=T0)
        with store.unit_of_work() as uow:
            assert uow.keys.public_keys() == PublicKeySet(())
            token = certificates.token(_cert(), ring)
            with pytest.raises(errors.UnknownKey):
                certificates.verify(token, uow.keys.public_keys(), at=T0 + dt.timedelta(days=2))

    def test_saving_replaces_the_set(self, store: Store) -> None:
        """Each save replaces the whole public key set (here: after a rotation)."""
        ring = KeyRing.generate(at=T0)
        rotated = ring.rotate(at=T0 + dt.timedelta(days=1)).remove(ring.kids[0])
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(ring.public_keyset())
            uow.commit()
            uow.keys.save_public_keys(rotated.public_keyset())
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.keys.public_keys() == rotated.public_keyset()
            uow.keys.save_public_keys(PublicKeySet(()))
            uow.commit()
            assert len(uow.keys.public_keys()) == 0

    def test_private_keyring_only_when_saved(self, store: Store) -> None:
        """The private ring is stored only through save_private_keyring()."""
        ring = _rotated_ring()
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(ring.public_keyset())
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.keys.public_keys() == ring.public_keyset()
            with pytest.raises(errors.NotFound) as info:
                uow.keys.private_keyring()
        assert str(info.value) == (
            "no private key ring with id 'default' was found; expected an existing private key ring"
        )

    def test_private_keyring_round_trip(self, store: Store) -> None:
        """A saved ring reads back equal, same active key, and signs like the original."""
        ring = _rotated_ring()
        with store.unit_of_work() as uow:
            uow.keys.save_private_keyring(ring)
            uow.commit()
        with store.unit_of_work() as uow:
            loaded = uow.keys.private_keyring()
            assert len(uow.keys.public_keys()) == 0  # saving a ring does not publish keys
        assert loaded == ring
        assert loaded.active_kid == ring.active_kid
        assert [k.to_jwk(private=True) for k in loaded] == [k.to_jwk(private=True) for k in ring]
        cert = _cert(issued_at=T0 + dt.timedelta(days=70))
        assert certificates.token(cert, loaded) == certificates.token(cert, ring)

    def test_save_public_keys_refuses_a_key_ring(self, store: Store) -> None:
        """A key ring cannot slip private keys into the public set."""
        ring = KeyRing.generate(at=T0)
        with store.unit_of_work() as uow:
            with pytest.raises(errors.InvalidInput) as info:
                uow.keys.save_public_keys(ring)  # type: ignore[arg-type]
            assert str(info.value) == (
                "the public keys saved must be a PublicKeySet (a key ring's public_keyset "
                "method gives it); private keys are saved only as the private key ring; got "
                "KeyRing"
            )
            with pytest.raises(errors.InvalidInput, match="must be a KeyRing, got PublicKeySet"):
                uow.keys.save_private_keyring(ring.public_keyset())  # type: ignore[arg-type]
            uow.commit()
        with store.unit_of_work() as uow:
            assert len(uow.keys.public_keys()) == 0
            with pytest.raises(errors.NotFound):
                uow.keys.private_keyring()

    def test_no_key_material_in_reprs(self, store: Store) -> None:
        """repr() of the store, unit of work and repositories never shows private keys."""
        ring = _rotated_ring()
        secrets = _secrets(ring)
        shown: list[str] = []
        with store.unit_of_work() as uow:
            uow.keys.save_private_keyring(ring)
            uow.keys.save_public_keys(ring.public_keyset())
            shown += [repr(store), repr(uow), repr(uow.keys), str(uow.keys)]
            uow.commit()
            uow.keys.private_keyring()
            shown += [repr(store), repr(uow), repr(uow.keys), repr(uow.certificates)]
        shown += [repr(store), repr(uow)]
        for text in shown:
            assert not [s for s in secrets if s in text], text

    def test_key_material_is_never_logged(
        self, store: Store, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Saving and loading a ring logs no private key, even with SQL logging on."""
        ring = _rotated_ring()
        with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, "sqlalchemy"):
            with store.unit_of_work() as uow:
                uow.keys.save_private_keyring(ring)
                uow.keys.save_private_keyring(ring)
                uow.commit()
            with store.unit_of_work() as uow:
                assert uow.keys.private_keyring() == ring
        logged = caplog.text + "".join(str(r.args) for r in caplog.records)
        assert not [s for s in _secrets(ring) if s in logged]

    def test_last_commit_wins(self, store_factory: StoreFactory) -> None:
        """Two stores over one database see each other's saved keys, the last save winning."""
        first, second = store_factory(), store_factory()
        old, new = KeyRing.generate(at=T0), KeyRing.generate(at=T0)
        with first.unit_of_work() as uow:
            uow.keys.save_private_keyring(old)
            uow.commit()
        with second.unit_of_work() as uow:
            assert uow.keys.private_keyring() == old
            uow.keys.save_private_keyring(new)
            uow.commit()
        with first.unit_of_work() as uow:
            assert uow.keys.private_keyring() == new


class TestUnitOfWork:
    def test_exception_halfway_leaves_nothing(self, store: Store) -> None:
        """A unit of work that raises after a certificate, a revocation and keys keeps none."""
        ring = KeyRing.generate(at=T0)
        cert = _cert()
        with pytest.raises(RuntimeError), store.unit_of_work() as uow:  # noqa: PT012 (halfway)
            uow.certificates.add(cert)
            uow.revocations.revoke(Revocation(cert.certificate_id, "oops", T0))
            uow.keys.save_public_keys(ring.public_keyset())
            uow.keys.save_private_keyring(ring)
            raise RuntimeError("boom")
        with store.unit_of_work() as uow:
            assert list(uow.certificates.list()) == []
            assert uow.revocations.get(cert.certificate_id) is None
            assert len(uow.revocations.revocation_list()) == 0
            assert len(uow.keys.public_keys()) == 0
            with pytest.raises(errors.NotFound):
                uow.keys.private_keyring()

    def test_no_commit_keeps_nothing(self, store: Store) -> None:
        """Leaving the block without commit() discards certificates, revocations and keys."""
        cert = _cert()
        with store.unit_of_work() as uow:
            uow.certificates.add(cert)
            uow.revocations.revoke(Revocation(cert.certificate_id, "oops", T0))
            uow.keys.save_private_keyring(KeyRing.generate(at=T0))
        with store.unit_of_work() as uow:
            with pytest.raises(errors.NotFound):
                uow.certificates.get(cert.certificate_id)
            assert uow.revocations.get(cert.certificate_id) is None
            with pytest.raises(errors.NotFound):
                uow.keys.private_keyring()

    def test_one_commit_keeps_everything(self, store_factory: StoreFactory) -> None:
        """One commit keeps a subscription, certificate, revocation and keys, seen by others."""
        ring = KeyRing.generate(at=T0)
        sub, cert = active_subscription(), _cert()
        revocation = Revocation(cert.certificate_id, "oops", T0 + dt.timedelta(days=2))
        with store_factory().unit_of_work() as uow:
            uow.subscriptions.add(sub)
            uow.certificates.add(cert)
            uow.revocations.revoke(revocation)
            uow.keys.save_public_keys(ring.public_keyset())
            uow.keys.save_private_keyring(ring)
            uow.commit()
        with store_factory().unit_of_work() as uow:
            assert uow.subscriptions.get(sub.id).version == 1
            assert uow.certificates.get(cert.certificate_id) == cert
            assert uow.revocations.get(cert.certificate_id) == revocation
            assert uow.keys.public_keys() == ring.public_keyset()
            assert uow.keys.private_keyring() == ring

    def test_use_outside_the_block_raises(self, store: Store) -> None:
        """Every repository refuses to work outside its with block."""
        uow: UnitOfWork = store.unit_of_work()
        attempts: list[Callable[[], object]] = [
            lambda: uow.certificates.add(_cert()),
            lambda: uow.certificates.get("x"),
            lambda: uow.revocations.revoke(Revocation("x", "y", T0)),
            lambda: uow.revocations.get("x"),
            lambda: uow.keys.public_keys(),
            lambda: uow.keys.save_private_keyring(KeyRing.generate(at=T0)),
        ]
        for attempt in attempts:
            with pytest.raises(errors.StorageError, match="inside its `with` block"):
                attempt()


class TestMemoryCommit:
    """The memory adapter checks staged writes again at commit (memory only: in SQL the
    database does this, and a second writer in one thread would wait on the first)."""

    def test_failed_commit_keeps_nothing(self) -> None:
        """A commit that loses on one record (a stale subscription) keeps none of the others."""
        store = MemoryStore()
        with store.unit_of_work() as uow:
            stored = uow.subscriptions.add(active_subscription())
            uow.commit()
        cert = _cert()
        with pytest.raises(errors.ConcurrentUpdate), store.unit_of_work() as uow:  # noqa: PT012
            uow.certificates.add(cert)
            uow.revocations.revoke(Revocation(cert.certificate_id, "oops", T0))
            uow.keys.save_public_keys(KeyRing.generate(at=T0).public_keyset())
            uow.keys.save_private_keyring(KeyRing.generate(at=T0))
            uow.subscriptions.update(attrs.evolve(stored, timezone="Europe/Brussels"))
            with store.unit_of_work() as meanwhile:
                meanwhile.subscriptions.update(attrs.evolve(stored, timezone="UTC"))
                meanwhile.commit()
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.subscriptions.get(stored.id).timezone == "UTC"
            assert list(uow.certificates.list()) == []
            assert uow.revocations.get(cert.certificate_id) is None
            assert len(uow.keys.public_keys()) == 0
            with pytest.raises(errors.NotFound):
                uow.keys.private_keyring()

    def test_certificate_committed_meanwhile(self) -> None:
        """A certificate id another unit of work committed first fails the commit."""
        store = MemoryStore()
        cert = _cert()
        with pytest.raises(errors.AlreadyExists), store.unit_of_work() as uow:  # noqa: PT012
            # Its own status index (the store's next), so only the id collides.
            uow.certificates.add(attrs.evolve(cert, holder_name="Someone Else", status_index=None))
            _add(store, cert)
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.certificates.get(cert.certificate_id) == cert

    def test_revocation_committed_meanwhile_stands(self) -> None:
        """A revocation another unit of work committed first stands over a staged one."""
        store = MemoryStore()
        winner = Revocation("cert-1", "first", T0)
        with store.unit_of_work() as uow:
            uow.revocations.revoke(Revocation("cert-1", "second", T0))
            with store.unit_of_work() as other:
                other.revocations.revoke(winner)
                other.commit()
            assert uow.revocations.get("cert-1") == winner
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.revocations.get("cert-1") == winner


class TestPostgresRaces:
    """Two units of work writing one key at the same moment (PostgreSQL only: SQLite lets
    one writer in at a time, and the memory adapter is covered above)."""

    def _race(
        self,
        engine: sa.Engine,
        first: Callable[[UnitOfWork], object],
        second: Callable[[UnitOfWork], object],
    ) -> object:
        """Run ``second`` while ``first``'s write is uncommitted; return what second did."""
        store = SqlStore(engine)
        outcome: list[object] = []

        def other() -> None:
            try:
                with store.unit_of_work() as uow:
                    outcome.append(second(uow))
                    uow.commit()
            except Exception as exc:  # handed to the test thread
                outcome.append(exc)

        with store.unit_of_work() as uow:
            first(uow)
            thread = threading.Thread(target=other)
            thread.start()
            deadline = time.monotonic() + 10
            with engine.connect() as watcher:  # wait until `other` blocks on our row
                while (
                    not watcher.execute(
                        sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        )
                    ).scalar()
                    and time.monotonic() < deadline
                ):
                    time.sleep(0.02)
            uow.commit()
        thread.join(10)
        assert len(outcome) == 1
        return outcome[0]

    def test_racing_revocations_keep_the_first(self, postgres_engine: sa.Engine) -> None:
        """The revocation that commits first stands; the other revoke returns it."""
        winner = Revocation("cert-1", "first", T0)
        got = self._race(
            postgres_engine,
            lambda uow: uow.revocations.revoke(winner),
            lambda uow: uow.revocations.revoke(Revocation("cert-1", "second", T0)),
        )
        assert got == winner

    def test_racing_certificates_raise_already_exists(self, postgres_engine: sa.Engine) -> None:
        """The certificate that commits first wins; the other add raises AlreadyExists."""
        cert = _cert()
        got = self._race(
            postgres_engine,
            lambda uow: uow.certificates.add(cert),
            lambda uow: uow.certificates.add(attrs.evolve(cert, holder_name="Other")),
        )
        assert isinstance(got, errors.AlreadyExists)
