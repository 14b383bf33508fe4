"""`make new-handler`: scaffold the handler methods the specs ask for and `app/handlers/` lacks.

Codegen never imports the application: it reads the handler modules with `ast`, finds the class that subclasses
each generated interface, and appends what is missing — a new module, a new class in a module, or new methods
at the end of a class. Existing code is never rewritten. Each stub is marked `@unimplemented`, so the service
keeps refusing to start until its body is written and the marker removed.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from codegen.config import Config
from codegen.contract import Contract, ModelRef, pascal_case
from codegen.python_types import annotation_imports
from codegen.render import (
    VERIFIERS_INTERFACE,
    rest_interface_name,
    rest_signature,
    verifier_signature,
    ws_interface_name,
    ws_signature,
)

_INDENT = "    "


class ScaffoldError(Exception):
    """The scaffold was asked for something the specs do not have."""


@dataclass(frozen=True)
class _Stub:
    """One method an interface requires, as the scaffold writes it."""

    name: str
    serves: str
    text: str
    models: tuple[ModelRef, ...]
    needs_page: bool = False
    imports: frozenset[tuple[str, str]] = frozenset()  # (module, name) its annotations use besides the models


@dataclass(frozen=True)
class _Interface:
    kind: str  # "rest" or "ws"
    tag: str
    name: str
    class_name: str  # the name a new implementing class gets
    stubs: tuple[_Stub, ...]
    module: str = ""  # the generated module defining the interface: generated.<kind>.<tag> unless given
    file_stem: str = ""  # the handler module a new class goes to: <tag>.py unless given

    @property
    def generated_module(self) -> str:
        return self.module or f"generated.{self.kind}.{self.tag}"

    @property
    def handler_file(self) -> str:
        return f"{self.file_stem or self.tag}.py"


@dataclass
class _FoundClass:
    path: Path
    name: str
    end_line: int
    methods: set[str] = field(default_factory=set)
    unimplemented: set[str] = field(default_factory=set)


def unimplemented_summary(config: Config, contract: Contract) -> list[str]:
    """One line per operation or pkg_id that app/handlers does not implement yet."""
    classes = _scan(config.handlers)
    lines = []
    for interface in _interfaces(config, contract):
        found = classes.get(interface.name)
        for stub in interface.stubs:
            if found is None or stub.name not in found.methods or stub.name in found.unimplemented:
                lines.append(f"{stub.serves}: {interface.name}.{stub.name}")
    return lines


def scaffold(config: Config, contract: Contract, tag: str | None = None) -> list[str]:
    """Add what is missing for `tag` (or every tag); return a line per change made."""
    interfaces = [i for i in _interfaces(config, contract) if tag is None or i.tag == tag]
    if tag is not None and not interfaces:
        raise ScaffoldError(f"no tag {tag!r} in the specs")
    changes: list[str] = []
    for interface in interfaces:
        found = _scan(config.handlers).get(interface.name)
        missing = [stub for stub in interface.stubs if found is None or stub.name not in found.methods]
        if not missing:
            continue
        if found is not None:
            _append_methods(config, found, interface, missing)
            where = f"{config.display(found.path)}: {found.name}"
        else:
            path = config.handlers / interface.handler_file
            _add_class(config, path, interface)
            where = f"{config.display(path)}: new class {interface.class_name}"
        changes += [f"{where}.{stub.name}  ({stub.serves})" for stub in missing]
    return changes


def _interfaces(config: Config, contract: Contract) -> list[_Interface]:
    rest = [_rest_interface(contract, tag, config.context_class) for tag in contract.rest_tags()]
    ws = [_ws_interface(contract, tag, config.context_class) for tag in contract.ws_tags()]
    hooks = [_verifiers_interface(contract, config.context_class)]
    return rest + [interface for interface in [*ws, *hooks] if interface.stubs]


def _rest_interface(contract: Contract, tag: str, context: str) -> _Interface:
    stubs = []
    for op in (op for op in contract.rest if op.tag == tag):
        view = rest_signature(op)
        signature = f"async def {view.name}(self, ctx: {context}{view.params}) -> {view.returns}:"
        models = tuple(ref for ref in (op.body, op.response) if ref is not None)
        serves = f"{op.method.upper()} {op.path} ({op.operation_id})"
        imports = frozenset(name for param in op.params for name in annotation_imports(param.python_type))
        stubs.append(_Stub(view.name, serves, _stub_text(signature, view.doc), models, imports=imports))
    return _Interface("rest", tag, rest_interface_name(tag), pascal_case(tag), tuple(stubs))


def _ws_interface(contract: Contract, tag: str, context: str) -> _Interface:
    stubs = []
    for op in (op for op in contract.ws if op.tag == tag):
        view = ws_signature(op)
        signature = f"async def {view.name}(self, ctx: {context}, data: {view.data}) -> {view.returns}:"
        models = tuple(ref for ref in (op.data, op.reply.model, op.reply.meta) if ref is not None)
        serves = f"pkg_id {op.pkg_id} {op.enum_name} ({op.name})"
        stubs.append(_Stub(view.name, serves, _stub_text(signature, view.doc), models, op.reply.kind == "page"))
    return _Interface("ws", tag, ws_interface_name(tag), f"{pascal_case(tag)}Ws", tuple(stubs))


def _verifiers_interface(contract: Contract, context: str) -> _Interface:
    """The verifiers of the apiKey and basic schemes, in app/handlers/verifiers.py."""
    stubs = []
    for scheme in (scheme for scheme in contract.security_schemes.values() if scheme.hooked):
        view = verifier_signature(scheme)
        signature = f"async def {view.name}(self, ctx: {context}{view.params}) -> {view.returns}:"
        serves = f"security scheme {scheme.name} ({scheme.kind})"
        imports = frozenset({("generated.security", "Caller")})
        stubs.append(_Stub(view.name, serves, _stub_text(signature, view.doc), (), imports=imports))
    return _Interface(
        "auth", "security", VERIFIERS_INTERFACE, "Verifiers", tuple(stubs), "generated.security", "verifiers"
    )


def _stub_text(signature: str, doc: str) -> str:
    return "\n".join(
        [
            f"{_INDENT}@unimplemented",
            f"{_INDENT}{signature}",
            f'{_INDENT * 2}"""{doc}"""',
            f"{_INDENT * 2}raise NotImplementedError",
        ]
    )


# --- Reading app/handlers -----------------------------------------------------------------------------------------


def _scan(handlers: Path) -> dict[str, _FoundClass]:
    """The classes in the handler modules, by the generated interface each subclasses."""
    found: dict[str, _FoundClass] = {}
    # Like the application's own discovery (app/handlers/__init__.py): modules named _* hold helpers.
    for path in sorted(handlers.glob("[!_]*.py")) if handlers.is_dir() else []:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError:
            continue  # the user is mid-edit; their own tools will say where
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            methods = [item for item in node.body if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))]
            info = _FoundClass(path, node.name, node.end_lineno or node.lineno)
            info.methods = {method.name for method in methods}
            info.unimplemented = {method.name for method in methods if _is_marked(method)}
            for base in node.bases:
                found.setdefault(_base_name(base), info)
    return found


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Attribute):
        return base.attr
    return base.id if isinstance(base, ast.Name) else ""


def _is_marked(method: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(_base_name(decorator) == "unimplemented" for decorator in method.decorator_list)


def _bound_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
    return names


# --- Writing ------------------------------------------------------------------------------------------------------


def _imports_for(config: Config, interface: _Interface, stubs: list[_Stub], present: set[str]) -> list[str]:
    wanted: dict[str, set[str]] = {
        "generated._runtime": {"unimplemented"},
        interface.generated_module: {interface.name},
        config.context_module: {config.context_class},
    }
    for stub in stubs:
        for ref in stub.models:
            wanted.setdefault(f"generated.{ref.module}.models", set()).add(ref.name)
        if stub.needs_page:
            wanted.setdefault("generated.ws._runtime", set()).add("WsPage")
        for module, name in stub.imports:
            wanted.setdefault(module, set()).add(name)
    lines = []
    for module, names in sorted(wanted.items()):
        new = sorted(names - present)
        if new:
            lines.append(f"from {module} import {', '.join(new)}")
    return lines


def _append_methods(config: Config, found: _FoundClass, interface: _Interface, stubs: list[_Stub]) -> None:
    lines = found.path.read_text(encoding="utf-8").splitlines()
    tree = _parse(found.path, lines)
    methods = ["", *"\n\n".join(stub.text for stub in stubs).splitlines()]
    lines[found.end_line : found.end_line] = methods
    _insert_imports(lines, tree, _imports_for(config, interface, stubs, _bound_names(tree)))
    _write(found.path, lines)


def _add_class(config: Config, path: Path, interface: _Interface) -> None:
    stubs = list(interface.stubs)
    generic = f"{interface.name}[{config.context_class}]"
    spec = "spec/asyncapi.yaml" if interface.kind == "ws" else "spec/openapi.yaml"
    what = {"ws": f"The `{interface.tag}` messages", "auth": "The credential verifiers of the security schemes"}
    class_lines = [
        f"class {interface.class_name}({generic}):",
        f'{_INDENT}"""{what.get(interface.kind, f"The `{interface.tag}` operations")} of {spec}."""',
        "",
        *"\n\n".join(stub.text for stub in stubs).splitlines(),
    ]
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        tree = _parse(path, lines)
        lines += ["", "", *class_lines]
        _insert_imports(lines, tree, _imports_for(config, interface, stubs, _bound_names(tree)))
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        imports = _imports_for(config, interface, stubs, set())
        docstring = "API keys and passwords" if interface.kind == "auth" else f"Handlers for the `{interface.tag}` tag"
        lines = [f'"""{docstring}."""', "", *imports, "", "", *class_lines]
    _write(path, lines)


def _parse(path: Path, lines: list[str]) -> ast.Module:
    try:
        return ast.parse("\n".join(lines), filename=str(path))
    except SyntaxError as exc:
        raise ScaffoldError(f"{path}:{exc.lineno}: {exc.msg}; fix it before scaffolding into it") from None


def _insert_imports(lines: list[str], tree: ast.Module, imports: list[str]) -> None:
    """Put new import lines after the module's last top-level import (or its docstring)."""
    if not imports:
        return
    anchor = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or (
            isinstance(node, ast.Expr) and anchor == 0 and isinstance(getattr(node, "value", None), ast.Constant)
        ):
            anchor = node.end_lineno or node.lineno
    lines[anchor:anchor] = imports


def _write(path: Path, lines: list[str]) -> None:
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    # Sort the import block only; the rest of the user's file is left exactly as it was.
    subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--quiet", "--select", "I", "--fix", str(path)],
        check=False,
        capture_output=True,
    )
