"""What an export or erasure covered: one school's pupil, or no pupil at all.

Activity events are a school's pupils' (seed 002: the school is the controller of that
data), and pupil ids are unique only within a school. So a request names the school, or
covers no activity; without one, the operator is told which schools hold events under the
same id, to act on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ._handler_model import Subject, _named

if TYPE_CHECKING:
    import subscriptionkit.storage.ports

__all__ = ["Scope", "scope_of"]


@attrs.frozen
class Scope:
    """What an export or erasure covered.

    Attributes:
        school_id: the school whose pupil the subject was: its events in that school were
            covered. ``None``: no activity event was (out of scope without a school).
        pupil_schools: without a school, the schools that hold activity events of a pupil
            with the same id, sorted; they were left as they are. If the subject is one of
            their pupils, the request is that school's (the controller): forward it, or
            repeat the export or erasure with ``school_id`` (CLI: ``--school``) on the
            school's instruction. Empty with a school, and for an id that is a pseudonym.
    """

    school_id: str | None = None
    pupil_schools: tuple[str, ...] = ()

    @property
    def activity(self) -> bool:
        """Whether activity events were covered (a school was given)."""
        return self.school_id is not None

    def to_dict(self) -> dict[str, Any]:
        """The scope as the export document states it: ``{"school_id": ..., "activity":
        "included" | "excluded"}``. The other schools' names are for the operator, not
        for the document: their pupils' data is theirs (seed 002)."""
        return {
            "school_id": self.school_id,
            "activity": "included" if self.activity else "excluded",
        }


def scope_of(uow: subscriptionkit.storage.ports.UnitOfWork, subject: Subject) -> Scope:
    """The scope of a request about ``subject`` (internal): with no school, the schools
    whose pupils share the id (one scan of the activity events; none for a pseudonym)."""
    if subject.school_id is not None or not _named(subject.subject_id):
        return Scope(subject.school_id)
    return Scope(None, uow.activity.schools_of_pupil(subject.subject_id))
