"""Benchmark 10 -- the Keras densities' fits: batches per call of the training function.

The learned densities of the league (two-stage VAE, RealNVP flow, diffusion prior
on all axes and on the leading ones) train small MLPs for thousands of steps,
and a Keras step of such a model is mostly Python between calls. Their training
functions run :data:`aelatent.samplers.base.STEPS_PER_CALL` batches per call
(``steps_per_execution``). This script fits each density with one batch per
call and with that number, alternating, and prints the fit seconds (medians of
``--rounds``) and the largest difference between the two fits' samples: zero
where the training is the same, not only faster (the diffusion prior's differ
by float32 rounding, which its training amplifies).

    python benchmarks/bench_sampler_fits.py [--z runs/<run>/z_train.npy] [--rounds 2]
                                            [--keys two_stage_vae realnvp diffusion
                                                    conditional_diffusion]

Without ``--z`` the z-points are 6,750 correlated Gaussian vectors of 256 dims
(the size of the ``default`` run's training split).
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import Timer, footer, header, median, table

KEYS = ("two_stage_vae", "realnvp", "diffusion", "conditional_diffusion")


def z_points(path, n=6750, dims=256, seed=0):
    if path:
        return np.load(path)
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((dims, dims)) / np.sqrt(dims)
    return rng.standard_normal((n, dims)) @ mixing + rng.standard_normal(dims)


def fit_once(key, z, steps_per_call):
    """(fit seconds, 2,000 samples) of ``key`` trained ``steps_per_call`` batches per call."""
    from aelatent.samplers import base, make_sampler

    base.STEPS_PER_CALL = steps_per_call
    with Timer() as t:
        sampler = make_sampler(key).fit(z)
    return t.wall, sampler.sample(2000, random_state=0)


def main(argv=None):
    from aelatent.samplers import base

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--z", default=None, help="a .npy of z-points (default: synthetic)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--keys", nargs="*", default=list(KEYS))
    args = parser.parse_args(argv)
    many = base.STEPS_PER_CALL
    z = z_points(args.z)
    header(f"Benchmark 10: the Keras densities' fits, 1 against {many} batches per call "
           f"({len(z):,} x {z.shape[1]} z-points from {args.z or 'a synthetic Gaussian'})")
    rows, total = [], {1: 0.0, many: 0.0}
    for key in args.keys:
        seconds, samples = {1: [], many: []}, {}
        for _ in range(args.rounds):
            for steps in (1, many):
                wall, samples[steps] = fit_once(key, z, steps)
                seconds[steps].append(wall)
                print(f"   | {key}, {steps} per call: {wall:.1f} s", flush=True)
        difference = float(np.max(np.abs(samples[1] - samples[many])))
        one, fast = median(seconds[1]), median(seconds[many])
        total[1] += one
        total[many] += fast
        rows.append([key, f"{one:.1f}", f"{fast:.1f}", f"{fast / one:.2f}", f"{difference:.1e}"])
    base.STEPS_PER_CALL = many
    rows.append(["all", f"{total[1]:.1f}", f"{total[many]:.1f}", f"{total[many] / total[1]:.2f}", ""])
    table(rows, ["density", "fit s, 1 per call", f"fit s, {many} per call", "ratio",
                 "max |sample difference|"])
    footer()


if __name__ == "__main__":
    main()
