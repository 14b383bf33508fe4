"""The codegen run: read both specs into one contract, render it, and compare or swap it into place."""

from __future__ import annotations

import multiprocessing
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from codegen.asyncapi_reader import read_asyncapi
from codegen.bundle import bundle_asyncapi, bundle_openapi
from codegen.config import Config
from codegen.contract import Contract
from codegen.errors import Problems, SpecError
from codegen.models import render_rest_models, render_ws_models
from codegen.openapi_reader import read_openapi
from codegen.refs import SpecSet
from codegen.render import header, openapi_json, render_all
from codegen.writer import diff, format_files, swap_in
from codegen.ws_api import ws_api
from codegen.ws_reference import render_ws_reference


@dataclass(frozen=True)
class Rendered:
    contract: Contract
    files: dict[str, str]  # formatted, by path relative to the output directory
    staging: Path


def read_contract(config: Config) -> tuple[Contract, SpecSet]:
    """Both specs, validated; raises SpecError listing every problem in either."""
    specs = SpecSet(config.root)
    contract = Contract(openapi_name=config.display(config.openapi), asyncapi_name=config.display(config.asyncapi))
    problems = Problems()
    documents = []
    for path in (config.openapi, config.asyncapi):
        try:
            documents.append(specs.load(path))
        except SpecError as exc:  # a file that does not parse: report it with the other file's problems
            problems.extend(exc.problems)
    if len(documents) == 2:
        for read, document in ((read_openapi, documents[0]), (read_asyncapi, documents[1])):
            # Each document gets its own collector: a reader stops early on its own problems, not the other's.
            found = Problems()
            read(specs, document, contract, found)
            problems.extend(found.problems())
    problems.raise_if_any()
    return contract, specs


def render(config: Config) -> Rendered:
    """Everything `generated/` should hold, formatted, in a staging directory next to it.

    The models (most of the time, on a large spec) are rendered in two worker processes while this one
    validates the specs; when the specs have problems, the workers are stopped and their work dropped.
    """
    openapi_name, asyncapi_name = config.display(config.openapi), config.display(config.asyncapi)
    # fork when nothing else runs in this process (make generate): the workers start at once. Where other
    # threads exist (a test run), spawn, since forking them could copy a lock held mid-operation.
    start = "fork" if threading.active_count() == 1 else "spawn"
    with multiprocessing.get_context(start).Pool(2) as workers:
        ws_models = workers.apply_async(render_ws_models, (config.asyncapi, config.openapi, header(asyncapi_name)))
        rest_models = workers.apply_async(render_rest_models, (config.openapi, header(openapi_name)))
        contract, specs = read_contract(config)  # on a SpecError, leaving the block terminates the workers
        files = render_all(
            contract,
            rest_models=rest_models.get(),
            ws_models=ws_models.get(),
            openapi_json=openapi_json(bundle_openapi(specs, specs.load(config.openapi))),
        )
        files.update(client_documents(contract, specs, config))
    staging = config.output.with_name(f".{config.output.name}.staging")
    return Rendered(contract, format_files(files, staging), staging)


def client_documents(contract: Contract, specs: SpecSet, config: Config) -> dict[str, str]:
    """What the service serves to client teams beside /openapi.json: the bundled AsyncAPI document
    (/asyncapi.json) and the WebSocket reference (/docs/ws)."""
    bundle = bundle_asyncapi(specs, specs.load(config.asyncapi))
    page_header = header(contract.asyncapi_name, contract.openapi_name)
    return {
        "asyncapi.json": openapi_json(bundle.document),
        "docs/ws.html": render_ws_reference(ws_api(contract, bundle), page_header),
    }


def generate(config: Config) -> tuple[Rendered, bool]:
    """Render and put in place; returns whether anything changed."""
    rendered = render(config)
    changed = bool(diff(rendered.files, config.output))
    try:
        if changed:
            swap_in(rendered.staging, config.output)
    finally:
        _discard(rendered.staging)  # gone after the swap; left over when swap_in refused
    return rendered, changed


def check(config: Config) -> list[str]:
    """The diff between `generated/` and what the specs say it should be."""
    rendered = render(config)
    _discard(rendered.staging)
    return diff(rendered.files, config.output)


def _discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
