"""Regression runs: the series' metrics compared with committed reference values.

``python -m aelatent regress`` (``make regress``) executes the notebook series in
the ``smoke`` profile with seed 0 in a fresh run folder and compares every
notebook's ``metrics/<notebook>.json`` with the references in
``tests/reference/<profile>-<data>-seed<seed>/``.

Float rounding differs between CPUs (AVX-512 or not), TensorFlow thread counts
and oneDNN settings, and two epochs of training amplify it: a number that is
bit-for-bit reproducible on one machine moves on another. So the references are
made from several runs (``--update``, ``make regress-update``):

- the **reference run**, in the environment the command is started in;
- **float variants** of it, the same seed with another numeric environment
  (:func:`default_variants`: another intra-op thread count, oneDNN's kernels
  switched over), which stand for "another machine";
- **seed variants**, trained with other seeds, which show how far a key moves
  when the training really changes.

The variants run side by side, one per core, each held to one thread
(:func:`run_variants`); the reference run runs alone before them.

Each key's tolerance comes from what was seen (:func:`derive_entry`): ``spread``
is the largest deviation of a float variant from the reference run,
``seed_spread`` the same for the seed variants. The tolerance is
``max(TOLERANCE_FACTOR * spread, SEED_SHARE * seed_spread, floor)`` with a small
floor per kind of number (:func:`tolerance_floor`). True invariants (sizes,
counts of images) stay exact. A key that float rounding alone moves by a
quarter (``NOISE_RATIO``) of what a new seed does measures noise: it is recorded
with ``"regressed": false`` and the reason, shown in every report, and never
fails a run.

Why these numbers: with one float variant held out, four times the spread of
the others missed 13 to 30 of 380 keys, because deviations of two variants can
differ fivefold; on a CPU without AVX-512 a few keys moved as far as half a
seed's change (issue H). Half the seed spread as a lower bound closes both gaps
and still fails a new seed, one epoch fewer or a planted bug
(``tests/test_planted_changes.py``).

A reference folder holds::

    _source.json        what made the references: profile, data, seed, the run's
                        configuration, image-id fingerprint, package versions, the
                        machine (CPU model, AVX-512), the variants and the rule
    <notebook>.json     one entry per key: {"value", "abs", "spread", "seed_spread",
                        "derived"} or {"value", "regressed": false, "reason", ...}

A regressed key passes when ``|now - value| <= abs + rel * |value|`` (``rel``
only in hand-written entries). A run gets one of two verdicts: **identical to
the references** (every key bit for bit: the machine and environment that made
them) or **within tolerance**. This module does not import TensorFlow.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
import os
import shutil
import time
from pathlib import Path

from . import locations
from .config import SYNTHETIC, RunConfig, profile_config, resolve_data_dir
from .errors import ConfigError
from .locations import SHARED_SUBSET, runs_dir
from .machine import describe_machine
from .regression import REFRESH
from .regression.references import (RegressionFailed, check_run, reference_name, widen_references,
                                    write_references)
from .regression.variants import REFERENCE_RUN, default_variants, extra_variant, numeric_environment
from .run_request import RunRequest
from .runner import run_series, series
from .runs import SIBLING_SEPARATOR
from .storage import folder_lock, read_json

#: The commands of ``python -m aelatent regress``; the pieces they are made of live in
#: :mod:`aelatent.regression` (comparison, references, tolerances, variants).
__all__ = ["ONE_THREAD", "fresh_series", "regress", "resolve_data", "run_variants", "widen"]


def resolve_data(data):
    """``"auto"``: the shared CelebA subset beside the project if present, else synthetic."""
    if data == "auto":
        return str(SHARED_SUBSET) if locations.shared_subset_present() else ""
    return "" if resolve_data_dir(data) == SYNTHETIC else data


def _existing_run(use_run, profile):
    run_folder = Path(use_run)
    if not run_folder.is_absolute() and not run_folder.exists():
        run_folder = runs_dir() / run_folder
    if not (run_folder / "config.json").exists():
        raise ConfigError(f"{run_folder} is not a run folder (it has no config.json).")
    config = RunConfig.from_dict(read_json(run_folder / "config.json"))
    wanted = profile_config(profile, "" if config.is_synthetic else config.data_dir, config.seed)
    differing = wanted.differing_keys(config)
    if differing:
        raise ConfigError(f"{run_folder} is not a {profile!r} run: it differs in "
                          f"{differing}. Choose --profile, or run the series anew.")
    return run_folder, config


def fresh_series(profile, data_dir, seed, notebooks=None, keep=False, variant=None, log=print):
    """Run the series into ``runs/regress-<ref>[+<variant>]``, emptied first unless ``keep``.

    Returns
    -------
    Path
        The run folder.
    """
    name = "regress-" + reference_name(profile, profile_config(profile, data_dir, seed))
    if variant:
        name += "+" + variant.name
    variant = variant or REFERENCE_RUN
    run_folder = runs_dir() / name
    # the run and its siblings of other model kinds (notebook XV), trained anew unless keep
    folders = [run_folder, *sorted(runs_dir().glob(f"{name}{SIBLING_SEPARATOR}*"))]
    for folder in folders if not keep else ():
        if not folder.exists():
            continue
        # never wipe a folder another process uses: hold both locks, keep their files
        with folder_lock(folder, name=".series.lock"), folder_lock(folder):
            for child in folder.iterdir():
                if child.name not in (".lock", ".series.lock"):
                    shutil.rmtree(child) if child.is_dir() else child.unlink()
    env = " ".join(f"{k}={v}" for k, v in variant.env.items()) or "unchanged environment"
    log(f"aelatent regress: {variant.name} run, seed {seed + variant.seed_offset}, {env}")
    with numeric_environment(variant.env):
        run_series(RunRequest(profile, data_dir, name, seed + variant.seed_offset), notebooks,
                   log=log, record=False)
    return run_folder


#: The environment every variant runs in, under its own settings: one thread each for
#: TensorFlow, OpenMP and OpenBLAS. Two runs whose thread pools spin on the same two cores took
#: four to five times as long as one alone; two runs held to one thread each take about the time
#: of one (docs/regression.md), so the variants run side by side, one per core.
ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _variant_in_child(series, args, variant):
    """Run one variant's series in a worker process; its lines carry the variant's name."""
    def log(line):
        print(f"[{variant.name}] {line}", flush=True)
    return str(series(*args, variant=variant, log=log))


def run_variants(profile, data_dir, seed, variants, notebooks=None, keep=False, log=print,
                 parallel=None, series=fresh_series):
    """Run the variants' series, ``parallel`` at a time, each held to one thread.

    Parameters
    ----------
    profile, data_dir, seed, notebooks, keep
        As for :func:`fresh_series`.
    variants : sequence of Variant
        Each runs in :data:`ONE_THREAD` updated by its own environment (a
        ``threads2`` variant keeps its two TensorFlow threads).
    parallel : int, optional
        How many run side by side; default one per CPU core. With 1 they run
        one after the other in this process.
    series : callable
        What runs one variant (:func:`fresh_series`; a test passes its own).

    Returns
    -------
    list of (Variant, Path)
        In the order of ``variants``; each Variant's ``env`` is the environment
        it ran in, as ``_source.json`` records it.
    """
    variants = [dataclasses.replace(v, env={**ONE_THREAD, **v.env}) for v in variants]
    parallel = max(1, min(len(variants), parallel or os.cpu_count() or 1))
    args = (profile, data_dir, seed, notebooks, keep)
    if parallel == 1:
        return [(v, Path(series(*args, variant=v, log=log))) for v in variants]
    log(f"aelatent regress: {len(variants)} variants, {parallel} at a time, one thread each")
    context = multiprocessing.get_context("spawn")     # a fresh interpreter: no inherited state
    with concurrent.futures.ProcessPoolExecutor(parallel, mp_context=context) as pool:
        futures = [pool.submit(_variant_in_child, series, args, v) for v in variants]
        try:
            folders = [Path(f.result()) for f in futures]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return list(zip(variants, folders))


def _run_to_compare(profile, data, seed, notebooks, keep, use_run, log):
    """The run folder a regression compares -- an existing one, or a fresh series -- its config
    and its data folder (``""`` for synthetic)."""
    if use_run:
        run_folder, config = _existing_run(use_run, profile)
        log(f"aelatent regress: comparing the existing run {run_folder}")
        return run_folder, config, "" if config.is_synthetic else config.data_dir
    data_dir = resolve_data(data)
    config = profile_config(profile, data_dir, seed)
    log(f"aelatent regress: on {describe_machine()}")
    return fresh_series(profile, data_dir, seed, notebooks, keep, log=log), config, data_dir


def regress(profile="smoke", data="auto", seed=0, notebooks=None, update=False, keep=False,
            use_run=None, references_root=None, variants=None, log=print):
    """Run the series with fixed seeds and compare its metrics with the references.

    Parameters
    ----------
    profile : str
        Profile of the regression run (``smoke`` for CI).
    data : str
        ``"auto"`` (the shared CelebA subset when present, else synthetic),
        ``""`` for synthetic, or a CelebA folder.
    seed : int
    notebooks : list of str, optional
        Run and compare only these notebooks (numbers or stems).
    update : bool
        Run the variants too and write new references from all runs
        (:func:`write_references`) instead of failing.
    keep : bool
        Reuse the regression run folders' trained models (only the notebooks
        are executed again); default is fresh run folders, trained anew.
    use_run : path, optional
        Compare this existing run folder; nothing is run (not with ``update``).
    references_root : path, optional
        Default ``tests/reference``.
    variants : sequence of Variant, optional
        Default :func:`default_variants`.

    Returns
    -------
    Comparison

    Raises
    ------
    RegressionFailed
        When a key is outside its tolerance or references are missing (not with ``update``).
    """
    root = Path(references_root or locations.REFERENCE_ROOT)
    start = time.perf_counter()
    if use_run and update:
        raise ConfigError("--update derives tolerances from several runs (the reference run and "
                          "its variants) and cannot use one existing run; drop --use-run.")
    run_folder, config, data_dir = _run_to_compare(profile, data, seed, notebooks, keep, use_run,
                                                   log)
    references = root / reference_name(profile, config)
    selection = [p.stem for p in series(notebooks)] if notebooks else None
    comparison = check_run(run_folder, references, profile, selection)
    log(f"\nreferences: {references}")
    if update:
        log("(before the update:)")
    log(comparison.report())
    if update:
        variant_runs = run_variants(profile, data_dir, seed,
                                    default_variants() if variants is None else variants,
                                    notebooks, keep, log)
        written = write_references(run_folder, variant_runs, references, profile, selection)
        log(f"wrote {len(written)} reference files to {references} from "
            f"{1 + len(variant_runs)} runs in {(time.perf_counter() - start) / 60:.1f} min "
            "(review them with git diff)")
        return comparison
    if not comparison.passed:
        raise RegressionFailed(
            f"{len(comparison.failures)} failing keys (table above). If the change is "
            f"intended, refresh the references: {REFRESH}")
    return comparison


def widen(names, profile="smoke", data="auto", seed=0, notebooks=None, use_run=None,
          references_root=None, log=print):
    """Fold float variants into the existing references (``regress --widen NAME ...``).

    Each named variant (:func:`aelatent.regression.variants.extra_variant`, e.g.
    ``avx2-threads1``) runs the series with the reference seed -- or, with
    ``use_run``, the one existing run folder is taken as that variant (e.g. the
    test suite's series from a machine of another CPU type) -- and
    :func:`widen_references` folds its deviations into the stored spreads. Five
    runs of a full refresh are not needed to learn what one more machine moves.

    Returns
    -------
    dict of name -> {"widened": n, "now_reported": m}
    """
    variants = [extra_variant(name) for name in names]
    if use_run and len(variants) != 1:
        raise ConfigError("--use-run with --widen takes exactly one variant name (what that run was).")
    if use_run:
        run_folder, config = _existing_run(use_run, profile)
        runs = [(variants[0], run_folder)]
    else:
        data_dir = resolve_data(data)
        config = profile_config(profile, data_dir, seed)
        log(f"aelatent regress: widening on {describe_machine()}")
        runs = [(v, fresh_series(profile, data_dir, seed, notebooks, False, v, log)) for v in variants]
    references = Path(references_root or locations.REFERENCE_ROOT) / reference_name(profile, config)
    selection = [p.stem for p in series(notebooks)] if notebooks else None
    counts = {}
    for variant, run_folder in runs:
        counts[variant.name] = widen_references(references, variant, run_folder, selection)
        log(f"{variant.name}: {counts[variant.name]['widened']} tolerances widened, "
            f"{counts[variant.name]['now_reported']} keys now reported as noise ({references})")
    return counts
