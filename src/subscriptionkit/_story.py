"""The demo story: a school's first eighteen months and a Teams customer, told with the
public API on a store (internal; ``subscriptionkit demo`` prints it).

:class:`Story` plays the chapters in order against an empty :class:`~.storage.ports.Store`
and yields each :class:`Chapter` as it happens: what happened (lines in the chosen locale),
tables and the invoices it issued into the store's ledger. Nothing here prints; the
command does. After the story, :attr:`Story.issued`, :attr:`Story.events` and
:attr:`Story.verified` hold what a test needs to check that the figures reconcile.

The school (``school_id``) takes the Focus PO trial on 2 March 2026, activates Focus PO 1-2
four weeks later (advance invoice), is metered for twelve months, upgrades to the combi on 1
September 2026 (the year restarts; the settlement invoice follows on 1 October), gets its
renewal reminder on 1 July 2027 and its true-up after the renewal on 1 September 2027. A
member of the Teams customer then asks for their data and for erasure (``_story_privacy``).
"""

from __future__ import annotations

import datetime as _dt
import random
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import attrs
import babel.numbers

from . import billing, certificates, metering, plans, subscriptions
from ._i18n import Translator
from ._story_data import School, activity, make_school
from ._table import Table
from .clock import local
from .errors import InvalidInput
from .money import eur, format_money
from .storage import Store, UnitOfWork

#: The school's id, the Teams customer's id, and the zone of the story's wall clocks.
SCHOOL: Final = "obs-de-regenboog"
TEAMS_CUSTOMER: Final = "leerhuis-noord"
ZONE: Final = "Europe/Amsterdam"
#: Where verification links point (the host's public page, see ``subscriptionkit serve``).
VERIFY_URL: Final = "https://learn.example/certificates/verify"
#: The month the school upgrades to the combi: before it, Focus PO 1-2 is the plan in force.
UPGRADE_MONTH: Final = metering.Month(2026, 9)

if TYPE_CHECKING:
    from . import privacy

Progress = Callable[[int, int], None]


def at_local(year: int, month: int, day: int, hour: int = 9) -> _dt.datetime:
    """A moment on the story's wall clock (Amsterdam)."""
    return _dt.datetime(year, month, day, hour, 0, tzinfo=ZoneInfo(ZONE))


@attrs.frozen
class Chapter:
    """One step of the story: its title, what happened, tables and the invoices issued."""

    title: str
    lines: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    invoices: tuple[billing.IssuedInvoice, ...] = ()


def _pupil_plan(plan_id: str) -> plans.PupilPlan:
    plan = plans.default_catalog()[plan_id]
    assert isinstance(plan, plans.PupilPlan)
    return plan


