"""Shared fixtures: isolated run/cache folders, the shared CelebA subset, one smoke series run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]

#: ``make test`` runs the suite in as many pytest-xdist workers as there are cores. Each worker
#: then computes on one thread (TensorFlow, OpenBLAS, OpenMP): two workers with two threads each
#: make the libraries' spinning thread pools fight over 2 cores (up to 8x slower). Set before
#: NumPy or TensorFlow is imported, and inherited by the notebooks' kernels.
WORKER_THREADS = {"TF_NUM_INTRAOP_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
if os.environ.get("PYTEST_XDIST_WORKER"):
    for _name, _value in WORKER_THREADS.items():
        os.environ.setdefault(_name, _value)
from aelatent.regression.references import reference_dir
from aelatent.regression.variants import changed_numeric_environment
from aelatent.locations import SHARED_SUBSET, shared_subset_present  # noqa: E402
from aelatent.run_request import RunRequest  # noqa: E402
from tiny import TINY  # noqa: E402


# --------------------------------------------------------------------------- markers
def pytest_configure(config):
    config.addinivalue_line(
        "markers", "celeba: needs the shared CelebA subset (../shared/data/celeba_subset); "
                   "skipped with a reason where it is absent, a failure in CI (CI=true)")
    config.addinivalue_line(
        "markers", "slow: executes notebooks of the series or a browser (minutes); "
                   "pytest -m 'not slow' leaves them out")
    config.addinivalue_line(
        "markers", "browser: drives JupyterLab in headless Chromium (Debian chromium, "
                   "chromium-driver); skipped with a reason where they are absent, a failure in CI")


@pytest.hookimpl(tryfirst=True)   # before pytest-xdist reads the xdist_group markers
def pytest_collection_modifyitems(config, items):
    """Every test that uses the executed series is slow, whether or not it says so.

    Under pytest-xdist (``--dist loadgroup``) all tests of the executed series run in one
    worker, which executes the series once, and the browser tests in one worker; the other
    worker takes the rest meanwhile.
    """
    for item in items:
        if "series_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("series"))
        elif "trained_smoke_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_runtest_setup(item):
    if item.get_closest_marker("celeba") and not shared_subset_present():
        message = (f"needs the shared CelebA subset at {SHARED_SUBSET} (real photographs; "
                   "never copied into the project)")
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must provide it", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def isolated_folders(tmp_path_factory):
    """Runs and caches of the test session live in a temporary folder, not in the project."""
    root = tmp_path_factory.mktemp("aelatent")
    old = {k: os.environ.get(k) for k in ("AELATENT_RUNS_DIR", "AELATENT_CACHE_DIR")}
    os.environ["AELATENT_RUNS_DIR"] = str(root / "runs")
    os.environ["AELATENT_CACHE_DIR"] = str(root / "cache")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    yield root
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def celeba_dir():
    """The shared real CelebA subset when it is beside the project, else "" (synthetic faces)."""
    return str(SHARED_SUBSET) if shared_subset_present() else ""


@pytest.fixture(scope="session")
def series_run(celeba_dir, isolated_folders):
    """The whole notebook series executed once with papermill (smoke profile).

    It runs in **another numeric environment than the references were made in**
    (:func:`aelatent.regression.variants.changed_numeric_environment`: one intra-op thread
    where the references used TensorFlow's default), which changes float
    rounding the way another CPU does. So ``make test`` checks on every machine
    that the committed references hold beyond the machine that wrote them.
    Returns the run folder; each notebook's test reads its metrics from there.
    """
    return smoke_run_in_another_environment(celeba_dir, "")


@pytest.fixture(scope="session")
def trained_smoke_run(celeba_dir, isolated_folders):
    """Notebook I alone in the smoke profile, in the series' numeric environment: the trained model
    that the planted-change tests copy. They need no more of the series, so they run in another
    pytest-xdist worker while the series executes. Returns the run folder."""
    return smoke_run_in_another_environment(celeba_dir, "smoke-trained", ["01"],
                                            log=lambda *a: None, record=False)


def smoke_run_in_another_environment(celeba_dir, run_name, notebooks=None, **options):
    """Notebooks of the smoke series (seed 0) run in :func:`changed_numeric_environment` of the
    references; ``options`` go to :func:`aelatent.runner.run_series`. Returns the run folder."""
    from aelatent import regress
    from aelatent.runner import run_series

    references = reference_dir("smoke", celeba_dir, 0)
    with regress.numeric_environment(changed_numeric_environment(references)):
        folder, _ = run_series(RunRequest("smoke", celeba_dir, run_name, 0), notebooks, **options)
    return folder


# --------------------------------------------------------------------------- tiny runs and folders


@pytest.fixture(scope="session")
def tiny_overrides():
    """The ``**overrides`` of :func:`aelatent.runs.ensure_run` for a tiny, fast run."""
    return dict(TINY)


@pytest.fixture(scope="session")
def tiny_run(isolated_folders):
    """A tiny run (synthetic faces, smoke profile + TINY), trained once per session. Don't modify."""
    from aelatent.runs import ensure_run

    return ensure_run("smoke", "", "tiny", 0, verbose=0, **TINY)


@pytest.fixture
def tiny_copy(tiny_run, tmp_path):
    """A private copy of the tiny run under a fresh run name, for tests that tamper with it."""
    import shutil

    from aelatent.runs import Run, runs_dir

    path = runs_dir() / f"tiny-copy-{tmp_path.name}"
    shutil.copytree(tiny_run.path, path, ignore=shutil.ignore_patterns(".lock"))
    return Run(path, tiny_run.config)


@pytest.fixture
def make_celeba_folder(tmp_path):
    """Factory of small CelebA-like folders in ``tmp_path``.

    ``make(n=20, size=(89, 109), partition=None, attributes=3, name="celeba")``
    writes ``n`` synthetic faces as JPEGs ``000001.jpg`` ... of ``size`` into
    ``<name>/img_align_celeba/``, a ``list_eval_partition.txt`` when
    ``partition`` is a list of 0/1/2 (one per image), and a
    ``list_attr_celeba.txt`` with ``attributes`` columns of +-1 (LF endings)
    when ``attributes`` > 0. Returns the folder.
    """
    import numpy as np
    from PIL import Image

    from aelatent.synthetic import synthetic_faces

    def make(n=20, size=(89, 109), partition=None, attributes=3, name="celeba"):
        root = tmp_path / name
        image_dir = root / "img_align_celeba"
        image_dir.mkdir(parents=True)
        faces, _ = synthetic_faces(n, max(size), seed=1)
        for i, face in enumerate(faces, 1):
            Image.fromarray(face).resize(size).save(image_dir / f"{i:06d}.jpg", quality=95)
        if partition is not None:
            (root / "list_eval_partition.txt").write_text(
                "".join(f"{i:06d}.jpg {p}\n" for i, p in enumerate(partition, 1)))
        if attributes:
            rng = np.random.default_rng(0)
            names = [f"Attr_{j}" for j in range(attributes)]
            rows = [f"{i:06d}.jpg " + " ".join(f"{v:2d}" for v in rng.choice([-1, 1], attributes))
                    for i in range(1, n + 1)]
            (root / "list_attr_celeba.txt").write_text(
                "\n".join([str(n), " ".join(names)] + rows) + "\n")
        return root

    return make
