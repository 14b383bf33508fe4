"""The contract both specs describe, as codegen understands it: validated, resolved and ready to render.

Readers (`openapi_reader`, `asyncapi_reader`) build it; templates only read it. Everything a template needs is
precomputed here, so the templates hold almost no logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from codegen.errors import Location

ModelModule = Literal["rest", "ws"]


@dataclass(frozen=True)
class ModelRef:
    """A generated Pydantic model: `Author` in generated/rest/models.py, say."""

    module: ModelModule
    name: str


@dataclass(frozen=True)
class Access:
    """Who may call an operation: anyone, or holders of all roles of at least one alternative.

    `optional` (an empty requirement `{}` beside others): anyone may call, but credentials that are presented
    must be valid, and the handler sees who presented them.
    """

    public: bool
    alternatives: tuple[tuple[str, ...], ...] = ()
    optional: bool = False
    schemes: tuple[tuple[str, ...], ...] = ()  # the security schemes of each alternative, all required

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.optional:
            return "anyone; a token presented must be valid"
        if not any(self.alternatives):
            return "any authenticated caller"
        return " or ".join(", ".join(roles) for roles in self.alternatives)


SchemeKind = Literal["bearer", "basic", "apiKey", "oauth2", "openIdConnect"]
CredentialLocation = Literal["header", "query", "cookie"]


@dataclass(frozen=True)
class SecurityScheme:
    """A security scheme of the OpenAPI document: where its credential travels, and who verifies it.

    Bearer tokens (`http: bearer`, `oauth2`, `openIdConnect`) are JWTs the service verifies itself; an API key
    or a username and password (`apiKey`, `http: basic`) go to a verifier the user implements.
    """

    name: str  # as in components.securitySchemes
    kind: SchemeKind
    location: CredentialLocation = "header"
    parameter: str = "Authorization"  # the header, query parameter or cookie holding the credential
    description: str = ""

    @property
    def hooked(self) -> bool:
        """Whether a user-implemented verifier checks its credentials."""
        return self.kind in ("basic", "apiKey")

    @property
    def method_name(self) -> str:
        """The verifier method of a hooked scheme."""
        return f"verify_{snake_case(self.name)}"

    @property
    def credential(self) -> str:
        """What its credential is, and where it travels, in words."""
        if self.kind == "basic":
            return "a username and password (HTTP Basic)"
        if self.kind == "apiKey":
            return f"an API key in the {self.location} {self.parameter!r}"
        return "a bearer token (a JWT)"


@dataclass(frozen=True)
class RatePolicy:
    """Bursts of up to `limit` requests per caller, one more every `window`/`limit` seconds (`x-rate-limits`)."""

    name: str
    limit: int
    window: float
    description: str


@dataclass(frozen=True)
class RatePolicies:
    """The catalogue of rate-limit policies, and the one of whatever names none (None: unlimited)."""

    policies: dict[str, RatePolicy] = field(default_factory=dict)
    default: str | None = None


@dataclass(frozen=True)
class Param:
    """A path or query parameter of a REST operation."""

    name: str  # as on the wire
    python_name: str
    where: Literal["path", "query"]
    required: bool
    python_type: str  # "int", "str", "float", "bool" or a Literal[...] expression
    constraints: tuple[tuple[str, Any], ...]  # FastAPI Path()/Query() keyword arguments, in a stable order
    default: Any = None
    has_default: bool = False
    description: str = ""


@dataclass(frozen=True)
class LocationHeader:
    """How to build the Location of a created resource: the GET path filled from fields of the response."""

    template: str  # e.g. "/api/v1/authors/{author_id}"
    fields: tuple[tuple[str, str], ...]  # path parameter -> attribute of the response model


@dataclass(frozen=True)
class RestOperation:
    operation_id: str
    method: str  # lower case
    path: str
    tag: str
    summary: str
    description: str
    deprecated: bool
    params: tuple[Param, ...]
    body: ModelRef | None
    success_status: int
    response: ModelRef | None
    location_header: LocationHeader | None
    fixed_headers: tuple[tuple[str, str], ...]  # constant response headers, e.g. Cache-Control: no-store
    access: Access
    statuses: tuple[int, ...]
    where: Location
    rate_limit: str | None = None  # the rate-limit policy, None: unlimited

    @property
    def method_name(self) -> str:
        return snake_case(self.operation_id)

    @property
    def enum_name(self) -> str:
        return snake_case(self.operation_id).upper()


@dataclass(frozen=True)
class Reply:
    """What a WS request handler returns: one model, a list of them, a page of them, or nothing."""

    kind: Literal["model", "list", "page", "none"]
    model: ModelRef | None = None  # the model, or the item model of a list or page
    meta: ModelRef | None = None  # the page's meta model
    max_items: int | None = None  # a list's maxItems: how many items the handler may return


@dataclass(frozen=True)
class WsOperation:
    """A request message the server answers (AsyncAPI `receive` with a `reply`)."""

    name: str  # the AsyncAPI operation id, e.g. getAuthor
    pkg_id: int
    tag: str
    summary: str
    roles: tuple[str, ...]
    data: ModelRef
    reply: Reply
    where: Location
    rate_limit: str | None = None  # the rate-limit policy, None: unlimited

    @property
    def method_name(self) -> str:
        return snake_case(self.name)

    @property
    def enum_name(self) -> str:
        return snake_case(self.name).upper()


@dataclass(frozen=True)
class WsEvent:
    """A message the server pushes (AsyncAPI `send`)."""

    name: str
    pkg_id: int
    tag: str
    summary: str
    roles: tuple[str, ...]
    data: ModelRef
    where: Location

    @property
    def function_name(self) -> str:
        return f"{snake_case(self.name)}_event"

    @property
    def enum_name(self) -> str:
        return snake_case(self.name).upper()


@dataclass(frozen=True)
class CloseCode:
    """A WebSocket close code the server may use (the channel's `x-close-codes`)."""

    code: int
    name: str
    description: str


@dataclass
class Contract:
    """Everything codegen renders, read from both specs."""

    openapi_name: str
    asyncapi_name: str
    roles: dict[str, str] = field(default_factory=dict)
    security_schemes: dict[str, SecurityScheme] = field(default_factory=dict)
    rate_limits: RatePolicies = field(default_factory=RatePolicies)
    ws_path: str = ""
    max_connections_per_user: int | None = None  # across every instance; None: no limit
    close_codes: list[CloseCode] = field(default_factory=list)
    rest: list[RestOperation] = field(default_factory=list)
    ws: list[WsOperation] = field(default_factory=list)
    events: list[WsEvent] = field(default_factory=list)

    def rest_tags(self) -> list[str]:
        return _ordered({op.tag for op in self.rest}, [op.tag for op in self.rest])

    def ws_tags(self) -> list[str]:
        tags = [op.tag for op in self.ws] + [event.tag for event in self.events]
        return _ordered(set(tags), tags)


def _ordered(names: set[str], order: list[str]) -> list[str]:
    return sorted(names, key=order.index)


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


def snake_case(name: str) -> str:
    """`getPaginatedAuthors` -> `get_paginated_authors`."""
    return "_".join(part.lower() for part in _WORD_BOUNDARY.split(name) if part)


def pascal_case(name: str) -> str:
    """`book_reviews` -> `BookReviews`."""
    return "".join(part[:1].upper() + part[1:] for part in snake_case(name).split("_"))
