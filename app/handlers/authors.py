"""Authors, over REST and over the WebSocket: the same repository functions behind both."""

from __future__ import annotations

from app.context import RequestContext
from app.db import authors
from app.handlers import _convert
from generated.rest.authors import AuthorsHandlers
from generated.rest.models import Author, AuthorCreate, AuthorPage, AuthorUpdate, PageMeta
from generated.ws._runtime import WsPage
from generated.ws.authors import AuthorsWsHandlers, author_created_event
from generated.ws.models import AuthorChange, AuthorFilters, AuthorPageRequest, AuthorRef
from generated.ws.protocol import MESSAGES, PkgID

GET_AUTHORS_LIMIT = MESSAGES[PkgID.GET_AUTHORS].max_items or 100  # the spec's maxItems of the reply


class Authors(AuthorsHandlers[RequestContext]):
    async def list_authors(self, ctx: RequestContext, *, page: int, per_page: int, name: str | None) -> AuthorPage:
        found = await authors.list_authors(database=ctx.database, page=page, per_page=per_page, name=name)
        return AuthorPage(items=[_convert.author(record) for record in found.items], meta=_convert.page_meta(found))

    async def create_author(self, ctx: RequestContext, *, body: AuthorCreate) -> Author:
        return await _create(ctx, body)

    async def get_author(self, ctx: RequestContext, *, author_id: int) -> Author:
        return _convert.author(await authors.get_author(database=ctx.database, author_id=author_id))

    async def update_author(self, ctx: RequestContext, *, author_id: int, body: AuthorUpdate) -> Author:
        changes = body.model_dump(exclude_unset=True)
        return _convert.author(await authors.update_author(session=ctx.session, author_id=author_id, changes=changes))

    async def delete_author(self, ctx: RequestContext, *, author_id: int) -> None:
        await authors.delete_author(session=ctx.session, author_id=author_id)


class AuthorsWs(AuthorsWsHandlers[RequestContext]):
    async def get_authors(self, ctx: RequestContext, data: AuthorFilters) -> list[Author]:
        name = data.model_dump(exclude_unset=True).get("name")
        found = await authors.find_authors(database=ctx.database, name=name, limit=GET_AUTHORS_LIMIT)
        return [_convert.author(record) for record in found]

    async def get_paginated_authors(self, ctx: RequestContext, data: AuthorPageRequest) -> WsPage[Author, PageMeta]:
        name = data.model_dump(exclude_unset=True).get("name")
        found = await authors.list_authors(database=ctx.database, page=data.page, per_page=data.per_page, name=name)
        return WsPage([_convert.author(record) for record in found.items], _convert.page_meta(found))

    async def create_author(self, ctx: RequestContext, data: AuthorCreate) -> Author:
        return await _create(ctx, data)

    async def get_author(self, ctx: RequestContext, data: AuthorRef) -> Author:
        return _convert.author(await authors.get_author(database=ctx.database, author_id=data.id))

    async def update_author(self, ctx: RequestContext, data: AuthorChange) -> Author:
        changes = data.model_dump(exclude_unset=True, exclude={"id"})
        return _convert.author(await authors.update_author(session=ctx.session, author_id=data.id, changes=changes))

    async def delete_author(self, ctx: RequestContext, data: AuthorRef) -> None:
        await authors.delete_author(session=ctx.session, author_id=data.id)


async def _create(ctx: RequestContext, data: AuthorCreate) -> Author:
    """Create the author and tell every client allowed to see it (AUTHOR_CREATED)."""
    author = _convert.author(await authors.create_author(session=ctx.session, name=data.name))
    await ctx.events.publish(author_created_event(author))
    return author
