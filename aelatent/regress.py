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

import dataclasses
import hashlib
import json
import math
import os
import platform
import re
import shutil
import time
from pathlib import Path

from . import locations
from .config import SYNTHETIC, RunConfig, default_run_name, profile_config, resolve_data_dir
from .errors import AelatentError, ConfigError
from .locations import SHARED_SUBSET, runs_dir
from .machine import describe_machine, environment_variables, machine_description
from .run_request import RunRequest
from .runner import run_series, series
from .runs import SIBLING_SEPARATOR
from .storage import folder_lock, load_array, read_json, write_json

#: Where the committed references live (tests patch it).
REFERENCE_ROOT = locations.REFERENCE_ROOT
#: The file describing where a reference folder's values came from.
SOURCE_FILE = "_source.json"
#: How the references are refreshed (printed in messages).
REFRESH = "make regress-update  (python -m aelatent regress --update)"

#: Statuses of a compared key; those in FAILING make a regression run fail.
FAILING = ("outside", "missing", "no reference", "not run", "source")

#: Tolerance = TOLERANCE_FACTOR x the largest deviation seen among the float variants.
TOLERANCE_FACTOR = 4.0
#: A key whose float spread reaches this share of its seed spread measures noise.
NOISE_RATIO = 0.25
#: ... and a regressed key's tolerance is at least this share of its seed spread.
SEED_SHARE = 0.5


class RegressionFailed(AelatentError):
    """Metrics moved outside their tolerance, or references are missing."""


# --------------------------------------------------------------------------- variants
@dataclasses.dataclass(frozen=True)
class Variant:
    """A run that, with the reference run, makes the references.

    Parameters
    ----------
    name : str
        Short name, also the suffix of its run folder (``regress-<ref>+<name>``).
    env : dict of str -> str
        Environment of the notebooks' kernels (e.g. ``TF_NUM_INTRAOP_THREADS``).
    seed_offset : int
        0 for a float variant (the reference seed in another numeric
        environment); k > 0 for a seed variant trained with seed + k.
    """

    name: str
    env: dict = dataclasses.field(default_factory=dict)
    seed_offset: int = 0

    @property
    def is_seed_variant(self):
        return self.seed_offset != 0

    def to_dict(self):
        return {"name": self.name, "env": dict(self.env), "seed_offset": self.seed_offset}


#: The reference run itself: the environment the command was started in, the given seed.
REFERENCE_RUN = Variant("reference")


def default_variants(environ=None):
    """The variants ``make regress-update`` runs besides the reference run.

    Two float variants -- another intra-op thread count (1, or 2 when the
    reference run uses 1) and TensorFlow's oneDNN kernels switched over (off,
    or on when they are off) -- and two seed variants (seed + 1, seed + 2).
    On a CPU where TensorFlow uses no oneDNN kernels the oneDNN variant equals
    the reference run; it is run anyway, because that is not known beforehand.
    """
    environ = os.environ if environ is None else environ
    threads = "2" if environ.get("TF_NUM_INTRAOP_THREADS", "").strip() == "1" else "1"
    onednn = "1" if environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() == "0" else "0"
    return (Variant(f"threads{threads}", {"TF_NUM_INTRAOP_THREADS": threads}),
            Variant(f"onednn{onednn}", {"TF_ENABLE_ONEDNN_OPTS": onednn}),
            Variant("seed+1", seed_offset=1),
            Variant("seed+2", seed_offset=2))


def changed_numeric_environment(references_folder):
    """Another intra-op thread count than the one a reference folder was made with.

    The environment that ``make test`` runs its series in: a run there stands
    for "another machine" on the machine that wrote the references too.
    """
    source = Path(references_folder) / SOURCE_FILE
    made_in = {}
    if source.exists():
        made_in = (read_json(source).get("machine") or {}).get("environment") or {}
    return default_variants(made_in)[0].env


#: Set a variant's numeric environment for the kernels started inside a ``with`` block.
numeric_environment = environment_variables


# --------------------------------------------------------------------------- tolerances
_FRACTION = re.compile(r"frac|share|ratio_inside|accuracy|(^|_)p_|prob|rate|precision|recall|"
                       r"baseline")
