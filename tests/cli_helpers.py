"""Shared by the command's tests: what a message must not show at the command line."""

from __future__ import annotations

import re

#: Python forms a message must not show the person at the command line: keyword
#: arguments (``school_id=``), parameter names, and Python's type names before a value.
#: (A CSV file's column names, such as ``school_id``, are the file's words and may appear.)
PYTHON_FORMS = re.compile(
    r"\b[a-z]+_[a-z_]+=|(?:^|: |; |\()(?:customer_id|subscription_id|school_id|"
    r"price_per_seat_year|buyer_vat_id|account_id)\b|\bgot (?:str|int|float|Decimal) |Decimal\(|\bNone\b"
)
