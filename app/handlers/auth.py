"""Our own login: tokens for a username and password, their rotation and revocation, and our public keys."""

from __future__ import annotations

from app.auth.accounts import TokenPair as IssuedPair
from app.context import RequestContext
from generated.rest.auth import AuthHandlers
from generated.rest.models import Credentials, JsonWebKey, JsonWebKeySet, RefreshRequest, TokenPair


class Auth(AuthHandlers[RequestContext]):
    async def get_jwks(self, ctx: RequestContext) -> JsonWebKeySet:
        return JsonWebKeySet(keys=[JsonWebKey(**ctx.accounts.issuer.key.public_jwk())])

    async def create_token(self, ctx: RequestContext, *, body: Credentials) -> TokenPair:
        return _tokens(
            await ctx.accounts.login(ctx.session, username=body.username, password=body.password.get_secret_value())
        )

    async def refresh_token(self, ctx: RequestContext, *, body: RefreshRequest) -> TokenPair:
        return _tokens(await ctx.accounts.refresh(ctx.session, refresh_token=body.refresh_token))

    async def logout(self, ctx: RequestContext, *, body: RefreshRequest) -> None:
        await ctx.accounts.logout(ctx.session, refresh_token=body.refresh_token)


def _tokens(pair: IssuedPair) -> TokenPair:
    return TokenPair(
        access_token=pair.access.token,
        token_type="Bearer",  # noqa: S106 - the token type (RFC 6750), not a secret
        expires_in=pair.access.lifetime,
        refresh_token=pair.refresh.token,
        refresh_expires_in=pair.refresh.lifetime,
    )
