"""The shape of the package (issue 12): no module over 400 lines, no import cycle, and
the pure stages import no loader, no network and no disk."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "publisher"
MODULES = sorted(PACKAGE.rglob("*.py"))
# The pure core (extract, normalise, dates, decide, render): none of these may import the
# loader, the network or the disk, even indirectly through the modules they import.
PURE = ("extract", "normalise", "dates", "decide", "render", "text", "links", "sanitise")
IMPURE = {"publisher.config", "publisher.fetch", "publisher.store", "publisher.transport",
          "publisher.pipeline", "publisher.write", "publisher.cli", "requests", "sqlite3",
          "urllib.request", "socket"}  # fmt: skip


def _name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """The modules ``path`` imports when it is imported (not inside functions, not for
    type checking only)."""
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


GRAPH = {_name(path): _imports(path) for path in MODULES}
OWN = set(GRAPH)


def _edges(module: str) -> set[str]:
    return {target for target in GRAPH[module] if target in OWN and target != module}


@pytest.mark.parametrize("path", MODULES, ids=[_name(p) for p in MODULES])
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 400, f"{_name(path)} has {lines} lines: split it by job"


def test_no_import_cycle() -> None:
    """A package imports its own modules from its __init__; any other loop is a cycle."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in _edges(module):
            if module.startswith(target + "."):  # a module importing its own package
                continue
            if state.get(target) == 1:
                loop = [*stack[stack.index(target) :], target]
                inner = all(a.startswith(target) for a in loop)  # within one package
                assert inner, "import cycle: " + " -> ".join(loop)
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("stage", PURE)
def test_pure_stages_import_no_loader_network_or_disk(stage: str) -> None:
    root = f"publisher.{stage}"
    seen: set[str] = set()
    todo = [m for m in GRAPH if m == root or m.startswith(root + ".")]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        for target in GRAPH.get(module, set()):
            bad = next((i for i in IMPURE if target == i or target.startswith(i + ".")), None)
            assert bad is None, f"{module} (pure: {stage}) imports {target}"
            if target in OWN:
                todo.append(target)


# What only a changed page, or a store that lost its history, needs: `publisher run`
# imports them when it needs them, so that a run of unchanged pages (HTTP 304) starts
# without the extractors, the normaliser and their libraries (lxml, dateutil).
DEFERRED = ("publisher.prepare", "publisher.normalise", "publisher.dates", "publisher.repair")


def test_a_run_of_unchanged_pages_imports_no_stage_of_a_changed_page() -> None:
    seen: set[str] = set()
    todo = ["publisher.cli.run", "publisher.pipeline"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(target for target in GRAPH.get(module, set()) if target in OWN)
    for module in seen:
        bad = next((d for d in DEFERRED if module == d or module.startswith(d + ".")), None)
        assert bad is None, f"publisher run imports {module} at start-up"
