"""The discounts of subscriptions in SQL (internal; wired into the SQL unit of work).

One table, ``sk_discounts`` (schema step 10): a row per discount, its value as exact
decimal text (a percentage, or a money amount beside its currency) and its end as a
:class:`~._tables.Moment`, so it reads back as the very same instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from moneyed import Money

from ...billing import Discount
from ...errors import AlreadyExists, NotFound
from .._memory_discounts import check_discount, ended
from ._errors import translating
from ._tables import discounts_table, subscriptions_table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_DISCOUNT = "discount"


def _from_row(row: sa.Row[Any]) -> Discount:
    value: Decimal | Money = Decimal(row.value)
    if row.currency is not None:
        value = Money(value, row.currency)
    return Discount(
        row.id, row.subscription_id, row.kind, value, row.first_term, row.terms, row.ended_at
    )


@translating
class SqlDiscounts:
    """The discounts of one SQL unit of work."""

    def __init__(self, connection: Any) -> None:
        # ``connection`` is a zero-argument callable returning the unit of work's
        # connection (it raises outside the ``with`` block).
        self._connection = connection

    def __repr__(self) -> str:
        return "<sql discounts>"

    @property
    def _conn(self) -> Connection:
        conn: Connection = self._connection()
        return conn

    def add(self, discount: Discount) -> Discount:
        check_discount(discount, "add")
        conn = self._conn
        known = conn.execute(
            sa.select(subscriptions_table.c.id).where(
                subscriptions_table.c.id == discount.subscription_id
            )
        ).first()
        if known is None:
            raise NotFound(kind="subscription", key=discount.subscription_id)
        money = discount.value if isinstance(discount.value, Money) else None
        amount = money.amount if money is not None else discount.value
        try:
            with conn.begin_nested():
                conn.execute(
                    discounts_table.insert().values(
                        id=discount.id,
                        subscription_id=discount.subscription_id,
                        kind=discount.kind,
                        value=str(amount),
                        currency=None if money is None else money.currency.code,
                        first_term=discount.first_term,
                        terms=discount.terms,
                        ended_at=discount.ended_at,
                    )
                )
        except sa.exc.IntegrityError:
            raise AlreadyExists(kind=_DISCOUNT, key=discount.id) from None
        return discount

    def get(self, discount_id: str) -> Discount:
        row = self._conn.execute(
            sa.select(discounts_table).where(discounts_table.c.id == discount_id)
        ).first()
        if row is None:
            raise NotFound(kind=_DISCOUNT, key=discount_id)
        return _from_row(row)

    def for_subscription(self, subscription_id: str) -> Sequence[Discount]:
        t = discounts_table.c
        query = (
            sa.select(discounts_table).where(t.subscription_id == subscription_id).order_by(t.id)
        )
        return [_from_row(row) for row in self._conn.execute(query)]

    def end(self, discount: Discount) -> Discount:
        check_discount(discount, "end")
        conn = self._conn
        t = discounts_table.c
        row = conn.execute(
            sa.select(discounts_table).where(t.id == discount.id).with_for_update()
        ).first()
        if row is None:
            raise NotFound(kind=_DISCOUNT, key=discount.id)
        stored = _from_row(row)
        kept = ended(stored, discount)
        if kept is not stored:
            conn.execute(
                discounts_table.update().where(t.id == kept.id).values(ended_at=kept.ended_at)
            )
        return kept
