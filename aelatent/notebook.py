"""What every notebook of the series does first and last: open its run, write its metrics.

The first code cell of a notebook after its parameters is::

    nb = notebook.open_run("07", profile, data_dir, run_name, seed)
    run, z, gauss = nb.run, nb.z, nb.gaussian

and its last one ``nb.write_metrics(metrics)``. :func:`open_run` decides
which run the notebook works on and says so in the notebook's first output:

1. the parameters, when any of ``profile``, ``data_dir``, ``run_name`` is set
   (papermill always sets them; ``seed`` ``None`` means 0);
2. otherwise the run ``make run`` made last (recorded in ``runs/current.json``
   by :func:`aelatent.runs.record_current_run`), with its own seed;
3. otherwise -- a fresh checkout -- the ``smoke`` profile on the embedded
   synthetic faces, a two-epoch demonstration model, with a hint how to make
   a real one.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools

from .config import profile_config
from .errors import ConfigError
from .locations import current_run_file
from .runner import series
from .runs import current_run, ensure_run, second_case_run_name


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """Which run a notebook opens, and why (``origin``)."""

    profile: str
    data_dir: str
    run_name: str
    seed: int
    origin: str

    def describe(self):
        data = self.data_dir or "the embedded synthetic faces"
        return f"profile {self.profile}, data {data}, seed {self.seed}"


def resolve_request(profile="", data_dir="", run_name="", seed=None):
    """The :class:`RunRequest` for a notebook's parameters (rules in the module docstring)."""
    if profile or data_dir or run_name:
        return RunRequest(profile or "smoke", data_dir, run_name, 0 if seed is None else seed,
                          "the notebook's parameters")
    record = current_run()
    if record is not None:
        if seed is not None and seed != record["seed"]:
            raise ConfigError(f"seed = {seed} but the current run {record['run_name']!r} was "
                              f"trained with seed {record['seed']}; leave seed = None to follow "
                              "it, or set profile (and data_dir) to open another run.")
        return RunRequest(record["profile"], record["data_dir"], record["run_name"],
                          record["seed"], f"the run `make run` made last ({current_run_file()})")
    return RunRequest("smoke", "", "", 0 if seed is None else seed,
                      "no run recorded yet: the smoke default")


class NotebookRun:
    """A notebook's view of its run: the run, its z-points, their Gaussian, the metrics file.

    Attributes
    ----------
    stem : str
        The notebook's file stem, e.g. ``"07_component_interval_sampling"``.
    request : RunRequest
    config : aelatent.config.RunConfig
    seed : int
        The run's seed; notebooks seed their sampling with it.
    """

    def __init__(self, stem, request, core_quantile=0.99):
        self.stem, self.request = stem, request
        self.config = profile_config(request.profile, request.data_dir, request.seed)
        self.seed = request.seed
        self.core_quantile = core_quantile

    def __repr__(self):
        return f"NotebookRun({self.stem!r}, {self.request.run_name or self.request.profile!r})"

    @functools.cached_property
    def run(self):
        """The :class:`aelatent.runs.Run`, trained and encoded on first use when missing."""
        r = self.request
        return ensure_run(r.profile, r.data_dir, r.run_name, r.seed)

    @property
    def z(self):
        """z-points of the training images."""
        return self.run.z_train

    @property
    def z_val(self):
        """z-points of the validation images."""
        return self.run.z_val

    @functools.cached_property
    def gaussian(self):
        """:class:`aelatent.stats.LatentGaussian` fitted to the training z-points."""
        from .stats import LatentGaussian
        return LatentGaussian(core_quantile=self.core_quantile).fit(self.z)

    def second_case(self, seed_offset=1):
        """The same configuration trained with seed ``seed + seed_offset`` (notebook II)."""
        r = self.request
        name = second_case_run_name(r.profile, r.data_dir, r.run_name, r.seed, seed_offset)
        return ensure_run(r.profile, r.data_dir, name, r.seed + seed_offset)

    def write_metrics(self, metrics):
        """Write the notebook's named numbers to ``runs/<run>/metrics/<stem>.json``."""
        return self.run.write_metrics(self.stem, metrics)

    def describe(self):
        """The first output of the notebook: which run, why, and when it was trained."""
        opened = "run" in self.__dict__
        name = self.run.name if opened else (self.request.run_name or "(name derived)")
        lines = [f"run {name} ({self.request.describe()})",
                 f"  opened because of {self.request.origin}"]
        if opened:
            trained = self.run.path / "history.json"
            when = datetime.datetime.fromtimestamp(trained.stat().st_mtime)
            lines[0] += f", trained {when.isoformat(sep=' ', timespec='minutes')}"
            lines.append(f"  {len(self.z)} training and {len(self.z_val)} validation z-points, "
                         f"N = {self.z.shape[1]}")
        if self.request.origin.startswith("no run"):
            lines.append("  the smoke profile is a 2-epoch model; `make run` "
                         "(DATA=/path/to/celeba) trains the default run the notebooks then follow")
        return "\n".join(lines)


def notebook_stem(notebook):
    """The file stem of a notebook of the series from its number (``"07"``) or stem."""
    return series([notebook])[0].stem


def open_run(notebook, profile="", data_dir="", run_name="", seed=None, core_quantile=0.99,
             train=True, verbose=True):
    """Open (train and encode when missing) the run a notebook works on.

    Parameters
    ----------
    notebook : str
        The notebook's number (``"07"``) or file stem; its metrics go to
        ``metrics/<stem>.json``.
    profile, data_dir, run_name, seed
        The notebook's parameters; which run they select is described in the
        module docstring.
    core_quantile : float
        Core of :attr:`NotebookRun.gaussian`.
    train : bool
        Open the run now (training it when missing); ``False`` leaves that to
        the first use of :attr:`NotebookRun.run` (notebook I shows its data and
        model first).
    verbose : bool
        Print :meth:`NotebookRun.describe`.

    Returns
    -------
    NotebookRun
    """
    opened = NotebookRun(notebook_stem(notebook), resolve_request(profile, data_dir, run_name, seed),
                         core_quantile)
    if train:
        opened.run
    if verbose:
        print(opened.describe())
    return opened


__all__ = ["open_run", "NotebookRun", "RunRequest", "resolve_request", "notebook_stem"]
