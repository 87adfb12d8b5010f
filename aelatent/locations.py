"""Where things live: the project, run folders, image caches, references, the shared subset.

Every module of the package takes its file-system locations from here; this
module imports nothing of the package, so it can never be part of an import
circle. ``$AELATENT_RUNS_DIR`` and ``$AELATENT_CACHE_DIR`` move run folders and
caches elsewhere (the tests use temporary folders).
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root():
    """The project folder: the one that holds ``aelatent/`` and ``notebooks/``."""
    return Path(__file__).resolve().parents[1]


def runs_dir():
    """Where run folders live: ``$AELATENT_RUNS_DIR`` or ``<project>/runs``."""
    return Path(os.environ.get("AELATENT_RUNS_DIR") or project_root() / "runs")


def cache_dir():
    """Where decoded image caches live: ``$AELATENT_CACHE_DIR`` or ``<project>/cache``."""
    return Path(os.environ.get("AELATENT_CACHE_DIR") or project_root() / "cache")


def notebooks_dir():
    """The notebooks of the series."""
    return project_root() / "notebooks"


#: The committed regression references.
REFERENCE_ROOT = project_root() / "tests" / "reference"
#: The real CelebA subset beside the project (9,000 aligned images; never copied into it).
SHARED_SUBSET = project_root().parent / "shared" / "data" / "celeba_subset"


def shared_subset_present():
    """Whether the shared CelebA subset (its ``img_align_celeba/`` folder) is beside the project."""
    return (SHARED_SUBSET / "img_align_celeba").is_dir()


def current_run_file():
    """The record of the run the notebooks follow: ``<runs>/current.json`` (written by ``make run``)."""
    return runs_dir() / "current.json"
