"""One page of a query, with the total the client needs to page through the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)


async def paginate(session: AsyncSession, statement: SelectOfScalar[T], *, page: int, per_page: int) -> Page[T]:
    """Items `per_page` at a time from `statement` (which must be ordered), and how many there are in all."""
    count = select(func.count()).select_from(statement.order_by(None).subquery())
    total = (await session.exec(count)).one()
    items = (await session.exec(statement.limit(per_page).offset((page - 1) * per_page))).all()
    return Page(items=list(items), page=page, per_page=per_page, total=int(total))
