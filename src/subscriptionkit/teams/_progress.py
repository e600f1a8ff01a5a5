"""Progress per member and course, and the team's progress view for its managers.

Seed 000: the owner sees "wat de voortgang van jouw teamleden is, met welke cursussen zij
bezig zijn geweest en hoe ver ze zijn". Progress belongs to the person's account (like
their certificates), so it is recorded per account and course; the team view shows its
current active members only, so members who left are not shown, and of each member only
the courses worked on since joining the team: what someone learnt before (on their own, or
on another team) stays theirs.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import babel.numbers
import pendulum

from .._checks import argument, items
from .._i18n import Translator
from .._table import Table, Tabular
from ..clock import DEFAULT_TIMEZONE, ensure_aware, local
from ..errors import InvalidArgument, InvalidInput
from ..money import DEFAULT_LOCALE
from ._actions import VIEW_PROGRESS, authorize
from ._checked import checked
from ._model import (
    Team,
    check_text,
    utc,
)

if TYPE_CHECKING:  # the storage ports import this package: no runtime import back
    import subscriptionkit.storage.ports

_HUNDRED = Decimal(100)


def _percent(value: object) -> Decimal:
    try:
        number = Decimal(str(value)) if isinstance(value, int | str) else value
    except ArithmeticError:
        number = None
    if (
        isinstance(value, bool)
        or not isinstance(number, Decimal)
        or not number.is_finite()
        or not Decimal(0) <= number <= _HUNDRED
    ):
        raise InvalidInput(
            f"percent complete must be a number from 0 to 100 (int, str or Decimal), got {value!r}"
        )
    return number


def _aware(value: _dt.datetime) -> pendulum.DateTime:
    return ensure_aware(value, "datetime")


def _aware_or_none(value: _dt.datetime | None) -> pendulum.DateTime | None:
    return None if value is None else ensure_aware(value, "datetime")


@attrs.frozen
class CourseProgress:
    """One account's progress in one course.

    Attributes:
        percent: percent complete, a :class:`~decimal.Decimal` from 0 to 100.
        enrolled_at: when the account enrolled.
        last_activity_at: the latest recorded activity, or ``None`` before any.
        completed_at: when it first reached 100 %; stays set afterwards.
    """

    account_id: str = attrs.field(validator=lambda _i, _a, v: check_text("account_id", v))
    course_id: str = attrs.field(validator=lambda _i, _a, v: check_text("course_id", v))
    enrolled_at: pendulum.DateTime = attrs.field(converter=_aware)
    percent: Decimal = attrs.field(default=Decimal(0), converter=_percent)
    last_activity_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)
    completed_at: pendulum.DateTime | None = attrs.field(default=None, converter=_aware_or_none)


@checked
def enrol(account_id: str, course_id: str, *, at: _dt.datetime) -> CourseProgress:
    """A fresh enrolment: 0 % complete, no activity yet."""
    return CourseProgress(account_id, course_id, at)


@checked
def record_progress(
    progress: CourseProgress, percent: Decimal | int | str, *, at: _dt.datetime
) -> CourseProgress:
    """Record activity: the new percent complete at ``at``.

    ``completed_at`` is set the first time 100 % is reached and kept afterwards. Activity
    older than the latest recorded one does not move ``last_activity_at`` back.

    Raises:
        InvalidInput: a percent outside 0–100.
    """
    argument(progress, CourseProgress, "progress", "a CourseProgress")
    at = ensure_aware(at, "at")
    value = _percent(percent)
    last = progress.last_activity_at
    latest = at if last is None or utc(at) > utc(last) else last
    completed = progress.completed_at
    if completed is None and value == _HUNDRED:
        completed = at
    return attrs.evolve(progress, percent=value, last_activity_at=latest, completed_at=completed)


@attrs.frozen
class ProgressRow:
    """One line of the team's progress: a member and one course (or none yet).

    ``course_id`` and ``percent`` are ``None`` for a member who has not enrolled anywhere.
    """

    account_id: str
    name: str
    course_id: str | None
    course: str | None
    percent: Decimal | None
    last_activity_at: pendulum.DateTime | None
    completed_at: pendulum.DateTime | None


@attrs.frozen
class TeamProgress(Tabular):
    """The team's progress: per active member, the courses worked on and how far each got.

    Render it with :meth:`format` (terminal), in Jupyter (``_repr_html_``), or take
    ``rows`` / :meth:`to_rows` for code and pandas.
    """

    team_id: str
    team_name: str
    rows: tuple[ProgressRow, ...]
    tz: str = DEFAULT_TIMEZONE

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per row (percent as ``Decimal``, moments as aware datetimes)."""
        return [attrs.asdict(row, recurse=False) for row in self.rows]

    def table(self, locale: str = DEFAULT_LOCALE) -> Table:
        """The progress as a localized :class:`Table`."""
        t = Translator(locale)

        def day(value: pendulum.DateTime | None) -> str:
            return "" if value is None else t.date(local(value, self.tz).date(), "medium")

        rows = tuple(
            (
                row.name,
                row.course or t.gettext("(no courses yet)"),
                ""
                if row.percent is None
                else babel.numbers.format_percent(row.percent / _HUNDRED, locale=locale),
                day(row.last_activity_at),
                day(row.completed_at),
            )
            for row in self.rows
        )
        headers = (
            t.gettext("Member"),
            t.gettext("Course"),
            t.gettext("Complete"),
            t.gettext("Last activity"),
            t.gettext("Completed"),
        )
        return Table(
            t.gettext("Progress of the team {team}").format(team=self.team_name), headers, rows
        )


