"""The SQL store's optional dependencies, checked before anything imports them (internal).

Without the ``sql`` extra, ``import subscriptionkit.storage.sql`` raises
:class:`~subscriptionkit.errors.MissingDependency` naming the extra, not a bare
``ModuleNotFoundError``. Alembic is imported only when a migration runs (it is slow to
import): here it is only looked for.
"""

from __future__ import annotations

from ..._translate import require, require_installed

_FEATURE = "the SQL store (subscriptionkit.storage.sql)"

require("sqlalchemy", extra="sql", feature=_FEATURE)
require_installed("alembic", extra="sql", feature=_FEATURE)
