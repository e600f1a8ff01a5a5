"""Worker for the ledger's concurrent-issuance test, importable by spawned processes."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from subscriptionkit import billing, errors, plans, subscriptions
from subscriptionkit.plans import VatTreatment
from subscriptionkit.storage.sql import SqlStore

__all__ = ["issue_in_process"]

VAT21 = VatTreatment.standard("21")


def _invoice() -> billing.Invoice:
    plan = plans.default_catalog()["focus-po-1-2"]
    assert isinstance(plan, plans.PupilPlan)
    start = dt.datetime(2026, 1, 15, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    sub = subscriptions.subscribe("school-1", plan, at=start, subscription_id="sub-1").subscription
    return billing.advance(sub, {"1-2": 58})


def issue_in_process(
    url: str, schema: str | None, count: int, ready: threading.Barrier
) -> tuple[list[str], int]:
    """In a fresh process: open the database, wait for the others, issue ``count`` invoices.

    Each issue is its own unit of work; ``DatabaseBusy`` and ``ConcurrentUpdate`` are
    retried, as the ledger's documentation advises. ``ready`` is a barrier shared by the
    processes (a ``multiprocessing.Manager`` proxy). Returns the numbers issued and how
    many attempts were retried.
    """
    engine = (
        sa.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        if schema is not None
        else None
    )
    store = SqlStore(engine if engine is not None else url, migrate=False)
    invoice = _invoice()
    numbers: list[str] = []
    retries = 0
    try:
        ready.wait()
        while len(numbers) < count:
            try:
                with store.unit_of_work() as uow:
                    issued = uow.ledger.issue(invoice, series="2026", vat=VAT21)
                    uow.commit()
            except (errors.DatabaseBusy, errors.ConcurrentUpdate):
                retries += 1
                continue
            numbers.append(issued.number)
    finally:
        store.close()
        if engine is not None:
            engine.dispose()
    return numbers, retries
