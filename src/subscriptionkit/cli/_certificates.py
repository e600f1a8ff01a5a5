"""The ``certificates`` command: keys, issue, verify, revoke (internal).

:mod:`subscriptionkit.cli` builds the parser, sets ``args.clock`` (a :class:`~subscriptionkit.clock.Clock`)
and calls ``args.handler(args, out, err)``; handlers return the exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Final, TextIO

from .._i18n import Translator
from ..certificates import (
    IssuerProfile,
    KeyRing,
    PublicKeySet,
    RevocationList,
    issue,
    token,
    verification_url,
    verify,
)
from ..errors import InvalidCertificate, SubscriptionKitError
from ._common import (
    add_locale_option,
    command_group,
    day_option,
    fail,
    report,
    whole_number_option,
)

__all__ = ["add_commands"]

#: What ``--locale`` sets; ``issue`` prints a token and a link only, and takes none.
LANGUAGE: Final = "the language of what it prints"


def add_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``certificates`` command and its sub-commands to a CLI.

    Sub-commands: ``keygen``, ``rotate``, ``issue``, ``verify``, ``revoke`` and
    ``export-keys``. Each sets ``handler``, a function ``(args, out, err) -> int``
    that reads the current moment from ``args.clock.now()``.

    Args:
        subparsers: the result of ``parser.add_subparsers()`` of the main CLI.
    """
    certificates = subparsers.add_parser(
        "certificates", help="sign, verify and revoke course certificates"
    )
    commands = command_group(certificates, "certificate commands")

    keygen = commands.add_parser("keygen", help="create a private key ring file")
    keygen.add_argument("--out", required=True, type=Path, help="where to write; must not exist")
    add_locale_option(keygen, LANGUAGE)
    keygen.set_defaults(handler=_cmd_keygen)

    rotate = commands.add_parser("rotate", help="add a new active key to a key ring file")
    rotate.add_argument("--keys", required=True, type=Path, help="the private key ring file")
    add_locale_option(rotate, LANGUAGE)
    rotate.set_defaults(handler=_cmd_rotate)

    issue_cmd = commands.add_parser("issue", help="issue a certificate and print its token")
    issue_cmd.add_argument("--keys", required=True, type=Path, help="the private key ring file")
    issue_cmd.add_argument("--holder-id", required=True, help="the holder's account id")
    issue_cmd.add_argument(
        "--holder-name", required=True, help="the holder's name, as the certificate shows it"
    )
    issue_cmd.add_argument("--course-id", required=True, help="the course's id")
    issue_cmd.add_argument("--course-title", required=True, help="the course's title")
    issue_cmd.add_argument(
        "--completed-on",
        required=True,
        type=day_option,
        help="the day the course was completed, YYYY-MM-DD",
    )
    issue_cmd.add_argument("--issuer", required=True, help="the issuer's name")
    issue_cmd.add_argument("--certificate-id", default=None, help="default: a random UUID")
    issue_cmd.add_argument("--base-url", default=None, help="also print the verification URL")
    issue_cmd.add_argument(
        "--issuer-id", default=None, help="the issuer's URL (its Open Badges profile id)"
    )
    issue_cmd.add_argument(
        "--status-list-url", default=None, help="where the issuer publishes its status list"
    )
    issue_cmd.add_argument(
        "--status-index",
        type=whole_number_option,
        default=None,
        help="the certificate's index in that list",
    )
    issue_cmd.set_defaults(handler=_cmd_issue)

    verify_cmd = commands.add_parser("verify", help="verify a token (exit 0 if genuine)")
    verify_cmd.add_argument("token", help="the certificate token (from its verification link)")
    verify_cmd.add_argument(
        "--keys", required=True, type=Path, help="a public key set (or private key ring) file"
    )
    verify_cmd.add_argument("--revocations", type=Path, default=None, help="a revocation list")
    add_locale_option(verify_cmd, f"{LANGUAGE}, and its dates")
    verify_cmd.set_defaults(handler=_cmd_verify)

    revoke = commands.add_parser("revoke", help="add a certificate to a revocation list file")
    revoke.add_argument("certificate_id", help="the certificate to revoke")
    revoke.add_argument("--reason", required=True, help="why it is revoked (shown on verification)")
    revoke.add_argument(
        "--list",
        required=True,
        type=Path,
        dest="list_path",
        metavar="FILE",
        help="the revocation list file (created if missing)",
    )
    revoke.add_argument("--keys", type=Path, default=None, help="sign the list with this ring")
    add_locale_option(revoke, LANGUAGE)
    revoke.set_defaults(handler=_cmd_revoke)

    export = commands.add_parser("export-keys", help="write the public key set of a key ring")
    export.add_argument("--keys", required=True, type=Path, help="the private key ring file")
    export.add_argument(
        "--out", required=True, type=Path, help="where to write the public key set; must not exist"
    )
    add_locale_option(export, LANGUAGE)
    export.set_defaults(handler=_cmd_export_keys)


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` readable by the owner only; fail if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)


def _replace(path: Path, text: str, *, private: bool = False) -> None:
    """Write ``path`` atomically: a temporary file beside it (mode 0600), synced, renamed over it.

    A reader sees the old file or the new one, never a part; a crash leaves the old one.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if not private:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _holds_private_key(path: Path) -> bool:
    """Whether the file at ``path`` holds private key material (a key ring, a JWK with ``d``, PEM)."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if b"PRIVATE KEY-----" in data:
        return True
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return False
    keys = document.get("keys") if isinstance(document, dict) else None
    jwks = keys if isinstance(keys, list) else [document]
    return any(isinstance(jwk, dict) and "d" in jwk for jwk in jwks)


def _refusal(target: Path, *inputs: Path | None) -> str | None:
    """Why writing ``target`` is refused, or ``None``: never over an input or a private key file."""
    for source in inputs:
        if source is None:
            continue
        same = target.resolve() == source.resolve() or (
            target.exists() and source.exists() and os.path.samefile(target, source)
        )
        if same:
            return (
                f"refusing to write {target}: it is this command's input {source}; "
                "expected an output path other than the inputs"
            )
    if target.exists() and _holds_private_key(target):
        return (
            f"refusing to write over {target}: it holds private key material; "
            "expected a path that is not a private key file"
        )
    return None


def _fail(err: TextIO, message: str) -> int:
    return fail(err, message)


def _cmd_keygen(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    ring = KeyRing.generate(at=args.clock.now())
    try:
        _write_new(args.out, ring.to_json())
    except FileExistsError:
        return _fail(err, f"refusing to overwrite {args.out}; expected a path that does not exist")
    except OSError as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    t = Translator(args.locale)
    line = t.gettext("Wrote the key ring {path} (active key {kid}).")
    print(line.format(path=args.out, kid=ring.active_kid), file=out)
    return 0


def _load_ring(path: Path) -> KeyRing:
    return KeyRing.from_json(path.read_bytes())


def _cmd_rotate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        ring = _load_ring(args.keys).rotate(at=args.clock.now())
        _replace(args.keys, ring.to_json(), private=True)
    except (SubscriptionKitError, OSError) as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    t = Translator(args.locale)
    line = t.gettext("Rotated {path}: the active key is {kid}.")
    print(line.format(path=args.keys, kid=ring.active_kid), file=out)
    return 0


def _cmd_issue(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        ring = _load_ring(args.keys)
        certificate = issue(
            holder_id=args.holder_id,
            holder_name=args.holder_name,
            course_id=args.course_id,
            course_title=args.course_title,
            completed_on=args.completed_on,
            issued_at=args.clock.now(),
            issuer=args.issuer,
            certificate_id=args.certificate_id,
            status_index=args.status_index,
        )
        issuer = None
        if args.issuer_id is not None:
            issuer = IssuerProfile(args.issuer_id, status_list_url=args.status_list_url)
        signed = token(certificate, ring, issuer=issuer)
        url = verification_url(args.base_url, signed) if args.base_url else None
    except (SubscriptionKitError, OSError) as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    print(signed, file=out)
    if url is not None:
        print(url, file=out)
    return 0


def _signed(text: bytes) -> bool:
    """Whether a revocation list file carries a signature (to check against ``--keys``).
    Text that is not JSON is not, and is left to :meth:`RevocationList.from_json` to
    refuse with its own message."""
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return False
    return isinstance(document, dict) and "signature" in document


def _cmd_verify(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        keys = PublicKeySet.from_json(args.keys.read_bytes())
        revocations = None
        if args.revocations is not None:
            text = args.revocations.read_bytes()
            signed = _signed(text)
            revocations = RevocationList.from_json(text, keys=keys if signed else None)
    except (SubscriptionKitError, OSError, ValueError) as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    try:
        verified = verify(args.token, keys, at=args.clock.now(), revocations=revocations)
    except InvalidCertificate as exc:
        return fail(err, f"not genuine: {exc}")
    t = Translator(args.locale)
    print(t.gettext("Genuine certificate"), file=out)
    rows = [
        (t.gettext("Certificate number"), verified.certificate_id),
        (t.gettext("Course"), f"{verified.course_title} ({verified.course_id})"),
        (t.gettext("Completed on"), t.date(verified.completed_on)),
        (t.gettext("Issuer"), verified.issuer),
        (t.gettext("Issued at"), verified.issued_at.isoformat()),
    ]
    if verified.holder_name is not None:
        old = t.gettext("{name} (named in an old, version 1 token)")
        rows.append((t.gettext("Holder"), old.format(name=verified.holder_name)))
    rows.append((t.gettext("Signing key"), verified.kid))
    for label, value in rows:
        print(f"{label}: {value}", file=out)
    return 0


def _cmd_revoke(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    refusal = _refusal(args.list_path, args.keys)
    if refusal is not None:
        return _fail(err, refusal)
    try:
        path: Path = args.list_path
        current = RevocationList.from_json(path.read_bytes()) if path.exists() else RevocationList()
        ring = _load_ring(args.keys) if args.keys is not None else None
        updated = current.revoke(args.certificate_id, reason=args.reason, at=args.clock.now())
        _replace(path, updated.to_json(sign_with=ring))
    except (SubscriptionKitError, OSError) as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    t = Translator(args.locale)
    if updated is current:
        revocation = current.get(args.certificate_id)
        assert revocation is not None
        line = t.gettext("{id} was already revoked at {moment}.")
        print(
            line.format(id=args.certificate_id, moment=revocation.revoked_at.isoformat()), file=out
        )
    else:
        line = t.ngettext(
            "Revoked {id}; {path} lists {count} revoked certificate.",
            "Revoked {id}; {path} lists {count} revoked certificates.",
            len(updated),
        )
        print(line.format(id=args.certificate_id, path=path, count=len(updated)), file=out)
    return 0


def _cmd_export_keys(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    refusal = _refusal(args.out, args.keys)
    if refusal is not None:
        return _fail(err, refusal)
    try:
        public = _load_ring(args.keys).public_keyset()
        _replace(args.out, public.to_json())
    except (SubscriptionKitError, OSError) as exc:
        return report(err, exc, parser=getattr(args, "command_parser", None))
    line = Translator(args.locale).ngettext(
        "Wrote the public key set {path} ({count} key).",
        "Wrote the public key set {path} ({count} keys).",
        len(public),
    )
    print(line.format(path=args.out, count=len(public)), file=out)
    return 0
