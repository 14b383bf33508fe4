"""The service's signing key for the test run, and access tokens signed with it.

The key is fixed for the whole run, so a token minted once (schemathesis reads its token when the module is
imported) is valid for every application the tests build. Tokens are minted by the service's own issuer,
the same code that signs them at login, only without a password check.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.auth.keys import load_signing_key
from app.auth.tokens import TokenIssuer
from generated.permissions import Role

ALL_ROLES: Final = frozenset(str(role) for role in Role)


def _new_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return pem.decode()


SIGNING_KEY_PEM: Final = _new_key_pem()
_ISSUER = TokenIssuer(
    load_signing_key(SIGNING_KEY_PEM.encode()),
    issuer="specbound",
    audience="specbound",
    access_ttl=3600,
    refresh_ttl=3600,
)


def mint(
    roles: Iterable[str] = ALL_ROLES, *, subject: str = "tester", username: str = "tester", ttl: int = 3600
) -> str:
    """An access token of this service, valid for `ttl` seconds (an hour), holding `roles`."""
    issuer = (
        _ISSUER
        if ttl == _ISSUER.access_ttl
        else TokenIssuer(_ISSUER.key, issuer="specbound", audience="specbound", access_ttl=ttl, refresh_ttl=ttl)
    )
    return issuer.access_token(subject=subject, username=username, roles=roles).token


def bearer(roles: Iterable[str] = ALL_ROLES) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(roles)}"}
