"""Progress: enrolments and percent per account and course; the team's view for its managers."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from subscriptionkit import errors, teams
from teams_helpers import START, add, join_link

DAY = dt.timedelta(days=1)


@pytest.fixture
def staffed(team: teams.Team, keys: teams.TokenKeys) -> teams.Team:
    """Ann (owner), Bob and Cas (joined), Pat (pending)."""
    issued = teams.create_link(team, by="ann", keys=keys, at=START)
    team = join_link(issued.team, issued.token, "bob", keys)
    team = join_link(team, issued.token, "cas", keys)
    return add(team, "pat")


def records() -> list[teams.CourseProgress]:
    """Bob: two courses (one done); Cas: nothing; Pat and a stranger: one each."""
    excel = teams.record_progress(teams.enrol("bob", "excel", at=START), 40, at=START + DAY)
    python = teams.enrol("bob", "python", at=START + DAY)
    python = teams.record_progress(python, "100", at=START + 2 * DAY)
    return [
        python,
        excel,
        teams.enrol("pat", "excel", at=START),
        teams.enrol("zed", "excel", at=START),
    ]


class TestRecordProgress:
    """Pure progress updates."""

    def test_enrol(self) -> None:
        """A fresh enrolment is 0 % with no activity."""
        p = teams.enrol("bob", "excel", at=START)
        assert (p.percent, p.last_activity_at, p.completed_at) == (Decimal(0), None, None)

    def test_completion_is_kept(self) -> None:
        """Reaching 100 % sets completed_at once; later activity keeps it."""
        p = teams.record_progress(teams.enrol("b", "c", at=START), 100, at=START + DAY)
        assert p.completed_at == START + DAY
        p = teams.record_progress(p, Decimal("90"), at=START + 2 * DAY)
        assert p.completed_at == START + DAY
        assert p.percent == Decimal(90)
        assert p.last_activity_at == START + 2 * DAY

    def test_late_activity_does_not_move_last_back(self) -> None:
        """An older report does not make last activity older."""
        p = teams.record_progress(teams.enrol("b", "c", at=START), 50, at=START + 2 * DAY)
        p = teams.record_progress(p, 60, at=START + DAY)
        assert p.last_activity_at == START + 2 * DAY

    @pytest.mark.parametrize("bad", [-1, 101, 12.5, "x", True, Decimal("NaN")])
    def test_invalid_percent(self, bad: object) -> None:
        """Percent is a number from 0 to 100, never a float."""
        with pytest.raises(errors.InvalidInput, match="percent complete"):
            teams.record_progress(teams.enrol("b", "c", at=START), bad, at=START)  # type: ignore[arg-type]


class TestTeamProgress:
    """The owner's view: active members only, courses and how far each got."""

    def test_rows(self, staffed: teams.Team) -> None:
        """Active members in team order; courses by enrolment; strangers and pending left out."""
        view = teams.team_progress(
            staffed, records(), viewer="ann", course_titles={"excel": "Excel"}
        )
        assert [(r.account_id, r.course_id, r.percent) for r in view.rows] == [
            ("ann", None, None),
            ("bob", "excel", Decimal(40)),
            ("bob", "python", Decimal(100)),
            ("cas", None, None),
        ]
        assert view.rows[1].course == "Excel"
        assert view.rows[2].completed_at == START + 2 * DAY
        assert view.to_rows()[1]["percent"] == Decimal(40)

    def test_members_who_left_are_excluded(self, staffed: teams.Team) -> None:
        """After removal Bob's progress is no longer shown to the team."""
        team = teams.remove_member(staffed, "bob", by="ann", at=START).team
        view = teams.team_progress(team, records(), viewer="ann")
        assert [r.account_id for r in view.rows] == ["ann", "cas"]

    def test_only_work_since_joining(self, team: teams.Team, keys: teams.TokenKeys) -> None:
        """What a member learnt before joining stays theirs; work since joining is shown.

        Dee joins on day 10 (an hour that is 09:00 in UTC and 10:00 in Amsterdam, compared as
        an instant): a course completed on day 3 is left out, a course enrolled on day 3 and
        worked on since day 11 is shown, and one enrolled after joining is shown.
        """
        joined = START + 10 * DAY
        issued = teams.create_link(team, by="ann", keys=keys, at=START)
        team = join_link(issued.team, issued.token, "dee", keys, at=joined)
        before = teams.record_progress(
            teams.enrol("dee", "excel", at=START), 100, at=START + 2 * DAY
        )
        carried = teams.record_progress(
            teams.enrol("dee", "sql", at=START + 2 * DAY), 30, at=joined + DAY
        )
        after = teams.enrol("dee", "python", at=joined.in_timezone("Europe/Amsterdam"))
        view = teams.team_progress(team, [before, carried, after], viewer="ann")
        assert [(r.account_id, r.course_id) for r in view.rows] == [
            ("ann", None),
            ("dee", "sql"),
            ("dee", "python"),
        ]

    def test_text_and_html(self, staffed: teams.Team) -> None:
        """The table renders for the terminal (nl, en) and for Jupyter."""
        view = teams.team_progress(staffed, records(), viewer="ann")
        text = view.format("en_GB")
        assert text.splitlines()[0] == "Progress of the team Sales"
        assert "Member" in text.splitlines()[1]
        cells = [re.split(r"\s{2,}", line.strip()) for line in text.splitlines()[2:]]
        assert cells == [
            ["Ann", "(no courses yet)"],
            ["Bob", "excel", "40%", "3 Mar 2026"],
            ["Bob", "python", "100%", "4 Mar 2026", "4 Mar 2026"],
            ["Cas", "(no courses yet)"],
        ]
        nl = view.format("nl_NL")
        assert nl.splitlines()[0] == "Voortgang van het team Sales"
        assert "40%" in nl
        html = view._repr_html_()
        assert html.startswith("<table><caption>Voortgang van het team Sales</caption>")

    def test_reads_a_store(self, staffed: teams.Team) -> None:
        """A ProgressStore is asked for the active members only."""
        asked: list[list[str]] = []

        class Store:
            def for_accounts(self, ids: object) -> list[teams.CourseProgress]:
                asked.append(list(ids))  # type: ignore[call-overload]
                return records()

        view = teams.team_progress(staffed, Store(), viewer="ann")  # type: ignore[arg-type]
        assert asked == [["ann", "bob", "cas"]]
        assert len(view.rows) == 4
