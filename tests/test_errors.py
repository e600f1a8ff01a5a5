"""The error tree: one base class, builtin mix-ins, exact messages, picklable data."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest

from subscriptionkit import errors
from subscriptionkit._errors_base import _indefinite
from subscriptionkit.errors import SubscriptionKitError

UTC = dt.UTC
T1 = dt.datetime(2026, 1, 26, 10, 0, tzinfo=UTC)
T2 = dt.datetime(2026, 1, 27, 9, 30, tzinfo=UTC)
T3 = dt.datetime(2027, 1, 31, 10, 0, tzinfo=UTC)
T4 = dt.datetime(2027, 1, 26, 10, 0, tzinfo=UTC)

# class name -> (keyword arguments, the exact message)
MESSAGES: dict[str, tuple[dict[str, Any], str]] = {
    "NaiveDatetimeError": (
        {"name": "at", "got": dt.datetime(2026, 1, 1)},
        "at must be a timezone-aware datetime (with tzinfo), got a naive datetime "
        "2026-01-01T00:00:00",
    ),
    "InvalidTimezone": (
        {"got": "Mars/Olympus"},
        "time zone must be an IANA name such as 'Europe/Amsterdam', got 'Mars/Olympus'",
    ),
    "CurrencyMismatch": (
        {"expected": "EUR", "got": "USD"},
        "cannot combine amounts in different currencies: expected EUR, got USD",
    ),
    "InvalidGrade": (
        {"got": 9, "expected": (1, 2), "plan_id": "focus-po-1-2"},
        "grade for plan 'focus-po-1-2' must be one of 1–2, got 9",
    ),
    "SeatCountOutOfRange": (
        {"plan_id": "teams", "minimum": 3, "maximum": 40, "got": 2},
        "seats for plan 'teams' must be a whole number from 3 to 40, got 2",
    ),
    "UnknownPlan": (
        {"plan_id": "gold", "known": ["focus-po-1-2", "teams"]},
        "no plan with id 'gold'; expected one of: focus-po-1-2, teams",
    ),
    "PriceNotConfigured": (
        {"plan_id": "teams", "setting": "price_per_seat_year"},
        "plan 'teams' has no configured price: the published sources give none, so it must "
        "be set (price_per_seat_year); got no price",
    ),
    "TrialAlreadyUsed": (
        {"customer_id": "school-1", "trial_started": T1},
        "customer 'school-1' already had its trial (started 2026-01-26T10:00:00+00:00); a "
        "trial is given only once per customer, whatever plan follows: activate a plan instead",
    ),
    "InvalidTransition": (
        {"action": "activate", "state": "expired", "allowed": ["trialing", "cancelled"]},
        "cannot activate a subscription that is expired; expected one that is trialing or "
        "cancelled",
    ),
    "CancellationTooLate": (
        {"deadline": T1, "at": T2, "next_possible_end": T3, "next_deadline": T4},
        "cancellation is too late: the deadline was 2026-01-26T10:00:00+00:00, the request "
        "came at 2026-01-27T09:30:00+00:00; the subscription renews, and the earliest "
        "possible end is 2027-01-31T10:00:00+00:00 (cancel by 2027-01-26T10:00:00+00:00)",
    ),
    "NotAnUpgrade": (
        {"current": "focus-po-combi", "requested": "focus-po-1-2", "allowed": ["focus-po-1-8"]},
        "'focus-po-1-2' is not an upgrade of 'focus-po-combi'; expected one of "
        "'focus-po-1-8'. Downgrades go through cancellation within the notice period, "
        "effective at renewal",
    ),
    "NotFound": (
        {"kind": "subscription", "key": "s-1"},
        "no subscription with id 's-1' was found; expected an existing subscription",
    ),
    "AlreadyExists": (
        {"kind": "team", "key": 7},
        "a team with id 7 exists already; expected a new id",
    ),
    "StatusIndexTaken": (
        {"index": 4, "holder": "cert-1", "certificate_id": "cert-2"},
        "status index 4 is held by certificate 'cert-1' already; expected a free index for "
        "'cert-2' (leave status_index None and the store assigns the next free one)",
    ),
    "ConcurrentUpdate": (
        {"kind": "subscription", "key": "s-1", "expected_version": 3, "found_version": 4},
        "subscription 's-1' was changed by someone else: the write expected version 3, the "
        "store holds version 4; reload and retry",
    ),
    "SchemaVersionError": (
        {"found": 5, "supported": 2},
        "database schema version 5 is newer than this library supports; upgrade "
        "subscriptionkit; expected version 2",
    ),
    "UnknownSchemaVersion": (
        {"found": "banana", "known": ("0001", "0002")},
        "the database records schema version 'banana', which no subscriptionkit release "
        "writes; expected one of 0001, 0002; nothing was run",
    ),
    "MalformedToken": (
        {"problem": "wrong number of parts", "expected": "3 dot-separated parts", "got": "2"},
        "malformed certificate token: wrong number of parts; expected 3 dot-separated parts, got 2",
    ),
    "UnknownKey": (
        {"kid": "k9", "known": ["k1", "k2"]},
        "the certificate was signed with key id 'k9', which the key set does not hold; "
        "expected one of: 'k1', 'k2'",
    ),
    "BadSignature": (
        {"kid": "k1"},
        "the certificate signature does not match its contents for key 'k1'; expected a "
        "signature made by that key over the token's header and payload, got one that is "
        "not (the token was altered or signed by a different key)",
    ),
    "KeyNotValid": (
        {"kid": "k1", "issued_at": T2, "not_before": T1, "retired_after": T1},
        "key 'k1' was not valid when the certificate was issued: expected an issue time "
        "from 2026-01-26T10:00:00+00:00 to 2026-01-26T10:00:00+00:00, got "
        "2026-01-27T09:30:00+00:00",
    ),
    "NotYetValid": (
        {"issued_at": T2, "at": T1},
        "the certificate is not valid yet: expected an issue time at or before the "
        "verification moment 2026-01-26T10:00:00+00:00, got 2026-01-27T09:30:00+00:00",
    ),
    "CertificateRevoked": (
        {"certificate_id": "c-1", "reason": "fraud", "revoked_at": T1},
        "certificate 'c-1' was revoked at 2026-01-26T10:00:00+00:00 (reason: fraud); "
        "expected a certificate that is not revoked",
    ),
    "InvalidKeyMaterial": (
        {"problem": "not a JWK", "expected": "an OKP key", "got": "an RSA key"},
        "not a JWK; expected an OKP key, got an RSA key",
    ),
    "KeyRingError": (
        {"problem": "cannot retire the active key", "expected": "a retired key", "got": "k1"},
        "cannot retire the active key; expected a retired key, got k1",
    ),
    "InvalidRevocationList": (
        {"problem": "bad signature", "expected": "a signed list", "got": "an unsigned one"},
        "bad signature; expected a signed list, got an unsigned one",
    ),
    "NotPermitted": (
        {
            "team_id": "t",
            "action": "remove members",
            "needed": "the team's owner",
            "account_id": "bob",
            "role": "member",
        },
        "account 'bob' may not remove members on team 't': expected the team's owner, got "
        "the role 'member'",
    ),
    "TeamFull": (
        {"team_id": "t", "seats": 3, "taken": 3},
        "team 't' is full: expected a free seat, got 3 of 3 seats taken; the owner can add seats",
    ),
    "AlreadyOnTeam": (
        {"team_id": "t", "what": "account", "value": "bob"},
        "account 'bob' is on team 't' already; expected one that is not",
    ),
    "NotAMember": (
        {"team_id": "t", "account_id": "zed", "expected": "an active member"},
        "account 'zed' is not an active member of team 't'; expected an active member",
    ),
    "OwnerCannotBeRemoved": (
        {"team_id": "t", "account_id": "ann"},
        "account 'ann' owns team 't' and cannot be removed; expected a member who is not the "
        "owner (make someone else manager first)",
    ),
    "AlreadyOwner": (
        {"team_id": "t", "account_id": "ann"},
        "account 'ann' owns team 't' already; expected another member",
    ),
    "CoManagersDisabled": (
        {"team_id": "t"},
        "team 't' does not allow co-managers; expected the setting co_managers to be on, got "
        "it off",
    ),
    "SeatsBelowCommitted": (
        {"team_id": "t", "seats": 3, "members": 3, "pending_invitations": 1},
        "team 't' needs at least 4 seats (3 members and 1 pending invitations); got 3",
    ),
    "InvalidTokenKey": (
        {"key_id": "k", "problem": "is not configured", "expected": "one of ['a']"},
        "token key 'k' is not configured; expected one of ['a']",
    ),
    "UnknownInvitation": (
        {"team_id": "t"},
        "the token matches no invitation of team 't'; expected the token of an invitation "
        "sent by the team, got an unknown one",
    ),
    "InvitationExpired": (
        {"invitation_id": "i", "expires_at": T1, "at": T2},
        "invitation 'i' expired at 2026-01-26T10:00:00+00:00; expected a moment before that, "
        "got 2026-01-27T09:30:00+00:00: ask the team for a new invitation",
    ),
    "InvitationUsed": (
        {"invitation_id": "i", "used_at": T1},
        "invitation 'i' was used at 2026-01-26T10:00:00+00:00; expected an unused invitation "
        "(each is single use)",
    ),
    "InvitationRevoked": (
        {"invitation_id": "i", "revoked_at": T1},
        "invitation 'i' was revoked at 2026-01-26T10:00:00+00:00; expected an invitation that "
        "is not revoked",
    ),
    "InvitationForAnotherAddress": (
        {"invitation_id": "i", "got": "eve@x.org"},
        "invitation 'i' is for another e-mail address; expected the address it was sent to "
        "(compared without case), got 'eve@x.org'",
    ),
    "UnknownLink": (
        {"team_id": None},
        "the token matches no registration link; expected the current token of a link, got an "
        "unknown one (the link may have been rotated)",
    ),
    "LinkExpired": (
        {"link_id": "l", "expires_at": T1, "at": T2},
        "registration link 'l' expired at 2026-01-26T10:00:00+00:00; expected a moment before "
        "that, got 2026-01-27T09:30:00+00:00",
    ),
    "LinkRevoked": (
        {"link_id": "l", "revoked_at": T1},
        "registration link 'l' was revoked at 2026-01-26T10:00:00+00:00; expected a link that "
        "is not revoked",
    ),
    "LinkUsedUp": (
        {"link_id": "l", "max_uses": 2},
        "registration link 'l' was used its maximum of 2 times; expected fewer than 2 uses",
    ),
    "UnknownPurpose": (
        {"purpose": "spam", "known": ["newsletter", "support"]},
        "no purpose 'spam' in the register of processing; expected one of: newsletter, support",
    ),
    "ConsentNotGiven": (
        {"subject_id": "ann", "purpose": "newsletter", "at": T1},
        "subject 'ann' has no consent for purpose 'newsletter' in force at "
        "2026-01-26T10:00:00+00:00; expected a consent given before then and not withdrawn",
    ),
    "IdentityNotVerified": (
        {"request_id": "r-1"},
        "request 'r-1' cannot be carried out: no identity check is recorded; expected the "
        "requester's identity checked and recorded first (the seed asks for a copy of an ID "
        "with the MRZ, document number and BSN blacked out), got none",
    ),
    "RequestForwarded": (
        {"request_id": "r-1", "controller": "school-1"},
        "request 'r-1' is about data processed for controller 'school-1'; expected it "
        "forwarded to that controller, who answers it, not carried out by the platform",
    ),
    "ExtensionNotAllowed": (
        {"request_id": "r-1", "problem": "that makes 3 months in total", "got": 2},
        "the deadline of request 'r-1' cannot be extended: that makes 3 months in total; "
        "expected at most two further months in total, with a reason, before the deadline "
        "(GDPR Art. 12(3)), got int 2",
    ),
    "AccessNotAnswered": (
        {"subject_id": "ann", "request_ids": ["r-1", "r-2"]},
        "subject 'ann' cannot be erased yet: requests 'r-1', 'r-2' asking for a copy of "
        "the data are open, and erasing first would destroy what they ask for; expected "
        "each answered (the export, recorded against the request), forwarded or refused "
        "first, got them open",
    ),
    "RequestClosed": (
        {"request_id": "r-1", "status": "completed", "action": "extend"},
        "cannot extend request 'r-1': it is completed already; expected an open request",
    ),
    "OwnershipTransferRequired": (
        {"subject_id": "ann", "team_ids": ["t-1"]},
        "subject 'ann' owns team 't-1' and cannot be erased yet; expected the ownership "
        "of it transferred to another member first, got the subject as owner",
    ),
    "PrivacyCoverageError": (
        {"stores": ["sk_notes"]},
        "store sk_notes keeps personal data but has no exporter and no eraser; expected "
        "every such store covered by a registered exporter or eraser",
    ),
    "StatusNotCovered": (
        {"certificate_id": "c-1", "list_url": "https://x.example/s/1", "entry_url": None},
        "the revocation of certificate 'c-1' cannot be checked against the status list "
        "https://x.example/s/1; expected a token with an entry in that list, got no status entry",
    ),
    "InvalidStatusList": (
        {
            "problem": "the status list is not valid yet",
            "expected": "a past validFrom",
            "got": "2030",
        },
        "the status list is not valid yet; expected a past validFrom, got 2030",
    ),
}

# The builtin each error refines, as drawn in the module docstring.
MIXINS: dict[str, tuple[type[BaseException], ...]] = {
    "InvalidInput": (ValueError,),
    "NaiveDatetimeError": (ValueError, TypeError),
    "InvalidTimezone": (ValueError,),
    "InvalidMoney": (ValueError,),
    "CurrencyMismatch": (ValueError,),
    "InvalidGrade": (ValueError,),
    "SeatCountOutOfRange": (ValueError,),
    "InvalidPlan": (ValueError,),
    "InvalidQuoteRequest": (ValueError,),
    "UnknownPlan": (KeyError, LookupError),
    "PriceNotConfigured": (LookupError,),
    "NotFound": (LookupError,),
    "NotPermitted": (PermissionError,),
    "NotAMember": (LookupError,),
    "InvalidTokenKey": (ValueError,),
    "UnknownInvitation": (LookupError,),
    "UnknownLink": (LookupError,),
    "MalformedToken": (ValueError,),
    "UnknownKey": (LookupError,),
    "InvalidKeyMaterial": (ValueError,),
    "KeyRingError": (ValueError,),
    "InvalidRevocationList": (ValueError,),
    "InvalidStatusList": (ValueError,),
}


def _make(name: str) -> SubscriptionKitError:
    kwargs, _ = MESSAGES[name]
    error: SubscriptionKitError = getattr(errors, name)(**kwargs)
    return error


class TestMessageText:
    """The one way messages show values: moments as ISO 8601, articles that fit."""

    def test_extension_refused_after_the_deadline_shows_the_moment(self) -> None:
        """got= a moment reads as ISO text, never a DateTime(...) repr nor a type name."""
        err = errors.ExtensionNotAllowed(
            request_id="r-1",
            problem="the deadline has passed",
            got=dt.datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
        )
        assert str(err).endswith("got 2026-03-01T09:30:00+00:00")

    @pytest.mark.parametrize(
        ("word", "said"),
        [
            ("access", "an access"),
            ("erasure", "an erasure"),
            ("objection", "an objection"),
            ("rectification", "a rectification"),
            ("usage", "a usage"),
            ("upgrade", "an upgrade"),
            ("invoice", "an invoice"),
            ("request", "a request"),
        ],
    )
    def test_indefinite_article(self, word: str, said: str) -> None:
        """'an access request', never 'a access request'."""
        assert _indefinite(word) == said


class TestTree:
    """Every error descends from SubscriptionKitError and refines the right builtin."""

    @pytest.mark.parametrize("name", errors.__all__)
    def test_every_public_error_is_a_subscriptionkit_error(self, name: str) -> None:
        """Each class in errors.__all__ can be caught with one `except SubscriptionKitError`."""
        cls = getattr(errors, name)
        assert isinstance(cls, type)
        assert issubclass(cls, SubscriptionKitError)

    @pytest.mark.parametrize("name", errors.__all__)
    def test_every_public_error_is_drawn_in_the_tree(self, name: str) -> None:
        """The module docstring's tree names every public error."""
        assert errors.__doc__ is not None
        assert f" {name}" in errors.__doc__

    @pytest.mark.parametrize(("name", "builtins"), sorted(MIXINS.items()))
    def test_builtin_mixins(self, name: str, builtins: tuple[type[BaseException], ...]) -> None:
        """Errors mix in the builtin they refine, so `except ValueError` keeps working."""
        cls = getattr(errors, name)
        for builtin in builtins:
            assert issubclass(cls, builtin), (name, builtin)

    @pytest.mark.parametrize(
        ("child", "parent"),
        [
            ("NaiveDatetimeError", "InvalidInput"),
            ("CurrencyMismatch", "InvalidMoney"),
            ("InvalidMoney", "InvalidInput"),
            ("TrialAlreadyUsed", "LifecycleError"),
            ("CancellationTooLate", "LifecycleError"),
            ("ConcurrentUpdate", "StorageError"),
            ("CertificateRevoked", "InvalidCertificate"),
            ("InvalidCertificate", "CertificateError"),
            ("InvitationUsed", "InvitationError"),
            ("LinkUsedUp", "LinkError"),
            ("IdentityNotVerified", "RequestError"),
            ("RequestError", "PrivacyError"),
            ("InvalidRegister", "PrivacyError"),
            ("OwnershipTransferRequired", "PrivacyError"),
            ("InvitationError", "TeamError"),
            ("LinkError", "TeamError"),
            ("TeamFull", "TeamError"),
        ],
    )
    def test_parents(self, child: str, parent: str) -> None:
        """The branches of the tree are real subclass relations."""
        assert issubclass(getattr(errors, child), getattr(errors, parent))

    def test_lifecycle_and_storage_errors_are_not_value_errors(self) -> None:
        """Only bad input is a ValueError; a lifecycle step refused is not."""
        assert not issubclass(errors.LifecycleError, ValueError)
        assert not issubclass(errors.StorageError, ValueError)
        assert not issubclass(errors.TeamError, ValueError)

    def test_base_class_message(self) -> None:
        """The base class keeps its message as text and as an attribute."""
        err = SubscriptionKitError("something broke")
        assert str(err) == "something broke"
        assert err.message == "something broke"
        assert err.args == ("something broke",)


