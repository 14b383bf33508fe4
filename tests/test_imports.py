"""The house has no knots: no import cycle in app/, codegen/ or generated/, and dependencies point one way
(app -> generated; codegen never imports the service, generated never imports app). Imports under
`if TYPE_CHECKING:` count: a cycle hidden from the interpreter is still one for the reader."""

from __future__ import annotations

from collections.abc import Iterable

import grimp
import pytest

PACKAGES = ("app", "codegen", "generated")


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, cache_dir=None)


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(root: str) -> None:  # Tarjan's algorithm, iterative: the graph may be deeper than the recursion limit
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.find_modules_directly_imported_by(successor)))))
                    break
                if successor in on_stack:
                    low[module] = min(low[module], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                        components.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return sorted(components)


def _describe(graph: grimp.ImportGraph, component: list[str]) -> str:
    """One cycle through the component, as the chain of imports a reader can follow."""
    first, *rest = component
    for other in rest:
        there = graph.find_shortest_chain(importer=first, imported=other)
        back = graph.find_shortest_chain(importer=other, imported=first)
        if there and back:
            return " -> ".join([*there, *back[1:]])
    return " <-> ".join(component)


def test_no_package_has_an_import_cycle(graph: grimp.ImportGraph) -> None:
    cycles = [_describe(graph, component) for component in _cycles(graph)]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def test_the_finder_reports_a_cycle_as_its_chain_of_imports() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)  # its own: the import added here is not real
    graph.add_import(importer="generated.registry", imported="app.main")
    described = [_describe(graph, component) for component in _cycles(graph)]
    assert len(described) == 1
    assert described[0].startswith("app.main -> ")
    assert "-> generated.registry -> app.main" in described[0]


@pytest.mark.parametrize(("importer", "imported"), [("generated", "app"), ("generated", "codegen"), ("codegen", "app")])
def test_dependencies_point_one_way(graph: grimp.ImportGraph, importer: str, imported: str) -> None:
    chains = graph.find_shortest_chains(importer=importer, imported=imported, as_packages=True)
    assert chains == set(), f"{importer} must not import {imported}: " + "; ".join(" -> ".join(c) for c in chains)
