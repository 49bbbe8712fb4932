"""The house's doors: no module of ours imports itself back through others (docs/ARCHITECTURE.md).

The rooms' directions are import-linter's contracts (`make lint`); this finds the cycles
between single modules that those package-level contracts cannot see."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

PACKAGES = ("idp", "flows", "consent")
ROOT = Path(__file__).resolve().parent.parent


def _cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    modules = sorted(graph.modules)
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    for root in modules:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_module_imports_itself_back():
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True)
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "b", "c"):
        graph.add_module(module)
    graph.add_import(importer="a", imported="b")
    graph.add_import(importer="b", imported="a")
    graph.add_import(importer="b", imported="c")
    assert _cycles(graph) == [["a", "b"]]


def test_tests_share_helpers_only_through_tests_support():
    graph = grimp.build_graph("tests")
    borrowed = {
        (importer, imported)
        for importer in graph.modules
        if not importer.startswith("tests.support")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported.startswith("tests.") and not imported.startswith("tests.support")
    }
    assert borrowed == set()


def _unexplained_imports_in_functions(source: str) -> list[int]:
    """Line numbers of imports inside functions with no comment on their line or the one above."""
    lines = source.splitlines()
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Import | ast.ImportFrom):
                here, above = lines[node.lineno - 1], lines[node.lineno - 2]
                if "#" not in here and not above.strip().startswith("#"):
                    found.append(node.lineno)
    return found


def test_imports_inside_functions_say_why():
    unexplained = {
        str(path.relative_to(ROOT)): lines
        for folder in (*PACKAGES, "tests")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (lines := _unexplained_imports_in_functions(path.read_text(encoding="utf-8")))
    }
    assert unexplained == {}


def test_the_import_check_sees_an_unexplained_one():
    source = "def f():\n    import json\n\n\ndef g():\n    import os  # only here: why\n"
    assert _unexplained_imports_in_functions(source) == [2]