class Story:
    """The demo, played on ``store`` (which must hold no subscriptions and no invoices).

    Args:
        store: where everything is kept.
        seed: the seed of the generated school and activity.
        locale: the language and formats of the chapters.
        progress: called with (months done, months) while activity is metered.
    """

    def __init__(
        self,
        store: Store,
        *,
        seed: int = 2026,
        locale: str = "nl_NL",
        progress: Progress | None = None,
    ) -> None:
        self.store = store
        self.t = Translator(locale)
        self.locale = locale
        self.rng = random.Random(seed)
        self.progress = progress
        self.school: School = make_school(self.rng, SCHOOL, first_year=2025, years=2)
        self.issued: list[billing.IssuedInvoice] = []
        self.events: list[metering.ActivityEvent] = []
        self.verified: certificates.Verified | None = None
        self.verification_link = ""
        self.export: dict[str, Any] = {}
        self.erasure: privacy.Erasure | None = None
        self._advance: billing.Invoice | None = None
        #: The metering table's counts: per month, per band of the plan in force that month.
        self.metered: dict[metering.Month, dict[str, int]] = {}

    # -- helpers -------------------------------------------------------------------

    def _check_empty(self) -> None:
        with self.store.unit_of_work() as uow:
            subs = sum(1 for _ in uow.subscriptions.list())
            invoices = len(uow.ledger.list())
        if subs or invoices:
            raise InvalidInput(
                "the demo plays its story on an empty database; expected no subscriptions "
                f"and no invoices, got {subs} subscription(s) and {invoices} invoice(s)"
            )

    def _issue(
        self, uow: UnitOfWork, invoice: billing.Invoice, plan: plans.Plan
    ) -> billing.IssuedInvoice:
        issued = uow.ledger.issue(invoice, series=str(invoice.issued_on.year), vat=plan.vat)
        self.issued.append(issued)
        return issued

    def _day(self, moment: _dt.datetime) -> str:
        return self.t.date(local(moment, ZONE).date())

    def _store_activity(self, start: _dt.datetime, end: _dt.datetime, *, months: int) -> int:
        """Generate and store the school's activity in ``[start, end)``, month by month."""
        stored = 0
        begin = local(start, ZONE)
        for k in range(months):
            first = begin.add(months=k)
            after = begin.add(months=k + 1) if k + 1 < months else local(end, ZONE)
            batch = list(activity(self.rng, self.school, first, after))
            with self.store.unit_of_work() as uow:
                stored += uow.activity.add(batch)
                uow.commit()
            self.events += batch
            if self.progress is not None:
                self.progress(k + 1, months)
        return stored

    def _pupils(self, pupils: dict[int, int], plan: plans.PupilPlan) -> str:
        counts = billing.pupils_by_band(plan, pupils)
        return ", ".join(
            self.t.gettext("grades {band}: {pupils}").format(band=band, pupils=n)
            for band, n in counts.items()
        )

    # -- the chapters ----------------------------------------------------------------

    def chapters(self) -> Iterator[Chapter]:
        """Play the story, one chapter at a time."""
        self._check_empty()
        yield self._trial_and_activation()
        yield self._metering()
        yield self._upgrade()
        yield self._renewal()
        yield from self._teams()
        yield from self._privacy()

    def _trial_and_activation(self) -> Chapter:
        t = self.t
        trial_at, active_at = at_local(2026, 3, 2), at_local(2026, 3, 30)
        one_to_two = _pupil_plan("focus-po-1-2")
        pupils = self.school.pupils_by_grade(active_at.date())
        with self.store.unit_of_work() as uow:
            trial = subscriptions.start_trial(
                SCHOOL, at=trial_at, length="P1M", subscription_id="focus-1"
            )
            stored = uow.subscriptions.add(trial.subscription, events=trial.events)
            active = subscriptions.activate(stored, one_to_two, at=active_at)
            sub = uow.subscriptions.update(active.subscription, events=active.events)
            self._advance = billing.advance(sub, pupils)
            issued = self._issue(uow, self._advance, one_to_two)
            uow.commit()
        lines = (
            t.gettext("{day}: {school} starts the free trial of Focus PO 1-8 (one month).").format(
                day=self._day(trial_at), school=SCHOOL
            ),
            t.gettext(
                "{day}: it activates {plan}; the year runs until {end}. The advance bills the "
                "pupils counted in the plan's grades ({pupils})."
            ).format(
                day=self._day(active_at),
                plan=one_to_two.name,
                end=self._day(sub.paid_through or active_at),
                pupils=self._pupils(pupils, one_to_two),
            ),
        )
        return Chapter(t.gettext("Trial and activation"), lines, invoices=(issued,))

    def _metering(self) -> Chapter:
        t = self.t
        start = at_local(2026, 3, 2, 0)
        end = local(start, ZONE).add(months=12)
        stored = self._store_activity(start, end, months=12)
        one_to_two, combi = _pupil_plan("focus-po-1-2"), _pupil_plan("focus-po-combi")
        months = metering.month_range(metering.Month(2026, 3), metering.Month(2027, 2))
        before = [m for m in months if m < UPGRADE_MONTH]
        since = [m for m in months if m >= UPGRADE_MONTH]
        with self.store.unit_of_work() as uow:  # each month under the plan in force then
            for plan, span in ((one_to_two, before), (combi, since)):
                counts = uow.activity.monthly_counts(plan, span, tz=ZONE, school_id=SCHOOL)
                for m in span:
                    self.metered[m] = {
                        b.label: counts.count(SCHOOL, m, b.label) for b in plan.bands
                    }
        labels = [band.label for band in combi.bands]
        rows = tuple(
            (str(m), *(str(self.metered[m].get(label, "–")) for label in labels)) for m in months
        )
        table = Table(
            t.gettext("Billable pupils per month (data in the last 9 months)"),
            (t.gettext("Month"), *(t.gettext("grades {band}").format(band=b) for b in labels)),
            rows,
        )
        line = t.gettext(
            "Twelve months of activity: {events} events stored for {pupils} pupils. Every "
            "month the pupils with data in one of the three billable categories in the last "
            "nine months are counted under the plan in force that month (grades 3-8 from the "
            "upgrade on); the usage is not invoiced monthly."
        ).format(
            events=babel.numbers.format_decimal(stored, locale=self.locale),
            pupils=len(self.school.pupils),
        )
        return Chapter(t.gettext("Activity, metered every month"), (line,), (table,))

    def _upgrade(self) -> Chapter:
        t = self.t
        at, settle_on = at_local(2026, 9, 1), _dt.date(2026, 10, 1)
        one_to_two, combi = _pupil_plan("focus-po-1-2"), _pupil_plan("focus-po-combi")
        assert self._advance is not None
        pupils = self.school.pupils_by_grade(at.date())
        with self.store.unit_of_work() as uow:
            sub = uow.subscriptions.get("focus-1")
            upgraded = subscriptions.upgrade(sub, combi, at=at)
            sub = uow.subscriptions.update(upgraded.subscription, events=upgraded.events)
            event = next(e for e in upgraded.events if isinstance(e, subscriptions.Upgraded))
            months = billing.usage_months(event.previous_started_at, event.at, tz=ZONE)
            counts = uow.activity.monthly_counts(one_to_two, months, tz=ZONE, school_id=SCHOOL)
            invoice = billing.upgrade_settlement(
                sub,
                event,
                previous_plan=one_to_two,
                previous_advance=self._advance,
                counts=counts,
                next_pupils=pupils,
                issued_on=settle_on,
            )
            self._advance = invoice
            issued = self._issue(uow, invoice, combi)
            uow.commit()
        lines = (
            t.gettext(
                "{day}: {school} upgrades to {plan}. The subscription year restarts: it now "
                "renews on {renews}."
            ).format(
                day=self._day(at),
                school=SCHOOL,
                plan=combi.name,
                renews=self._day(sub.paid_through or at),
            ),
            t.gettext(
                "{day}: the settlement credits the Focus PO 1-2 advance, bills its actual "
                "usage until the upgrade and the combi's advance ({pupils})."
            ).format(day=t.date(settle_on), pupils=self._pupils(pupils, combi)),
        )
        return Chapter(t.gettext("Upgrade mid-year"), lines, invoices=(issued,))

    def _renewal(self) -> Chapter:
        t = self.t
        combi = _pupil_plan("focus-po-combi")
        renewal = at_local(2027, 9, 1)
        window_end = combi.terms.advance_count_period.after(renewal, tz=ZONE)
        self._store_activity(at_local(2027, 3, 2, 0), window_end, months=7)
        reminder_day = combi.terms.reminder_day(renewal, tz=ZONE)
        with self.store.unit_of_work() as uow:
            reminders = [
                r for r in uow.subscriptions.due_reminders(on=reminder_day) if r.kind == "renewal"
            ]
            sub = uow.subscriptions.get("focus-1")
            renewed = subscriptions.catch_up(sub, at=window_end)
            sub = uow.subscriptions.update(renewed.subscription, events=renewed.events)
            months = billing.usage_months(
                combi.terms.renewal_date(sub.started_at, sub.periods - 2, tz=ZONE),
                sub.period_start,
                tz=ZONE,
            )
            counts = uow.activity.monthly_counts(combi, months, tz=ZONE, school_id=SCHOOL)
            first_weeks = uow.activity.events(school_id=SCHOOL, since=renewal, until=window_end)
            next_pupils = billing.advance_count(
                first_weeks, combi, renewal=renewal, tz=ZONE, school_id=SCHOOL
            )
            assert self._advance is not None
            invoice = billing.true_up(
                sub,
                previous_advance=self._advance,
                counts=counts,
                next_pupils=next_pupils,
                issued_on=window_end.date(),
                billed=uow.ledger.billed_usage(sub.id),
            )
            assert invoice is not None  # it renewed
            issued = self._issue(uow, invoice, combi)
            uow.commit()
        lines: list[str] = []
        for reminder in reminders[:1]:
            message = reminder.message(self.locale)
            lines.append(
                t.gettext("{day}: the renewal reminder, two months ahead:").format(
                    day=t.date(reminder.due_on)
                )
            )
            lines.append(f"  {message.subject}")
        lines.append(
            t.gettext(
                "{day}: nobody cancelled, so the subscription renewed. After four weeks the "
                "year-end invoice settles the year: the advance credited, the usage of twelve "
                "months billed, and the new advance ({pupils} with data in those weeks)."
            ).format(day=self._day(renewal), pupils=self._pupils_text(next_pupils))
        )
        return Chapter(t.gettext("Renewal and year-end true-up"), tuple(lines), invoices=(issued,))

    def _pupils_text(self, by_band: dict[str, int]) -> str:
        return ", ".join(
            self.t.gettext("grades {band}: {pupils}").format(band=band, pupils=n)
            for band, n in by_band.items()
        )

    def _teams(self) -> Iterator[Chapter]:
        from ._story_teams import TeamsStory

        yield from TeamsStory(self).chapters()

    def _privacy(self) -> Iterator[Chapter]:
        from ._story_privacy import privacy_chapter

        yield privacy_chapter(self)


