"""The verification web app: pages in Dutch and English, the JWK Set, the status list, a browser."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
import uvicorn
from starlette.testclient import TestClient

from certificate_helpers import missing
from subscriptionkit import certificates
from subscriptionkit.certificates import DisclosureSettings, IssuerProfile, KeyRing, Revocation
from subscriptionkit.clock import FixedClock
from subscriptionkit.errors import CertificateRevoked
from subscriptionkit.storage.memory import MemoryStore
from subscriptionkit.web import HolderRecord, create_app

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
ISSUER = IssuerProfile("https://soofos.example", "https://soofos.example/status/1")


def _cert(number: int, holder: str, name: str) -> certificates.Certificate:
    return certificates.issue(
        holder_id=holder,
        holder_name=name,
        course_id=f"course-{number}",
        course_title=f"Feedback geven {number}",
        completed_on=dt.date(2026, 3, number),
        issued_at=T0 + dt.timedelta(days=60 + number),
        issuer="Soofos",
        certificate_id=f"cert-{number}",
        status_index=number,
    )


@attrs.frozen
class Directory:
    """A platform's holder directory: Ada shows initials, Bob was erased."""

    def holder(self, holder_id: str) -> HolderRecord | None:
        """Ada in initials, Bob erased, Cees in full."""
        return {
            "ada": HolderRecord("Ada Lovelace", DisclosureSettings(name="initials")),
            "bob": HolderRecord(None, erased=True),
            "cees": HolderRecord("Cees de Vries"),
        }.get(holder_id)


@attrs.frozen
class Site:
    """A store with three certificates (one revoked), their tokens, and the app."""

    store: MemoryStore
    ring: KeyRing
    tokens: dict[str, str]


@pytest.fixture(scope="module")
def site() -> Site:
    """Certificates for Ada, Bob (erased) and Cees (revoked), keys saved in the store."""
    ring = KeyRing.generate(at=T0)
    store = MemoryStore()
    tokens = {}
    with store.unit_of_work() as uow:
        for number, holder, name in (
            (1, "ada", "Ada Lovelace"),
            (2, "bob", "Bob Bakker"),
            (3, "cees", "Cees de Vries"),
        ):
            cert = _cert(number, holder, name)
            uow.certificates.add(cert)
            tokens[holder] = certificates.token(cert, ring, issuer=ISSUER)
        uow.revocations.revoke(Revocation("cert-3", "issued in error", T0 + dt.timedelta(days=100)))
        uow.keys.save_public_keys(ring.public_keyset())
        uow.keys.save_private_keyring(ring)
        uow.commit()
    return Site(store, ring, tokens)


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[TestClient]:
    """A test client of the app with the platform's directory."""
    app = create_app(site.store, clock=FixedClock(NOW), issuer=ISSUER, holders=Directory())
    with TestClient(app) as test_client:
        yield test_client


def _tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    swapped = "A" if payload[middle] != "A" else "B"
    return f"{header}.{payload[:middle]}{swapped}{payload[middle + 1 :]}.{signature}"


