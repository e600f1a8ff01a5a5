"""Teams and course progress in SQL (internal; part of :mod:`subscriptionkit.storage.sql`).

A team is one aggregate stored in four tables: ``sk_teams`` (with the version for
optimistic concurrency), ``sk_team_members``, ``sk_team_invitations`` and
``sk_team_links``. An update first bumps the team's version where it is still the version
that was read (on PostgreSQL the row lock makes a racing writer wait, then find the new
version; on SQLite one writer at a time), then rewrites the parts. The database enforces
what it can as well: one account and one address (without case) per team, and unique
token digests.

Tokens are never stored: only their key id and HMAC digest.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import sqlalchemy as sa

from ...errors import AlreadyExists, ConcurrentUpdate, NotFound, StorageError
from ...teams import (
    CourseProgress,
    Invitation,
    Member,
    RegistrationLink,
    Team,
    TeamSettings,
    TokenDigest,
)
from ._errors import translating
from ._tables import _UtcMoment, metadata

if TYPE_CHECKING:
    from ._store import SqlUnitOfWork

_KIND = "team"
_ID = sa.String(200)

teams_table = sa.Table(
    "sk_teams",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("subscription_id", _ID, nullable=False, index=True),
    sa.Column("seats", sa.Integer, nullable=False),
    sa.Column("created_at", _UtcMoment, nullable=False),
    sa.Column("co_managers", sa.Boolean, nullable=False),
    sa.Column("invitation_validity_us", sa.BigInteger, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

members_table = sa.Table(
    "sk_team_members",
    metadata,
    sa.Column("team_id", _ID, sa.ForeignKey("sk_teams.id"), primary_key=True),
    sa.Column("account_id", _ID, primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("email_key", sa.Text, nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("added_at", _UtcMoment, nullable=False),
    sa.Column("joined_at", _UtcMoment, nullable=True),
    sa.UniqueConstraint("team_id", "email_key", name="uq_sk_team_members_email"),
    sa.Index("ix_sk_team_members_account", "account_id"),
)

invitations_table = sa.Table(
    "sk_team_invitations",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("team_id", _ID, sa.ForeignKey("sk_teams.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("token_key_id", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", _ID, nullable=False),
    sa.Column("created_at", _UtcMoment, nullable=False),
    sa.Column("expires_at", _UtcMoment, nullable=False),
    sa.Column("used_at", _UtcMoment, nullable=True),
    sa.Column("used_by", _ID, nullable=True),
    sa.Column("revoked_at", _UtcMoment, nullable=True),
)

links_table = sa.Table(
    "sk_team_links",
    metadata,
    sa.Column("id", _ID, primary_key=True),
    sa.Column("team_id", _ID, sa.ForeignKey("sk_teams.id"), nullable=False, index=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("token_key_id", sa.String(100), nullable=False),
    sa.Column("token_digest", sa.String(64), nullable=False, unique=True),
    sa.Column("created_by", _ID, nullable=False),
    sa.Column("created_at", _UtcMoment, nullable=False),
    sa.Column("expires_at", _UtcMoment, nullable=True),
    sa.Column("max_uses", sa.Integer, nullable=True),
    sa.Column("uses", sa.Integer, nullable=False),
    sa.Column("revoked_at", _UtcMoment, nullable=True),
    sa.Column("rotated_at", _UtcMoment, nullable=True),
)

progress_table = sa.Table(
    "sk_course_progress",
    metadata,
    sa.Column("account_id", _ID, primary_key=True),
    sa.Column("course_id", _ID, primary_key=True),
    sa.Column("enrolled_at", _UtcMoment, nullable=False),
    # Exact decimal text: SQLite has no exact numeric type.
    sa.Column("percent", sa.String(40), nullable=False),
    sa.Column("last_activity_at", _UtcMoment, nullable=True),
    sa.Column("completed_at", _UtcMoment, nullable=True),
)

#: The tables of this module, in creation order.
TEAM_TABLES = (teams_table, members_table, invitations_table, links_table, progress_table)

_US = _dt.timedelta(microseconds=1)


def _team_values(team: Team) -> dict[str, Any]:
    return {
        "name": team.name,
        "subscription_id": team.subscription_id,
        "seats": team.seats,
        "created_at": team.created_at,
        "co_managers": team.settings.co_managers,
        "invitation_validity_us": team.settings.invitation_validity // _US,
    }


def _member_rows(team: Team) -> list[dict[str, Any]]:
    return [
        {
            "team_id": team.id,
            "account_id": m.account_id,
            "position": i,
            "name": m.name,
            "email": m.email,
            "email_key": m.email.casefold(),
            "role": m.role.value,
            "status": m.status.value,
            "added_at": m.added_at,
            "joined_at": m.joined_at,
        }
        for i, m in enumerate(team.members)
    ]


def _invitation_rows(team: Team) -> list[dict[str, Any]]:
    return [
        {
            "id": inv.id,
            "team_id": team.id,
            "position": i,
            "email": inv.email,
            "token_key_id": inv.token.key_id,
            "token_digest": inv.token.digest,
            "created_by": inv.created_by,
            "created_at": inv.created_at,
            "expires_at": inv.expires_at,
            "used_at": inv.used_at,
            "used_by": inv.used_by,
            "revoked_at": inv.revoked_at,
        }
        for i, inv in enumerate(team.invitations)
    ]


def _link_rows(team: Team) -> list[dict[str, Any]]:
    return [
        {
            "id": ln.id,
            "team_id": team.id,
            "position": i,
            "token_key_id": ln.token.key_id,
            "token_digest": ln.token.digest,
            "created_by": ln.created_by,
            "created_at": ln.created_at,
            "expires_at": ln.expires_at,
            "max_uses": ln.max_uses,
            "uses": ln.uses,
            "revoked_at": ln.revoked_at,
            "rotated_at": ln.rotated_at,
        }
        for i, ln in enumerate(team.links)
    ]


@translating
class _Teams:
    """The team repository of one SQL unit of work."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql teams>"

    def _write_parts(self, team: Team) -> None:
        conn = self._uow.connection
        for table, rows in (
            (members_table, _member_rows(team)),
            (invitations_table, _invitation_rows(team)),
            (links_table, _link_rows(team)),
        ):
            conn.execute(table.delete().where(table.c.team_id == team.id))
            if rows:
                conn.execute(table.insert(), rows)

    def add(self, team: Team) -> Team:
        conn = self._uow.connection
        try:
            with conn.begin_nested():
                conn.execute(
                    teams_table.insert().values(id=team.id, version=1, **_team_values(team))
                )
                self._write_parts(team)
        except sa.exc.IntegrityError:
            raise AlreadyExists(kind=_KIND, key=team.id) from None
        return attrs.evolve(team, version=1)

    def _load(self, rows: Sequence[sa.Row[Any]]) -> list[Team]:
        if not rows:
            return []
        conn = self._uow.connection
        ids = [r.id for r in rows]
        parts: dict[str, dict[str, list[Any]]] = {
            i: {"members": [], "invitations": [], "links": []} for i in ids
        }
        for r in conn.execute(
            sa.select(members_table)
            .where(members_table.c.team_id.in_(ids))
            .order_by(members_table.c.team_id, members_table.c.position)
        ):
            parts[r.team_id]["members"].append(
                Member(r.account_id, r.name, r.email, r.role, r.status, r.added_at, r.joined_at)
            )
        for r in conn.execute(
            sa.select(invitations_table)
            .where(invitations_table.c.team_id.in_(ids))
            .order_by(invitations_table.c.team_id, invitations_table.c.position)
        ):
            parts[r.team_id]["invitations"].append(
                Invitation(
                    id=r.id,
                    email=r.email,
                    token=TokenDigest(r.token_key_id, r.token_digest),
                    created_by=r.created_by,
                    created_at=r.created_at,
                    expires_at=r.expires_at,
                    used_at=r.used_at,
                    used_by=r.used_by,
                    revoked_at=r.revoked_at,
                )
            )
        for r in conn.execute(
            sa.select(links_table)
            .where(links_table.c.team_id.in_(ids))
            .order_by(links_table.c.team_id, links_table.c.position)
        ):
            parts[r.team_id]["links"].append(
                RegistrationLink(
                    id=r.id,
                    token=TokenDigest(r.token_key_id, r.token_digest),
                    created_by=r.created_by,
                    created_at=r.created_at,
                    expires_at=r.expires_at,
                    max_uses=r.max_uses,
                    uses=r.uses,
                    revoked_at=r.revoked_at,
                    rotated_at=r.rotated_at,
                )
            )
        return [
            Team(
                id=r.id,
                name=r.name,
                subscription_id=r.subscription_id,
                seats=r.seats,
                created_at=r.created_at,
                members=parts[r.id]["members"],
                invitations=parts[r.id]["invitations"],
                links=parts[r.id]["links"],
                settings=TeamSettings(
                    co_managers=bool(r.co_managers),
                    invitation_validity=_dt.timedelta(microseconds=r.invitation_validity_us),
                ),
                version=r.version,
            )
            for r in rows
        ]

    def _select(self, where: Any | None = None) -> list[Team]:
        query = sa.select(teams_table).order_by(teams_table.c.id)
        if where is not None:
            query = query.where(where)
        return self._load(list(self._uow.connection.execute(query)))

    def get(self, team_id: str) -> Team:
        found = self._select(teams_table.c.id == team_id)
        if not found:
            raise NotFound(kind=_KIND, key=team_id)
        return found[0]

    def update(self, team: Team) -> Team:
        conn = self._uow.connection
        bumped = conn.execute(
            teams_table.update()
            .where(teams_table.c.id == team.id, teams_table.c.version == team.version)
            .values(version=team.version + 1, **_team_values(team))
        ).rowcount
        if bumped != 1:
            found = conn.execute(
                sa.select(teams_table.c.version).where(teams_table.c.id == team.id)
            ).scalar()
            if found is None:
                raise NotFound(kind=_KIND, key=team.id)
            raise ConcurrentUpdate(
                kind=_KIND, key=team.id, expected_version=team.version, found_version=found
            )
        try:
            with conn.begin_nested():
                self._write_parts(team)
        except sa.exc.IntegrityError:
            # Only a token digest shared with another team can get here (the Team value
            # refuses duplicate accounts and addresses): 256 random bits make it moot.
            raise StorageError(
                f"team {team.id!r} could not be stored: one of its token digests belongs to "
                "another team; expected digests unique to it, got a duplicate"
            ) from None
        return attrs.evolve(team, version=team.version + 1)

    def for_subscription(self, subscription_id: str) -> Sequence[Team]:
        return self._select(teams_table.c.subscription_id == subscription_id)

    def for_account(self, account_id: str) -> Sequence[Team]:
        ids = sa.select(members_table.c.team_id).where(members_table.c.account_id == account_id)
        return self._select(teams_table.c.id.in_(ids))

    def involving(self, account_id: str, emails: Iterable[str] = ()) -> Sequence[Team]:
        m, i, ln = members_table.c, invitations_table.c, links_table.c
        conn = self._uow.connection
        by_id = sa.union(
            sa.select(m.team_id).where(m.account_id == account_id),
            sa.select(i.team_id).where(sa.or_(i.created_by == account_id, i.used_by == account_id)),
            sa.select(ln.team_id).where(ln.created_by == account_id),
        )
        found = set(conn.execute(by_id).scalars())
        wanted = {e.casefold() for e in emails}
        if wanted:  # casefold has no SQL twin: the addresses are compared here
            rows = conn.execute(sa.select(i.team_id, i.email))
            found.update(r.team_id for r in rows if r.email.casefold() in wanted)
        return self._select(teams_table.c.id.in_(sorted(found))) if found else []

    def _by_digest(self, table: sa.Table, digests: Iterable[TokenDigest]) -> Team | None:
        wanted = list(digests)
        if not wanted:
            return None
        rows = self._uow.connection.execute(
            sa.select(table.c.team_id, table.c.token_key_id).where(
                table.c.token_digest.in_([d.digest for d in wanted])
            )
        ).all()
        key_ids = {(d.key_id) for d in wanted}
        team_id = next((r.team_id for r in rows if r.token_key_id in key_ids), None)
        return None if team_id is None else self.get(team_id)

    def with_invitation(self, digests: Iterable[TokenDigest]) -> Team | None:
        return self._by_digest(invitations_table, digests)

    def with_link(self, digests: Iterable[TokenDigest]) -> Team | None:
        return self._by_digest(links_table, digests)

    def list(self) -> Iterator[Team]:
        return iter(self._select())


