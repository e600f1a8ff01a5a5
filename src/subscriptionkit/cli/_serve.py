"""The ``serve`` command: run the public certificate verification app (internal)."""

from __future__ import annotations

import argparse
import os
import socket
from typing import Any, TextIO

from .._i18n import Translator
from ..certificates import IssuerProfile
from ..errors import MissingDependency
from ._common import EXIT_INPUT, add_locale_option, fail, port_option
from ._subscriptions import database, open_database, shown_database

__all__ = ["add_commands"]


def add_commands(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``serve`` command: ``subscriptionkit --db ... serve [--host] [--port]``.

    Args:
        subparsers: the result of ``parser.add_subparsers()`` of the main CLI.
    """
    serve = subparsers.add_parser(
        "serve", help="run the public certificate verification page (needs the web extra)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument(
        "--port", type=port_option, default=8000, help="port to listen on (0 to 65535)"
    )
    serve.add_argument(
        "--issuer-id", default=None, help="the issuer's URL, as in the tokens it minted"
    )
    serve.add_argument("--status-list-url", default=None, help="where the status list is published")
    add_locale_option(
        serve, "the language of what it prints (the page follows each visitor's browser)"
    )
    serve.set_defaults(handler=_cmd_serve)


def _cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        import uvicorn
    except ImportError as exc:
        raise MissingDependency(
            package="uvicorn", extra="web", feature="subscriptionkit serve"
        ) from exc
    from ..web import create_app

    issuer = None
    if args.issuer_id is not None:
        issuer = IssuerProfile(args.issuer_id, status_list_url=args.status_list_url)
    app = create_app(open_database(args), clock=args.clock, issuer=issuer)
    # Listen before saying "serving": an address in use or not allowed is one error line.
    try:
        listening = socket.create_server((args.host, args.port))
    except OSError as exc:
        reason = os.strerror(exc.errno) if exc.errno else str(exc)
        return fail(
            err,
            f"cannot listen on {args.host} port {args.port}: {reason}; expected "
            "a free port on an address of this machine (--host, --port)",
            EXIT_INPUT,
        )
    with listening:
        port = listening.getsockname()[1]
        line = (
            Translator(args.locale)
            .gettext("Serving certificate verification for {db} at {url}")
            .format(
                db=shown_database(database(args)),
                url=f"http://{args.host}:{port}/verify?token=...",
            )
        )
        print(line, file=out, flush=True)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
        server.run(sockets=[listening])
    return 0
