"""Checks and keys every adapter shares for subscriptions, reminders and the audit log (internal)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable

from .._errors_base import _indefinite, _repr
from ..audit import AuditEntry
from ..certificates import KeyRing, PublicKeySet
from ..errors import InvalidInput
from ..subscriptions import Event, Reminder, Subscription, audit_entries


def _require_day(on: object) -> _dt.date:
    """Return ``on`` if it is a calendar day (a datetime is not one).

    Raises:
        InvalidInput: anything else.
    """
    if isinstance(on, _dt.datetime) or not isinstance(on, _dt.date):
        raise InvalidInput(
            f"on must be a calendar day (datetime.date), got {type(on).__name__}: {_repr(on)}"
        )
    return on


def _require_limit(limit: object) -> int | None:
    """Return ``limit`` if it is ``None`` or a whole number above zero.

    Raises:
        InvalidInput: anything else.
    """
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidInput(f"limit must be a whole number above zero or None, got {limit!r}")
    return limit


def _subscription_entries(subscription: Subscription, events: Iterable[Event]) -> list[AuditEntry]:
    """The audit entries of ``events``, which must all be about ``subscription``.

    Raises:
        InvalidInput: an event about another subscription (or not an event).
    """
    entries = list(audit_entries(subscription.customer_id, events))
    for entry in entries:
        if entry.subject_id != subscription.id:
            raise InvalidInput(
                f"the events stored with subscription {subscription.id!r} must be about it, "
                f"got {_indefinite(entry.kind)} event of {entry.subject_id!r}"
            )
    return entries


def _require_entries(entries: Iterable[object]) -> list[AuditEntry]:
    """Return the entries as a list if every one is an :class:`AuditEntry`.

    Raises:
        InvalidInput: something else among them.
    """
    out = []
    for entry in entries:
        if not isinstance(entry, AuditEntry):
            raise InvalidInput(
                f"an entry appended to the audit log must be an AuditEntry, got "
                f"{type(entry).__name__}"
            )
        out.append(entry)
    return out


def _reminder_key(reminder: object) -> tuple[str, str, _dt.date]:
    """The key of a stored reminder: subscription id, kind and due day.

    Raises:
        InvalidInput: ``reminder`` is not a :class:`~subscriptionkit.subscriptions.Reminder`.
    """
    if not isinstance(reminder, Reminder):
        raise InvalidInput(
            f"a reminder marked as sent must be a Reminder, got {type(reminder).__name__}"
        )
    return reminder.subscription_id, reminder.kind, reminder.due_on


#: How NotFound and ConcurrentUpdate name a stored reminder.
_REMINDER = "reminder"


def _reminder_label(key: tuple[str, str, _dt.date]) -> str:
    return f"{key[0]}/{key[1]}/{key[2].isoformat()}"


# -- the key store's checks -----------------------------------------------------------


def _require_public_keyset(keys: object) -> PublicKeySet:
    """Return ``keys`` if it is a :class:`PublicKeySet`; a key ring would smuggle private keys.

    Raises:
        InvalidInput: anything else, with a hint for a :class:`KeyRing`.
    """
    if not isinstance(keys, PublicKeySet):
        hint = " (a key ring's public_keyset method gives it)" if isinstance(keys, KeyRing) else ""
        raise InvalidInput(
            f"the public keys saved must be a PublicKeySet{hint}; private keys are saved "
            f"only as the private key ring; got {type(keys).__name__}"
        )
    return keys


def _require_keyring(keyring: object) -> KeyRing:
    """Return ``keyring`` if it is a :class:`KeyRing`.

    Raises:
        InvalidInput: anything else.
    """
    if not isinstance(keyring, KeyRing):
        raise InvalidInput(
            f"the private keyring saved must be a KeyRing, got {type(keyring).__name__}"
        )
    return keyring
