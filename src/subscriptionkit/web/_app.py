"""The public certificate verification page as a Starlette ASGI application (internal)."""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Callable
from typing import Any, Final, Protocol

import attrs

from .. import certificates
from .._i18n import Translator, gettext_noop
from ..clock import Clock, SystemClock
from ..errors import (
    BadSignature,
    CertificateRevoked,
    InvalidCertificate,
    InvalidInput,
    KeyNotValid,
    MalformedToken,
    MissingDependency,
    NotFound,
    NotYetValid,
    StorageError,
    UnknownKey,
)
from ..storage.ports import Store

try:  # the web extra
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
    from starlette.routing import Route
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise MissingDependency(
        package="starlette", extra="web", feature="the certificate verification web app"
    ) from exc

__all__ = ["HolderDirectory", "HolderRecord", "StoredHolders", "create_app"]

#: The page's languages: the ``lang`` query parameter's values and their locales.
LANGUAGES: Final = {"nl": "nl_NL", "en": "en_GB"}
_DEFAULT_LANGUAGE: Final = "nl"
_JWKS_PATH: Final = "/.well-known/jwks.json"
_DEFAULT_STATUS_PATH: Final = "/status-list"


@attrs.frozen
class HolderRecord:
    """What the verification page may know about a holder.

    Args:
        name: the holder's current name, or ``None`` once erased.
        settings: the holder's disclosure choices for the public page.
        erased: the holder's personal data was erased: the page shows nothing personal.
    """

    name: str | None
    settings: certificates.DisclosureSettings = attrs.field(factory=certificates.DisclosureSettings)
    erased: bool = False


class HolderDirectory(Protocol):
    """Where the page looks a holder up: the platform's accounts, privacy settings and erasures."""

    def holder(self, holder_id: str) -> HolderRecord | None:
        """Return what the page may know about ``holder_id``, or ``None`` if unknown."""
        ...


@attrs.frozen
class StoredHolders:
    """The default directory: the name on the stored certificate, shown in full.

    Platforms with disclosure settings and erasure pass their own :class:`HolderDirectory`.

    Args:
        names: holder id to name, e.g. gathered from the stored certificates.
    """

    names: dict[str, str] = attrs.field(factory=dict)

    def holder(self, holder_id: str) -> HolderRecord | None:
        """Return the stored name with the default settings, or ``None``."""
        name = self.names.get(holder_id)
        return None if name is None else HolderRecord(name)


_T: Final = {
    "title": gettext_noop("Certificate verification"),
    "genuine": gettext_noop("Genuine certificate"),
    "genuine_text": gettext_noop("This certificate was issued by {issuer} and is genuine."),
    "revoked": gettext_noop("Revoked certificate"),
    "revoked_text": gettext_noop("This certificate was revoked on {date}: it no longer counts."),
    "not_genuine": gettext_noop("Not genuine"),
    "not_genuine_text": gettext_noop(
        "This link does not hold a genuine certificate: it was altered, is incomplete or "
        "was not issued here."
    ),
    "malformed": gettext_noop("Unreadable link"),
    "malformed_text": gettext_noop(
        "This link does not hold a readable certificate: it is incomplete or damaged. Copy "
        "the whole link from where you received it and try again."
    ),
    "bad_signature_text": gettext_noop(
        "The certificate's signature does not match its contents: the link was altered, or "
        "the certificate was not issued here."
    ),
    "unknown_key": gettext_noop("Unknown signing key"),
    "unknown_key_text": gettext_noop(
        "This certificate was signed with a key that is not published here: it was not "
        "issued here, or was signed with a key this site no longer publishes."
    ),
    "key_not_valid": gettext_noop("Not valid"),
    "key_not_valid_text": gettext_noop(
        "This certificate is dated {date}, when the key that signed it was not in use: it "
        "does not count."
    ),
    "not_yet_valid": gettext_noop("Not valid yet"),
    "not_yet_valid_text": gettext_noop(
        "This certificate is dated {date}, which is after today: it does not count yet. If "
        "the date looks wrong, contact the issuer."
    ),
    "no_token": gettext_noop("No certificate given: the link is incomplete."),
    "course": gettext_noop("Course"),
    "completed_on": gettext_noop("Completed on"),
    "holder": gettext_noop("Holder"),
    "issued_on": gettext_noop("Issued on"),
    "certificate_id": gettext_noop("Certificate number"),
    "no_keys": gettext_noop("No keys are published here."),
    "no_status_list": gettext_noop("No status list is published here."),
}


