"""The public certificate verification page: an optional ASGI application (``[web]`` extra).

Seed 001: *the links are public; anyone with the link can check the certificate*.
:func:`create_app` returns a Starlette application that a platform mounts or runs as is
(``subscriptionkit serve --db ...``): ``GET /verify?token=...`` renders the result in Dutch
or English (genuine, revoked or not genuine, and only what the holder chose to show),
``GET /.well-known/jwks.json`` serves the public key set, and the status list credential
is served where the issuer publishes it.

Importing this package costs nothing: its names load their module (and Starlette) on
first use. Without the extra, that first use raises
:class:`~subscriptionkit.errors.MissingDependency` naming ``pip install 'subscriptionkit[web]'``.
"""

import typing

from .. import _lazy

if typing.TYPE_CHECKING:
    from ._app import HolderDirectory, HolderRecord, StoredHolders, create_app

if not typing.TYPE_CHECKING:  # at run time: import each name's module on first use
    __getattr__, __dir__ = _lazy.attach(__name__, __file__)

__all__ = ["HolderDirectory", "HolderRecord", "StoredHolders", "create_app"]
