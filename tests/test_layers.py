"""Imports point one way: cli → benchmarks → viz → experiments → model, with no cycle.

The import graph is read from the source with `ast`, every `import` that runs
counted, including those inside functions (a lazy import is still a
dependency); imports under `if TYPE_CHECKING:` serve annotations only and are
left out. A
package may import itself and the packages below it; nothing imports `cli`;
no chain of modules leads back to where it started.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("model", "experiments", "viz", "benchmarks", "cli")  # bottom to top


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in LAYERS
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def runtime_nodes(tree: ast.AST):
    """Every node of the tree except what `if TYPE_CHECKING:` holds (annotations only, never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(name: str, path: Path, modules: set[str]) -> set[str]:
    """The project modules the file's import statements name, relative imports resolved.

    `from package import submodule` depends on the submodule; `from module import name`
    on the module."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in modules else source)
    return (found & modules) - {name}


def import_graph() -> nx.DiGraph:
    """Modules of the project and the project modules each one imports."""
    modules = project_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        graph.add_edges_from(
            (name, target) for target in imported_modules(name, path, set(modules))
        )
    return graph


def layer(module: str) -> int:
    return LAYERS.index(module.split(".")[0])


def test_the_graph_sees_the_imports_it_should():
    # A guard against a graph that finds nothing and so passes everything below.
    graph = import_graph()
    assert graph.has_edge("cli.compare", "experiments.compare")
    assert graph.has_edge("cli.main", "experiments.errors")
    assert graph.has_edge("experiments.compare", "experiments.sweep")
    assert graph.has_edge(
        "benchmarks.app_responsiveness", "viz.server"
    )  # an import inside a function
    assert graph.number_of_nodes() > 60


def test_imports_point_down_the_layers():
    upward = [
        f"{source} imports {target}"
        for source, target in import_graph().edges
        if layer(target) > layer(source)
    ]
    assert upward == []


def test_nothing_imports_the_command_line():
    importers = [
        f"{source} imports {target}"
        for source, target in import_graph().edges
        if target.split(".")[0] == "cli" and source.split(".")[0] != "cli"
    ]
    assert importers == []


def test_no_cycle_between_modules():
    assert list(nx.simple_cycles(import_graph())) == []


def test_no_cycle_between_packages():
    packages = nx.DiGraph()
    for source, target in import_graph().edges:
        if source.split(".")[0] != target.split(".")[0]:
            packages.add_edge(source.split(".")[0], target.split(".")[0])
    assert list(nx.simple_cycles(packages)) == []


def test_a_cycle_would_be_found(tmp_path, monkeypatch):
    # The same checks on a hand-made tree: two modules importing each other, and model importing viz.
    for package, text in {
        "model": "from model import b\nimport viz.page\n",
        "viz": "",
    }.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
        (tmp_path / package / "a.py").write_text(text)
    (tmp_path / "model" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nfrom .a import something\nif TYPE_CHECKING:\n    from viz import page\n"
    )
    (tmp_path / "viz" / "page.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "LAYERS", ("model", "viz"))
    graph = import_graph()
    assert sorted(map(sorted, nx.simple_cycles(graph))) == [["model.a", "model.b"]]
    assert [(s, t) for s, t in graph.edges if layer(t) > layer(s)] == [("model.a", "viz.page")]


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "model",
            (
                "solara",
                "mesa.visualization",
                "experiments",
                "viz",
                "cli",
                "benchmarks",
                "duckdb",
                "dask",
            ),
        ),
        ("experiments", ("solara", "mesa.visualization", "viz", "cli", "benchmarks")),
    ],
)
def test_importing_a_lower_layer_loads_nothing_above_it(package, forbidden):
    modules = [name for name in project_modules() if name.split(".")[0] == package]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') for f in {forbidden!r}))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
