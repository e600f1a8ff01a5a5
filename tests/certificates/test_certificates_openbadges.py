"""Open Badges 3.0: the credential validates against the official schema in ../shared/standards.

CI clones the repository into another folder with a copy of ``shared/`` beside it, so the
schema is found relative to the repository root (``<repo>/../shared``), never by an
absolute path. Without it the test skips, naming the path; under ``CI=true`` it fails.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import attrs
import jsonschema
import pytest

from certificate_helpers import missing, split
from subscriptionkit.certificates import (
    Certificate,
    IssuerProfile,
    KeyRing,
    identity_hash,
    open_badge_credential,
    token,
)
from subscriptionkit.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]
STANDARDS = REPO.parent / "shared" / "standards" / "openbadges-3.0"
ISSUER = IssuerProfile("https://soofos.example", "https://soofos.example/status/1")


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    """A validator for the official AchievementCredential schema, with format checks."""
    path = STANDARDS / "achievementcredential.schema.json"
    if not path.exists():
        missing(f"the Open Badges 3.0 schema at {path}")
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    checker: Any = cls.FORMAT_CHECKER
    validator: jsonschema.protocols.Validator = cls(schema, format_checker=checker)
    return validator


def _errors(validator: jsonschema.protocols.Validator, credential: dict[str, Any]) -> list[str]:
    return [error.message for error in validator.iter_errors(credential)]


class TestSchema:
    @pytest.mark.parametrize("issuer", [None, ISSUER])
    @pytest.mark.parametrize("status_index", [None, 0, 131_071])
    def test_credential_validates(
        self,
        validator: jsonschema.protocols.Validator,
        cert: Certificate,
        issuer: IssuerProfile | None,
        status_index: int | None,
    ) -> None:
        """The credential is a valid OpenBadgeCredential, with and without profile and status."""
        credential = open_badge_credential(attrs.evolve(cert, status_index=status_index), issuer)
        assert _errors(validator, credential) == []

    def test_the_token_payload_validates(
        self, validator: jsonschema.protocols.Validator, ring: KeyRing, cert: Certificate
    ) -> None:
        """What a wallet gets from the VC-JWT is the same valid credential."""
        payload = split(token(attrs.evolve(cert, status_index=4), ring, issuer=ISSUER))[1]
        assert _errors(validator, payload) == []

    def test_the_validator_is_not_lenient(
        self, validator: jsonschema.protocols.Validator, cert: Certificate
    ) -> None:
        """Without its required parts the credential fails the schema: the check has teeth."""
        credential = open_badge_credential(cert)
        for required in ("validFrom", "credentialSubject", "issuer"):
            assert _errors(validator, {k: v for k, v in credential.items() if k != required})
        assert _errors(validator, {**credential, "type": ["VerifiableCredential"]})
        assert _errors(validator, {**credential, "validFrom": "yesterday"})

    def test_context_file_is_the_one_named(self, cert: Certificate) -> None:
        """The credential's second @context is the shipped Open Badges 3.0.3 context."""
        path = STANDARDS / "context-3.0.3.json"
        if not path.exists():
            missing(f"the Open Badges 3.0 context at {path}")
        assert json.loads(path.read_text(encoding="utf-8"))["@context"]
        assert open_badge_credential(cert)["@context"][1].endswith("/context-3.0.3.json")


class TestShape:
    def test_content(self, cert: Certificate) -> None:
        """Course as the Achievement, issue time as validFrom, the holder only as a hash."""
        credential = open_badge_credential(attrs.evolve(cert, status_index=12), ISSUER)
        subject = credential["credentialSubject"]
        assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
        assert credential["id"] == "urn:subscriptionkit:certificate:cert-0001"
        assert credential["validFrom"] == "2026-01-02T09:00:00Z"
        assert credential["issuer"] == {
            "id": "https://soofos.example",
            "type": ["Profile"],
            "name": "Soofos",
        }
        assert subject["achievement"]["name"] == "Feedback geven"
        assert subject["achievement"]["id"] == "urn:subscriptionkit:course:course-7"
        assert subject["completionDate"] == "2026-01-02"
        [identity] = subject["identifier"]
        assert identity["identityHash"] == identity_hash("member-42", "cert-0001")
        assert identity["hashed"] is True
        assert "Zoë" not in json.dumps(credential, ensure_ascii=False)
        assert "member-42" not in json.dumps(credential)
        assert credential["credentialStatus"] == {
            "id": "https://soofos.example/status/1#12",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "12",
            "statusListCredential": "https://soofos.example/status/1",
        }

    def test_uuid_ids_become_urn_uuid(self, cert: Certificate) -> None:
        """A UUID certificate id (the default) becomes a urn:uuid credential id."""
        uid = "0b6f8f0e-3c8e-4d55-9a43-1c8d3f2b7a10"
        credential = open_badge_credential(attrs.evolve(cert, certificate_id=uid))
        assert credential["id"] == f"urn:uuid:{uid}"

    def test_no_status_entry_without_a_list(self, cert: Certificate) -> None:
        """Without a status list URL, or without an index, there is no credentialStatus."""
        assert "credentialStatus" not in open_badge_credential(attrs.evolve(cert, status_index=3))
        assert "credentialStatus" not in open_badge_credential(cert, ISSUER)

    @pytest.mark.parametrize(
        ("kwargs", "message"),
        [
            ({"id": "soofos.example"}, "id must be an absolute http"),
            ({"id": "https://x.example", "status_list_url": "ftp://x/"}, "status_list_url"),
            ({"id": "https://x.example", "status_list_url": "https://x.example/a b"}, "status"),
        ],
    )
    def test_bad_profiles(self, kwargs: dict[str, Any], message: str) -> None:
        """Profile ids and list URLs must be absolute URLs (ids may be URNs)."""
        with pytest.raises(InvalidInput, match=message):
            IssuerProfile(**kwargs)

    def test_bad_arguments(self, cert: Certificate) -> None:
        """Only a Certificate and an IssuerProfile are accepted."""
        with pytest.raises(InvalidInput, match="needs a Certificate"):
            open_badge_credential(cert.to_dict())  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="issuer must be an IssuerProfile"):
            open_badge_credential(cert, "https://soofos.example")  # type: ignore[arg-type]

    def test_model_status_index_bounds(self, cert: Certificate) -> None:
        """A status index is a whole number within the list's range, never a bool or text."""
        bad: Any
        for bad in (-1, 2**24, True, "3", 1.0):
            with pytest.raises(InvalidInput, match="status_index must be None or a whole number"):
                attrs.evolve(cert, status_index=bad)
        moment = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
        assert (
            Certificate.from_dict(
                {**cert.to_dict(), "status_index": 5, "issued_at": moment.isoformat()}
            ).status_index
            == 5
        )
