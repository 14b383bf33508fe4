"""`make fuzz`: schemathesis against the REST API and the AsyncAPI fuzzer against /web, on a running service.

    python -m tests.fuzz [--url URL] [--max-examples N] [--ws-examples N]

Without --url, a service of its own is started as `make run` starts it, on a fresh SQLite database under
var/fuzz/, with RATE_LIMIT_ENABLED=false: a fuzzer sends far more than any budget allows, and 429s would hide
what it is looking for. With --url, the running instance is fuzzed as it is (start it with
RATE_LIMIT_ENABLED=false, and with the signing key of this checkout: the token is minted with it).

The token is `python -m app token --all-roles`: every role of the catalogue, for an hour, so nothing is refused
for a missing role and nothing expires mid-run. schemathesis reads it from API_TOKEN, through the [auth] section
of the configuration written for the run (the repository's schemathesis.toml and that section), so that its
negative cases (no token, a bad one) stay negative. Reports go to var/fuzz/.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

from tests.support.process import serving

ROOT = Path(__file__).resolve().parent.parent
REPORTS = ROOT / "var" / "fuzz"
AUTH_SECTION = '\n[auth.openapi.bearerAuth]\nbearer = "${API_TOKEN}"\n'


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make fuzz", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--url", help="fuzz the service running there (default: start one)")
    parser.add_argument("--max-examples", type=int, help="schemathesis cases per operation (schemathesis.toml's)")
    parser.add_argument("--ws-examples", type=int, default=500, help="frames the WebSocket fuzzer sends (500)")
    args = parser.parse_args(argv)
    if REPORTS.exists():
        shutil.rmtree(REPORTS)
    REPORTS.mkdir(parents=True)
    if args.url:
        return fuzz(args.url.rstrip("/"), args, os.environ.copy())
    database = REPORTS / "fuzz.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}", "RATE_LIMIT_ENABLED": "false"}
    env.pop("REDIS_URL", None)
    migrated = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, env=env, check=False)
    if migrated.returncode != 0:
        return migrated.returncode
    print(f"make fuzz: serving a fresh database ({database.relative_to(ROOT)}) with rate limits off", flush=True)
    with serving(ROOT, log=REPORTS / "service.log", **env) as url:
        return fuzz(url, args, env)


def fuzz(url: str, args: argparse.Namespace, env: dict[str, str]) -> int:
    minted = subprocess.run(
        [sys.executable, "-m", "app", "token", "--all-roles", "--ttl", "3600", "--subject", "fuzzer"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if minted.returncode != 0:
        print(f"make fuzz: no token: {minted.stderr.strip()}", file=sys.stderr)
        return 2
    env = {**env, "API_TOKEN": minted.stdout.strip()}
    rest = _schemathesis(url, args, env)
    ws = _websocket(url, args, env)
    print("\nmake fuzz:")
    print(f"  REST      {rest.cases} cases, {rest.failures} failing: {rest.summary}")
    print(f"  WebSocket {ws.cases} frames, {ws.failures} failing: {ws.summary}")
    print(f"  reports   {REPORTS.relative_to(ROOT)}/ (service.log, schemathesis/, websocket.xml)")
    return 0 if rest.returncode == ws.returncode == 0 else 1


class Outcome:
    def __init__(self, returncode: int, cases: int, failures: int, summary: str) -> None:
        self.returncode, self.cases, self.failures, self.summary = returncode, cases, failures, summary


def _schemathesis(url: str, args: argparse.Namespace, env: dict[str, str]) -> Outcome:
    config = REPORTS / "schemathesis.toml"
    config.write_text((ROOT / "schemathesis.toml").read_text(encoding="utf-8") + AUTH_SECTION, encoding="utf-8")
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{url}/openapi.json",
        "--url",
        url,
        "--checks",
        "all",
        "--workers",
        "1",  # more crash on CPython 3.11.7 (gh-106905)
        "--report-junit-path",
        str(REPORTS / "schemathesis" / "junit.xml"),
        "--report-ndjson-path",
        str(REPORTS / "schemathesis" / "events.ndjson"),
    ]
    if args.max_examples:
        command += ["--max-examples", str(args.max_examples)]
    print("make fuzz: schemathesis, every check, positive and negative data", flush=True)
    returncode = subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    cases, failures = _junit_counts(REPORTS / "schemathesis" / "junit.xml")
    cases = _ndjson_cases(REPORTS / "schemathesis" / "events.ndjson") or cases
    summary = "passed" if returncode == 0 else f"schemathesis exited with {returncode}"
    return Outcome(returncode, cases, failures, summary)


def _websocket(url: str, args: argparse.Namespace, env: dict[str, str]) -> Outcome:
    report = REPORTS / "websocket.xml"
    command = [sys.executable, "-m", "pytest", "tests/ws/test_fuzz.py", "-q", "-p", "no:cacheprovider"]
    command += [f"--junitxml={report}", "-o", "junit_family=xunit1"]  # xunit1 keeps record_property
    ws_env = {**env, "WS_FUZZ_URL": url, "WS_FUZZ_EXAMPLES": str(args.ws_examples)}
    print(f"make fuzz: the AsyncAPI fuzzer, {args.ws_examples} frames on one connection", flush=True)
    returncode = subprocess.run(command, cwd=ROOT, env=ws_env, check=False).returncode
    _, failures = _junit_counts(report)
    frames = _junit_property(report, "frames")
    return Outcome(returncode, frames, failures, "passed" if returncode == 0 else f"pytest exited with {returncode}")


def _junit_counts(path: Path) -> tuple[int, int]:
    """(tests, failures + errors) of a JUnit XML report; zeros when there is none."""
    if not path.exists():
        return 0, 0
    root = ElementTree.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests = sum(int(suite.get("tests", 0)) for suite in suites)
    failing = sum(int(suite.get("failures", 0)) + int(suite.get("errors", 0)) for suite in suites)
    return tests, failing


def _junit_property(path: Path, name: str) -> int:
    if not path.exists():
        return 0
    root = ElementTree.parse(path).getroot()
    return sum(int(prop.get("value", 0)) for prop in root.iter("property") if prop.get("name") == name)


def _ndjson_cases(path: Path) -> int:
    """How many test cases schemathesis ran, from its event stream (0 when it cannot be read)."""
    if not path.exists():
        return 0
    cases = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        for name, body in event.items():
            if name == "ScenarioFinished" and isinstance(body, dict):
                cases += len(body.get("recorder", {}).get("cases", {}))
    return cases


if __name__ == "__main__":
    sys.exit(main())
