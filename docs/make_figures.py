"""Regenerate the README's figures from a run on the embedded synthetic faces.

    .venv/bin/python docs/make_figures.py                   # the default synthetic run
    .venv/bin/python docs/make_figures.py --profile smoke   # quicker, blurrier

Reuses the run when it exists and trains it when not (``default``: a few minutes
on two cores), scores notebook XV's key samplers against the run's held-out
faces, and writes two small PNGs:

- ``docs/figures/samplers.png`` -- decoded faces per sampler: the autoencoder's
  reconstructions, N(0, I), post VII's per-component intervals, the multivariate
  normal and the 10-component mixture;
- ``docs/figures/league.png`` -- the league's bars for the same rows.

Only synthetic runs are accepted: CelebA images, and pictures of models trained
on them, may not be redistributed (see docs/data.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

FIGURES = Path(__file__).resolve().parent / "figures"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", help="smoke or default (default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-images", type=int, default=300, help="images per league row")
    parser.add_argument("--out", type=Path, default=FIGURES, help="folder for the PNGs")
    args = parser.parse_args(argv)

    import matplotlib
    matplotlib.use("Agg")
    from aelatent import plots
    from aelatent.league import sampler_league
    from aelatent.machine import describe_machine
    from aelatent.model_comparison import KEY_SAMPLERS
    from aelatent.run_request import RunRequest
    from aelatent.runs import ensure_run

    start = time.perf_counter()
    run = ensure_run(RunRequest(args.profile, "", "", args.seed), verbose=0)
    if run.image_set.factors is None:       # only the synthetic faces have generating factors
        sys.exit(f"{run.name} is not a run on the synthetic faces; the README's figures are "
                 "made from synthetic runs only (CelebA may not be redistributed).")
    league = sampler_league(run, keys=list(KEY_SAMPLERS), n_images=args.n_images,
                            seed=args.seed, n_boot=20, n_descriptors=0, n_examples=8)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = ["recon", *KEY_SAMPLERS]
    labels = {"recon": "recon-\nstructions", "normal": "N(0, I)", "component_fact0.5": "VII\nintervals",
              "mvn": "N(μ, Σ)", "gmm10": "mixture\nof 10"}
    fig = plots.image_rows([league.examples[key][:6] for key in rows], [labels[k] for k in rows],
                           size=1.0)
    fig.savefig(args.out / "samplers.png", dpi=64)
    league.plot(size=(10, 3)).savefig(args.out / "league.png", dpi=72)
    print(f"wrote {args.out / 'samplers.png'} and {args.out / 'league.png'} from run {run.name} "
          f"in {time.perf_counter() - start:.0f} s on {describe_machine()}")
    print(league.ratios().round(2).to_string())


if __name__ == "__main__":
    main()
