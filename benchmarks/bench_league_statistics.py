"""Benchmark 11 -- the league's statistics on small matrices: mixture fits, KID and Frechet resamples.

Two of the league's costs are many small products, not a few large ones:

1. **Mixture fits.** EM's products are one per component (n x d x d); on two
   cores two BLAS threads wait on each other more than they share. The
   samplers fit with one BLAS thread (:func:`aelatent.samplers.mixture._one_blas_thread`);
   this part fits the 10-component mixture of the leading principal axes
   (``pca_gmm10``'s) and the one of all axes (``gmm10``) with one thread and with
   the machine's default, and prints the seconds and the largest difference of the
   fitted means (float rounding).
2. **KID resamples.** A bootstrap interval of the kernel distance sums the kernel
   matrices under ``--boot`` resamples. One vector product per resample
   (:meth:`KernelSets.kid`) reads each matrix once per resample; one matrix
   product for all (:meth:`KernelSets.kids`, what the league uses) reads it once.
   This part times both on a row of the league's size (``--n`` generated and
   reconstructed images against ``--n-real`` real ones, 256-d features) for the
   joint interval of the ratio to the ceiling, and prints the largest difference.
3. **The mixture family.** :func:`aelatent.samplers.mixture_selection` fits notebook XII's family
   (``default``: 1, 10, 20, 50 components, full and diagonal, tied, Bayesian, PCA) one at a
   time and two at a time (``n_jobs``, threads with one BLAS thread each), and prints the
   seconds and whether the held-out likelihoods agree (``--family`` only: about two minutes).
4. **Frechet resamples.** A basic bootstrap interval of the Frechet distance recomputes the
   row's mean and covariance per resample; this part times the interval with NumPy's
   ``np.cov(fweights=...)`` and with :meth:`FeatureStats.of`'s symmetric product (what the
   league uses), on one row of the league's size, and prints the largest difference.

    python benchmarks/bench_league_statistics.py [--z runs/<run>/z_train.npy] [--rounds 2]
                                                 [--family --z-val runs/<run>/z_val.npy]

Without ``--z`` the z-points are 6,750 correlated Gaussian vectors of 256 dims.
"""

from __future__ import annotations

import argparse

import numpy as np
from threadpoolctl import threadpool_limits

from _common import Timer, footer, header, median, table
from bench_sampler_fits import z_points


def mixture_fit(z, threads):
    """(seconds, fitted means) of a seeded 10-component full-covariance EM on ``z``."""
    from sklearn.mixture import GaussianMixture

    with threadpool_limits(threads, user_api="blas"), Timer() as t:
        mixture = GaussianMixture(10, reg_covar=1e-4, random_state=0).fit(z)
    return t.wall, mixture.means_


def kid_resamples(sets, n_boot, batched):
    """(seconds, resampled KID ratios) of the joint interval of KID(real, row) / KID(real, ceiling)."""
    from aelatent import distances

    distances.SHARED.clear()
    kernels = distances.KernelSets(*sets)
    resamples = distances._resamples([len(x) for x in sets], n_boot, np.random.default_rng(0))
    kernels.kid(0, 1), kernels.kid(0, 2)          # the estimate computes the kernel matrices
    with Timer() as t:
        if batched:
            ratios = kernels.kids(0, 1, resamples) / kernels.kids(0, 2, resamples)
        else:
            ratios = np.array([kernels.kid(0, 1, c[0], c[1]) / kernels.kid(0, 2, c[0], c[2])
                               for c in resamples])
    return t.wall, ratios


def family(z_train, z_val, n_jobs):
    """(seconds, table) of notebook XII's mixture family in the ``default`` profile."""
    from aelatent.samplers import mixture_selection

    with Timer() as t:
        selection = mixture_selection(z_train, z_val, n_components=(1, 10, 20, 50), n_jobs=n_jobs)
    return t.wall, selection.table.sort_index()


def numpy_stats(features, counts=None):
    """The feature statistics as NumPy's weighted mean and covariance compute them."""
    from aelatent import distances

    counts = np.ones(len(features), dtype=np.int64) if counts is None else counts
    return distances.FeatureStats(np.average(features, axis=0, weights=counts),
                                  np.cov(features, rowvar=False, fweights=counts), int(counts.sum()))


