"""The privacy records' names as people read them, marked for translation (internal).

The export's sections, the requests' kinds and statuses and the consents' kinds, for the
command line and the demo: ``label(t, SECTIONS, "teams")`` is ``"teams"`` in English and
``"teams"`` in Dutch, ``label(t, KINDS, "erasure")`` ``"verwijdering"``. A name the table
does not hold (a section of a custom handler) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from .._i18n import Translator, gettext_noop

#: The export's sections (:data:`DEFAULT_HANDLERS`), by key.
SECTIONS: Final[Mapping[str, str]] = {
    "subscriptions": gettext_noop("subscriptions"),
    "invoices": gettext_noop("invoices"),
    "teams": gettext_noop("teams"),
    "progress": gettext_noop("progress"),
    "activity": gettext_noop("activity"),
    "certificates": gettext_noop("certificates"),
    "audit": gettext_noop("audit log"),
    "consents": gettext_noop("consents"),
    "requests": gettext_noop("requests"),
}

#: The kinds of data-subject request (GDPR Art. 15-21), by value.
KINDS: Final[Mapping[str, str]] = {
    "access": gettext_noop("access"),
    "erasure": gettext_noop("erasure"),
    "rectification": gettext_noop("rectification"),
    "restriction": gettext_noop("restriction"),
    "objection": gettext_noop("objection"),
    "portability": gettext_noop("portability"),
}

#: Where a request stands, by value.
STATUSES: Final[Mapping[str, str]] = {
    "received": gettext_noop("received"),
    "verified": gettext_noop("identity checked"),
    "completed": gettext_noop("answered"),
    "refused": gettext_noop("refused"),
    "forwarded": gettext_noop("forwarded to the controller"),
}

#: How a consent was given, by value.
CONSENT_KINDS: Final[Mapping[str, str]] = {
    "explicit": gettext_noop("explicit"),
    "contact": gettext_noop("implied by contacting the platform"),
    "newsletter_signup": gettext_noop("implied by signing up for the newsletter"),
    "review": gettext_noop("implied by posting a review"),
}


def label(t: Translator, table: Mapping[str, str], name: str) -> str:
    """``name`` as people read it in ``t``'s language (as it is if ``table`` lacks it)."""
    return t.gettext(table[name]) if name in table else name
