"""Execute the notebook series with papermill, in order, for a profile and data folder."""

from __future__ import annotations

import sys
import time

from .config import default_run_name, profile_config
from .data import open_celeba
from .errors import AelatentError
from .runs import project_root, runs_dir
from .storage import folder_lock


def notebooks_dir():
    return project_root() / "notebooks"


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
               log=print):
    """Run the notebooks in order; stop at the first failure.

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


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m aelatent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the notebook series with papermill")
    run.add_argument("--profile", default="smoke", help="smoke, default or full (default smoke)")
    run.add_argument("--data", default="",
                     help="folder holding img_align_celeba/ (default: embedded synthetic faces)")
    run.add_argument("--run-name", default="", help="run folder name (default derived)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--only", nargs="*", help="run only these notebooks (numbers or names)")
    reg = sub.add_parser(
        "regress", help="run the smoke series with fixed seeds and compare its metrics with "
                        "tests/reference/ (see aelatent.regress)")
    reg.add_argument("--profile", default="smoke", help="profile of the regression run (smoke)")
    reg.add_argument("--data", default="auto",
                     help="auto (default: ../shared/data/celeba_subset beside the project if "
                          "present, else synthetic), '' for synthetic, or a CelebA folder")
    reg.add_argument("--seed", type=int, default=0)
    reg.add_argument("--only", nargs="*", help="run and compare only these notebooks")
    reg.add_argument("--update", action="store_true",
                     help="after an intended change: run the float and seed variants too and "
                          "write values and measured tolerances as the new references")
    reg.add_argument("--keep", action="store_true",
                     help="reuse the trained models of the last regression runs (notebooks only)")
    reg.add_argument("--use-run", default="",
                     help="compare this existing run folder instead of running the series")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            run_series(args.profile, args.data, args.run_name, args.seed, args.only)
        elif args.command == "regress":
            from .regress import regress
            regress(args.profile, args.data, args.seed, args.only, update=args.update,
                    keep=args.keep, use_run=args.use_run or None)
    except AelatentError as exc:
        print(f"\naelatent: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
