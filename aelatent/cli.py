"""The command line: ``python -m aelatent run | report | regress`` (also the ``aelatent`` script).

``run`` executes the notebook series (:func:`aelatent.runner.run_series`) with
live progress and writes its HTML report; ``report`` writes the report of an
existing run (:func:`aelatent.report.write_report`); ``regress`` runs the
series with fixed seeds and compares its metrics with the committed
references (:func:`aelatent.regress.regress`). Errors of the package end as
one line on stderr and exit status 1, never as a traceback.
"""

from __future__ import annotations

import sys

from .errors import AelatentError
from .regress import regress, widen
from .report import run_folder_for, write_report
from .run_request import RunRequest
from .runner import run_series


def run_parameters(no_second_case=False, sweeps=None):
    """The papermill parameters that choose trainings (``make run SECOND_CASE=0 SWEEPS=0|1``):
    notebook II's second autoencoder; notebook XV's KL-weight sweep and noisy-z autoencoder
    (``sweeps`` None: the profile's choice). Notebooks without such a parameter ignore it. None
    when nothing is chosen."""
    extra = {}
    if no_second_case:
        extra["second_case"] = False
    if sweeps is not None:
        extra["sweeps"] = bool(sweeps)
    return extra or None


def main(argv=None):
    import argparse
    import os

    # TensorFlow's C++ log lines (imported later, here and in the kernels) stay out of the
    # terminal; the kernels' own stderr goes to a log beside each executed notebook (runner)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

    parser = argparse.ArgumentParser(prog="python -m aelatent", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute the notebook series with papermill")
    run.add_argument("--profile", default="smoke", help="smoke, default or full (default smoke)")
    run.add_argument("--data", default="",
                     help="folder holding img_align_celeba/ (default: embedded synthetic faces)")
    run.add_argument("--run-name", default="", help="run folder name (default derived)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--model", default="ae", choices=["ae", "vae", "rae"],
                     help="kind of autoencoder: ae (the blog's plain AE, default), vae or rae")
    run.add_argument("--only", nargs="*", help="run only these notebooks (numbers or names)")
    run.add_argument("--no-second-case", action="store_true",
                     help="notebook II skips its second autoencoder (saves one training)")
    sweeps = run.add_mutually_exclusive_group()
    sweeps.add_argument("--sweeps", action="store_true", default=None,
                        help="notebook XV trains the VAE's KL-weight sweep and the plain AE with "
                             "noisy z (three more trainings; the default profile leaves them out)")
    sweeps.add_argument("--no-sweeps", dest="sweeps", action="store_false",
                        help="notebook XV skips them (two trainings fewer in smoke and full)")
    rep = sub.add_parser("report", help="write the HTML report runs/<run>/report/ of an "
                                        "executed series")
    rep.add_argument("--run-name", default="",
                     help="run folder name (default: the run make run made last)")
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
    reg.add_argument("--widen", nargs="+", metavar="VARIANT",
                     help="fold these float variants (threads1, onednn0, avx2, avx2-threads1, ...) "
                          "into the existing references: run each, or take --use-run as the one")
    reg.add_argument("--use-run", default="",
                     help="compare this existing run folder instead of running the series")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            extra = run_parameters(args.no_second_case, args.sweeps)
            request = RunRequest(args.profile, args.data, args.run_name, args.seed, args.model)
            run_series(request, args.only, progress=True, report=True, extra_parameters=extra)
        elif args.command == "report":
            write_report(run_folder_for(args.run_name))
        elif args.command == "regress" and args.widen:
            widen(args.widen, args.profile, args.data, args.seed, args.only,
                  use_run=args.use_run or None)
        elif args.command == "regress":
            regress(args.profile, args.data, args.seed, args.only, update=args.update,
                    keep=args.keep, use_run=args.use_run or None)
    except AelatentError as exc:
        print(f"\naelatent: {exc}", file=sys.stderr)
        return 1
    return 0
