"""The curated public surface of subscriptionkit.certificates."""

from __future__ import annotations

import inspect

import subscriptionkit.certificates as certificates
from subscriptionkit import errors


def _isort_key(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


class TestExports:
    def test_all_is_sorted_and_complete(self) -> None:
        """__all__ is sorted (constants, classes, functions, as ruff's RUF022) and complete."""
        assert certificates.__all__ == sorted(certificates.__all__, key=_isort_key)
        # dir(), not vars(): names load lazily, so vars() holds only those used so far
        # (the test failed when run alone).
        public = {
            name
            for name in dir(certificates)
            if not name.startswith("_") and not inspect.ismodule(getattr(certificates, name))
        }
        assert public - {"annotations"} == set(certificates.__all__)

    def test_every_public_name_has_a_docstring(self) -> None:
        """Every exported class and function is documented."""
        for name in certificates.__all__:
            obj = getattr(certificates, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                assert inspect.getdoc(obj), name

    def test_certificate_errors_are_library_errors(self) -> None:
        """Every certificate error is a CertificateError, exported and documented."""
        names = [
            "BadSignature",
            "CertificateRevoked",
            "InvalidKeyMaterial",
            "InvalidRevocationList",
            "KeyNotValid",
            "KeyRingError",
            "MalformedToken",
            "NotYetValid",
            "UnknownKey",
        ]
        for name in names:
            cls = getattr(errors, name)
            assert issubclass(cls, errors.CertificateError)
            assert name in errors.__all__
            assert name in (errors.__doc__ or "")
        assert errors.__all__ == sorted(errors.__all__)
