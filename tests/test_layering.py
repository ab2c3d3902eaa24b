"""The shape of the house, read from the source (docs/architecture.md): no import circles, no import running
back up a layer, and command functions that only parse, call, render and exit (radon: complexity < 15,
fewer than 60 lines). Imports inside functions count; imports under `if TYPE_CHECKING:` do not (types only).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

import cxmine

PACKAGE_ROOT = Path(cxmine.__file__).parent

# Each layer may import only the layers listed for it (and itself). Neutral modules (errors, model,
# matching, and the escaping and unit helpers, leaves that writers, renderers and the drill-down's condition
# text share) may be imported from anywhere.
NEUTRAL = {"cxmine", "cxmine.errors", "cxmine.model", "cxmine.matching", "cxmine.render.escape", "cxmine.render.units"}
ALLOWED = {
    "config": {"core"},
    "core": set(),
    "io": {"core", "mining"},  # mining: only pm4py_adapter, for the OCEL readers
    "friction": {"core", "config"},
    "report": {"core", "config", "friction"},
    "mining": {"core", "config", "friction", "io"},
    "render": {"core", "friction", "report", "mining"},
    "inputs": {"core", "config", "io"},
    "engines": {"core"},  # the out-of-core engine: core's rules and its assembly, on DuckDB through ibis
    "api": {"core", "config", "io", "friction", "report", "mining", "render", "inputs", "engines"},
    "cli": {"core", "config", "io", "friction", "report", "mining", "render", "inputs", "api", "engines"},
}


def _module_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE_ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> str | None:
    parts = module.split(".")
    if module in NEUTRAL or len(parts) < 2:
        return None
    head = parts[1]
    return head.lstrip("_") if head != "_xes_worker" else "io"


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in ast.walk(node):
                if hasattr(inner, "lineno"):
                    lines.add(inner.lineno)
    return lines


def _imports(path: Path) -> set[str]:
    """The cxmine modules a file imports at run time (top level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_lines(tree)
    found: set[str] = set()
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("cxmine"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("cxmine"):
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    found.add(candidate if (PACKAGE_ROOT.parent / (candidate.replace(".", "/") + ".py")).exists() or (PACKAGE_ROOT.parent / candidate.replace(".", "/")).is_dir() else base)
    return found


def _graph() -> dict[str, set[str]]:
    return {_module_name(path): _imports(path) for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def test_no_import_runs_back_up_a_layer():
    wrong = []
    for module, imports in _graph().items():
        layer = _layer(module)
        if layer is None or layer not in ALLOWED:
            continue
        for target in imports:
            other = _layer(target)
            if other is None or other == layer:
                continue
            if other not in ALLOWED[layer]:
                wrong.append(f"{module} → {target}")
    assert wrong == []


def test_no_import_circles():
    graph = {module: {t for t in targets if t != module} for module, targets in _graph().items()}
    # A package imports its submodules when it re-exports them: that is not a circle.
    for module in graph:
        graph[module] = {t for t in graph[module] if not (t.startswith(module + ".") and (PACKAGE_ROOT.parent / module.replace(".", "/")).is_dir())}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if target not in graph:
                continue
            if state.get(target) == 1:
                cycles.append(" → ".join(path[path.index(target):] + [target]))
            elif state.get(target) is None:
                visit(target, path + [target])
        state[node] = 2

    for module in sorted(graph):
        if state.get(module) is None:
            visit(module, [module])
    assert cycles == []


def test_neutral_modules_are_leaves():
    graph = _graph()
    for module in NEUTRAL - {"cxmine"}:
        if module in graph:
            assert graph[module] <= NEUTRAL, f"{module} imports {graph[module] - NEUTRAL}"


def test_the_layer_check_can_fail():
    """Sanity: the parser sees function-level imports (the CLI imports the api inside command bodies)."""
    graph = _graph()
    assert "cxmine.api" in graph["cxmine.cli.friction_cmd"]
    assert _layer("cxmine.core.timings") == "core" and "friction" not in ALLOWED["core"]


def _command_functions():
    from radon.visitors import ComplexityVisitor

    for path in sorted((PACKAGE_ROOT / "cli").glob("*_cmd.py")):
        visitor = ComplexityVisitor.from_code(path.read_text(encoding="utf-8"))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        commands = {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and any("log_options" in ast.unparse(d) for d in node.decorator_list)}
        for function in visitor.functions:
            if function.name in commands:
                yield path.name, function


def test_every_command_function_is_short_and_simple():
    pytest.importorskip("radon")
    seen = []
    for file, function in _command_functions():
        seen.append(function.name)
        lines = function.endline - function.lineno + 1
        assert function.complexity < 15, f"{file}:{function.name} has cyclomatic complexity {function.complexity}"
        assert lines < 60, f"{file}:{function.name} is {lines} lines long"
    assert set(seen) == {"inspect", "convert", "init", "timings", "friction", "discover", "conformance", "report", "cases"}
