"""The SQL schema's one MetaData, shared by the table modules (internal)."""

from __future__ import annotations

import sqlalchemy as sa

#: Every table the library owns is defined on this MetaData.
metadata = sa.MetaData()