@checked
def team_progress(
    team: Team,
    progress: subscriptionkit.storage.ports.ProgressStore | Iterable[CourseProgress],
    *,
    viewer: str,
    course_titles: Mapping[str, str] | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> TeamProgress:
    """The team's progress as its owner (or an enabled co-manager) sees it.

    Args:
        progress: a :class:`~subscriptionkit.storage.ports.ProgressStore`, or progress
            records; records of accounts not (or no longer) active on the team are left out,
            and so are records with no activity since the member joined (their latest
            activity, or their enrolment if none, before ``joined_at``: compared as instants).
        viewer: the acting account.
        course_titles: titles to show instead of course ids.

    Raises:
        NotPermitted: ``viewer`` is not the owner (or an enabled co-manager).
    """
    authorize(team, viewer, VIEW_PROGRESS)
    members = team.active_members
    ids = [m.account_id for m in members]
    if isinstance(progress, Iterable):
        records = items(progress, "progress", "a ProgressStore or CourseProgress records")
    elif callable(getattr(progress, "for_accounts", None)):
        records = tuple(progress.for_accounts(ids))
    else:
        raise InvalidArgument(
            name="progress", expected="a ProgressStore or CourseProgress records", got=progress
        )
    by_account: dict[str, list[CourseProgress]] = {i: [] for i in ids}
    joined = {m.account_id: utc(m.joined_at or m.added_at) for m in members}
    for record in records:
        if not isinstance(record, CourseProgress):
            raise InvalidArgument(name="progress", expected="CourseProgress records", got=record)
        since = joined.get(record.account_id)
        if since is not None and utc(record.last_activity_at or record.enrolled_at) >= since:
            by_account[record.account_id].append(record)
    titles = course_titles or {}
    rows: list[ProgressRow] = []
    for member in members:
        courses = sorted(
            by_account[member.account_id], key=lambda p: (utc(p.enrolled_at), p.course_id)
        )
        if not courses:
            rows.append(ProgressRow(member.account_id, member.name, None, None, None, None, None))
        rows.extend(
            ProgressRow(
                member.account_id,
                member.name,
                p.course_id,
                titles.get(p.course_id, p.course_id),
                p.percent,
                p.last_activity_at,
                p.completed_at,
            )
            for p in courses
        )
    return TeamProgress(team.id, team.name, tuple(rows), tz)
