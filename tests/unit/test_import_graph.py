"""No import cycle anywhere in `src`: a module never needs, even indirectly, a module that
needs it, so each can be read, tested and replaced from the bottom up.

import-linter's `acyclic_siblings` contract checks siblings package by package; this checks
every module of the package against every other, imports under `TYPE_CHECKING` and inside
functions included (grimp counts both), so a cycle dodged by a lazy import is still one.
"""

from __future__ import annotations

import grimp

PACKAGE = "oec_chatops"


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other in a ring (Tarjan's strongly connected
    components of more than one module), each sorted; a module importing itself counts too."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(root: str) -> None:
        # Iterative, so a deep import chain cannot hit the recursion limit.
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, imported = work[-1]
            for other in imported:
                if other not in index:
                    index[other] = low[other] = len(index)
                    stack.append(other)
                    on_stack.add(other)
                    work.append(
                        (other, iter(sorted(graph.find_modules_directly_imported_by(other))))
                    )
                    break
                if other in on_stack:
                    low[module] = min(low[module], index[other])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    ring = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        ring.append(member)
                        if member == module:
                            break
                    if len(ring) > 1 or module in graph.find_modules_directly_imported_by(module):
                        found.append(sorted(ring))

    for module in sorted(m for m in graph.modules if m.split(".")[0] == PACKAGE):
        if module not in index:
            visit(module)
    return sorted(found)


def test_there_is_no_import_cycle_in_src() -> None:
    graph = grimp.build_graph(PACKAGE)
    assert cycles(graph) == []


def test_a_cycle_would_be_found() -> None:
    """The check itself: one import added against the grain makes a cycle it reports."""
    graph = grimp.build_graph(PACKAGE)
    graph.add_import(
        importer="oec_chatops.domain",
        imported="oec_chatops.services.commands",
        line_number=1,
        line_contents="from oec_chatops.services import commands",
    )
    found = cycles(graph)
    assert len(found) == 1
    assert {"oec_chatops.domain", "oec_chatops.services.commands"} <= set(found[0])