def frechet_resamples(sets, n_boot, with_numpy):
    """(seconds, interval) of the Frechet bootstrap interval of one row, its reference's share kept."""
    import contextlib
    from unittest import mock

    from aelatent import distances

    distances.SHARED.clear()
    with (mock.patch.object(distances.FeatureStats, "_of_checked", staticmethod(numpy_stats))
          if with_numpy else contextlib.nullcontext()):
        distances.bootstrap_interval(distances.frechet_distance, *sets, n_boot=n_boot)  # the share
        with Timer() as t:
            interval = distances.bootstrap_interval(distances.frechet_distance, *sets, n_boot=n_boot)
    return t.wall, np.array(interval)


def main(argv=None):
    from aelatent.samplers.mixture import principal_split

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--z", default=None, help="a .npy of z-points (default: synthetic)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--n", type=int, default=2000, help="images of a row and of the ceiling")
    parser.add_argument("--n-real", type=int, default=2250, help="real reference images")
    parser.add_argument("--boot", type=int, default=100, help="bootstrap resamples")
    parser.add_argument("--family", action="store_true", help="time the mixture family too")
    parser.add_argument("--z-val", default=None, help="held-out z-points for --family")
    args = parser.parse_args(argv)
    z = z_points(args.z)
    lead = principal_split(z, 0.9)[2]
    header(f"Benchmark 11: mixture fits with 1 BLAS thread, KID resamples in one product "
           f"({len(z):,} z-points from {args.z or 'a synthetic Gaussian'})")
    rows = []
    for name, points in (("GMM-10, leading axes", lead), ("GMM-10, all axes", z)):
        seconds, means = {1: [], None: []}, {}
        for _ in range(args.rounds):
            for threads in (None, 1):
                wall, means[threads] = mixture_fit(points, threads)
                seconds[threads].append(wall)
                print(f"   | {name} ({points.shape[1]} dims), BLAS threads "
                      f"{threads or 'default'}: {wall:.1f} s", flush=True)
        rows.append([f"{name} ({points.shape[1]} dims)", f"{median(seconds[None]):.2f}",
                     f"{median(seconds[1]):.2f}",
                     f"{np.max(np.abs(means[1] - means[None])):.1e}"])
    table(rows, ["mixture fit", "s, default BLAS threads", "s, one thread", "max |mean difference|"])

    rng = np.random.default_rng(0)
    real = rng.standard_normal((args.n_real, 256))
    sets = (real, rng.standard_normal((args.n, 256)) * 1.1, rng.standard_normal((args.n, 256)) * 1.05)
    seconds, ratios = {False: [], True: []}, {}
    for _ in range(args.rounds):
        for batched in (False, True):
            wall, ratios[batched] = kid_resamples(sets, args.boot, batched)
            seconds[batched].append(wall)
    difference = np.max(np.abs(ratios[True] - ratios[False]) / np.abs(ratios[False]))
    table([[f"{args.boot} resamples of {args.n_real:,} + {args.n:,} + {args.n:,} images",
            f"{median(seconds[False]):.2f}", f"{median(seconds[True]):.2f}", f"{difference:.1e}"]],
          ["KID ratio resamples", "s, one product per resample", "s, one for all",
           "max relative difference"])

    seconds, intervals = {True: [], False: []}, {}
    for _ in range(args.rounds):
        for with_numpy in (True, False):
            wall, intervals[with_numpy] = frechet_resamples(sets[:2], args.boot, with_numpy)
            seconds[with_numpy].append(wall)
    difference = np.max(np.abs(intervals[False] - intervals[True]) / np.abs(intervals[True]))
    table([[f"{args.boot} resamples of {args.n_real:,} + {args.n:,} images",
            f"{median(seconds[True]):.2f}", f"{median(seconds[False]):.2f}", f"{difference:.1e}"]],
          ["Frechet interval", "s, np.cov", "s, symmetric product", "max relative difference"])

    if args.family:
        z_train, z_val = ((z, z_points(args.z_val)) if args.z_val
                          else (z[: -len(z) // 4], z[-len(z) // 4:]))   # synthetic: a quarter held out
        (alone, first), (paired, second) = family(z_train, z_val, 1), family(z_train, z_val, 2)
        agree = np.allclose(first["held_out_ll"], second["held_out_ll"], rtol=0, atol=1e-12)
        table([[f"{len(first)} mixtures on {len(z_train):,} z-points", f"{alone:.1f}", f"{paired:.1f}",
                "yes" if agree else "NO"]],
              ["mixture family", "s, one at a time", "s, two at a time", "likelihoods agree"])
    footer()


if __name__ == "__main__":
    main()
