"""`python -m codegen [generate|check|new-handler|sdk]`: the command behind `make generate` and friends."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from codegen import cache
from codegen.config import Config, load_config
from codegen.errors import SpecError
from codegen.scaffold import ScaffoldError, scaffold, unimplemented_summary
from codegen.writer import ForeignFilesError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("generate", help="validate spec/ and render generated/ (the default)")
    commands.add_parser("check", help="fail with a diff when generated/ is out of date with spec/")
    new_handler = commands.add_parser("new-handler", help="scaffold missing handler methods into app/handlers/")
    new_handler.add_argument("--tag", help="only this tag (default: every tag with missing methods)")
    sdk = commands.add_parser("sdk", help="generate the clients of both channels into clients/ (make sdk)")
    sdk.add_argument("--output", type=Path, default=Path("clients"), help="where (default: clients/)")
    args = parser.parse_args(argv)
    config = load_config(Path.cwd())
    try:
        if args.command == "check":
            return _check(config)
        if args.command == "new-handler":
            return _new_handler(config, args.tag)
        if args.command == "sdk":
            return _sdk(config, args.output)
        return _generate(config)
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"codegen: {count} problem{'s' if count != 1 else ''} in the specs; nothing was written", file=sys.stderr)
        return 1
    except (ForeignFilesError, ScaffoldError) as exc:
        print(f"codegen: {exc}", file=sys.stderr)
        return 1


def _generate(config: Config) -> int:
    inputs = cache.fingerprint(config)
    cached = cache.hit(config, inputs)
    if cached is not None:
        contract, count, state = cached.contract, len(cached.files), "already up to date"
    else:
        from codegen.pipeline import generate  # the generator and validators load only when needed

        rendered, changed = generate(config)
        cache.store(config, inputs, rendered.files, rendered.contract)
        contract, count, state = rendered.contract, len(rendered.files), "updated" if changed else "already up to date"
    print(
        f"{config.display(config.output)}/ {state}: {count} files from {contract.openapi_name} "
        f"({len(contract.rest)} operations) and {contract.asyncapi_name} "
        f"({len(contract.ws)} request messages, {len(contract.events)} event{'s' if len(contract.events) != 1 else ''})"
    )
    missing = unimplemented_summary(config, contract)
    if missing:
        print(
            f"not implemented yet in {config.display(config.handlers)}/ ({len(missing)}); `make new-handler` scaffolds:"
        )
        for line in missing:
            print(f"  {line}")
    return 0


def _check(config: Config) -> int:
    inputs = cache.fingerprint(config)
    if cache.hit(config, inputs) is not None:
        difference: list[str] = []
    else:
        from codegen.pipeline import check

        difference = check(config)
    if not difference:
        print(f"{config.display(config.output)}/ is up to date with the specs")
        return 0
    sys.stdout.writelines(difference)
    print(
        f"\n{config.display(config.output)}/ is out of date with the specs: run `make generate` and commit the result",
        file=sys.stderr,
    )
    return 1


def _new_handler(config: Config, tag: str | None) -> int:
    from codegen.pipeline import read_contract

    contract, _ = read_contract(config)
    changes = scaffold(config, contract, tag)
    if not changes:
        print("nothing to scaffold: every operation and pkg_id has a handler method")
        return 0
    print(f"scaffolded {len(changes)} handler method{'s' if len(changes) != 1 else ''} (marked @unimplemented):")
    for line in changes:
        print(f"  {line}")
    print("Write their bodies and remove @unimplemented; the service refuses to start until then.")
    events = [event for event in contract.events if tag is None or event.tag == tag]
    if events:
        print("Server events a handler publishes with `await ctx.events.publish(helper(data))`:")
        for event in events:
            print(
                f"  from generated.ws.{event.tag} import {event.function_name}"
                f"  (pkg_id {event.pkg_id} {event.enum_name}, data: {event.data.name})"
            )
    return 0


def _sdk(config: Config, output: Path) -> int:
    from codegen.sdk.build import SdkError, build_clients

    started = time.monotonic()
    try:
        clients = build_clients(config, output.resolve())
    except SdkError as exc:
        print(f"codegen sdk: {exc}", file=sys.stderr)
        return 1
    print(f"clients generated from {config.display(config.openapi)} and {config.display(config.asyncapi)}:")
    for path, what in (
        (clients.python, f"REST, Python (import {clients.python_package})"),
        (clients.python_ws, f"WebSocket, Python (import {clients.python_ws_package})"),
        (clients.typescript, "REST and WebSocket, TypeScript (compiled into dist/ by tsc --strict)"),
    ):
        print(f"  {config.display(path)}/  {what}")
    print(f"in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
