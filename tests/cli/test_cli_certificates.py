"""The `certificates` CLI command handlers, called with StringIO and a FixedClock."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import stat
from pathlib import Path

import pytest

from subscriptionkit.certificates import KeyRing, PublicKeySet, RevocationList
from subscriptionkit.cli import main
from subscriptionkit.cli._certificates import add_commands
from subscriptionkit.clock import FixedClock

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)


def _run(clock: FixedClock, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    add_commands(parser.add_subparsers())
    args = parser.parse_args(["certificates", *argv])
    args.clock = clock
    out, err = io.StringIO(), io.StringIO()
    status = args.handler(args, out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at T0."""
    return FixedClock(T0)


@pytest.fixture
def keys_file(tmp_path: Path, clock: FixedClock) -> Path:
    """A private key ring file made by `keygen`."""
    path = tmp_path / "ring.json"
    status, _, _ = _run(clock, "keygen", "--out", str(path))
    assert status == 0
    return path


def _issue(clock: FixedClock, keys: Path, *extra: str) -> tuple[int, str, str]:
    return _run(
        clock,
        "issue",
        "--keys",
        str(keys),
        "--holder-id",
        "m1",
        "--holder-name",
        "Ada Lovelace",
        "--course-id",
        "c1",
        "--course-title",
        "Feedback",
        "--completed-on",
        "2026-01-01",
        "--issuer",
        "Soofos",
        "--certificate-id",
        "cert-1",
        *extra,
    )


class TestKeygen:
    def test_writes_a_private_ring(self, keys_file: Path) -> None:
        """keygen writes a key ring valid from the clock's now, readable by the owner only."""
        ring = KeyRing.from_json(keys_file.read_text(encoding="utf-8"))
        assert ring.active.not_before == T0
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600

    def test_refuses_to_overwrite(self, keys_file: Path, clock: FixedClock) -> None:
        """keygen never overwrites an existing file."""
        before = keys_file.read_bytes()
        status, _, err = _run(clock, "keygen", "--out", str(keys_file))
        assert status == 1
        assert "refusing to overwrite" in err
        assert keys_file.read_bytes() == before


