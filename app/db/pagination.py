"""One page of a query, with the total the client needs to page through the rest."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from app.db.database import Database

AnySelect = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)


@dataclass(frozen=True)
class PagedQuery:
    """A query paged in one round trip: the rows of one page, each carrying the count of all.

    The count is a scalar subquery, which PostgreSQL runs once per statement: as cheap as a COUNT(*) of its
    own, where a window count (count(*) OVER ()) would read every matching row in order, twice the work.
    """

    rows: AnySelect
    count: AnySelect

    @classmethod
    def of(cls, statement: AnySelect) -> PagedQuery:
        """`statement` (ordered) paged by the parameters `limit` and `offset`."""
        count = select(func.count().label("_total")).select_from(statement.order_by(None).subquery())
        rows = statement.add_columns(count.scalar_subquery().label("_total"))
        return cls(rows.limit(bindparam("limit")).offset(bindparam("offset")), count)


async def paginate(database: Database, query: PagedQuery, *, page: int, per_page: int, **params: Any) -> Page:
    rows = await database.fetch(query.rows, limit=per_page, offset=(page - 1) * per_page, **params)
    if rows:
        total = int(rows[0]["_total"])
        for row in rows:
            del row["_total"]
    else:  # past the last page (or nothing at all): no row carried the count
        total = int((await database.fetch(query.count, **params))[0]["_total"]) if page > 1 else 0
    return Page(items=rows, page=page, per_page=per_page, total=total)
