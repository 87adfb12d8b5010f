"""The package has no import circles: not at module level, and not hidden in functions."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "aelatent"


def _dotted(path):
    """``aelatent/samplers/base.py`` -> ``"samplers.base"``; a package's ``__init__`` -> its name."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts) or "__init__"


FILES = {_dotted(p): p for p in sorted(PACKAGE.rglob("*.py")) if p.stem != "__main__"}
MODULES = sorted(FILES)


def _resolve(name):
    """The longest known module a dotted name lies in (``"samplers.base.X"`` -> ``"samplers.base"``)."""
    parts = name.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in FILES:
            return ".".join(parts[:n])
    return None


def imports_of(module):
    """The package modules that ``module`` imports anywhere in its source (also in functions),
    sub-packages (``samplers/``, ``models/``) included."""
    path = FILES[module]
    here = _dotted(path.parent) if path.parent != PACKAGE else ""
    here = "" if here == "__init__" else here
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            base = here.split(".") if here else []
            base = base[:len(base) - (node.level - 1)] if node.level > 1 else base
            prefix = ".".join(base + ([node.module] if node.module else []))
        elif (node.module or "").startswith("aelatent."):
            prefix = node.module[len("aelatent."):]
        else:
            continue
        names = [f"{prefix}.{a.name}" if prefix else a.name for a in node.names]
        for target in (names if not node.module else [prefix] + names):
            resolved = _resolve(target)
            if resolved:
                found.add(resolved)
    return found & set(MODULES)


def test_the_graph_reaches_into_the_sub_packages():
    assert {"samplers.base", "models.vae"} <= set(MODULES)
    assert "models.ae" in imports_of("models.vae") and "config" in imports_of("models.vae")
    assert "samplers" in imports_of("model_comparison")


def test_no_import_circle_even_through_function_level_imports():
    graph = {m: imports_of(m) - {m} for m in MODULES if m != "__init__"}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for m in graph:
        if m not in state:
            visit(m, [m])
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_locations_imports_nothing_of_the_package():
    assert imports_of("locations") == set()


@pytest.fixture(scope="module")
def fresh_imports():
    """Every module imported alone, each in a fresh interpreter, as many at once as there are cores
    (one at a time took 90 s of the suite on 2 cores): module -> CompletedProcess."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    def run(module):
        return subprocess.run([sys.executable, "-c", f"import aelatent.{module}"],
                              capture_output=True, text=True, timeout=300)

    modules = [m for m in MODULES if m != "__init__"]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return dict(zip(modules, pool.map(run, modules)))


@pytest.mark.parametrize("module", [m for m in MODULES if m != "__init__"])
def test_each_module_imports_alone_in_a_fresh_interpreter(module, fresh_imports):
    result = fresh_imports[module]
    assert result.returncode == 0, result.stderr[-2000:]
