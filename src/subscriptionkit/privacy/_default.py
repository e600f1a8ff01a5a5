"""The default register of processing: what seeds 001 and 002 say, and nothing more."""

from __future__ import annotations

import functools
from typing import Final

from .._checks import accepts
from ._register import Purpose, Recipient, Register, Role

__all__ = ["default_register"]

#: (id, description) of each recipient the seed names; all inside the EEA (seed 001).
_RECIPIENTS: Final = (
    ("payment-provider", "settles payments made through the platform"),
    ("shipping", "delivers products sold by the platform"),
    ("providers", "other providers a user contracts with through the platform"),
    ("hosting", "hosts the platform and its e-mail"),
    ("accountant", "keeps the platform's books"),
    ("bookkeeping-software", "software that processes and stores the books"),
    ("newsletter-software", "sends the newsletters asked for"),
    ("review-software", "publishes reviews on the platform"),
    ("messaging", "internal messaging between users"),
    ("cloud-storage", "stores data, personal data among it"),
)

_ID: Final = ("name", "e-mail", "account id")

#: (id, description, legal basis, data categories, recipients, retention, implicit consent)
# fmt: off
_PURPOSES: Final = (
    ("account", "registration and account on the platform (student, organisation, provider, "
     "affiliate) and its features: profile, community, timeline, messages", "contract",
     (*_ID, "profile", "posts", "messages"), ("hosting", "messaging", "cloud-storage"), "P1Y", None),
    ("subscriptions", "subscriptions and team seats: the contract and what its invoices rest on",
     "contract", (*_ID, "subscription", "team membership", "invitation", "course progress"),
     ("hosting",), "P2Y", None),
    ("certificates", "course certificates and their public verification", "contract",
     ("name", "account id", "course", "completion date"), ("hosting",), "P10Y", None),
    ("orders", "contracts with other providers through the platform, and shipping", "contract",
     (*_ID, "address", "order"), ("providers", "shipping"), "P2Y", None),
    ("payments", "settling payments", "contract", ("name", "payment details"),
     ("payment-provider",), "P1Y", None),
    ("invoicing", "invoices and the books: Dutch tax law keeps them 7 years", "legal_obligation",
     ("customer", "invoice"), ("accountant", "bookkeeping-software"), "P7Y", None),
    ("security", "security and fraud prevention", "legitimate_interest",
     ("account id", "activity"), ("hosting",), "P1Y", None),
    ("service-improvement", "analysing use and feedback to improve the services",
     "legitimate_interest", ("account id", "activity"), ("hosting",), "P1Y", None),
    ("marketing", "personalised content, recommendations and targeted advertising",
     "legitimate_interest", ("account id", "activity", "preferences"), ("hosting",), "P1Y", None),
    ("research", "market research and new features", "legitimate_interest",
     ("activity", "preferences"), ("hosting",), "P1Y", None),
    ("community", "moderating content and enforcing the community rules", "legitimate_interest",
     ("account id", "posts"), ("hosting",), "P1Y", None),
    ("support", "answering those who contact the platform by phone, e-mail or otherwise",
     "consent", (*_ID, "message"), ("hosting",), "P1Y", "contact"),
    ("newsletter", "sending the newsletters asked for", "consent", ("name", "e-mail"),
     ("newsletter-software",), "P0D", "newsletter_signup"),
    ("reviews", "publishing a review the user wrote, with name and photo", "consent",
     ("name", "photo", "review"), ("review-software",), "P1Y", "review"),
    ("promotion", "using final assignments to promote the platform", "consent",
     ("name", "assignment"), ("hosting",), "P1Y", None),
)
# fmt: on


@accepts(controller=(str, "the platform's legal name (text)"))
def default_register(controller: str = "Soofos B.V.") -> Register:
    """Return the register the seed's privacy policy describes (seeds 001 and 002).

    Purposes, legal bases, implicit consents and recipients are the seed's. Pupil data
    (``pupil-monitoring``) is processed for the school, the controller under its
    processing agreement (seed 002). The seeds name no retention period except the
    statutory 7 years for tax records (``invoicing``); the other periods are the library's
    documented defaults for the platform to set. Data stays in the EEA (seed 001): no
    recipient here receives it outside.

    Args:
        controller: the platform's legal name.

    Raises:
        InvalidArgument: ``controller`` is not text.

    >>> register = default_register()
    >>> str(register.purpose("invoicing").retention), register.purpose("newsletter").legal_basis.value
    ('P7Y', 'consent')
    >>> register.purpose("pupil-monitoring").role.value
    'processor'
    """
    recipients = tuple(Recipient(id=i, description=d) for i, d in _RECIPIENTS)
    purposes = [
        Purpose(
            id=pid,
            description=text,
            legal_basis=basis,
            data_categories=categories,
            recipients=to,
            retention=keep,
            implicit_consent=implicit,
        )
        for pid, text, basis, categories, to, keep, implicit in _PURPOSES
    ]
    purposes.insert(
        5,
        Purpose(
            id="pupil-monitoring",
            description="pupil data processed for a school under its processing agreement, "
            "metered per pupil for the school's invoice (seed 002)",
            legal_basis="contract",
            data_categories=("pupil id", "grade", "processed data category"),
            recipients=("hosting",),
            retention="P2Y",
            role=Role.PROCESSOR,
            controller="school",
        ),
    )
    return Register(controller=controller, purposes=purposes, recipients=recipients)


@functools.cache
def seed_register() -> Register:
    """The register :func:`default_register` returns, made once (internal): the register a
    purpose is checked against when the caller gives none. A frozen value, so sharing it
    holds no state; made on first use, not at import."""
    return default_register()