class TestVerifyPage:
    def test_genuine_in_dutch_by_default(self, client: TestClient, site: Site) -> None:
        """A genuine link shows the course, the date and the name as the holder allows."""
        page = client.get("/verify", params={"token": site.tokens["ada"]})
        assert page.status_code == 200
        assert 'data-result="genuine"' in page.text
        assert 'lang="nl"' in page.text
        assert "Echt certificaat" in page.text
        assert "Feedback geven 1" in page.text
        assert "1 maart 2026" in page.text
        assert "A. L." in page.text
        assert "Ada Lovelace" not in page.text

    def test_genuine_in_english(self, client: TestClient, site: Site) -> None:
        """lang=en, or an English browser, gets the English page."""
        page = client.get("/verify", params={"token": site.tokens["ada"], "lang": "en"})
        assert "Genuine certificate" in page.text
        assert "1 March 2026" in page.text
        browser = client.get(
            "/verify", params={"token": site.tokens["ada"]}, headers={"Accept-Language": "en-GB"}
        )
        assert "Genuine certificate" in browser.text

    def test_erased_holder_shows_no_name(self, client: TestClient, site: Site) -> None:
        """An erased holder's certificate is genuine, without name or completion date."""
        page = client.get("/verify", params={"token": site.tokens["bob"], "lang": "en"})
        assert 'data-result="genuine"' in page.text
        assert "Bob" not in page.text
        assert "Holder" not in page.text
        assert "Feedback geven 2" in page.text

    def test_revoked(self, client: TestClient, site: Site) -> None:
        """A revoked certificate says so, with the date."""
        page = client.get("/verify", params={"token": site.tokens["cees"], "lang": "nl"})
        assert 'data-result="revoked"' in page.text
        assert "Ingetrokken certificaat" in page.text
        assert "Cees" not in page.text

    @pytest.mark.parametrize("lang", ["nl", "en"])
    def test_tampered_and_junk(self, client: TestClient, site: Site, lang: str) -> None:
        """A tampered link is not genuine; junk and an HTML injection attempt are unreadable."""
        page = client.get("/verify", params={"token": _tampered(site.tokens["ada"]), "lang": lang})
        assert page.status_code == 200
        assert 'data-result="not-genuine"' in page.text
        assert ("Niet echt" if lang == "nl" else "Not genuine") in page.text
        assert ("handtekening" if lang == "nl" else "signature does not match") in page.text
        for token in ("junk", "<script>alert(1)</script>"):
            page = client.get("/verify", params={"token": token, "lang": lang})
            assert page.status_code == 200
            assert 'data-result="malformed"' in page.text
            assert ("Onleesbare link" if lang == "nl" else "Unreadable link") in page.text
            assert "<script>" not in page.text

    @pytest.mark.parametrize(
        ("lang", "heading", "date"),
        [("nl", "Nog niet geldig", "5 november 2027"), ("en", "Not valid yet", "5 November 2027")],
    )
    def test_not_yet_valid(
        self, client: TestClient, site: Site, lang: str, heading: str, date: str
    ) -> None:
        """A certificate dated after today says so, with its date: not 'not genuine'."""
        cert = attrs.evolve(
            _cert(4, "ada", "Ada Lovelace"), issued_at=dt.datetime(2027, 11, 5, 9, tzinfo=dt.UTC)
        )
        token = certificates.token(cert, site.ring, issuer=ISSUER)
        page = client.get("/verify", params={"token": token, "lang": lang})
        assert page.status_code == 200
        assert 'data-result="not-yet-valid"' in page.text
        assert heading in page.text
        assert date in page.text
        assert "Ada" not in page.text

    @pytest.mark.parametrize(
        ("lang", "heading"),
        [("nl", "Onbekende ondertekeningssleutel"), ("en", "Unknown signing key")],
    )
    def test_unknown_key(self, client: TestClient, lang: str, heading: str) -> None:
        """A certificate signed with a key this site does not publish names that reason."""
        other = KeyRing.generate(at=T0)
        token = certificates.token(_cert(1, "ada", "Ada Lovelace"), other, issuer=ISSUER)
        page = client.get("/verify", params={"token": token, "lang": lang})
        assert 'data-result="unknown-key"' in page.text
        assert heading in page.text

    @pytest.mark.parametrize(("lang", "heading"), [("nl", "Niet geldig"), ("en", "Not valid")])
    def test_key_not_valid(self, site: Site, lang: str, heading: str) -> None:
        """A certificate dated after its signing key was retired is not valid, with its date."""
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(
                site.ring.rotate(at=T0 + dt.timedelta(days=30)).public_keyset()
            )
            uow.commit()
        app = create_app(store, clock=FixedClock(NOW), issuer=ISSUER)
        with TestClient(app) as client:
            page = client.get("/verify", params={"token": site.tokens["ada"], "lang": lang})
        assert 'data-result="key-not-valid"' in page.text
        assert heading in page.text
        assert ("3 maart 2026" if lang == "nl" else "3 March 2026") in page.text

    def test_no_token(self, client: TestClient) -> None:
        """Without a token the page says the link is incomplete (400)."""
        page = client.get("/verify", params={"lang": "en"})
        assert page.status_code == 400
        assert "the link is incomplete" in page.text

    def test_default_directory_uses_the_stored_name(self, site: Site) -> None:
        """Without a directory the name on the stored certificate shows in full."""
        app = create_app(site.store, clock=FixedClock(NOW), issuer=ISSUER)
        with TestClient(app) as plain:
            page = plain.get("/verify", params={"token": site.tokens["ada"]})
        assert "Ada Lovelace" in page.text


