"""The Python WebSocket client: a package of its own, rendered from the WebSocket API view.

<package>/_runtime.py   the connection, copied from codegen/sdk/runtime/ws_client.py
<package>/models.py     Pydantic models of the bundled AsyncAPI document (datamodel-code-generator)
<package>/errors.py     an exception per status code and close code
<package>/client.py     PkgID, an event class per event, WsClient with a method per request message
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from codegen.models import render_standalone_models
from codegen.sdk.templates import ENV
from codegen.ws_api import Message, WsApi

RUNTIME = resources.files("codegen.sdk") / "runtime" / "ws_client.py"


@dataclass(frozen=True)
class _Method:
    name: str
    enum_name: str
    pkg_id: int
    data_type: str
    data_default: str
    data_value: str
    returns: str
    decode: str
    doc: str
    roles: str


@dataclass(frozen=True)
class _Event:
    class_name: str
    enum_name: str
    pkg_id: int
    summary: str
    data: str


def render_python_ws(api: WsApi, bundled_json: str, *, package: str, distribution: str, header: str) -> dict[str, str]:
    """Every file of the package's directory, by path relative to it."""
    methods = [_method(message, api) for message in api.requests]
    taken = set(api.schemas)
    events = [_event(message, taken) for message in api.events]
    models = sorted(
        {name for message in api.messages for name in (message.data, message.reply_model, message.reply_meta) if name}
    )
    statuses = [status for status in api.statuses if status.exception]
    exceptions = [status.exception for status in statuses] + [close.exception for close in api.close_codes]
    event_classes = [event.class_name for event in events]
    basics = ["Backoff", "ConnectionClosed", "Event", "EventStream", "Page", "ProtocolError", "RequestFailed"]
    exports = sorted([*basics, "RequestTimeout", "WsClientError", "PkgID", "WsClient", *event_classes, *exceptions])
    example = {"method": methods[0].name, "data": api.requests[0].data} if methods else None
    description = f"A typed client of the {api.title} (WebSocket), generated from its AsyncAPI document"
    values = {
        "header": header,
        "title": api.title,
        "version": api.version,
        "path": api.path,
        "package": package,
        "distribution": distribution,
        "description": description,
        "example": example,
    }
    return {
        "pyproject.toml": ENV.get_template("python/pyproject.toml.jinja").render(**values),
        "README.md": ENV.get_template("python/README.md.jinja").render(**values, methods=methods),
        f"{package}/__init__.py": ENV.get_template("python/__init__.py.jinja").render(
            **values, event_classes=event_classes, exceptions=exceptions, exports=exports
        ),
        f"{package}/_runtime.py": f"{header}\n{RUNTIME.read_text(encoding='utf-8')}",
        f"{package}/models.py": _models(bundled_json, header),
        f"{package}/errors.py": ENV.get_template("python/errors.py.jinja").render(
            **values, statuses=statuses, closes=api.close_codes
        ),
        f"{package}/client.py": ENV.get_template("python/client.py.jinja").render(
            **values, messages=api.messages, methods=methods, events=events, models=models
        ),
        f"{package}/py.typed": "",
    }


def _method(message: Message, api: WsApi) -> _Method:
    model, meta = message.reply_model, message.reply_meta
    returns, decode = {
        "model": (f"{model}", f"model({model})"),
        "list": (f"list[{model}]", f"model(list[{model}])"),
        "page": (f"Page[{model}, {meta}]", f"page({model}, {meta})"),
    }.get(message.reply_kind or "none", ("None", "nothing"))
    schema = api.schemas.get(message.data) or {}
    optional = not schema.get("required")  # every field optional: the data may be left out
    return _Method(
        name=message.method_name,
        enum_name=message.enum_name,
        pkg_id=message.pkg_id,
        data_type=f"{message.data} | None" if optional else message.data,
        data_default=" = None" if optional else "",
        data_value=f"data if data is not None else {message.data}()" if optional else "data",
        returns=returns,
        decode=decode,
        doc=message.doc_line.replace('"""', "'''"),
        roles=message.roles_text,
    )


def _event(message: Message, taken: set[str]) -> _Event:
    name = message.class_name if message.class_name not in taken else f"{message.class_name}Event"
    return _Event(name, message.enum_name, message.pkg_id, message.summary.replace('"""', "'''"), message.data)


def _models(bundled_json: str, header: str) -> str:
    with tempfile.TemporaryDirectory() as directory:
        source = Path(directory) / "asyncapi.json"
        source.write_text(bundled_json, encoding="utf-8")
        return render_standalone_models(source, header)