#: Why a token failed, most specific first: the page's result, its heading and its text.
_REFUSALS: Final[tuple[tuple[type[InvalidCertificate], str, str, str], ...]] = (
    (NotYetValid, "not-yet-valid", "not_yet_valid", "not_yet_valid_text"),
    (KeyNotValid, "key-not-valid", "key_not_valid", "key_not_valid_text"),
    (UnknownKey, "unknown-key", "unknown_key", "unknown_key_text"),
    (BadSignature, "not-genuine", "not_genuine", "bad_signature_text"),
    (MalformedToken, "malformed", "malformed", "malformed_text"),
    (InvalidCertificate, "not-genuine", "not_genuine", "not_genuine_text"),
)


def _refusal(lang: str, t: Translator, exc: InvalidCertificate) -> Response:
    """The page for a token that failed verification: each reason its own message."""
    result, heading, text = next((r, h, x) for kind, r, h, x in _REFUSALS if isinstance(exc, kind))
    issued_at = getattr(exc, "issued_at", None)
    body = t.gettext(_T[text])
    if isinstance(issued_at, _dt.datetime):
        body = body.format(date=t.date(issued_at.date()))
    return _page(lang, t, result, t.gettext(_T[heading]), f"<p>{html.escape(body)}</p>", 200)


def _language(request: Request) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return _DEFAULT_LANGUAGE


def _page(lang: str, t: Translator, result: str, heading: str, body: str, status: int) -> Response:
    e = html.escape
    document = f"""<!doctype html>
<html lang="{e(lang)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{e(t.gettext(_T["title"]))}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}}
.genuine h1{{color:#17623a}}h1{{color:#a3261b}}
dt{{font-weight:600;margin-top:.6rem}}dd{{margin:0}}</style></head>
<body><main class="{e(result)}" data-result="{e(result)}"><h1>{e(heading)}</h1>
{body}</main></body></html>
"""
    return HTMLResponse(document, status_code=status, headers=_NO_STORE)


_NO_STORE: Final = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _details(t: Translator, view: certificates.PublicView, issued_at: _dt.datetime) -> str:
    e = html.escape
    rows = [(t.gettext(_T["course"]), view.course_title)]
    if view.completed_on is not None:
        rows.append((t.gettext(_T["completed_on"]), t.date(view.completed_on)))
    if view.holder_display_name is not None:
        rows.append((t.gettext(_T["holder"]), view.holder_display_name))
    rows.append((t.gettext(_T["issued_on"]), t.date(issued_at.date())))
    rows.append((t.gettext(_T["certificate_id"]), view.certificate_id))
    items = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in rows)
    return f"<dl>{items}</dl>"