def reconcile(story: Story) -> dict[str, object]:
    """The checks a reader can redo: every invoice adds up, the school's invoices telescope
    (advances credited leave usage plus the last advance), the usage billed for a month the
    metering table shows is the table's count, and the certificate verifies."""
    school = [doc for doc in story.issued if doc.customer_id == SCHOOL]
    shown = [
        (ln.line.quantity, sum(story.metered[m][ln.line.band] for m in months))
        for doc in school
        for ln in doc.lines
        if ln.line.kind == "usage" and ln.line.band is not None
        for months in [metering.month_range(*_months_of(ln.line))]
        if all(m in story.metered and ln.line.band in story.metered[m] for m in months)
    ]
    usage = [ln.line.amount for doc in school for ln in doc.lines if ln.line.kind == "usage"]
    last = [ln.line.amount for ln in school[-1].lines if ln.line.kind == "advance"]
    nets = [doc.net for doc in school]
    return {
        "lines_add_up": all(
            doc.net == sum((ln.line.amount for ln in doc.lines), eur(0)) for doc in story.issued
        ),
        "vat_adds_up": all(doc.gross == doc.net + doc.vat for doc in story.issued),
        "telescopes": sum(nets, eur(0)) == sum(usage, eur(0)) + sum(last, eur(0)),
        "table_matches_usage": bool(shown) and all(billed == seen for billed, seen in shown),
        "certificate_verifies": story.verified is not None,
        "paid_by_school": format_money(sum((d.gross for d in school), eur(0)), story.locale),
    }


def _months_of(line: billing.InvoiceLine) -> tuple[metering.Month, metering.Month]:
    return (
        metering.Month(line.start.year, line.start.month),
        metering.Month(line.end.year, line.end.month),
    )


def token_of(link: str) -> str:
    """The certificate token in a verification link (``...verify?token=...``)."""
    values = parse_qs(urlsplit(link).query).get("token", [])
    if len(values) != 1:
        raise InvalidInput(f"a verification link carries one token, got {link!r}")
    return values[0]
