"""The TypeScript client (openapi-typescript + openapi-fetch for REST, ours for WebSocket) type-checks with
tsc --strict together with a round-trip script, and the script passes against a served instance."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codegen.sdk.build import TOOLS
from generated.ws.protocol import PkgID
from tests.sdk.conftest import PASSWORD, Service

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).with_name("roundtrip.ts")


def _compile_with(client: Path, script: Path, work: Path) -> Path:
    """The client's sources and `script`, compiled by tsc --strict into `work`/dist; the script's JS path."""
    shutil.copytree(client, work, symlinks=True, ignore=shutil.ignore_patterns("dist"))
    shutil.copyfile(script, work / "src" / script.name)
    result = subprocess.run(
        [str(TOOLS / "node_modules" / ".bin" / "tsc"), "--project", str(work / "tsconfig.json"), "--strict"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"tsc --strict:\n{result.stdout}{result.stderr}"
    return work / "dist" / script.with_suffix(".js").name


def test_the_typescript_client_type_checks_strictly(typescript_client: Path) -> None:
    compiled = typescript_client / "dist"

    assert {"index.js", "ws.js", "ws.d.ts", "rest.d.ts", "ws-runtime.js"} <= {path.name for path in compiled.iterdir()}
    assert json.loads((typescript_client / "tsconfig.json").read_text())["compilerOptions"]["strict"] is True


def test_a_typescript_round_trip_over_rest_and_websocket(
    typescript_client: Path, service: Service, tmp_path: Path
) -> None:
    script = _compile_with(typescript_client, SCRIPT, tmp_path / "typescript")

    result = subprocess.run(
        ["node", "--experimental-websocket", "--no-warnings", str(script), service.url, "writer", PASSWORD],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, f"{result.stdout}{result.stderr}"
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["event"] == PkgID.AUTHOR_CREATED
    assert seen["ws_author"] != seen["author"]
