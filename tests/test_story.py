"""The demo's story reconciles on every store: invoices add up, usage matches an independent
count, numbers are gapless, the certificate link verifies, and a seed tells the same story."""

from __future__ import annotations

import datetime as dt

import pytest

from subscriptionkit import _story, billing, certificates, metering, plans, subscriptions
from subscriptionkit.errors import InvalidInput
from subscriptionkit.money import Money, eur, line_amount
from subscriptionkit.storage import Store
from subscriptionkit.storage.memory import MemoryStore


def _plan(plan_id: str) -> plans.PupilPlan:
    plan = plans.default_catalog()[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


def _told(store: Store, seed: int = 2026, locale: str = "en_GB") -> tuple[_story.Story, list[str]]:
    story = _story.Story(store, seed=seed, locale=locale)
    text = []
    for chapter in story.chapters():
        text += [chapter.title, *chapter.lines, *(t.text() for t in chapter.tables)]
        text += [doc.format(locale) for doc in chapter.invoices]
    return story, text


def _usage(
    events: list[metering.ActivityEvent], plan: plans.PupilPlan, line: billing.IssuedLine
) -> Money:
    """A usage line recomputed with the pure Python engine over the story's own events."""
    # The story's years start at 09:00; a line covers (start, end] from day to day.
    first, after = line.line.start, line.line.end + dt.timedelta(days=1)
    start = _story.at_local(first.year, first.month, first.day)
    end = _story.at_local(after.year, after.month, after.day)
    months = billing.usage_months(start, end, tz=_story.ZONE)
    counts = metering.monthly_counts(events, plan, months, tz=_story.ZONE)
    band = line.line.band
    assert band is not None
    pupils = sum(counts.count(_story.SCHOOL, m, band) for m in months)
    price = next(b.price_per_pupil_month for b in plan.bands if b.label == band)
    return line_amount(price, pupils)


class TestStory:
    """Played on memory, SQLite and PostgreSQL."""

    def test_figures_reconcile(self, store: Store) -> None:
        """Every invoice adds up; the school's invoices telescope; usage is recounted; the
        ledger numbers without gaps; the certificate link verifies, also after its holder's
        erasure, which leaves every invoice as it was."""
        story, _text = _told(store)
        checks = _story.reconcile(story)
        assert checks["lines_add_up"] is True
        assert checks["vat_adds_up"] is True
        assert checks["telescopes"] is True
        assert checks["certificate_verifies"] is True
        assert checks["table_matches_usage"] is True
        # The metering table shows each month under the plan in force: Focus PO 1-2 (one
        # band) before the upgrade, the combi's two bands from September 2026.
        assert set(story.metered[metering.Month(2026, 8)]) == {"1-2"}
        assert set(story.metered[metering.Month(2026, 9)]) == {"1-2", "3-8"}
        settlement = next(d for d in story.issued if d.purpose == "upgrade_settlement")
        (usage_line,) = [ln.line for ln in settlement.lines if ln.line.kind == "usage"]
        shown = sum(
            story.metered[m]["1-2"]
            for m in metering.month_range(metering.Month(2026, 3), metering.Month(2026, 8))
        )
        assert usage_line.quantity == shown
        school = [doc for doc in story.issued if doc.customer_id == _story.SCHOOL]
        assert [doc.purpose for doc in school] == ["advance", "upgrade_settlement", "true_up"]
        # Usage billed at each plan's prices equals an independent count of the events.
        for doc in school:
            plan = _plan("focus-po-1-2" if doc.purpose == "upgrade_settlement" else doc.plan_id)
            for line in doc.lines:
                if line.line.kind == "usage":
                    assert line.line.amount == _usage(story.events, plan, line)
        # The first advance plus the settlement and the true-up: usage + the last advance.
        usage = sum(
            (ln.line.amount for d in school for ln in d.lines if ln.line.kind == "usage"), eur(0)
        )
        last = sum((ln.line.amount for ln in school[-1].lines if ln.line.kind == "advance"), eur(0))
        assert sum((d.net for d in school), eur(0)) == usage + last
        assert usage > eur(0)
        self._ledger(store, story)
        self._certificate(store, story)
        self._privacy(store, story)

    def _privacy(self, store: Store, story: _story.Story) -> None:
        """The member's export named them; after the erasure their progress is gone, the
        requests are completed, and every invoice is as it was."""
        assert story.export["subject_id"] == "bram"
        assert story.export["sections"]["certificates"]
        assert story.erasure is not None
        assert story.erasure.request is not None
        assert str(story.erasure.request.status) == "completed"
        with store.unit_of_work() as uow:
            assert uow.progress.get("bram", "feedback-101") is None
            assert [d.to_dict() for d in uow.ledger.list()] == [d.to_dict() for d in story.issued]
            assert list(uow.requests.open_requests()) == []

    def _ledger(self, store: Store, story: _story.Story) -> None:
        """The ledger holds what the story issued, numbered 1..n per series, in date order."""
        with store.unit_of_work() as uow:
            stored = list(uow.ledger.list())
        assert [d.number for d in stored] == [d.number for d in story.issued]
        for series in {d.series for d in stored}:
            numbers = [d.sequence for d in stored if d.series == series]
            assert numbers == list(range(1, len(numbers) + 1))
        days = [d.issued_on for d in stored]
        assert days == sorted(days)
        teams_invoice = next(d for d in stored if d.customer_id == _story.TEAMS_CUSTOMER)
        assert teams_invoice.net == eur("300.00")  # 5 seats × € 60,00
        assert teams_invoice.gross == eur("363.00")

    def _certificate(self, store: Store, story: _story.Story) -> None:
        """The printed link carries a token that verifies against the published keys."""
        token = _story.token_of(story.verification_link)
        with store.unit_of_work() as uow:
            verified = certificates.verify(
                token, uow.keys.public_keys(), at=_story.at_local(2027, 12, 1)
            )
        assert verified.course_title == "Feedback geven en ontvangen"
        assert str(verified.completed_on) == "2027-11-01"


class TestReproducible:
    """A seed tells one story."""

    def test_same_seed_same_story(self) -> None:
        """Two fresh stores, one seed: the same chapters and invoices, word for word (Dutch,
        the default, with its amounts and dates)."""
        first, text1 = _told(MemoryStore(), seed=7, locale="nl_NL")
        second, text2 = _told(MemoryStore(), seed=7, locale="nl_NL")
        assert text1 == text2
        assert [d.to_dict() for d in first.issued] == [d.to_dict() for d in second.issued]
        assert text1[0] == "Proefperiode en activering"
        assert any("€ 300,00" in t for t in text1)
        # The privacy chapter names the export's sections in Dutch too.
        export, erasure = (next(t for t in text1 if word in t) for word in ("JSON", "Bewaard"))
        assert export.endswith(": teams 2, voortgang 1, certificaten 1.")
        # the erasure counts records as the export does: the membership removed and the
        # invitation pseudonymised are the two team records the export listed
        assert "teams 2, voortgang 1, certificaten 1, verzoeken 2." in erasure
        assert "Bewaard voor de wettelijke termijn: abonnementen, facturen." in erasure

    def test_needs_an_empty_database(self) -> None:
        """A store that holds a subscription is refused before anything is written."""
        store = MemoryStore()
        with store.unit_of_work() as uow:
            uow.subscriptions.add(
                subscriptions.start_trial("someone", at=_story.at_local(2026, 1, 5)).subscription
            )
            uow.commit()
        with pytest.raises(InvalidInput) as info:
            _told(store)
        assert str(info.value) == (
            "the demo plays its story on an empty database; expected no subscriptions and no "
            "invoices, got 1 subscription(s) and 0 invoice(s)"
        )
        with store.unit_of_work() as uow:
            assert len(list(uow.subscriptions.list())) == 1