#: Keys that are fixed by the configuration and the data, never by training.
_INVARIANT = re.compile(r"^(z_dim|image_size|params_total|n_(train|val|reference)_images|"
                        r"n_images_per_sampler|n_compared|n_vectors|n_points|n_attributes|"
                        r"knn_backend_\w+)$")


def kind_of(key, value):
    """``"invariant"``, ``"count"``, ``"fraction"`` or ``"float"``: which floor a key gets."""
    if isinstance(value, bool) or isinstance(value, int):
        return "invariant" if _INVARIANT.match(key) else "count"
    if _FRACTION.search(key.lower()) and 0.0 <= value <= 1.0:
        return "fraction"
    return "float"


def tolerance_floor(kind, value):
    """The smallest tolerance of a key, whatever its measured spread.

    - ``count``: 1, or 0.2 % of the count when that is larger;
    - ``fraction`` (rates, shares, accuracies in [0, 1]): 0.02;
    - ``float``: 0.1 % of the value plus 1e-4 (values that are zero but for
      rounding, such as the distance of the centre from itself, move by 1e-5);
    - ``invariant``: 0.

    The floors only matter where the variants happened to agree; they sit far
    below what a change of training or sampling moves (see the seed spreads).
    """
    if kind == "invariant":
        return 0.0
    if kind == "count":
        return float(max(1, math.ceil(0.002 * abs(value))))
    if kind == "fraction":
        return 0.02
    return 1e-3 * abs(value) + 1e-4


def _spread(value, others):
    return max((abs(float(v) - float(value)) for v in others), default=0.0)


def derive_entry(key, value, float_values, seed_values=()):
    """The reference entry of one key from the values of the variants.

    Parameters
    ----------
    key : str
    value : number
        The reference run's value.
    float_values : sequence of numbers
        The key in the float variants (same seed, other numeric environment).
    seed_values : sequence of numbers
        The key in the seed variants (other training seeds); may be empty.

    Returns
    -------
    dict
        ``{"value", "abs", "spread", "seed_spread", "derived"}`` for a regressed
        key, ``{"value", "regressed": False, "reason", "spread", "seed_spread"}``
        for a key that measures noise.
    """
    kind = kind_of(key, value)
    spread = _spread(value, float_values)
    seed_spread = _spread(value, seed_values) if len(seed_values) else None
    entry = {"value": value, "spread": spread}
    if seed_spread is not None:
        entry["seed_spread"] = seed_spread
    if kind == "invariant":
        if spread == 0 and not seed_spread:
            return {**entry, "abs": 0, "derived": "invariant: fixed by configuration and data"}
        kind = "count"                           # it moved after all: a count like any other
    floor = tolerance_floor(kind, value)
    candidates = {f"{TOLERANCE_FACTOR:g} x spread {spread:.3g}": TOLERANCE_FACTOR * spread,
                  f"floor for a {kind} (spread {spread:.3g})": floor}
    if seed_spread:
        if spread >= NOISE_RATIO * seed_spread and TOLERANCE_FACTOR * spread > floor:
            return {**entry, "regressed": False,
                    "reason": f"measures noise: float rounding alone moves it by {spread:.3g}, "
                              f"{spread / seed_spread:.0%} of what another training seed does "
                              f"({seed_spread:.3g})"}
        candidates[f"{SEED_SHARE:g} x seed spread {seed_spread:.3g}"] = SEED_SHARE * seed_spread
    derived, tolerance = max(candidates.items(), key=lambda item: item[1])
    if kind == "count":
        tolerance = float(math.ceil(tolerance))
    return {**entry, "abs": tolerance, "derived": derived}


def derive_references(reference, float_runs, seed_runs=()):
    """Reference entries of every key of the reference run.

    Parameters
    ----------
    reference : dict of notebook -> dict of key -> number
        The reference run's metrics.
    float_runs, seed_runs : sequence of such dictionaries
        The metrics of the float and seed variants. A key a variant did not
        write is left out of that variant's spread.

    Returns
    -------
    dict of notebook -> dict of key -> entry
    """
    def values(runs, notebook, key):
        return [r[notebook][key] for r in runs if key in r.get(notebook, {})]

    return {notebook: {key: derive_entry(key, value, values(float_runs, notebook, key),
                                         values(seed_runs, notebook, key))
                       for key, value in sorted(metrics.items())}
            for notebook, metrics in sorted(reference.items())}


