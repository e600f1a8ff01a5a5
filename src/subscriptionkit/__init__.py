"""subscriptionkit: the business rules of subscription-based learning platforms."""

from ._version import __version__

__all__ = ["__version__"]
