"""No import cycle between the top-level packages: each may import only those below it, so a
package can be read, tested and changed without the ones above. Every import counts, those
inside functions too (a late import is how a cycle usually hides)."""
from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The folders are the sub-packages of `siaga` (siaga.core is core/, ...); siaga/ itself is the CLI.
PACKAGES = ("core", "geo", "schemas", "streams", "services", "infra", "siaga")
# Imports left out of the check, as (importing package, imported module prefix), each with why.
KNOWN: set[tuple[str, str]] = set()   # none: place understanding moved into core/text


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)   # `from core import text`


def _part(module: str) -> str | None:
    """Which part a module belongs to: siaga.core.text -> core; siaga.__main__ -> siaga."""
    parts = module.split(".")
    if parts[0] != "siaga":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else "siaga"


def package_graph() -> dict[str, dict[str, set[str]]]:
    """package -> imported package -> the modules (file: import) behind that edge."""
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                top = _part(name)
                if top is None or top == package:
                    continue
                if any(package == src and (name == mod or name.startswith(mod + ".")) for src, mod in KNOWN):
                    continue
                graph[package][top].add(f"{path.relative_to(ROOT)}: {name}")
    return graph


def cycles(graph) -> list[list[str]]:
    """The strongly connected components with more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(graph) | {w for targets in graph.values() for w in targets}):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_top_level_packages():
    graph = package_graph()
    found = cycles(graph)
    detail = []
    for component in found:
        for a in component:
            for b in component:
                for where in sorted(graph[a].get(b, ()))[:5]:
                    detail.append(f"  {a} -> {b}  ({where})")
    assert not found, f"import cycles between packages {found}:\n" + "\n".join(detail)


def test_the_graph_sees_the_imports():
    # Were the names misread (as when the folders became siaga.*), the graph would be empty and
    # the cycle test pass for nothing.
    graph = package_graph()
    assert "core" in graph["streams"] and "core" in graph["services"] and "core" in graph["siaga"]
    assert "siaga" not in graph["core"], graph["core"].get("siaga")


def test_the_check_sees_a_cycle():
    assert cycles({"a": {"b": set()}, "b": {"a": set()}, "c": {"a": set()}}) == [["a", "b"]]
    assert cycles({"a": {"b": set()}, "b": {}}) == []