def allowed_deviation(spec):
    """``abs + rel * |value|`` of a reference entry."""
    return float(spec.get("abs", 0.0)) + float(spec.get("rel", 0.0)) * abs(float(spec["value"]))


_ENTRY_KEYS = {"value", "rel", "abs", "spread", "seed_spread", "derived", "regressed", "reason"}


def _check_spec(notebook, key, spec):
    where = f"reference {notebook}/{key}"
    if not isinstance(spec, dict) or "value" not in spec:
        raise ConfigError(f"{where} must be an object with 'value' and 'rel' and/or 'abs', "
                          f"got {spec!r}.")
    unknown = set(spec) - _ENTRY_KEYS
    regressed = spec.get("regressed", True)
    if unknown or (regressed and not ({"rel", "abs"} & set(spec))):
        raise ConfigError(f"{where}: expected keys 'value' and 'rel' and/or 'abs' (or "
                          f"'regressed': false with a 'reason'), got {sorted(spec)}.")
    if not isinstance(regressed, bool) or (not regressed and not spec.get("reason")):
        raise ConfigError(f"{where}: 'regressed' must be true or false, and false needs a "
                          f"'reason', got {spec!r}.")
    for name in ("value", "rel", "abs", "spread", "seed_spread"):
        if name in spec and (isinstance(spec[name], bool)
                             or not isinstance(spec[name], (int, float))
                             or not math.isfinite(spec[name]) or (name != "value" and spec[name] < 0)):
            raise ConfigError(f"{where}: {name!r} must be a finite "
                              f"{'number' if name == 'value' else 'number >= 0'}, got {spec[name]!r}.")


# --------------------------------------------------------------------------- comparison
@dataclasses.dataclass(frozen=True)
class Row:
    """One compared key.

    ``status`` is one of ``"same"`` (equal to the reference, bit for bit),
    ``"moved"`` (different but within tolerance), ``"reported"`` (a key that is
    not regressed and moved), ``"outside"`` (beyond tolerance), ``"missing"``
    (in the reference, not in the metrics), ``"new"`` (in the metrics, not in
    the reference), ``"no reference"`` (a notebook that ran has no reference
    file), ``"not run"`` (a notebook with references wrote no metrics) or
    ``"source"`` (the references were made from other data or another
    configuration). ``how`` says how the tolerance was derived.
    """

    notebook: str
    key: str
    status: str
    reference: float | None = None
    now: float | None = None
    allowed: float | None = None
    note: str = ""
    how: str = ""

    @property
    def failed(self):
        return self.status in FAILING

    @property
    def change(self):
        """The change as text: relative when the reference is not zero."""
        if self.reference is None or self.now is None:
            return ""
        diff = self.now - self.reference
        if self.reference != 0:
            return f"{diff / abs(self.reference):+.2%}"
        return f"{diff:+.3g}"


@dataclasses.dataclass
class Comparison:
    """The outcome of a regression check: one :class:`Row` per key, and warnings."""

    rows: list
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def failures(self):
        return [r for r in self.rows if r.failed]

    @property
    def passed(self):
        return not self.failures

    @property
    def identical(self):
        """Every key equals its reference bit for bit (and nothing is new)."""
        return bool(self.rows) and all(r.status == "same" for r in self.rows)

    def changed(self):
        """Rows worth showing: every key that is not exactly the reference."""
        return [r for r in self.rows if r.status != "same"]

    def verdict(self):
        """``FAILED``, ``PASSED, identical to the references`` or ``PASSED, within tolerance``."""
        if not self.passed:
            return "FAILED"
        if self.identical:
            return "PASSED, identical to the references (bit for bit)"
        return "PASSED, within tolerance"

    def summary(self):
        counts = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        order = ("same", "moved", "reported", "new", "outside", "missing", "no reference",
                 "not run", "source")
        parts = [f"{counts[s]} {s}" for s in order if s in counts]
        return f"regression {self.verdict()}: " + (", ".join(parts) or "nothing compared")

    def table(self, rows=None):
        """A plain-text table of ``rows`` (default: the keys that are not exactly the same)."""
        rows = self.changed() if rows is None else rows
        if not rows:
            return "every key equals its reference."
        header = ("notebook", "key", "reference", "now", "change", "allowed", "status",
                  "tolerance from")
        lines = [(r.notebook, r.key, _fmt(r.reference), _fmt(r.now), r.change,
                  "not regressed" if r.status == "reported" else
                  ("" if r.allowed is None else f"±{r.allowed:.3g}"),
                  r.status.upper() if r.failed else r.status, r.how) for r in rows]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
        out = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip(),
               "  ".join("-" * w for w in widths)]
        out += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip()
                for line in lines]
        notes = [f"  {r.notebook}/{r.key}: {r.note}" for r in rows if r.note]
        return "\n".join(out + (["notes:"] + notes if notes else []))

    def report(self):
        warnings = [f"warning: {w}" for w in self.warnings]
        return "\n".join(warnings + [self.table(), self.summary()])


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _compare_key(notebook, key, now, spec):
    ref = spec["value"]
    if not spec.get("regressed", True):
        status = "same" if now == ref else "reported"
        return Row(notebook, key, status, ref, now, None, note=spec["reason"],
                   how="not regressed")
    allowed = allowed_deviation(spec)
    if now == ref:
        status = "same"
    elif abs(float(now) - float(ref)) <= allowed * (1 + 1e-9):   # a change of exactly the
        status = "moved"                                          # tolerance is within it
    else:
        status = "outside"
    return Row(notebook, key, status, ref, now, allowed, how=spec.get("derived", "declared"))


