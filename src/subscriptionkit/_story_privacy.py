"""The demo story's privacy chapter: a member asks for their data, then for erasure (internal).

Bram, the member with the certificate, sends an access request and an erasure request
(seed 001: the platform answers within four weeks, after checking the requester's
identity). The export is one JSON document over every store; the erasure removes his
memberships and progress and pseudonymises the rest, so the school's and the team's
invoices stay as they were and his certificate link still verifies, naming no one.
"""

from __future__ import annotations

import json

from . import certificates, privacy
from ._story import Chapter, Story, at_local, token_of
from .privacy._labels import SECTIONS, label

#: The member's account id, name and address (as in the Teams chapters).
_SUBJECT = ("bram", "Bram Jansen", "bram@leerhuis-noord.example")
_OFFICER = "privacy-officer"


def privacy_chapter(story: Story) -> Chapter:
    """Access, then erasure, for the member who holds the certificate."""
    t = story.t
    subject, name, email = _SUBJECT
    asked, checked, erased_at = (
        at_local(2027, 11, 15),
        at_local(2027, 11, 16),
        at_local(2027, 11, 17),
    )
    access = privacy.receive_request(subject, "access", at=asked, request_id="request-1")
    access = privacy.record_identity_check(access, at=checked, by=_OFFICER)
    story.export = privacy.export_subject(story.store, subject, at=checked, emails=[email])
    access = privacy.complete_request(access, at=checked)
    erasure = privacy.receive_request(subject, "erasure", at=asked, request_id="request-2")
    erasure = privacy.record_identity_check(erasure, at=checked, by=_OFFICER)
    with story.store.unit_of_work() as uow:
        uow.requests.save(access)
        uow.requests.save(erasure)
        uow.commit()
    story.erasure = privacy.erase_subject(
        story.store, subject, at=erased_at, emails=[email], request=erasure
    )
    # The link keeps verifying after the erasure: the token names no one in clear.
    with story.store.unit_of_work() as uow:
        story.verified = certificates.verify(
            token_of(story.verification_link),
            uow.keys.public_keys(),
            at=at_local(2027, 11, 18),
            revocations=uow.revocations,
        )
    found = {k: len(v) for k, v in story.export["sections"].items() if v}
    size = len(json.dumps(story.export, ensure_ascii=False).encode())
    changed = {k: v for k, v in story.erasure.changed.items() if v}
    lines = (
        t.gettext(
            "{day}: {name} asks for their data and for erasure; the answer is due by {due}."
        ).format(day=story._day(asked), name=name, due=story._day(access.due_at)),
        t.gettext(
            "{day}: identity checked (no copy of the ID kept). The export is one JSON "
            "document of {size} bytes: {records}."
        ).format(
            day=story._day(checked),
            size=size,
            records=", ".join(f"{label(t, SECTIONS, s)} {n}" for s, n in found.items()),
        ),
        t.gettext(
            "{day}: erased. Removed or pseudonymised: {changed}. Kept for the statutory "
            "period: {kept}. The certificate link still verifies, naming no one."
        ).format(
            day=story._day(erased_at),
            changed=", ".join(f"{label(t, SECTIONS, s)} {n}" for s, n in changed.items()),
            kept=", ".join(label(t, SECTIONS, s) for s in story.erasure.kept),
        ),
    )
    return Chapter(t.gettext("A member's data: export and erasure"), lines)