@attrs.frozen
class _Pages:
    store: Store
    clock: Clock
    issuer: certificates.IssuerProfile | None
    holders: HolderDirectory | None

    def _holder(self, verified: certificates.Verified) -> tuple[str | None, HolderRecord | None]:
        """The stored certificate's holder, if the token is really theirs."""
        try:
            with self.store.unit_of_work() as uow:
                stored = uow.certificates.get(verified.certificate_id)
        except NotFound:
            return None, None
        if not verified.is_held_by(stored.holder_id):
            return None, None
        directory = self.holders or StoredHolders({stored.holder_id: stored.holder_name})
        return stored.holder_id, directory.holder(stored.holder_id)

    def verify(self, request: Request) -> Response:
        lang = _language(request)
        t = Translator(LANGUAGES[lang])
        token = request.query_params.get("token")
        if not token:
            return _page(
                lang, t, "not-genuine", t.gettext(_T["not_genuine"]),
                f"<p>{html.escape(t.gettext(_T['no_token']))}</p>", 400,
            )  # fmt: skip
        with self.store.unit_of_work() as uow:
            keys = uow.keys.public_keys()
            try:
                verified = certificates.verify(
                    token, keys, at=self.clock.now(), revocations=uow.revocations
                )
            except CertificateRevoked as exc:
                text = t.gettext(_T["revoked_text"]).format(date=t.date(exc.revoked_at.date()))
                return _page(
                    lang, t, "revoked", t.gettext(_T["revoked"]),
                    f"<p>{html.escape(text)}</p>", 200,
                )  # fmt: skip
            except InvalidCertificate as exc:
                return _refusal(lang, t, exc)
        _, record = self._holder(verified)
        view = certificates.public_view(
            verified,
            None if record is None else record.settings,
            holder_name=None if record is None else record.name,
            holder_erased=record is not None and (record.erased or record.name is None),
        )
        text = t.gettext(_T["genuine_text"]).format(issuer=view.issuer)
        body = f"<p>{html.escape(text)}</p>{_details(t, view, verified.issued_at)}"
        return _page(lang, t, "genuine", t.gettext(_T["genuine"]), body, 200)

    def jwks(self, request: Request) -> Response:
        with self.store.unit_of_work() as uow:
            keys = uow.keys.public_keys()
        return JSONResponse(
            keys.to_dict(),
            media_type="application/jwk-set+json",
            headers={"Cache-Control": "max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    def status_list(self, request: Request) -> Response:
        url = self.issuer.status_list_url if self.issuer else None
        url = url or str(request.url.replace(query=""))
        issuer = self.issuer or certificates.IssuerProfile(str(request.base_url).rstrip("/"))
        now = self.clock.now()
        with self.store.unit_of_work() as uow:
            try:
                ring = uow.keys.private_keyring()
            except NotFound:
                t = Translator(LANGUAGES[_language(request)])
                return PlainTextResponse(t.gettext(_T["no_status_list"]), status_code=404)
            status = certificates.StatusList.from_certificates(
                url, list(uow.certificates.list()), uow.revocations, at=now
            )
        signed = certificates.status_list_token(status, ring, issuer=issuer)
        return PlainTextResponse(
            signed,
            media_type="application/vc+jwt",
            headers={"Cache-Control": "max-age=60", "Access-Control-Allow-Origin": "*"},
        )


def create_app(
    store: Store,
    *,
    clock: Clock | None = None,
    issuer: certificates.IssuerProfile | None = None,
    holders: HolderDirectory | None = None,
) -> Starlette:
    """Return the public verification app: mount it in a platform, or run it as is.

    Routes:

    - ``GET /verify?token=...`` (``&lang=nl`` or ``en``; else the browser's language,
      else Dutch): the verification result as a page: *genuine* with the course, the
      completion date and the holder as far as the holder allows, *revoked*, or the
      reason the token failed, each with its own message: *not valid yet* (dated after
      now, with the date), *not valid* (signed by a key not in use on that date),
      *unknown signing key*, *not genuine* (the signature does not match), *unreadable
      link* (not a token). Revocations come from the store; names from ``holders``.
    - ``GET /.well-known/jwks.json``: the public key set (a JWK Set).
    - The status list credential (a signed token), at the path of the issuer's
      ``status_list_url``, or ``/status-list``; signed with the store's private key ring
      (404 while none is saved there).

    Args:
        store: where certificates, revocations and keys are kept.
        clock: what *now* is (default the system clock).
        issuer: the issuer's profile, as used when minting tokens.
        holders: the platform's holder directory (names, disclosure settings, erasure);
            by default the name on the stored certificate, shown in full.

    Returns:
        A Starlette application.

    Raises:
        InvalidInput: an argument of the wrong kind.
        MissingDependency: the ``web`` extra (Starlette) is not installed (when a name of
            :mod:`subscriptionkit.web` is first used).
    """
    _check_app_arguments(store, clock, issuer, holders)
    pages = _Pages(store, clock or SystemClock(), issuer, holders)
    status_path = _DEFAULT_STATUS_PATH
    if issuer is not None and issuer.status_list_url is not None:
        from urllib.parse import urlsplit

        status_path = urlsplit(issuer.status_list_url).path or _DEFAULT_STATUS_PATH
    routes: list[Any] = [
        Route("/verify", _sync(pages.verify)),
        Route(_JWKS_PATH, _sync(pages.jwks)),
        Route(status_path, _sync(pages.status_list)),
    ]
    return Starlette(routes=routes, exception_handlers={StorageError: _storage_error})


def _check_app_arguments(store: object, clock: object, issuer: object, holders: object) -> None:
    """Refuse arguments of the wrong kind with a library error, before serving anything."""
    for name, value, needed, kind in (
        ("store", store, "unit_of_work", "a Store (MemoryStore, SqlStore)"),
        ("clock", clock, "now", "a Clock or None"),
        ("holders", holders, "holder", "a HolderDirectory or None"),
    ):
        if (value is not None or name == "store") and not callable(getattr(value, needed, None)):
            raise InvalidInput(f"{name} must be {kind}, got {type(value).__name__}")
    if issuer is not None and not isinstance(issuer, certificates.IssuerProfile):
        raise InvalidInput(f"issuer must be an IssuerProfile or None, got {type(issuer).__name__}")


def _sync(handler: Callable[[Request], Response]) -> Callable[[Request], Any]:
    """Run a blocking handler (store access) in Starlette's thread pool."""
    from starlette.concurrency import run_in_threadpool

    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(handler, request)

    return endpoint


async def _storage_error(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("storage unavailable", status_code=503)
