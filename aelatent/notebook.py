"""What every notebook of the series does first and last: open its run, write its metrics.

A notebook's parameters cell holds one run parameter, ``run_request = {}``
(papermill sets it from :meth:`aelatent.run_request.RunRequest.to_parameter`),
and its first code cell after the parameters is::

    nb = notebook.open_run("07", run_request)
    run, z, gauss = nb.run, nb.z, nb.gaussian

and its last one ``nb.write_metrics(metrics)``. :func:`open_run` decides
which run the notebook works on and says so in the notebook's first output:

1. the request, when ``run_request`` names anything (e.g. ``{"profile":
   "default", "model": "vae"}``; missing fields take the defaults of
   :class:`~aelatent.run_request.RunRequest`);
2. otherwise the run ``make run`` made last (recorded in ``runs/current.json``
   by :func:`aelatent.runs.record_current_run`);
3. otherwise -- a fresh checkout -- the ``smoke`` profile on the embedded
   synthetic faces, a two-epoch demonstration model, with a hint how to make
   a real one.
"""

from __future__ import annotations

import datetime
import functools

from .locations import current_run_file
from .result_store import ResultStore
from .run_request import RunRequest
from .runner import series
from .runs import current_run, ensure_run, second_case_request, sibling_request


def resolve_request(run_request=None):
    """``(RunRequest, origin)`` for a notebook's ``run_request`` (rules in the module docstring)."""
    if run_request:
        return RunRequest.from_parameter(run_request), "the notebook's run_request"
    record = current_run()
    if record is not None:
        return record, f"the run `make run` made last ({current_run_file()})"
    return RunRequest(), "no run recorded yet: the smoke default"


#: The folders under ``runs/<run>/results/`` whose entries a notebook's first output counts.
STORED_RESULTS = (("league", "league rows"), ("frontier", "frontier points"),
                  ("mixtures", "mixture families"), ("trailing_scale", "tau selections"))


class NotebookRun:
    """A notebook's view of its run: the run, its z-points, their Gaussian, the metrics file.

    Attributes
    ----------
    stem : str
        The notebook's file stem, e.g. ``"07_component_interval_sampling"``.
    request : aelatent.run_request.RunRequest
    origin : str
        Why this run was opened (the request, the recorded run, or the default).
    config : aelatent.config.RunConfig
    seed : int
        The run's seed; notebooks seed their sampling with it.
    """

    def __init__(self, stem, request, core_quantile=0.99, origin="the notebook's run_request"):
        self.stem, self.request, self.origin = stem, request, origin
        self.config = request.config()
        self.seed = request.seed
        self.core_quantile = core_quantile

    def __repr__(self):
        return f"NotebookRun({self.stem!r}, {self.request.run_name or self.request.profile!r})"

    @functools.cached_property
    def run(self):
        """The :class:`aelatent.runs.Run`, trained and encoded on first use when missing."""
        return ensure_run(self.request)

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
        return ensure_run(second_case_request(self.request, seed_offset))

    def sibling(self, **changes):
        """Another run like this one with ``changes`` to the request (e.g. ``model="vae"``,
        ``options={"kl_weight": 0.1}``), trained and encoded when missing
        (:func:`aelatent.runs.sibling_request` names it)."""
        return ensure_run(sibling_request(self.request, **changes))

    def write_metrics(self, metrics):
        """Write the notebook's named numbers to ``runs/<run>/metrics/<stem>.json``."""
        return self.run.write_metrics(self.stem, metrics)

    def write_table(self, name, table):
        """Write a table of the notebook to ``runs/<run>/metrics/<stem>_<name>.csv``."""
        return self.run.write_table(self.stem, name, table)

    def describe(self):
        """The first output of the notebook: which run, why, and when it was trained."""
        opened = "run" in self.__dict__
        name = self.run.name if opened else (self.request.run_name or "(name derived)")
        lines = [f"run {name} ({self.request.describe()})",
                 f"  opened because of {self.origin}"]
        if opened:
            trained = self.run.path / "history.json"
            when = datetime.datetime.fromtimestamp(trained.stat().st_mtime)
            lines[0] += f", trained {when.isoformat(sep=' ', timespec='minutes')}"
            lines.append(f"  {len(self.z)} training and {len(self.z_val)} validation z-points, "
                         f"N = {self.z.shape[1]}")
            stored = {kind: ResultStore(self.run.path / "results" / folder, kind).count()
                      for folder, kind in STORED_RESULTS}
            if any(stored.values()):
                lines.append("  " + ", ".join(f"{n} {kind}" for kind, n in stored.items() if n)
                             + " stored by earlier executions: those whose sampler, settings, "
                             "model and code match are reused, not computed again")
        from .models import describe_loss
        lines.append(f"  loss {describe_loss(self.config)} (notebook XV compares the kinds)")
        if self.origin.startswith("no run"):
            lines.append("  the smoke profile is a 2-epoch model; `make run` "
                         "(DATA=/path/to/celeba) trains the default run the notebooks then follow")
        return "\n".join(lines)


def notebook_stem(notebook):
    """The file stem of a notebook of the series from its number (``"07"``) or stem."""
    return series([notebook])[0].stem


def open_run(notebook, run_request=None, core_quantile=0.99, train=True, verbose=True):
    """Open (train and encode when missing) the run a notebook works on.

    Parameters
    ----------
    notebook : str
        The notebook's number (``"07"``) or file stem; its metrics go to
        ``metrics/<stem>.json``.
    run_request : dict or RunRequest, optional
        The notebook's ``run_request`` parameter; which run it selects is
        described in the module docstring.
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
    request, origin = resolve_request(run_request)
    opened = NotebookRun(notebook_stem(notebook), request, core_quantile, origin)
    if train:
        opened.run
    if verbose:
        print(opened.describe())
    return opened


__all__ = ["open_run", "NotebookRun", "RunRequest", "resolve_request", "notebook_stem"]
