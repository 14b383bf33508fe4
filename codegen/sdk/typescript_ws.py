"""The TypeScript client's own sources, rendered from the WebSocket API view.

    src/ws.ts           PkgID, the request, reply and event envelopes as unions discriminated by pkg_id, an
                        error class per status code and close code, WsClient with a method per request message
    src/ws-runtime.ts   the connection, copied from codegen/sdk/runtime/ws_client.ts
    src/index.ts        restClient(): openapi-fetch typed with the REST paths (src/rest.ts, openapi-typescript)

The schemas' types come from openapi-typescript (src/ws-schemas.ts); this module only refers to them by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from codegen.sdk.templates import ENV
from codegen.ws_api import Message, WsApi

RUNTIME = resources.files("codegen.sdk") / "runtime" / "ws_client.ts"
TOOLS_PACKAGE = Path(__file__).resolve().parents[2] / "tools" / "sdk" / "package.json"


@dataclass(frozen=True)
class _Method:
    name: str
    enum_name: str
    pkg_id: int
    data_type: str
    data_default: str
    returns: str
    reply_data: str
    reply_meta: str
    decode: str
    doc: str


@dataclass(frozen=True)
class _Event:
    pkg_id: int
    data_type: str


def render_typescript(api: WsApi, *, title: str, header: str) -> dict[str, str]:
    """The files of the TypeScript client other than the ones openapi-typescript writes, by relative path."""
    comment = "// " + header.removeprefix("# ")
    versions = json.loads(TOOLS_PACKAGE.read_text(encoding="utf-8"))["dependencies"]
    values = {"header": comment, "title": api.title, "version": api.version, "path": api.path}
    methods = [_method(message, api) for message in api.requests]
    events = [_Event(message.pkg_id, _schema(message.data)) for message in api.events]
    name = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-") or "api"
    return {
        "package.json": ENV.get_template("typescript/package.json.jinja").render(
            name=f"{name}-client",
            version=api.version,
            description=f"Typed clients of {title}: REST (openapi-fetch) and WebSocket, generated from its specs",
            openapi_fetch=versions["openapi-fetch"],
            typescript=versions["typescript"],
        ),
        "tsconfig.json": ENV.get_template("typescript/tsconfig.json.jinja").render(),
        "src/index.ts": ENV.get_template("typescript/index.ts.jinja").render(**values),
        "src/ws-runtime.ts": f"{comment}\n{RUNTIME.read_text(encoding='utf-8')}",
        "src/ws.ts": ENV.get_template("typescript/ws.ts.jinja").render(
            **values,
            messages=api.messages,
            methods=methods,
            events=events,
            statuses=[status for status in api.statuses if status.exception],
            closes=api.close_codes,
        ),
    }


def _schema(name: str | None) -> str:
    return f'Schemas["{name}"]' if name else "null"


def _method(message: Message, api: WsApi) -> _Method:
    model, meta = _schema(message.reply_model), _schema(message.reply_meta)
    returns, reply_data, reply_meta, decode = {
        "model": (model, model, "null", "asIs"),
        "list": (f"{model}[]", f"{model}[]", "null", "asIs"),
        "page": (f"Page<{model}, {meta}>", f"{model}[]", meta, "asPage"),
    }.get(message.reply_kind or "none", ("void", "null", "null", "asNothing"))
    optional = not (api.schemas.get(message.data) or {}).get("required")
    return _Method(
        name=_camel(message.method_name),
        enum_name=message.enum_name,
        pkg_id=message.pkg_id,
        data_type=_schema(message.data),
        data_default=" = {}" if optional else "",
        returns=returns,
        reply_data=reply_data,
        reply_meta=reply_meta,
        decode=decode,
        doc=message.doc_line.replace("*/", "* /"),
    )


def _camel(snake: str) -> str:
    first, *rest = snake.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)
