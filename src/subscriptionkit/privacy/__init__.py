"""Privacy (GDPR/AVG, seed 001): the register of processing, consent per purpose,
data-subject requests with their four-week deadline, profile visibility, and export and
erasure across every store the library owns.

Rules are pure functions over frozen values, as elsewhere in the library: a consent is
recorded (:func:`record_consent`, :func:`implicit_consent`) and withdrawn
(:func:`withdraw_consent`) as values, and :func:`has_consent` answers for any moment; a
request (:func:`receive_request`) is checked (:func:`record_identity_check`), extended
(:func:`extend_request`), forwarded (:func:`forward_request`) or completed
(:func:`complete_request`), and :func:`overdue` lists those past their deadline.

>>> import datetime as dt
>>> from subscriptionkit import privacy
>>> at = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
>>> signup = privacy.implicit_consent("ann", "newsletter_signup", at=at, source="footer-form")
>>> gone, = privacy.unsubscribe([signup], "ann", at=at + dt.timedelta(days=30))
>>> privacy.has_consent([gone], "ann", "newsletter", at=at + dt.timedelta(days=1))
True
>>> privacy.has_consent([gone], "ann", "newsletter", at=at + dt.timedelta(days=31))
False
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._consent import (
        IMPLICIT_CONSENT,
        Consent,
        ConsentKind,
        consent_given,
        has_consent,
        implicit_consent,
        record_consent,
        unsubscribe,
        withdraw_consent,
    )
    from ._default import default_register
    from ._handler_model import Correction, Rectified, ReissuedInvitation
    from ._handlers import (
        DEFAULT_HANDLERS,
        ERASED_NAME,
        NO_PERSONAL_DATA,
        PSEUDONYM_PREFIX,
        DataHandler,
        Retained,
        Subject,
        check_coverage,
    )
    from ._processing import may_process, restricted_purposes
    from ._rectify import Rectification, rectify_subject
    from ._register import (
        LegalBasis,
        Purpose,
        Recipient,
        Register,
        Role,
    )
    from ._request_steps import (
        complete_request,
        extend_request,
        forward_request,
        lift_restriction,
        overdue,
        receive_request,
        record_identity_check,
        refuse_request,
    )
    from ._requests import (
        ANSWER_DAYS,
        MAX_EXTENSION_MONTHS,
        Extension,
        IdentityCheck,
        RequestKind,
        RequestStatus,
        SubjectRequest,
        request_deadline,
    )
    from ._retention import Retention, fiscal_year_end
    from ._scope import Scope
    from ._service import (
        EXPORT_SCHEMA,
        EXPORT_VERSION,
        Erasure,
        due_for_deletion,
        erase_subject,
        export_subject,
        purge,
        subject_scope,
    )
    from ._visibility import (
        DEFAULT_VISIBILITY,
        Profile,
        Visibility,
        certificate_disclosure,
        visible_profile,
    )

if not typing.TYPE_CHECKING:  # at run time each name's module is imported on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = [
    "ANSWER_DAYS",
    "DEFAULT_HANDLERS",
    "DEFAULT_VISIBILITY",
    "ERASED_NAME",
    "EXPORT_SCHEMA",
    "EXPORT_VERSION",
    "IMPLICIT_CONSENT",
    "MAX_EXTENSION_MONTHS",
    "NO_PERSONAL_DATA",
    "PSEUDONYM_PREFIX",
    "Consent",
    "ConsentKind",
    "Correction",
    "DataHandler",
    "Erasure",
    "Extension",
    "IdentityCheck",
    "LegalBasis",
    "Profile",
    "Purpose",
    "Recipient",
    "Rectification",
    "Rectified",
    "Register",
    "ReissuedInvitation",
    "RequestKind",
    "RequestStatus",
    "Retained",
    "Retention",
    "Role",
    "Scope",
    "Subject",
    "SubjectRequest",
    "Visibility",
    "certificate_disclosure",
    "check_coverage",
    "complete_request",
    "consent_given",
    "default_register",
    "due_for_deletion",
    "erase_subject",
    "export_subject",
    "extend_request",
    "fiscal_year_end",
    "forward_request",
    "has_consent",
    "implicit_consent",
    "lift_restriction",
    "may_process",
    "overdue",
    "purge",
    "receive_request",
    "record_consent",
    "record_identity_check",
    "rectify_subject",
    "refuse_request",
    "request_deadline",
    "restricted_purposes",
    "subject_scope",
    "unsubscribe",
    "visible_profile",
    "withdraw_consent",
]
