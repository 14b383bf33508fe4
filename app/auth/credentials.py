"""The credentials a request presents for the security schemes of its operation, read and verified.

Bearer tokens (`http: bearer`, `oauth2`, `openIdConnect`) are JWTs the service verifies itself, once per
request whichever of those schemes names them. An API key (`apiKey`, in a header, the query or a cookie) or
HTTP Basic credentials go to the application's CredentialVerifiers (app/handlers/). Every credential presented
for a scheme the operation accepts is verified, and one that is refused is a 401, even where another
requirement would have let the caller through: a client must not learn that a bad credential went unchecked.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping

from starlette.requests import HTTPConnection

from app.auth.access import bearer_token
from app.auth.principal import Principal
from app.context import RequestContext
from app.errors import Unauthenticated
from app.services import Services
from generated.permissions import Access
from generated.security import SCHEMES, Caller, CredentialVerifiers, Scheme

_JWT_KINDS = frozenset({"bearer", "oauth2", "openIdConnect"})


def schemes_of(access: Access) -> tuple[Scheme, ...]:
    """Every scheme any requirement of `access` names, in order, each once."""
    names = dict.fromkeys(name for alternative in access.schemes for name in alternative)
    return tuple(SCHEMES[name] for name in names)


def challenges(schemes: Iterable[Scheme], *, rejected: bool = False) -> tuple[str, ...]:
    """The WWW-Authenticate challenges of `schemes`: Bearer for tokens, Basic for passwords (API keys have none)."""
    found: dict[str, None] = {}
    for scheme in schemes:
        if scheme.kind in _JWT_KINDS:
            found['Bearer error="invalid_token"' if rejected else "Bearer"] = None
        elif scheme.kind == "basic":
            found[f'Basic realm="{scheme.name}", charset="UTF-8"'] = None
    return tuple(found)


class Credentials:
    """Verifies what a request presents for the schemes of one operation."""

    def __init__(self, services: Services, verifiers: CredentialVerifiers[RequestContext]) -> None:
        self.services = services
        self.verifiers = verifiers

    async def verify(self, connection: HTTPConnection, schemes: Iterable[Scheme]) -> dict[str, Principal]:
        """The principal of each scheme whose credential `connection` presents; Unauthenticated when one is refused."""
        verified: dict[str, Principal] = {}
        tokens: dict[str, Principal] = {}  # one bearer token, named by several schemes, is verified once
        for scheme in schemes:
            if scheme.kind in _JWT_KINDS:
                token = bearer_token(connection.headers.get("authorization", ""))
                if token is not None:
                    if token not in tokens:
                        tokens[token] = await self.services.authenticate(token)
                    verified[scheme.name] = tokens[token]
            else:
                principal = await self._hooked(connection, scheme)
                if principal is not None:
                    verified[scheme.name] = principal
        return verified

    async def _hooked(self, connection: HTTPConnection, scheme: Scheme) -> Principal | None:
        """The principal of an API key or Basic credential the verifier accepts; None when none is presented."""
        assert scheme.verifier is not None
        if scheme.kind == "basic":
            pair = _basic(connection.headers.get("authorization", ""), scheme)
            if pair is None:
                return None
            arguments: tuple[str, ...] = pair
        else:
            key = _api_key(connection, scheme)
            if key is None:
                return None
            arguments = (key,)
        ctx = self.services.context(None)
        try:
            caller = await getattr(self.verifiers, scheme.verifier)(ctx, *arguments)
        finally:
            await ctx.close()
        self.services.metrics.authenticated(scheme.kind, caller is not None)
        if not isinstance(caller, Caller):
            raise Unauthenticated(
                f"the credentials for {scheme.name} were refused", challenges=challenges([scheme], rejected=True)
            )
        return Principal(caller.subject, caller.username or caller.subject, frozenset(caller.roles))


def _api_key(connection: HTTPConnection, scheme: Scheme) -> str | None:
    source: Mapping[str, str]
    if scheme.location == "header":
        source = connection.headers
    elif scheme.location == "query":
        source = connection.query_params
    else:
        source = connection.cookies
    return source.get(scheme.parameter) or None


def _basic(authorization: str, scheme: Scheme) -> tuple[str, str] | None:
    """(username, password) of an `Authorization: Basic ...` value (RFC 7617); None when it holds none."""
    kind, _, encoded = authorization.partition(" ")
    if kind.lower() != "basic":
        return None
    try:
        username, colon, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        colon = ""
    if not colon:
        raise Unauthenticated("malformed Basic credentials", challenges=challenges([scheme], rejected=True))
    return username, password
