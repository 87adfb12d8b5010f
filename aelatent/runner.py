"""Execute the notebook series with papermill, in order, for a profile and data folder."""

from __future__ import annotations

import time

from .config import default_run_name, profile_config
from .data import open_celeba
from .errors import AelatentError
from .locations import notebooks_dir, runs_dir
from .runs import record_current_run
from .storage import folder_lock


def series(selection=None):
    """The notebooks of the series in order (``NN_*.ipynb``), optionally only those named.

    Parameters
    ----------
    selection : list of str, optional
        Numbers (``"01"``) or file stems; default all.
    """
    books = sorted(p for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return books
    chosen = [p for p in books if p.stem in selection or p.stem[:2] in selection]
    unknown = set(selection) - {p.stem for p in chosen} - {p.stem[:2] for p in chosen}
    if unknown:
        raise AelatentError(f"no notebook matches {sorted(unknown)}; the series has "
                            f"{[p.stem for p in books]}.")
    return chosen


class NotebookFailed(AelatentError):
    """A notebook of the series raised an error; the message names it and the cell's error."""


def run_series(profile="smoke", data_dir="", run_name="", seed=0, notebooks=None,
               log=print, record=True):
    """Run the notebooks in order; stop at the first failure.

    With ``record`` the run becomes the one that notebooks opened with empty
    parameters follow (:func:`aelatent.runs.record_current_run`).

    Returns
    -------
    (run_folder, list of (notebook stem, seconds))

    Raises
    ------
    RunBusyError
        When another runner executes notebooks into the same run folder.
    """
    import papermill as pm

    config = profile_config(profile, data_dir, seed)   # validates the parameters up front
    if not config.is_synthetic:
        open_celeba(config.data_dir)     # a wrong data folder fails here, not in notebook I
    name = run_name or default_run_name(profile, config)
    out_dir = runs_dir() / name / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    # the notebooks run in notebooks/: hand them the data folder as an absolute path
    parameters = dict(profile=profile, data_dir="" if config.is_synthetic else config.data_dir,
                      run_name=name, seed=seed)
    data = "embedded synthetic faces" if config.is_synthetic else config.data_dir
    log(f"aelatent: profile {profile!r}, data {data}, run {name!r}")
    books = series(notebooks)
    if record:
        record_current_run(profile, parameters["data_dir"], name, seed)
    timings = []
    # one runner per run folder: a second one fails clearly instead of interleaving writes
    with folder_lock(out_dir.parent, name=".series.lock"):
        for book in books:
            out = out_dir / book.name
            log(f"  running {book.name} ...")
            start = time.perf_counter()
            try:
                pm.execute_notebook(str(book), str(out), parameters=parameters,
                                    cwd=str(book.parent), progress_bar=False, kernel_name="python3")
            except pm.PapermillExecutionError as exc:
                raise NotebookFailed(
                    f"{book.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
                    f"The executed notebook with the full traceback is {out}") from None
            seconds = time.perf_counter() - start
            timings.append((book.stem, seconds))
            log(f"  {book.name} done in {seconds:.0f} s")
    log(f"executed notebooks: {out_dir}\nmetrics: {out_dir.parent / 'metrics'}")
    return out_dir.parent, timings
