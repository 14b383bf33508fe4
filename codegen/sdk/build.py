"""`python -m codegen sdk`: the clients of both channels, for client teams, from the spec files themselves.

    clients/python/       the REST client: openapi-python-client (pinned in the `sdk` dependency group)
    clients/python-ws/    the WebSocket client: rendered by codegen (codegen/sdk/python_ws.py)
    clients/typescript/   the REST types (openapi-typescript) for openapi-fetch, and the WebSocket types and
                          client (codegen/sdk/typescript_ws.py), compiled by tsc --strict into dist/

The Node.js tools come from tools/sdk/ (installed from its package-lock.json by `make sdk`). `clients/` is not
committed: it is rebuilt from the specs whenever they change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codegen.bundle import Bundle, bundle_asyncapi
from codegen.config import Config
from codegen.contract import Contract, snake_case
from codegen.pipeline import read_contract
from codegen.refs import SpecSet
from codegen.render import header
from codegen.sdk.python_ws import render_python_ws
from codegen.sdk.typescript_ws import render_typescript
from codegen.writer import format_files
from codegen.ws_api import WsApi, ws_api

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "sdk"


class SdkError(Exception):
    """A generator or the compiler failed; the message says which and why."""


@dataclass(frozen=True)
class Clients:
    """Where each client went, and the names to import them by."""

    python: Path
    python_package: str
    python_ws: Path
    python_ws_package: str
    typescript: Path
    api: WsApi  # what the WebSocket clients were rendered from


def build_clients(config: Config, output: Path) -> Clients:
    """Every client into `output`, each client's directory replaced."""
    clients = build_python_clients(config, output)
    build_typescript_client(config, output)
    return clients


def build_python_clients(config: Config, output: Path) -> Clients:
    """The Python clients (REST and WebSocket) into `output`; needs no Node.js."""
    contract, specs, bundle = _read(config)
    base = snake_case(_title(specs, config)) or "api"
    clients = Clients(
        python=output / "python",
        python_package=f"{base}_client",
        python_ws=output / "python-ws",
        python_ws_package=f"{base}_ws_client",
        typescript=output / "typescript",
        api=ws_api(contract, bundle),
    )
    output.mkdir(parents=True, exist_ok=True)
    _python_rest(config, clients.python, clients.python_package)
    ws_files = render_python_ws(
        clients.api,
        json.dumps(bundle.document, indent=2, ensure_ascii=False) + "\n",
        package=clients.python_ws_package,
        distribution=clients.python_ws_package.replace("_", "-"),
        header=header(contract.asyncapi_name, contract.openapi_name),
    )
    format_files(ws_files, clients.python_ws)
    return clients


def build_typescript_client(config: Config, output: Path) -> Path:
    """The TypeScript client into `output`/typescript, compiled; needs the Node.js tools of tools/sdk/."""
    contract, specs, bundle = _read(config)
    target = output / "typescript"
    both = header(contract.openapi_name, contract.asyncapi_name)
    api = ws_api(contract, bundle)
    _typescript(config, api, bundle.document, target, title=_title(specs, config), file_header=both)
    return target


def _read(config: Config) -> tuple[Contract, SpecSet, Bundle]:
    contract, specs = read_contract(config)
    return contract, specs, bundle_asyncapi(specs, specs.load(config.asyncapi))


def _title(specs: SpecSet, config: Config) -> str:
    info = specs.load(config.openapi).data.get("info") or {}
    return str(info.get("title") or "api")


def _python_rest(config: Config, target: Path, package: str) -> None:
    # openapi-python-client formats with ruff from PATH: the one next to this interpreter.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    with tempfile.TemporaryDirectory() as directory:
        # The package's name is ours, not derived by the generator's own rules from the title.
        settings = Path(directory) / "openapi-python-client.json"
        names = {"package_name_override": package, "project_name_override": package.replace("_", "-")}
        settings.write_text(json.dumps(names), encoding="utf-8")
        command = [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(config.openapi),
            "--output-path",
            str(target),
            "--config",
            str(settings),
            "--overwrite",
        ]
        _run(command, "openapi-python-client", env=env)


def _typescript(
    config: Config, api: WsApi, bundled: dict[str, object], target: Path, *, title: str, file_header: str
) -> None:
    node_modules = TOOLS / "node_modules"
    if not (node_modules / ".bin" / "tsc").exists():
        raise SdkError(f"the TypeScript tools are not installed: run `make sdk` (npm ci in {TOOLS})")
    if target.exists():
        shutil.rmtree(target)
    source = target / "src"
    source.mkdir(parents=True)
    bin_dir = node_modules / ".bin"
    _run(
        [
            str(bin_dir / "openapi-typescript"),
            str(config.openapi),
            "--output",
            str(source / "rest.ts"),
            "--default-non-nullable",
            "false",
        ],
        "openapi-typescript (REST)",
    )
    with tempfile.TemporaryDirectory() as directory:
        # openapi-typescript reads OpenAPI: the WebSocket schemas go to it as the components of one.
        schemas = Path(directory) / "ws-schemas.json"
        components = bundled.get("components")
        wrapper = {
            "openapi": "3.1.0",
            "info": {"title": f"{api.title} schemas", "version": api.version},
            "paths": {},
            "components": {"schemas": components.get("schemas", {}) if isinstance(components, dict) else {}},
        }
        schemas.write_text(json.dumps(wrapper), encoding="utf-8")
        _run(
            [
                str(bin_dir / "openapi-typescript"),
                str(schemas),
                "--output",
                str(source / "ws-schemas.ts"),
                "--default-non-nullable",
                "false",
            ],
            "openapi-typescript (WebSocket schemas)",
        )
    for name, text in render_typescript(api, title=title, header=file_header).items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    # The client imports openapi-fetch: resolved from the tools' node_modules (a client team's own project
    # runs `npm install` with the package.json written beside it instead).
    (target / "node_modules").symlink_to(node_modules, target_is_directory=True)
    _run([str(bin_dir / "tsc"), "--project", str(target / "tsconfig.json"), "--strict"], "tsc --strict")


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SdkError(f"{what} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