class TestIssueAndVerify:
    def test_issue_prints_token_and_url(self, keys_file: Path, clock: FixedClock) -> None:
        """issue prints the token, and the verification URL when asked."""
        status, out, _ = _issue(clock, keys_file, "--base-url", "https://soofos.example/verify")
        assert status == 0
        signed, url = out.splitlines()
        assert signed.startswith("eyJ")  # a compact JWS: base64url of '{"'
        assert signed.count(".") == 2
        assert url == f"https://soofos.example/verify?token={signed}"

    def test_verify_with_public_keys(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """verify with the exported public key set prints the certificate and exits 0."""
        public = tmp_path / "public.json"
        status, _, _ = _run(clock, "export-keys", "--keys", str(keys_file), "--out", str(public))
        assert status == 0
        assert '"d"' not in public.read_text(encoding="utf-8")
        PublicKeySet.from_json(public.read_bytes())
        signed = _issue(clock, keys_file)[1].strip()
        clock.advance(days=1)
        status, out, err = _run(clock, "verify", signed, "--keys", str(public), "--locale", "en_GB")
        assert (status, err) == (0, "")
        assert "Ada Lovelace" not in out  # the token names nobody
        kid = PublicKeySet.from_json(public.read_bytes()).kids[0]
        assert out == (
            "Genuine certificate\n"
            "Certificate number: cert-1\n"
            "Course: Feedback (c1)\n"
            "Completed on: 1 January 2026\n"
            "Issuer: Soofos\n"
            "Issued at: 2026-01-01T09:00:00+00:00\n"
            f"Signing key: {kid}\n"
        )

    def test_verify_tampered(self, keys_file: Path, clock: FixedClock) -> None:
        """A tampered token exits 1 with a one-line reason."""
        signed = _issue(clock, keys_file)[1].strip()
        tampered = signed[:-2] + ("A" if signed[-2] != "A" else "B") + signed[-1]
        status, out, err = _run(clock, "verify", tampered, "--keys", str(keys_file))
        assert status == 1
        assert out == ""
        assert err.startswith("subscriptionkit: error: not genuine: ")
        assert err.count("\n") == 1

    def test_verify_missing_key_file(self, tmp_path: Path, clock: FixedClock) -> None:
        """A missing key file is a file error, exit 5, naming the file."""
        path = tmp_path / "none.json"
        status, _, err = _run(clock, "verify", "v1.a.b", "--keys", str(path))
        assert status == 5
        assert err == (
            f"subscriptionkit: error: cannot use the file {str(path)!r}: No such file or directory\n"
        )

    def test_issue_with_bad_keys(self, tmp_path: Path, clock: FixedClock) -> None:
        """issue with a file that is not a key ring exits 1 saying so."""
        bad = tmp_path / "bad.json"
        bad.write_text("{}", encoding="utf-8")
        status, _, err = _issue(clock, bad)
        assert status == 1
        assert "not a private key ring" in err

    @pytest.mark.parametrize(
        ("document", "got"),
        [
            ("[]", "got a JSON array"),
            ("{}", 'got an object without "format"'),
            ('{"keys": []}', "got a public key set (a JWK set), which can verify but not sign"),
            ('{"format": null}', 'got "format": null'),
        ],
    )
    def test_issue_with_keys_that_are_no_ring(
        self, tmp_path: Path, clock: FixedClock, document: str, got: str
    ) -> None:
        """A key file that is no private key ring is described in JSON's words (issue 13:
        ``got list``, ``got dict``, ``got format None``), the format as JSON writes it."""
        bad = tmp_path / "keys.json"
        bad.write_text(document, encoding="utf-8")
        status, _, err = _issue(clock, bad)
        assert status == 1
        assert err == (
            "subscriptionkit: error: not a private key ring document; expected an object "
            f'with "format": "subscriptionkit-keyring/1", "active" and "keys", {got}\n'
        )

    def test_issue_names_the_options(self, keys_file: Path, clock: FixedClock) -> None:
        """An empty --holder-id is named as the option (issue 13: ``holder_id is empty``)."""
        err = io.StringIO()
        status = main(
            [
                "certificates", "issue", "--keys", str(keys_file), "--holder-id", "",
                "--holder-name", "A", "--course-id", "c1", "--course-title", "T",
                "--completed-on", "2026-01-01", "--issuer", "Soofos",
            ],
            out=io.StringIO(), err=err, clock=clock,
        )  # fmt: skip
        assert status == 1
        assert err.getvalue().startswith("subscriptionkit: error: --holder-id is empty;")

    def test_a_completion_after_the_issue_is_refused(
        self, keys_file: Path, clock: FixedClock
    ) -> None:
        """``--completed-on 2099-04-14`` is refused: a course is completed before its
        certificate is issued (issue 13: it was accepted)."""
        status, out, err = _run(
            clock, "issue", "--keys", str(keys_file), "--holder-id", "u1", "--holder-name", "A",
            "--course-id", "c1", "--course-title", "T", "--completed-on", "2099-04-14",
            "--issuer", "Soofos",
        )  # fmt: skip
        assert (status, out) == (1, "")
        assert err.startswith("subscriptionkit: error: completed_on 2099-04-14 is after the ")
        assert "expected a day of completion on or before " in err

    def test_rotate(self, keys_file: Path, clock: FixedClock) -> None:
        """rotate adds a new active key; old tokens keep verifying."""
        signed = _issue(clock, keys_file)[1].strip()
        old = KeyRing.from_json(keys_file.read_bytes())
        clock.advance(days=10)
        status, out, _ = _run(clock, "rotate", "--keys", str(keys_file), "--locale", "en_GB")
        assert status == 0
        new = KeyRing.from_json(keys_file.read_bytes())
        assert new.active_kid != old.active_kid
        assert new.active_kid in out
        assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
        assert _run(clock, "verify", signed, "--keys", str(keys_file))[0] == 0


class TestRevoke:
    def test_revoke_then_verify(self, tmp_path: Path, keys_file: Path, clock: FixedClock) -> None:
        """A revoked certificate fails verify with its reason; revoking again is reported."""
        signed = _issue(clock, keys_file)[1].strip()
        revocations = tmp_path / "revoked.json"
        clock.advance(hours=1)
        status, out, _ = _run(
            clock, "revoke", "cert-1", "--reason", "issued in error", "--list", str(revocations),
            "--locale", "en_GB",
        )  # fmt: skip
        assert status == 0
        assert out == f"Revoked cert-1; {revocations} lists 1 revoked certificate.\n"
        assert RevocationList.from_json(revocations.read_bytes()).is_revoked("cert-1")
        status, _, err = _run(
            clock, "verify", signed, "--keys", str(keys_file), "--revocations", str(revocations)
        )
        assert status == 1
        assert "reason: issued in error" in err
        status, out, _ = _run(
            clock, "revoke", "cert-1", "--reason", "x", "--list", str(revocations),
            "--locale", "en_GB",
        )  # fmt: skip
        assert status == 0
        assert out == "cert-1 was already revoked at 2026-01-01T10:00:00+00:00.\n"

    def test_signed_list(self, tmp_path: Path, keys_file: Path, clock: FixedClock) -> None:
        """With --keys the list is signed, and verify checks that signature."""
        signed = _issue(clock, keys_file)[1].strip()
        revocations = tmp_path / "revoked.json"
        args = ["--reason", "r", "--list", str(revocations), "--keys", str(keys_file)]
        assert _run(clock, "revoke", "other", *args)[0] == 0
        assert "signature" in json.loads(revocations.read_text(encoding="utf-8"))
        verify_args = ["--keys", str(keys_file), "--revocations", str(revocations)]
        assert _run(clock, "verify", signed, *verify_args)[0] == 0
        document = json.loads(revocations.read_text(encoding="utf-8"))
        document["revocations"] = []
        revocations.write_text(json.dumps(document), encoding="utf-8")
        status, _, err = _run(clock, "verify", signed, *verify_args)
        assert status == 1
        assert "signature does not match" in err


class TestNoOverwrite:
    """No command writes over its own input or over a private key file (issue 9)."""

    def test_export_keys_over_its_input(self, keys_file: Path, clock: FixedClock) -> None:
        """export-keys --keys ring.json --out ring.json refuses; the ring is unchanged."""
        before = keys_file.read_bytes()
        status, out, err = _run(
            clock, "export-keys", "--keys", str(keys_file), "--out", str(keys_file)
        )
        assert (status, out) == (1, "")
        assert "is this command's input" in err
        assert err.count("\n") == 1
        assert keys_file.read_bytes() == before

    def test_export_keys_through_another_name(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """The same file by a relative path or a symlink is still the input."""
        before = keys_file.read_bytes()
        link = tmp_path / "link.json"
        link.symlink_to(keys_file)
        assert _run(clock, "export-keys", "--keys", str(keys_file), "--out", str(link))[0] == 1
        assert keys_file.read_bytes() == before

    def test_export_keys_over_another_private_ring(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """Writing the public set over another private key file is refused."""
        other = tmp_path / "other-ring.json"
        assert _run(clock, "keygen", "--out", str(other))[0] == 0
        before = other.read_bytes()
        status, _, err = _run(clock, "export-keys", "--keys", str(keys_file), "--out", str(other))
        assert status == 1
        assert "holds private key material" in err
        assert other.read_bytes() == before

    def test_export_keys_over_a_pem_private_key(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """A PEM private key file is a private key file too."""
        pem = tmp_path / "key.pem"
        pem.write_text(KeyRing.from_json(keys_file.read_bytes()).active.to_pem(), encoding="utf-8")
        assert _run(clock, "export-keys", "--keys", str(keys_file), "--out", str(pem))[0] == 1
        assert "PRIVATE KEY" in pem.read_text(encoding="utf-8")

    def test_export_keys_replaces_a_public_set(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """An existing public set is replaced atomically: no temporary file is left behind."""
        public = tmp_path / "public.json"
        public.write_text('{"keys": []}', encoding="utf-8")
        assert _run(clock, "export-keys", "--keys", str(keys_file), "--out", str(public))[0] == 0
        assert len(PublicKeySet.from_json(public.read_bytes())) == 1
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []

    def test_revoke_list_over_the_ring(self, keys_file: Path, clock: FixedClock) -> None:
        """revoke --list ring.json --keys ring.json refuses before reading anything."""
        before = keys_file.read_bytes()
        status, _, err = _run(
            clock,
            "revoke",
            "c-1",
            "--reason",
            "x",
            "--list",
            str(keys_file),
            "--keys",
            str(keys_file),
        )
        assert status == 1
        assert "is this command's input" in err
        assert keys_file.read_bytes() == before

    def test_rotate_writes_owner_only_and_atomically(
        self, keys_file: Path, clock: FixedClock
    ) -> None:
        """rotate updates the ring in place (its purpose) with mode 0600, leaving no temp file."""
        clock.advance(days=1)
        assert _run(clock, "rotate", "--keys", str(keys_file))[0] == 0
        assert keys_file.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in keys_file.parent.iterdir() if p.name.startswith(".")] == []


class TestIssueWithProfile:
    def test_issuer_and_status_entry(self, keys_file: Path, clock: FixedClock) -> None:
        """--issuer-id, --status-list-url and --status-index go into the credential."""
        status, out, err = _issue(
            clock,
            keys_file,
            "--issuer-id",
            "https://soofos.example",
            "--status-list-url",
            "https://soofos.example/status/1",
            "--status-index",
            "17",
        )
        assert (status, err) == (0, "")
        from subscriptionkit.certificates import verify

        verified = verify(out.strip(), KeyRing.from_json(keys_file.read_bytes()), at=clock.now())
        assert (verified.status_index, verified.status_list_url) == (
            17,
            "https://soofos.example/status/1",
        )

    def test_bad_issuer_id(self, keys_file: Path, clock: FixedClock) -> None:
        """A relative issuer id is one error line."""
        status, out, err = _issue(clock, keys_file, "--issuer-id", "soofos")
        assert (status, out) == (1, "")
        assert "id must be an absolute http" in err
        assert err.count("\n") == 1


class TestRevocationFileMessages:
    def test_a_broken_list_names_the_command_that_writes_one(
        self, tmp_path: Path, keys_file: Path, clock: FixedClock
    ) -> None:
        """A --revocations file that is not JSON is refused with status 1 (it was reported
        as an internal error, 70), naming the command that writes such a list, never a
        Python method."""
        signed = _issue(clock, keys_file)[1].strip()
        broken = tmp_path / "revoked.json"
        broken.write_text("not json", encoding="utf-8")
        status, out, err = _run(
            clock, "verify", signed, "--keys", str(keys_file), "--revocations", str(broken)
        )
        assert (status, out) == (1, "")
        assert (
            "a revocation list in JSON, as the command subscriptionkit certificates revoke " in err
        )
        assert "()" not in err
