"""Reference folders: where they live, what made them, checking a run against them, writing them."""

from __future__ import annotations

import hashlib
import json
import platform
from pathlib import Path

from .. import locations
from ..config import SYNTHETIC, RunConfig, default_run_name, profile_config
from ..errors import AelatentError, ConfigError
from ..machine import describe_machine, machine_description
from ..runner import series
from ..storage import load_array, read_json, write_json
from . import REFRESH
from .comparison import Row, compare
from .tolerances import NOISE_RATIO, SEED_SHARE, TOLERANCE_FACTOR, derive_references
from .variants import SOURCE_FILE

class RegressionFailed(AelatentError):
    """Metrics moved outside their tolerance, or references are missing."""


def data_label(config):
    """``synthetic`` or the data folder's name: which data references belong to."""
    return SYNTHETIC if config.is_synthetic else Path(config.data_dir).name or "data"


def reference_name(profile, config):
    """``<profile>-<data>-seed<seed>``: the reference folder of a run."""
    return default_run_name(profile, config)


def reference_dir(profile="smoke", data_dir="", seed=0, root=None):
    """The reference folder for a profile, data folder (``""`` = synthetic) and seed."""
    config = profile_config(profile, data_dir, seed)
    return Path(root or locations.REFERENCE_ROOT) / reference_name(profile, config)


def read_references(folder):
    """Read ``<notebook>.json`` reference files of a folder: notebook -> key -> entry."""
    folder = Path(folder)
    return {p.stem: read_json(p) for p in sorted(folder.glob("*.json")) if p.name != SOURCE_FILE}


def read_run_metrics(run_folder):
    """Read ``metrics/*.json`` of a run folder: notebook -> key -> number."""
    return {p.stem: read_json(p) for p in sorted((Path(run_folder) / "metrics").glob("*.json"))}


def run_source(run_folder, profile):
    """Describe what a run was made from (written as ``_source.json`` of references)."""
    run_folder = Path(run_folder)
    config = RunConfig.from_dict(read_json(run_folder / "config.json"))
    described = config.to_dict()
    described["data_dir"] = data_label(config)       # no machine-specific paths
    ids = hashlib.sha256()
    for split in ("train", "val"):
        path = run_folder / f"ids_{split}.npy"
        if path.exists():
            ids.update(f"{split}:".encode() + "\n".join(map(str, load_array(path))).encode())
    return {
        "profile": profile,
        "data": data_label(config),
        "seed": config.seed,
        "config": described,
        "image_ids_sha256": ids.hexdigest(),
        "versions": _versions(),
        "machine": machine_description(),
        "refresh": REFRESH,
    }


def _versions():
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version(), "machine": platform.machine()}
    for name, distributions in (("numpy", ["numpy"]), ("keras", ["keras"]),
                                ("tensorflow", ["tensorflow", "tensorflow-cpu"])):
        for distribution in distributions:
            try:
                found[name] = version(distribution)
                break
            except PackageNotFoundError:
                pass
    return found


def compare_source(now, reference):
    """Rows for differences between a run's source and the references' (pure)."""
    rows = []
    if reference is None:
        return rows
    for key in ("data", "seed", "image_ids_sha256"):
        if now.get(key) != reference.get(key):
            rows.append(Row(SOURCE_FILE[:-5], key, "source",
                            note=f"references made with {reference.get(key)!r}, this run has "
                                 f"{now.get(key)!r}: other data, compare with other references"))
    old, new = reference.get("config", {}), now.get("config", {})
    # a configuration key added after the references were made had its default's behaviour
    defaults = json.loads(RunConfig().to_json())
    for key in sorted(set(old) | set(new)):
        if old.get(key, defaults.get(key)) != new.get(key, defaults.get(key)):
            rows.append(Row(SOURCE_FILE[:-5], f"config.{key}", "source",
                            note=f"references made with {old.get(key)!r}, this run has "
                                 f"{new.get(key)!r}; after an intended change: {REFRESH}"))
    return rows


def environment_warnings(now, reference):
    """Lines about what differs between the environment of a run and of the references (pure).

    Package versions (the references hold for the versions of
    ``requirements-lock.txt``), the CPU and the numeric environment. None of
    them fails a run; they say why keys may have moved.
    """
    if reference is None:
        return []
    lines = []
    old, new = reference.get("versions", {}), now.get("versions", {})
    for name in sorted(set(old) | set(new)):
        if old.get(name) != new.get(name):
            lines.append(f"references made with {name} {old.get(name)}, this run has "
                         f"{new.get(name)} (make setup installs the locked versions)")
    old_m, new_m = reference.get("machine"), now.get("machine")
    if old_m and new_m:
        cpu = ("cpu_model", "avx512f", "avx2")
        if any(old_m.get(k) != new_m.get(k) for k in cpu):
            lines.append(f"references made on {describe_machine(old_m)}; this machine is "
                         f"{describe_machine(new_m)}: expect keys to move within tolerance, "
                         "not to be identical")
    return lines


