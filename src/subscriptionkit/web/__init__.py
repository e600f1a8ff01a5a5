"""The public certificate verification page: an optional ASGI application (``[web]`` extra).

Seed 001: *the links are public; anyone with the link can check the certificate*.
:func:`create_app` returns a Starlette application that a platform mounts or runs as is
(``subscriptionkit serve --db ...``): ``GET /verify?token=...`` renders the result in Dutch
or English (genuine, revoked or not genuine, and only what the holder chose to show),
``GET /.well-known/jwks.json`` serves the public key set, and the status list credential
is served where the issuer publishes it.

Importing this module without the extra raises
:class:`~subscriptionkit.errors.MissingDependency` naming ``pip install 'subscriptionkit[web]'``.
"""

from ._app import HolderDirectory, HolderRecord, StoredHolders, create_app

__all__ = ["HolderDirectory", "HolderRecord", "StoredHolders", "create_app"]