class TestMessages:
    """Every message says what was wrong, what was expected and what was given."""

    @pytest.mark.parametrize("name", sorted(MESSAGES))
    def test_message(self, name: str) -> None:
        """The message is exactly the documented text."""
        err = _make(name)
        assert str(err) == MESSAGES[name][1]
        assert err.message == MESSAGES[name][1]

    @pytest.mark.parametrize("name", sorted(MESSAGES))
    def test_data_attributes(self, name: str) -> None:
        """Every keyword argument is kept as an attribute (tuples for iterables)."""
        err = _make(name)
        for key, value in MESSAGES[name][0].items():
            got = getattr(err, key)
            assert got == (tuple(value) if isinstance(value, list) else value), key

    def test_seat_count_above_maximum_points_to_organisation(self) -> None:
        """More seats than the maximum mentions the Organisation plan."""
        err = errors.SeatCountOutOfRange(plan_id="teams", minimum=3, maximum=40, got=41)
        assert str(err) == (
            "seats for plan 'teams' must be a whole number from 3 to 40, got 41; teams of "
            "more than 40 people need an Organisation plan, which is sold on request"
        )

    def test_no_seat_count_is_said_in_words(self) -> None:
        """No seat count given (``subscribe x teams`` without ``--seats``) is said in words,
        not as ``None`` (issue 13)."""
        err = errors.SeatCountOutOfRange(plan_id="teams", minimum=3, maximum=40, got=None)
        assert str(err) == (
            "seats for plan 'teams' must be a whole number from 3 to 40, got no number of seats"
        )

    def test_seat_count_not_a_number_has_no_hint(self) -> None:
        """A non-number seat count gets no Organisation hint."""
        err = errors.SeatCountOutOfRange(plan_id="teams", minimum=3, maximum=40, got="many")
        assert str(err) == "seats for plan 'teams' must be a whole number from 3 to 40, got 'many'"

    def test_schema_older_than_supported(self) -> None:
        """An old schema asks for a migration instead of an upgrade."""
        assert str(errors.SchemaVersionError(found=1, supported=2)) == (
            "database schema version 1 is older than this library needs; upgrade it (the "
            "command subscriptionkit db upgrade, or the store's migrate method); expected "
            "version 2"
        )

    def test_currency_mismatch_context(self) -> None:
        """The context names what was combined."""
        err = errors.CurrencyMismatch(expected="EUR", got="GBP", context="invoice lines")
        assert str(err) == (
            "cannot combine invoice lines in different currencies: expected EUR, got GBP"
        )

    @pytest.mark.parametrize(
        ("expected", "text"),
        [
            ((1, 2, 3, 4, 5, 6, 7, 8), "1–8"),
            ((1, 2, 5), "1–2, 5"),
            ((3,), "3"),
            ((1, 3, 5), "1, 3, 5"),
            ((), "(none)"),
        ],
    )
    def test_invalid_grade_ranges(self, expected: tuple[int, ...], text: str) -> None:
        """Grade lists are shown as compact ranges."""
        err = errors.InvalidGrade(got=0, expected=expected)
        assert str(err) == f"grade must be one of {text}, got 0"

    def test_empty_known_lists(self) -> None:
        """Empty lists of alternatives are named, not left blank."""
        assert str(errors.UnknownPlan(plan_id="x", known=[])) == (
            "no plan with id 'x'; expected one of: (none)"
        )
        assert str(errors.UnknownKey(kid="k", known=[])).endswith("expected one of: (no keys)")
        assert "(none: this is the top plan)" in str(
            errors.NotAnUpgrade(current="focus-po-1-8", requested="focus-po-1-2", allowed=[])
        )

    def test_optional_parts_left_out(self) -> None:
        """Optional data that is missing leaves no dangling text."""
        assert str(errors.TrialAlreadyUsed(customer_id="c")).startswith(
            "customer 'c' already had its trial; a trial"
        )
        err = errors.KeyNotValid(kid="k", issued_at=T2, not_before=T1, retired_after=None)
        assert "to (not retired), got" in str(err)

    def test_unknown_plan_str_is_not_quoted(self) -> None:
        """KeyError's repr-style str() is replaced by the plain message."""
        err = errors.UnknownPlan(plan_id="gold", known=["teams"])
        assert str(err) == "no plan with id 'gold'; expected one of: teams"


class TestPickling:
    """Errors cross process boundaries intact."""

    @pytest.mark.parametrize("name", sorted(MESSAGES))
    def test_round_trip(self, name: str) -> None:
        """A pickled error has the same type, message, args and attributes."""
        err = _make(name)
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is type(err)
        assert str(back) == str(err)
        assert back.args == err.args
        assert back.__dict__ == err.__dict__

    def test_plain_subclass_round_trip(self) -> None:
        """An error built from a message alone round-trips too."""
        err = errors.InvalidPlan("plan 'x' needs at least one grade band, got none")
        back = pickle.loads(pickle.dumps(err))
        assert type(back) is errors.InvalidPlan
        assert back.message == err.message