def compare_metrics(notebook, metrics, reference):
    """Compare one notebook's metrics with its reference entries.

    Parameters
    ----------
    notebook : str
    metrics : dict of str -> number
        What the notebook wrote.
    reference : dict of str -> entry
        ``{"value": v, "abs": a, ...}`` (see the module docstring).

    Returns
    -------
    list of Row
        One per key of either dictionary, sorted by key.
    """
    rows = []
    for key in sorted(set(metrics) | set(reference)):
        if key not in reference:
            rows.append(Row(notebook, key, "new", None, metrics[key],
                            note="not in the references; refresh them to record it"))
            continue
        spec = reference[key]
        _check_spec(notebook, key, spec)
        if key not in metrics:
            rows.append(Row(notebook, key, "missing", spec["value"], None,
                            note="the notebook no longer writes this key"))
            continue
        rows.append(_compare_key(notebook, key, metrics[key], spec))
    return rows


def compare(metrics, references, expected=()):
    """Compare the metrics of several notebooks with their references.

    Parameters
    ----------
    metrics : dict of notebook -> dict of key -> number
        What the run wrote.
    references : dict of notebook -> dict of key -> reference entry
    expected : iterable of str
        Notebooks that should have run: one with references but without
        metrics is ``"not run"``. A notebook with metrics but without
        references is always ``"no reference"``.

    Returns
    -------
    Comparison
    """
    rows = []
    for notebook in sorted(set(metrics) | (set(references) & set(expected))):
        if notebook not in references:
            rows.append(Row(notebook, "*", "no reference",
                            note=f"no reference file; write one with {REFRESH}"))
        elif notebook not in metrics:
            rows.append(Row(notebook, "*", "not run",
                            note="references exist but the notebook wrote no metrics"))
        else:
            rows.extend(compare_metrics(notebook, metrics[notebook], references[notebook]))
    return Comparison(rows)


# --------------------------------------------------------------------------- files
def data_label(config):
    """``synthetic`` or the data folder's name: which data references belong to."""
    return SYNTHETIC if config.is_synthetic else Path(config.data_dir).name or "data"


def reference_name(profile, config):
    """``<profile>-<data>-seed<seed>``: the reference folder of a run."""
    return default_run_name(profile, config)


def reference_dir(profile="smoke", data_dir="", seed=0, root=None):
    """The reference folder for a profile, data folder (``""`` = synthetic) and seed."""
    config = profile_config(profile, data_dir, seed)
    return Path(root or REFERENCE_ROOT) / reference_name(profile, config)


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
        "(aelatent.regress.derive_entry)")
    write_json(references_folder / SOURCE_FILE, source)
    return written


# --------------------------------------------------------------------------- the command
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
    root = Path(references_root or REFERENCE_ROOT)
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
        variant_runs = [(v, fresh_series(profile, data_dir, seed, notebooks, keep, v, log))
                        for v in (default_variants() if variants is None else variants)]
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
