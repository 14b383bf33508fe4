"""The WebSocket reference page (`/docs/ws`): one static HTML file rendered from the WebSocket API view.

Rendered at generate time into `generated/docs/ws.html`, so the running service only serves a file and nothing
is fetched or rendered per request. The page's stylesheet is the application's (`/docs/assets/ws.css`); the page
has no script.
"""

from __future__ import annotations

import json
import re
from typing import Any

from markupsafe import Markup, escape

from codegen.templating import environment
from codegen.ws_api import Message, WsApi

ASSETS = "/docs/assets"

_ENV = environment("docs", html=True)
_CODE = re.compile(r"`([^`]+)`")


def _text(value: str) -> Markup:
    """Plain text with `code` spans, one paragraph per blank-line-separated block: the spec's descriptions are
    short Markdown, wrapped in the YAML wherever the author liked."""
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", value.strip()) if block.strip()]
    escaped = [_CODE.sub(r"<code>\1</code>", str(escape(paragraph))) for paragraph in paragraphs]
    if len(escaped) == 1:
        return Markup(escaped[0])  # noqa: S704 - escaped above
    return Markup("".join(f"<p>{paragraph}</p>" for paragraph in escaped))  # noqa: S704 - escaped above


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _direction(message: Message) -> str:
    return "client → server, answered" if message.kind == "request" else "server → client (event)"


def _roles(message: Message) -> str:
    return message.roles_text


def _policy(message: Message) -> str:
    if message.rate_limit is None:
        return "unlimited"
    policy = message.rate_limit
    return f"{policy.name} ({policy.limit} per {policy.window:g} s)"


_ENV.filters.update(text=_text, json=_json, seconds=_seconds, direction=_direction, roles=_roles, policy=_policy)


def render_ws_reference(api: WsApi, header: str) -> str:
    """The page; `header` (a `# Code generated ...` line) goes into an HTML comment."""
    return _ENV.get_template("ws.html.jinja").render(api=api, header=header.removeprefix("# "), assets=ASSETS)
