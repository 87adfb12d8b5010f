"""``make test`` runs the suite in pytest-xdist workers: the tests of the executed series must
share one worker, or the series (ten minutes) is executed once per worker.

pytest-xdist's ``--dist loadgroup`` silently stopped grouping on pytest 9.2 (pytest-xdist#1386):
everything passed and the series ran twice. This test runs a small suite with the project's
conftest hook in two workers and checks where its tests ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")

SUITE_CONFTEST = f'''
import importlib.util, os, pytest
spec = importlib.util.spec_from_file_location("project_conftest", {str(CONFTEST)!r})
project = importlib.util.module_from_spec(spec)
spec.loader.exec_module(project)
pytest_collection_modifyitems = project.pytest_collection_modifyitems

@pytest.fixture(scope="session")
def series_run():
    return os.environ["PYTEST_XDIST_WORKER"]

@pytest.fixture
def record(request):
    yield
    with open(os.path.join(os.environ["WHERE"], request.node.name), "w") as f:
        f.write(os.environ["PYTEST_XDIST_WORKER"])
'''

SUITE_TESTS = "\n".join(
    [f"def test_series_{i}(series_run, record): pass" for i in range(4)]
    + [f"def test_other_{i}(record): pass" for i in range(8)]) + "\n"


def test_the_tests_of_the_executed_series_share_one_worker(tmp_path):
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "conftest.py").write_text(SUITE_CONFTEST)
    (suite / "test_a.py").write_text(SUITE_TESTS)
    (suite / "test_b.py").write_text(SUITE_TESTS.replace("def test_", "def test_b_"))
    where = tmp_path / "where"
    where.mkdir()
    env = {**os.environ, "WHERE": str(where),
           "PYTHONPATH": os.pathsep.join([str(CONFTEST.parent), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadgroup",
                             "-p", "no:cacheprovider", "--rootdir", str(suite), str(suite)],
                            capture_output=True, text=True, env=env, cwd=suite, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    workers = {p.name: p.read_text() for p in where.iterdir()}
    series = {w for name, w in workers.items() if "series" in name}
    assert len(workers) == 24
    assert len(series) == 1, f"the series tests ran in workers {sorted(series)}: {workers}"
    assert set(workers.values()) == {"gw0", "gw1"}, "the other tests should use both workers"
