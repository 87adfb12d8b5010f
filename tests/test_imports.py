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


#: Imports every module of the package alone, each in a process of its own forked from one that
#: holds only the third-party libraries the package imports (TensorFlow's import alone takes
#: seconds; 60 fresh interpreters took 200 s of the suite on 2 cores, the forks take a few).
#: A package module that needs another one it does not import fails here as in a fresh interpreter.
FORKED_IMPORTS = r"""
import importlib, json, os, sys, traceback
for name in sys.argv[2].split(","):
    try:
        importlib.import_module(name)
    except Exception:
        pass
results = {}
for module in sys.argv[1].split(","):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module("aelatent." + module)
            message, code = b"", 0
        except BaseException:
            message, code = traceback.format_exc().encode(), 1
        os.write(write, message)
        os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        message = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    results[module] = [os.waitstatus_to_exitcode(status), message]
print(json.dumps(results))
"""


def third_party_imports():
    """The top-level names of the libraries outside the standard library the package imports."""
    names = set()
    for path in FILES.values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.add(node.module.split(".")[0])
    return sorted(n for n in names if n != "aelatent" and n not in sys.stdlib_module_names)


@pytest.fixture(scope="module")
def fresh_imports():
    """Every module imported alone, each in a process that has imported no module of the package:
    module -> (exit code, traceback)."""
    import json

    modules = [m for m in MODULES if m != "__init__"]
    result = subprocess.run([sys.executable, "-c", FORKED_IMPORTS, ",".join(modules),
                             ",".join(third_party_imports())],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_forked_imports_notice_a_module_that_fails_to_import(tmp_path):
    """The harness itself: a module that raises on import is reported with its traceback."""
    package = tmp_path / "aelatent"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "good.py").write_text("X = 1\n")
    (package / "bad.py").write_text("from .missing import Y\n")
    result = subprocess.run([sys.executable, "-c", FORKED_IMPORTS, "good,bad", "numpy"],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path,
                            env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)})
    import json
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["good"][0] == 0
    assert found["bad"][0] == 1 and "missing" in found["bad"][1]


@pytest.mark.parametrize("module", [m for m in MODULES if m != "__init__"])
def test_each_module_imports_alone(module, fresh_imports):
    code, message = fresh_imports[module]
    assert code == 0, message[-2000:]