def check_run(run_folder, references_folder, profile="smoke", notebooks=None):
    """Compare a run folder's metrics with a reference folder.

    Parameters
    ----------
    run_folder, references_folder : path
    profile : str
        The profile the run was made with (recorded in the references).
    notebooks : list of str, optional
        Notebook stems that ran; default every notebook of the series. Only
        their references are compared.

    Returns
    -------
    Comparison
    """
    references_folder = Path(references_folder)
    expected = [p.stem for p in series(notebooks)]
    metrics = {k: v for k, v in read_run_metrics(run_folder).items()
               if notebooks is None or k in expected}
    references = read_references(references_folder) if references_folder.is_dir() else {}
    comparison = compare(metrics, references, expected)
    source_path = references_folder / SOURCE_FILE
    stored = read_json(source_path) if source_path.exists() else None
    source = run_source(run_folder, profile)
    comparison.rows[:0] = compare_source(source, stored)
    comparison.warnings = environment_warnings(source, stored)
    return comparison


def write_references(run_folder, variant_runs, references_folder, profile="smoke",
                     notebooks=None):
    """Derive the references from a reference run and its variants, and write them.

    Parameters
    ----------
    run_folder : path
        The reference run (its values become the references).
    variant_runs : sequence of (Variant, path)
        The float and seed variants and their run folders.
    references_folder : path
    profile : str
    notebooks : list of str, optional
        Only these notebooks (default all of the series).

    Returns
    -------
    list of Path
        The reference files written.
    """
    references_folder = Path(references_folder)
    expected = {p.stem for p in series(notebooks)}

    def metrics_of(folder):
        return {k: v for k, v in read_run_metrics(folder).items() if k in expected}

    metrics = metrics_of(run_folder)
    if not metrics:
        raise RegressionFailed(f"{run_folder} holds no metrics of {sorted(expected)}; "
                               "nothing to write as references.")
    floats = [metrics_of(f) for v, f in variant_runs if not v.is_seed_variant]
    if not floats:
        raise ConfigError("references need at least one float variant (same seed, another "
                          "numeric environment) to measure their tolerances.")
    seeds = [metrics_of(f) for v, f in variant_runs if v.is_seed_variant]
    written = []
    for notebook, entries in derive_references(metrics, floats, seeds).items():
        path = references_folder / f"{notebook}.json"
        write_json(path, entries)
        written.append(path)
    source = run_source(run_folder, profile)
    source["variants"] = [v.to_dict() for v, _ in variant_runs]
    source["tolerance_rule"] = (
        f"abs = max({TOLERANCE_FACTOR:g} x spread, {SEED_SHARE:g} x seed spread, floor); "
        "spread (seed spread) = largest deviation of a float (seed) variant from the "
        "reference run; a key whose spread reaches "
        f"{NOISE_RATIO:g} x its seed spread is reported, not regressed "
        "(aelatent.regression.tolerances.derive_entry)")
    every = {p.stem for p in series()}
    if expected != every and (references_folder / SOURCE_FILE).exists():
        # the other notebooks' references stay as they were: keep what made them
        before = read_json(references_folder / SOURCE_FILE)
        source["notebooks"] = sorted(expected)
        source["other_notebooks"] = {k: v for k, v in before.items() if k != "other_notebooks"}
        source["other_notebooks"]["notebooks"] = sorted(every - expected)
    write_json(references_folder / SOURCE_FILE, source)
    return written


def widen_references(references_folder, variant, run_folder, notebooks=None):
    """Fold one more float variant into existing references: what another machine moves.

    Every derived entry keeps its value and seed spread; its spread becomes the
    larger of the stored one and the variant's deviation, and its tolerance is
    derived again by :func:`aelatent.regression.tolerances.derive_entry`'s rule
    (so a key the variant moves as much as a seed does becomes reported). Keys the
    variant did not write, and hand-written entries, stay as they are. The
    variant, with the machine it ran on, is appended to ``_source.json``.

    Parameters
    ----------
    references_folder : path
    variant : Variant
        A float variant (same seed as the reference run).
    run_folder : path
        The variant's executed run.
    notebooks : list of str, optional
        Only these notebooks (default all of the series).

    Returns
    -------
    dict
        ``{"widened": n, "now_reported": m}``: entries whose tolerance grew, and
        entries that were regressed and are now reported as noise.
    """
    from .tolerances import derive_entry

    if variant.is_seed_variant:
        raise ConfigError(f"{variant.name} is a seed variant; only float variants widen references.")
    references_folder = Path(references_folder)
    source_path = references_folder / SOURCE_FILE
    if not source_path.exists():
        raise RegressionFailed(f"{references_folder} holds no references to widen; make them "
                               f"first: {REFRESH}")
    expected = {p.stem for p in series(notebooks)}
    metrics = read_run_metrics(run_folder)
    counts = {"widened": 0, "now_reported": 0}
    for notebook, entries in read_references(references_folder).items():
        if notebook not in expected or notebook not in metrics:
            continue
        for key, entry in entries.items():
            if key not in metrics[notebook] or "spread" not in entry:
                continue
            value, spread = entry["value"], float(entry["spread"])
            seeds = [value + entry["seed_spread"]] if "seed_spread" in entry else []
            new = derive_entry(key, value, [value + spread, metrics[notebook][key]], seeds)
            if new.get("regressed", True) is False and entry.get("regressed", True) is not False:
                counts["now_reported"] += 1
            elif new.get("abs", 0) > entry.get("abs", 0):
                counts["widened"] += 1
            entries[key] = new
        write_json(references_folder / f"{notebook}.json", entries)
    source = read_json(source_path)
    source.setdefault("variants", []).append(
        {**variant.to_dict(), "machine": describe_machine(), "widened": True})
    write_json(source_path, source)
    return counts
