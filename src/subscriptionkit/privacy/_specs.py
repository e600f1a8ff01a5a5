"""The argument specs that the privacy functions share in ``@accepts`` (internal).

One table, so that an argument with the same meaning is checked, and refused, with the
same words everywhere: ``accepts(subject_id=SUBJECT_ID, at=AT)``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Final

from .._checks import Kind
from ._register import Register

#: A data subject's id.
SUBJECT_ID: Final[Kind] = (str, "a subject id (text)")
#: A purpose id of the register of processing.
PURPOSE: Final[Kind] = (str, "a purpose id (text)")
#: The moment a step happens (checked as aware where it is used).
AT: Final[Kind] = (_dt.datetime, "an aware datetime")
#: The register of processing, where ``None`` means the default one.
REGISTER_OR_NONE: Final[Kind] = (Register, "a Register or None")
#: The id to give a new consent record, where ``None`` means a new one.
CONSENT_ID: Final[Kind] = (str, "a consent id (text) or None")