def _progress_from_row(r: sa.Row[Any]) -> CourseProgress:
    return CourseProgress(
        r.account_id,
        r.course_id,
        r.enrolled_at,
        Decimal(r.percent),
        r.last_activity_at,
        r.completed_at,
    )


@translating
class _Progress:
    """The progress store of one SQL unit of work."""

    _t = progress_table

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __repr__(self) -> str:
        return "<sql progress>"

    def save(self, progress: CourseProgress) -> CourseProgress:
        conn = self._uow.connection
        key = (self._t.c.account_id == progress.account_id) & (
            self._t.c.course_id == progress.course_id
        )
        values = {
            "enrolled_at": progress.enrolled_at,
            "percent": str(progress.percent),
            "last_activity_at": progress.last_activity_at,
            "completed_at": progress.completed_at,
        }
        if conn.execute(self._t.update().where(key).values(**values)).rowcount:
            return progress
        try:
            with conn.begin_nested():
                conn.execute(
                    self._t.insert().values(
                        account_id=progress.account_id, course_id=progress.course_id, **values
                    )
                )
        except sa.exc.IntegrityError:  # another unit of work inserted it meanwhile
            conn.execute(self._t.update().where(key).values(**values))
        return progress

    def erase(self, account_id: str) -> int:
        done = self._uow.connection.execute(
            self._t.delete().where(self._t.c.account_id == account_id)
        )
        return int(done.rowcount)

    def get(self, account_id: str, course_id: str) -> CourseProgress | None:
        row = self._uow.connection.execute(
            sa.select(self._t).where(
                self._t.c.account_id == account_id, self._t.c.course_id == course_id
            )
        ).first()
        return None if row is None else _progress_from_row(row)

    def for_accounts(self, account_ids: Iterable[str]) -> Sequence[CourseProgress]:
        ids = list(account_ids)
        if not ids:
            return []
        rows = self._uow.connection.execute(
            sa.select(self._t)
            .where(self._t.c.account_id.in_(ids))
            .order_by(self._t.c.account_id, self._t.c.enrolled_at, self._t.c.course_id)
        )
        return [_progress_from_row(r) for r in rows]