class TestPublished:
    def test_jwks(self, client: TestClient, site: Site) -> None:
        """The key set is served as a JWK Set, without private parts."""
        answer = client.get("/.well-known/jwks.json")
        assert answer.headers["content-type"].startswith("application/jwk-set+json")
        assert answer.json() == site.ring.public_keyset().to_dict()
        assert '"d"' not in answer.text

    def test_status_list(self, client: TestClient, site: Site) -> None:
        """The status list is served at its URL's path, signed; it marks the revoked one."""
        answer = client.get("/status/1")
        assert answer.status_code == 200
        status = certificates.verify_status_list(
            answer.text, site.ring.public_keyset(), at=NOW, url=ISSUER.status_list_url
        )
        assert status.revoked == {3}
        with pytest.raises(CertificateRevoked):
            certificates.verify(site.tokens["cees"], site.ring, at=NOW, revocations=status)
        assert certificates.verify(site.tokens["ada"], site.ring, at=NOW, revocations=status)

    def test_status_list_needs_a_saved_ring(self) -> None:
        """Without a private ring in the store there is no list to sign: 404."""
        with TestClient(create_app(MemoryStore(), clock=FixedClock(NOW))) as bare:
            assert bare.get("/status-list").status_code == 404


# -- a real server and a real browser ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def _serving(app: object) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start in 20 s")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium (Debian's chromium and chromium-driver) through Selenium."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver_path is None:
        missing("Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=en-GB"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(driver_path)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class TestInABrowser:
    def test_genuine_tampered_and_erased(self, site: Site, browser: object) -> None:
        """Genuine shows course and date; tampered shows 'not genuine'; erased shows no name."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.remote.webdriver import WebDriver

        assert isinstance(browser, WebDriver)
        app = create_app(site.store, clock=FixedClock(NOW), issuer=ISSUER, holders=Directory())
        with _serving(app) as base:
            browser.get(certificates.verification_url(f"{base}/verify?lang=en", site.tokens["ada"]))
            text = browser.find_element(By.TAG_NAME, "main").text
            assert "Genuine certificate" in text
            assert "Feedback geven 1" in text
            assert "1 March 2026" in text
            assert "A. L." in text
            browser.get(
                certificates.verification_url(
                    f"{base}/verify?lang=en", _tampered(site.tokens["ada"])
                )
            )
            text = browser.find_element(By.TAG_NAME, "main").text
            assert "Not genuine" in text
            assert "Feedback" not in text
            browser.get(certificates.verification_url(f"{base}/verify?lang=nl", site.tokens["bob"]))
            text = browser.find_element(By.TAG_NAME, "main").text
            assert "Echt certificaat" in text
            assert "Bob" not in text
            assert "Houder" not in text


class TestServeCommand:
    def test_serve_runs_the_app(self, tmp_path: Path, site: Site) -> None:
        """`subscriptionkit --db ... serve` serves the JWK Set of the database's keys."""
        db = tmp_path / "site.db"
        from subscriptionkit.storage import open_store

        store = open_store(str(db))
        with store.unit_of_work() as uow:
            uow.keys.save_public_keys(site.ring.public_keyset())
            uow.commit()
        port = _free_port()
        command = [sys.executable, "-m", "subscriptionkit", "--db", str(db), "serve"]
        with subprocess.Popen(
            [*command, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ) as process:
            try:
                body = ""
                deadline = time.monotonic() + 30
                url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
                while time.monotonic() < deadline and not body:
                    try:
                        with urllib.request.urlopen(url, timeout=2) as answer:
                            body = answer.read().decode()
                    except OSError:
                        time.sleep(0.2)
                assert site.ring.active_kid in body
            finally:
                process.terminate()
                process.wait(timeout=10)
