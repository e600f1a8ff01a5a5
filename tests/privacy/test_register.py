"""The register of processing: the seed's purposes, TOML/JSON round trips, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from subscriptionkit.errors import InvalidArgument, InvalidRegister, UnknownPurpose
from subscriptionkit.privacy import (
    LegalBasis,
    Purpose,
    Recipient,
    Register,
    Retention,
    Role,
    default_register,
)


class TestDefaultRegister:
    """The default register mirrors seeds 001 and 002."""

    def test_three_grounds_and_the_law(self) -> None:
        """Contract, legitimate interest and consent (seed 001), and the tax law's invoices."""
        bases = {p.legal_basis for p in default_register()}
        assert bases == set(LegalBasis)

    def test_implicit_consents_of_the_seed(self) -> None:
        """Contact, newsletter sign-up and a review each consent to their own purpose."""
        register = default_register()
        assert register.for_implicit_consent("contact").id == "support"
        assert register.for_implicit_consent("newsletter_signup").id == "newsletter"
        assert register.for_implicit_consent("review").id == "reviews"

    def test_pupil_data_is_processed_for_the_school(self) -> None:
        """Seed 002: schools sign a processing agreement; the school is the controller."""
        purpose = default_register().purpose("pupil-monitoring")
        assert purpose.role is Role.PROCESSOR
        assert purpose.controller == "school"

    def test_invoices_kept_seven_years(self) -> None:
        """Dutch tax records: 7 years."""
        purpose = default_register().purpose("invoicing")
        assert purpose.retention == Retention(years=7)
        assert purpose.legal_basis is LegalBasis.LEGAL_OBLIGATION

    def test_seed_recipients(self) -> None:
        """The processors the seed names, all inside the EEA."""
        register = default_register()
        ids = {r.id for r in register.recipients}
        assert {"payment-provider", "accountant", "newsletter-software", "hosting"} <= ids
        assert not any(r.outside_eea for r in register.recipients)
        assert register.outside_eea("newsletter") == ()

    def test_unknown_purpose(self) -> None:
        """An unknown purpose names the known ones."""
        with pytest.raises(UnknownPurpose, match="no purpose 'spam' in the register"):
            default_register().purpose("spam")


class TestRoundTrips:
    """Loadable from and dumpable to TOML and JSON, like the plan catalog."""

    def test_json(self) -> None:
        """JSON text round-trips."""
        register = default_register()
        assert Register.from_json(register.to_json()) == register

    def test_toml(self) -> None:
        """TOML text round-trips."""
        register = default_register()
        assert Register.from_toml(register.to_toml()) == register

    @pytest.mark.parametrize("suffix", [".json", ".toml"])
    def test_files(self, tmp_path: Path, suffix: str) -> None:
        """Files round-trip by their suffix."""
        path = tmp_path / f"register{suffix}"
        default_register().dump(path)
        assert Register.load(path) == default_register()

    def test_transfer_outside_the_eea_round_trips(self) -> None:
        """A recipient outside the EEA keeps its safeguard."""
        register = Register(
            controller="Platform B.V.",
            purposes=[Purpose("mail", "mailing", "consent", ["e-mail"], ["mailer"], "P1Y")],
            recipients=[
                Recipient("mailer", "US mail service", True, "EU standard contractual clauses")
            ],
        )
        assert Register.from_toml(register.to_toml()) == register
        assert register.outside_eea("mail")[0].safeguard == "EU standard contractual clauses"


class TestRefusals:
    """A register that does not make sense does not load."""

    def test_transfer_without_safeguard(self) -> None:
        """Data leaving the EEA needs a safeguard."""
        with pytest.raises(InvalidRegister, match="needs a safeguard"):
            Recipient("mailer", "US mail service", outside_eea=True)

    def test_processor_without_controller(self) -> None:
        """A processor purpose names its controller."""
        with pytest.raises(InvalidRegister, match="expected the controller named"):
            Purpose("pupils", "pupil data", "contract", ["pupil id"], role="processor")

    def test_unknown_recipient(self) -> None:
        """A purpose names only recipients of the register."""
        with pytest.raises(InvalidRegister, match="names recipient"):
            Register("P", [Purpose("a", "b", "contract", ["name"], ["nobody"])])

    def test_unknown_legal_basis(self) -> None:
        """Only the four legal bases."""
        with pytest.raises(InvalidRegister, match="LegalBasis must be one of"):
            Purpose("a", "b", "because", ["name"])

    def test_duplicate_purposes(self) -> None:
        """Purpose ids are unique."""
        p = Purpose("a", "b", "contract", ["name"])
        with pytest.raises(InvalidRegister, match="unique"):
            Register("P", [p, p])

    @pytest.mark.parametrize("text", ["P", "7Y", "P1.5Y", "P-1D", ""])
    def test_bad_period(self, text: str) -> None:
        """Retention is an ISO 8601 period of whole units."""
        with pytest.raises(InvalidRegister, match="ISO 8601 period"):
            Retention.parse(text)

    def test_weeks_are_days(self) -> None:
        """P4W is 28 days."""
        assert Retention.parse("P4W") == Retention(days=28)
        assert str(Retention(days=28)) == "P28D"

    def test_bad_json(self) -> None:
        """Not JSON, not a register."""
        with pytest.raises(InvalidRegister, match="not valid JSON"):
            Register.from_json("{")
        with pytest.raises(InvalidRegister, match="must be a table"):
            Register.from_json("[]")

    def test_unknown_field(self) -> None:
        """A purpose table with a stray field names it."""
        data = default_register().to_dict()
        data["purposes"][0]["colour"] = "blue"
        with pytest.raises(InvalidRegister, match="unknown colour"):
            Register.from_dict(data)

    def test_float_refused(self) -> None:
        """No fractional numbers."""
        with pytest.raises(InvalidRegister, match="fractional"):
            Register.from_json('{"controller": "x", "purposes": [], "x": 1.5}')

    def test_wrong_path(self, tmp_path: Path) -> None:
        """Only .json and .toml files; a path must be text or a Path."""
        with pytest.raises(InvalidRegister, match="must end in"):
            default_register().dump(tmp_path / "r.yaml")
        with pytest.raises(InvalidRegister, match="cannot read"):
            Register.load(tmp_path / "missing.toml")
        with pytest.raises(InvalidArgument):
            Register.load(3)  # type: ignore[arg-type]

    def test_expiry_clamps_month_ends(self) -> None:
        """Aug 31 + 6 months ends on the last day of February, in the local zone."""
        import datetime as dt

        since = dt.datetime(2026, 8, 31, 12, tzinfo=dt.UTC)
        assert Retention(months=6).expires(since).isoformat() == "2027-02-28T23:59:59.999999+01:00"
