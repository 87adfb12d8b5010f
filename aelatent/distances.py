"""Two-sample distances between feature sets: Frechet, kernel (KID), k-NN precision/recall.

The league (:mod:`aelatent.league`) compares generated images with real ones
through these measures, in ONet feature space and in latent space:

- :func:`frechet_distance` -- the FID formula on any features; biased upwards
  at small n (the bias falls like 1/n), so :func:`frechet_by_n` and
  :func:`extrapolated_frechet_distance` (Chong & Forsyth 2020) give its
  dependence on n and its value extrapolated to n -> infinity;
- :func:`kernel_distance` -- KID, the unbiased squared MMD with the cubic
  polynomial kernel (Binkowski et al. 2018); expectation 0 for two samples of
  one distribution at any n;
- :func:`bootstrap_interval` -- a basic (bias-correcting) bootstrap interval
  for either of them; :func:`kid_ratio_interval` -- the ratio of two kernel
  distances to one reference with a joint bootstrap interval;
- :func:`precision_recall` -- k-NN precision and recall (Kynkaanniemi et al. 2019).

Both distances accept frequency ``counts`` per row, which is how a bootstrap
resample is passed: the kernel distance then leaves out every pair of copies of
one row, as the unbiased estimator leaves out the diagonal.

What the rows of a league share is computed once (:data:`SHARED`): every row is
compared with one reference and one ceiling, resampled the same way (the seeded resamples
of sets of equal sizes are equal), so the reference's resampled Frechet statistics (and those
of the subsets of :func:`frechet_by_n`), its k-NN ball radii, the kernel matrices and the kernel
sums over those resamples are kept, keyed by the content of the arrays and counts they derive
from, and reused bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .errors import ConfigError
from .result_store import DerivedValues
from .stats import check_sample
from .validation import check_int, check_real


@dataclasses.dataclass
class FeatureStats:
    """Mean and covariance of a feature set (the sufficient statistics of the Frechet distance)."""

    mean: np.ndarray
    cov: np.ndarray
    n: int

    @classmethod
    def of(cls, features, counts=None):
        """Statistics of ``features`` (n, d); ``counts`` (n,) repeats rows (a bootstrap resample)."""
        features = check_sample(features, "features")
        return cls._of_checked(features, None if counts is None else _counts(counts, len(features)))

    @classmethod
    def _of_checked(cls, features, counts=None):
        """:meth:`of` for features already checked (a bootstrap checks its sets once, not per
        resample). The rows a resample leaves out are dropped and the covariance is one symmetric
        product of the centred rows, each scaled by the root of its count (BLAS syrk): on
        2,000 x 256 features 2.5x faster than ``np.cov(..., fweights=counts)``, equal to float
        rounding (Benchmark 11; tests/test_distances.py)."""
        if counts is None:
            n, mean = len(features), features.mean(axis=0)
            root = features - mean
        else:
            n, kept = int(counts.sum()), counts > 0
            mean = counts @ features / n
            root = (features[kept] - mean) * np.sqrt(counts[kept])[:, None]
        return cls(mean, root.T @ root / (n - 1), n)


def _counts(counts, n):
    if counts is None:
        return np.ones(n, dtype=np.int64)
    counts = np.asarray(counts)
    if counts.shape != (n,) or (counts < 0).any() or counts.sum() < 2:
        raise ConfigError(f"counts must be {n} non-negative integers summing to >= 2, "
                          f"got shape {counts.shape}.")
    return counts.astype(np.int64)


#: The store of the bootstrap's shared values: the reference's Frechet statistics per resample,
#: kernel matrices and kernel sums (a few kernel matrices of a few thousand rows fit).
SHARED = DerivedValues(600 * 2 ** 20)


def _psd_sqrt(cov):
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(a, b, counts_a=None, counts_b=None):
    """Frechet distance between Gaussians fitted to two feature sets.

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)``, the
    formula of FID, computed with symmetric eigen-decompositions (negative
    eigenvalues from round-off are clipped to 0), which stays real and stable
    for the rank-deficient covariances of small samples.

    Parameters
    ----------
    a, b : arrays (n, d) or :class:`FeatureStats`
    counts_a, counts_b : int arrays, optional
        How often each row counts (a bootstrap resample); arrays only.

    Returns
    -------
    float
        >= 0; 0 for identical sets.
    """
    mean_a, trace_a, root_a = _frechet_side(a if isinstance(a, FeatureStats)
                                            else FeatureStats.of(a, counts_a))
    return _frechet_from_side(mean_a, trace_a, root_a,
                              b if isinstance(b, FeatureStats) else FeatureStats.of(b, counts_b))


def _frechet_side(a):
    """What the Frechet distance needs of its first set: mean, trace of the covariance, its root."""
    return a.mean, np.trace(a.cov), _psd_sqrt(a.cov)


def _frechet_from_side(mean_a, trace_a, root_a, b):
    if mean_a.shape != b.mean.shape:
        raise ConfigError(f"feature sets differ in dimension: {mean_a.shape[0]} vs {b.mean.shape[0]}.")
    middle = root_a @ b.cov @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    value = np.sum((mean_a - b.mean) ** 2) + trace_a + np.trace(b.cov) - 2 * cross
    return float(max(value, 0.0))


def _shared_frechet(a):
    """:func:`frechet_distance` with ``a``'s share kept in :data:`SHARED` (the reference of
    every row, resampled the same way for each); ``a`` is hashed once, not per resample."""
    a_id = SHARED.key(a)[0]

    def distance(a, b, counts_a=None, counts_b=None):
        side = SHARED.get(("frechet side", a_id, *SHARED.key(counts_a)),
                          lambda: _frechet_side(FeatureStats._of_checked(a, counts_a)))
        return _frechet_from_side(*side, FeatureStats._of_checked(b, counts_b))
    return distance


def _cubic_kernel(x, y):
    from sklearn.metrics.pairwise import polynomial_kernel
    return polynomial_kernel(x, y, degree=3, gamma=1.0 / x.shape[1], coef0=1)


def _within(kernel, diagonal, w):
    pairs = w.sum() ** 2 - np.sum(w ** 2)
    return (w @ kernel @ w - np.sum(w ** 2 * diagonal)) / pairs


class KernelSets:
    """The kernel matrices of feature sets, computed once: a KID of any two, under any resample,
    is then a weighted sum (what every bootstrap resample of :func:`bootstrap_interval` and
    :func:`kid_ratio_interval` costs).

    Parameters
    ----------
    *sets : arrays (n_i, d)
    """

    def __init__(self, *sets):
        self.sets = [check_sample(x, "features") for x in sets]
        if len({x.shape[1] for x in self.sets}) > 1:
            raise ConfigError("feature sets differ in dimension: "
                              + " vs ".join(str(x.shape[1]) for x in self.sets) + ".")
        self._ids = [SHARED.key(x)[0] for x in self.sets]

    def _kernel(self, i, j):
        def compute():
            kernel = _cubic_kernel(self.sets[i], self.sets[j])
            return (kernel, np.diag(kernel).copy()) if i == j else kernel
        return SHARED.get(("kernel", self._ids[i], self._ids[j]), compute)

    def _sum(self, i, j, counts_i, counts_j):
        """The mean kernel value within set ``i`` (``j`` is None) or across ``i`` and ``j``."""
        key = ("kernel sum", self._ids[i], None if j is None else self._ids[j],
               *SHARED.key(counts_i, counts_j))
        w_i = _counts(counts_i, len(self.sets[i]))
        if j is None:
            return SHARED.get(key, lambda: _within(*self._kernel(i, i), w_i))
        w_j = _counts(counts_j, len(self.sets[j]))
        return SHARED.get(key, lambda: w_i @ self._kernel(i, j) @ w_j / (w_i.sum() * w_j.sum()))

    def kid(self, i, j, counts_i=None, counts_j=None):
        """KID of sets ``i`` and ``j`` (:func:`kernel_distance`), rows repeated by the counts."""
        return float(self._sum(i, None, counts_i, None) + self._sum(j, None, counts_j, None)
                     - 2 * self._sum(i, j, counts_i, counts_j))

    def _sums(self, i, j, weights_i, weights_j):
        """:meth:`_sum` for every row of ``weights_i`` (and ``weights_j``), arrays (R, n_i):
        one matrix product per kernel instead of R vector products."""
        key = ("kernel sums", self._ids[i], None if j is None else self._ids[j],
               *SHARED.key(weights_i, weights_j))
        if j is None:
            def within():
                kernel, diagonal = self._kernel(i, i)
                pairs = weights_i.sum(axis=1) ** 2 - np.sum(weights_i ** 2, axis=1)
                return (np.einsum("rn,rn->r", weights_i @ kernel, weights_i)
                        - weights_i ** 2 @ diagonal) / pairs
            return SHARED.get(key, within)
        return SHARED.get(key, lambda: np.einsum("rn,rn->r", weights_i @ self._kernel(i, j),
                                                 weights_j)
                          / (weights_i.sum(axis=1) * weights_j.sum(axis=1)))

    def kids(self, i, j, resamples):
        """KIDs of sets ``i`` and ``j`` under each of ``resamples`` (:func:`_resamples`: one
        tuple of row counts per set for each), as :meth:`kid` gives them one by one (to float
        rounding): array (R,)."""
        weights_i, weights_j = (np.stack([counts[s] for counts in resamples]).astype(np.float64)
                                for s in (i, j))
        return (self._sums(i, None, weights_i, None) + self._sums(j, None, weights_j, None)
                - 2 * self._sums(i, j, weights_i, weights_j))


def kernel_distance(a, b, counts_a=None, counts_b=None):
    """Kernel distance (KID): the unbiased squared MMD with the cubic polynomial kernel.

    ``k(x, y) = (x . y / d + 1)^3`` (Binkowski et al. 2018, "Demystifying MMD
    GANs"), computed with scikit-learn's ``polynomial_kernel``. Unlike the
    Frechet distance it has no bias at small n: for two samples of one
    distribution its expectation is 0 (single values can be slightly negative).

    Parameters
    ----------
    a, b : arrays (n, d), n >= 2 each
    counts_a, counts_b : int arrays, optional
        How often each row counts (a bootstrap resample). The within-set means
        leave out the pairs of a row with its own copies, as the unbiased
        estimator leaves out ``k(x, x)``; counting them would add a positive
        bias that hides the estimate outside its own bootstrap interval.

    Returns
    -------
    float
    """
    return KernelSets(a, b).kid(0, 1, counts_a, counts_b)


def _resamples(sizes, n_boot, rng):
    """``n_boot`` bootstrap resamples of sets of these sizes, as row counts (one tuple per resample)."""
    return [tuple(rng.multinomial(n, np.full(n, 1 / n)) for n in sizes) for _ in range(n_boot)]


def _basic(estimate, values, level):
    q_low, q_high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(2 * estimate - q_high), float(2 * estimate - q_low)


def bootstrap_interval(distance, a, b, n_boot=200, level=0.95, random_state=0):
    """Basic bootstrap interval of a two-sample distance (:func:`frechet_distance`, :func:`kernel_distance`).

    Both sets are resampled with replacement ``n_boot`` times (seeded, passed
    to ``distance`` as row counts). The *basic* interval
    ``(2 d - q_high, 2 d - q_low)`` reflects the resampled quantiles around the
    estimate ``d``, which removes the bias of the resampling itself: a
    resample of n rows holds only ~0.63 n distinct ones, so the Frechet
    distance of resamples lies well above the estimate (on 64-d Gaussians at
    n = 450 the percentile interval missed the estimate in every trial, while
    the basic interval covered the true distance in 9 of 10; tests/test_distances.py).
    The kernel distance's resamples reuse one set of kernel matrices (:class:`KernelSets`),
    all resamples summed in one matrix product per kernel;
    the Frechet distance's keep ``a``'s resampled statistics (:data:`SHARED`), which the next
    call with the same ``a`` and sizes -- the league's next row -- reuses.

    Parameters
    ----------
    distance : callable ``distance(a, b, counts_a, counts_b) -> float``
    a, b : arrays (n, d)
    n_boot : int, >= 10
    level : float in (0, 1)
    random_state : int

    Returns
    -------
    (low, high) : floats
    """
    check_int(n_boot, "n_boot", minimum=10, what="bootstrap resamples")
    level = check_real(level, "level", low=0, high=1, low_open=True, high_open=True)
    a, b = check_sample(a, "a"), check_sample(b, "b")
    resamples = _resamples((len(a), len(b)), n_boot, np.random.default_rng(random_state))
    if distance is kernel_distance:
        kernels = KernelSets(a, b)
        return _basic(kernels.kid(0, 1), kernels.kids(0, 1, resamples), level)
    if distance is frechet_distance:
        distance = _shared_frechet(a)
    return _basic(distance(a, b), [distance(a, b, *counts) for counts in resamples], level)


def kid_ratio_interval(real, a, b, n_boot=200, level=0.95, random_state=0):
    """KID(real, a) / KID(real, b) with a joint bootstrap interval of the ratio itself.

    Each resample draws the three sets anew (with replacement, seeded) and
    takes the ratio of the two kernel distances *on the same resample of*
    ``real``, so what the two share cancels instead of adding up, as it would
    in the ratio of two separate intervals. The interval is the percentile
    interval of the resampled ratios: both distances are unbiased, so the
    resampling adds no bias to correct (the basic interval of
    :func:`bootstrap_interval` would mirror the ratio's right skew to the wrong
    side). A resample whose denominator is not positive counts as an unbounded
    ratio; a numerator at or below 0 (``a`` as close to ``real`` as ``real`` to
    itself) gives a ratio at or below 0.

    Parameters
    ----------
    real : array (n_real, d)
        The reference both are compared with (real held-out faces).
    a, b : arrays (n, d)
        E.g. a sampler's images and the reconstructions, the ceiling.
    n_boot, level, random_state
        As :func:`bootstrap_interval`.

    Returns
    -------
    (ratio, low, high) : floats
        NaN when the denominator of the estimate itself is not positive.
    """
    check_int(n_boot, "n_boot", minimum=10, what="bootstrap resamples")
    level = check_real(level, "level", low=0, high=1, low_open=True, high_open=True)
    kernels = KernelSets(real, a, b)

    bottom = kernels.kid(0, 2)
    if not bottom > 0:
        return np.nan, np.nan, np.nan
    estimate = kernels.kid(0, 1) / bottom
    resamples = _resamples([len(x) for x in kernels.sets], n_boot, np.random.default_rng(random_state))
    bottoms = kernels.kids(0, 2, resamples)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = np.where(bottoms > 0, kernels.kids(0, 1, resamples) / bottoms, np.inf)
    low, high = np.quantile(ratios, [(1 - level) / 2, (1 + level) / 2],
                            method="inverted_cdf")      # no interpolation toward an unbounded one
    return float(estimate), float(low), float(high)


def frechet_by_n(a, b, sizes=None, repeats=3, random_state=0):
    """Frechet distance of random subsets of both sets, at several equal sizes n.

    Parameters
    ----------
    a, b : arrays (n_a, d), (n_b, d)
    sizes : sequence of int, optional
        Subset sizes; default 8 sizes from 40 % of the smaller set to all of it.
    repeats : int
        Subsets drawn per size (their distances are averaged).
    random_state : int

    Returns
    -------
    sizes, distances : int array, float array
    """
    a, b = check_sample(a, "a"), check_sample(b, "b")
    n_max = min(len(a), len(b))
    check_int(repeats, "repeats", what="subsets per size")
    sizes = (np.unique(np.linspace(0.4 * n_max, n_max, 8).astype(int)) if sizes is None
             else np.asarray(sizes, dtype=int))
    if len(sizes) < 2 or sizes.min() < 2 or sizes.max() > n_max:
        raise ConfigError(f"sizes must be >= 2 values in [2, {n_max}] (the smaller set), "
                          f"got {list(sizes)}.")
    rng = np.random.default_rng(random_state)
    a_id = SHARED.key(a)[0]

    def distance(rows_a, rows_b):
        # a's share of a subset is kept: the league's rows draw the same subsets of one reference
        side = SHARED.get(("frechet subset side", a_id, *SHARED.key(rows_a)),
                          lambda: _frechet_side(FeatureStats._of_checked(a[rows_a])))
        return _frechet_from_side(*side, FeatureStats._of_checked(b[rows_b]))

    values = [np.mean([distance(rng.choice(len(a), n, replace=False),
                                rng.choice(len(b), n, replace=False))
                       for _ in range(1 if n == n_max and len(a) == len(b) else repeats)])
              for n in sizes]
    return sizes, np.asarray(values)


def extrapolated_frechet_distance(a, b, sizes=None, repeats=3, random_state=0):
    """The Frechet distance extrapolated to n -> infinity (Chong & Forsyth 2020, "FID_infinity").

    Its bias falls like 1/n, so a straight line through the distances of
    :func:`frechet_by_n` against 1/n meets the axis 1/n = 0 at the unbiased
    value. On 64-d Gaussians whose true distance is 5.8, the plain distance at
    n = 450 was 10.3-11.2 and the extrapolated one 5.2-6.5.

    Returns
    -------
    float
        May be slightly negative for two samples of one distribution.
    """
    sizes, values = frechet_by_n(a, b, sizes, repeats, random_state)
    slope, intercept = np.polyfit(1.0 / sizes, values, 1)
    return float(intercept)


def _kth_neighbour_radius(x, k, chunk=1024):
    """Distance of each point of ``x`` to its k-th nearest other point of ``x``."""
    from sklearn.metrics import pairwise_distances
    radii = np.empty(len(x))
    for start in range(0, len(x), chunk):
        d = pairwise_distances(x[start:start + chunk], x)
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]   # column 0 is the point itself
    return radii


def _coverage(x, y, radii_x, radii_y, chunk=1024):
    """Which points of ``x`` lie inside a ball of ``y`` (centre, ``radii_y``), and which points of
    ``y`` inside a ball of ``x``: both from one distance matrix, computed in chunks of ``x``."""
    from sklearn.metrics import pairwise_distances
    x_inside, y_inside = np.empty(len(x), bool), np.zeros(len(y), bool)
    for start in range(0, len(x), chunk):
        d = pairwise_distances(x[start:start + chunk], y)
        x_inside[start:start + chunk] = (d <= radii_y[None, :]).any(axis=1)
        y_inside |= (d <= radii_x[start:start + chunk, None]).any(axis=0)
    return x_inside, y_inside


def precision_recall(real, generated, k=3):
    """k-NN precision and recall of a generated set (Kynkaanniemi et al. 2019).

    Each point gets a ball reaching to its k-th nearest neighbour in its own
    set. **Precision** is the share of generated points inside some ball of a
    real point (fidelity: do the samples look real?); **recall** the share
    of real points inside some ball of a generated point (coverage: is the
    variety of the real set reproduced?).

    Parameters
    ----------
    real, generated : arrays (n, d)
        Features (or latent vectors) of the two sets; compare at equal sizes.
    k : int
        Neighbour defining the ball radius (the paper uses 3).

    Returns
    -------
    precision, recall : float
    """
    real = check_sample(real, "real")
    generated = check_sample(generated, "generated")
    if real.shape[1] != generated.shape[1]:
        raise ConfigError(f"real and generated differ in dimension: {real.shape[1]} vs {generated.shape[1]}.")
    check_int(k, "k", maximum=min(len(real), len(generated)) - 1,
              what="the neighbour of the balls, fewer than the points of each set")
    real_radii = SHARED.get(("kth neighbour radius", *SHARED.key(real), k),
                            lambda: _kth_neighbour_radius(real, k))   # one reference, many rows
    precision, recall = _coverage(generated, real, _kth_neighbour_radius(generated, k), real_radii)
    return float(precision.mean()), float(recall.mean())

