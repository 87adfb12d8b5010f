"""Statistics of z-point clouds: per-component distributions, centre, covariance, Mahalanobis.

Everything works on an array ``z`` of shape (n, N) -- n points in an
N-dimensional latent space -- with vectorised NumPy/SciPy, fast enough for
200,000 x 256 CelebA z-points (a few seconds on a laptop CPU).

Per component (notebook II)
    :func:`component_histograms`, :func:`halfwidth`, :func:`component_stats`,
    :func:`gaussian_fit`
The centre and the radii (notebooks II, IV)
    :func:`offorigin_components`, :func:`radii`, :func:`uniform_vectors`,
    :func:`uniform_radius_mean`, :func:`uniform_radius_std`, :func:`best_matching_b`,
    :func:`angles_to`, :func:`centre_coordinates`
Correlations (notebook III)
    :func:`correlation_matrix`, :func:`offdiagonal`, :func:`shuffled_baseline`,
    :func:`correlation_summary`, :func:`strongest_pairs`
The multivariate Gaussian and its core (notebook IV)
    :class:`LatentGaussian`
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.stats

from sklearn.base import BaseEstimator

from .errors import ConfigError
from . import validation
from .validation import check_fitted, check_int, check_n_features, check_real

#: hw / sigma of a Gaussian: half of its full width at half maximum is sigma * sqrt(2 ln 2).
GAUSSIAN_HW_FACTOR = float(np.sqrt(2.0 * np.log(2.0)))

#: Rows processed at once by the histogram code (bounds the temporary memory).
_CHUNK_ROWS = 16384


def check_sample(z, name="z", dtype=np.float64):
    """``z`` as a finite 2-D array of shape (n >= 2, N): a *sample* (statistics need two points);
    ``dtype=None`` keeps a float dtype. The one array check with that minimum,
    :func:`aelatent.validation.check_points`."""
    return validation.check_points(z, name, min_rows=2, dtype=dtype)


# -- per-component number distributions ------------------------------------------------------

def component_histograms(z, bins=64, quantiles=(0.001, 0.999), max_range_points=20000):
    """Histograms of all components at once (one bincount, no Python loop over components).

    Each component gets ``bins`` equal bins between its ``quantiles`` (0.1 % and
    99.9 % by default, estimated on an evenly strided subsample of at most
    ``max_range_points`` rows); values outside are not counted, exactly as
    :func:`numpy.histogram` with a ``range``.

    Parameters
    ----------
    z : array, shape (n, N)
    bins : int
    quantiles : tuple of float
        Lower and upper quantile that bound each component's bins.
    max_range_points : int

    Returns
    -------
    counts : ndarray of shape (N, bins), int
    edges : ndarray of shape (N, bins + 1)
    """
    z = check_sample(z, dtype=None)
    bins = check_int(bins, "bins")
    q_lo, q_hi = quantiles
    if not 0 <= q_lo < q_hi <= 1:
        raise ConfigError(f"quantiles must satisfy 0 <= low < high <= 1, got {quantiles}.")
    n, n_dims = z.shape
    step = max(1, n // check_int(max_range_points, "max_range_points"))
    lo, hi = np.quantile(z[::step].astype(np.float64), [q_lo, q_hi], axis=0)
    flat = hi <= lo                          # constant component: numpy's +-0.5 convention
    lo, hi = np.where(flat, lo - 0.5, lo), np.where(flat, hi + 0.5, hi)
    scale = bins / (hi - lo)
    offset = np.arange(n_dims) * bins
    counts = np.zeros(n_dims * bins, dtype=np.int64)
    for start in range(0, n, _CHUNK_ROWS):
        block = z[start:start + _CHUNK_ROWS]
        inside = (block >= lo) & (block <= hi)
        index = np.minimum(((block - lo) * scale).astype(np.int64), bins - 1) + offset
        counts += np.bincount(index[inside], minlength=n_dims * bins)
    edges = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, bins + 1)
    return counts.reshape(n_dims, bins), edges


def _half_maximum(counts, edges):
    """Where each row of ``counts`` falls to half its (smoothed) peak (see :func:`halfwidth`).

    Returns
    -------
    x_left, x_right : ndarray of shape (N,)
        The half-maximum points left and right of the peak.
    half : ndarray of shape (N,)
        Half the smoothed peak height, in the units of ``counts``.
    """
    n_dims, bins = counts.shape
    padded = np.pad(counts.astype(np.float64), ((0, 0), (1, 1)))
    smooth = 0.25 * padded[:, :-2] + 0.5 * padded[:, 1:-1] + 0.25 * padded[:, 2:]
    centres = 0.5 * (edges[:, :-1] + edges[:, 1:])
    rows = np.arange(n_dims)
    peak = np.argmax(smooth, axis=1)
    half = smooth[rows, peak] / 2.0
    below = smooth <= half[:, None]
    position = np.arange(bins)

    left_candidates = below & (position < peak[:, None])
    has_left = left_candidates.any(axis=1)
    left = np.where(has_left, bins - 1 - np.argmax(left_candidates[:, ::-1], axis=1), 0)
    nxt = np.minimum(left + 1, bins - 1)
    s0, s1 = smooth[rows, left], smooth[rows, nxt]
    c0, c1 = centres[rows, left], centres[rows, nxt]
    with np.errstate(invalid="ignore", divide="ignore"):
        x_left = np.where(has_left, c0 + (half - s0) / (s1 - s0) * (c1 - c0), c0)

    right_candidates = below & (position > peak[:, None])
    has_right = right_candidates.any(axis=1)
    right = np.where(has_right, np.argmax(right_candidates, axis=1), bins - 1)
    prv = np.maximum(right - 1, 0)
    s0, s1 = smooth[rows, right], smooth[rows, prv]
    c0, c1 = centres[rows, right], centres[rows, prv]
    with np.errstate(invalid="ignore", divide="ignore"):
        x_right = np.where(has_right, c0 + (half - s0) / (s1 - s0) * (c1 - c0), c0)
    return x_left, x_right, half


def halfwidth(z, bins=64):
    """Half-width of each component's number distribution.

    Defined as **half the full width at half maximum (FWHM)** of the component's
    histogram: the histogram (``bins`` equal bins between the 0.1 % and 99.9 %
    quantiles, see :func:`component_histograms`, lightly smoothed with the
    kernel (1/4, 1/2, 1/4)) is searched left and right of its peak for the
    points where it falls to half the peak height (linearly interpolated
    between bin centres). For a Gaussian, ``hw = sigma * sqrt(2 ln 2)``
    = 1.1774 sigma (:data:`GAUSSIAN_HW_FACTOR`); the ratio hw / sigma of a
    component therefore says how Gaussian its core is (smaller: a sharper
    peak with heavier tails, larger: a flatter top).

    Parameters
    ----------
    z : array, shape (n, N)
    bins : int

    Returns
    -------
    ndarray of shape (N,)
    """
    x_left, x_right, _ = _half_maximum(*component_histograms(z, bins=bins))
    return 0.5 * (x_right - x_left)


@dataclasses.dataclass
class ComponentStats:
    """Per-component statistics of a z-point cloud (arrays of shape (N,))."""

    mean: np.ndarray
    std: np.ndarray
    halfwidth: np.ndarray
    skewness: np.ndarray
    kurtosis: np.ndarray

    @property
    def centre_radius(self):
        """Length |mu| of the centre vector."""
        return float(np.linalg.norm(self.mean))

    def to_frame(self):
        """The statistics as a DataFrame, one row per component."""
        return pd.DataFrame(dataclasses.asdict(self)).rename_axis("component")


def component_stats(z):
    """Mean, standard deviation, half-width (see :func:`halfwidth`), skewness and excess kurtosis."""
    z = check_sample(z, dtype=None)
    n = len(z)
    mean = z.mean(axis=0, dtype=np.float64)
    m2 = np.zeros(z.shape[1])
    m3 = np.zeros(z.shape[1])
    m4 = np.zeros(z.shape[1])
    for start in range(0, n, _CHUNK_ROWS):       # central moments without a float64 copy of z
        d = z[start:start + _CHUNK_ROWS] - mean
        d2 = d * d
        m2 += d2.sum(axis=0)
        m3 += (d2 * d).sum(axis=0)
        m4 += (d2 * d2).sum(axis=0)
    m2, m3, m4 = m2 / n, m3 / n, m4 / n
    with np.errstate(invalid="ignore", divide="ignore"):
        skewness = np.where(m2 > 0, m3 / m2 ** 1.5, np.nan)
        kurtosis = np.where(m2 > 0, m4 / m2 ** 2 - 3.0, np.nan)
    return ComponentStats(mean=mean, std=np.sqrt(m2 * n / (n - 1)), halfwidth=halfwidth(z),
                          skewness=skewness, kurtosis=kurtosis)


@dataclasses.dataclass
class GaussianFit:
    """Per-component Gaussian fits and their goodness of fit (arrays of shape (N,)).

    Attributes
    ----------
    mean, std : ndarray
        Parameters of the fitted Gaussian (maximum likelihood: the component's
        mean and standard deviation).
    r2 : ndarray
        Coefficient of determination of the histogram density against the
        fitted density at the bin centres (1 = perfect).
    ks : ndarray
        Kolmogorov-Smirnov statistic: the largest distance between the
        empirical and the fitted cumulative distribution (0 = perfect).
    counts, edges : ndarray
        The histograms the fit was compared with (see :func:`component_histograms`).
    halfmax_left, halfmax_right : ndarray
        Where each histogram falls to half its maximum (see :func:`halfwidth`;
        the half-width is half their distance).
    halfmax_density : ndarray
        Half the maximum, as a probability density.
    """

    mean: np.ndarray
    std: np.ndarray
    r2: np.ndarray
    ks: np.ndarray
    counts: np.ndarray
    edges: np.ndarray
    halfmax_left: np.ndarray
    halfmax_right: np.ndarray
    halfmax_density: np.ndarray

    @property
    def halfwidth(self):
        """Half-widths hw_j of the histograms (as :func:`halfwidth` with the same bins)."""
        return 0.5 * (self.halfmax_right - self.halfmax_left)

    def pdf(self, j, x):
        """Density of the fitted Gaussian of component ``j`` at ``x``."""
        return scipy.stats.norm.pdf(x, self.mean[j], self.std[j])


def gaussian_fit(z, bins=64, max_ks_points=20000, seed=0):
    """Fit a Gaussian to every component and measure how well it fits.

    Parameters
    ----------
    z : array, shape (n, N)
    bins : int
        Histogram bins for the R^2 figure.
    max_ks_points : int
        The KS statistic is computed on a random subsample of at most this
        many rows (seeded), which keeps the sort cheap at CelebA scale.
    seed : int

    Returns
    -------
    GaussianFit
    """
    z = check_sample(z, dtype=None)
    n = len(z)
    mean = z.mean(axis=0, dtype=np.float64)
    std = z.std(axis=0, dtype=np.float64)
    counts, edges = component_histograms(z, bins=bins)
    width = edges[:, 1] - edges[:, 0]
    density = counts / (n * width[:, None])
    centres = 0.5 * (edges[:, :-1] + edges[:, 1:])
    safe_std = np.where(std > 0, std, 1.0)
    model = scipy.stats.norm.pdf(centres, mean[:, None], safe_std[:, None])
    ss_res = ((density - model) ** 2).sum(axis=1)
    ss_tot = ((density - density.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    r2 = 1.0 - ss_res / np.where(ss_tot > 0, ss_tot, np.nan)

    rng = np.random.default_rng(seed)
    m = min(n, check_int(max_ks_points, "max_ks_points"))
    sample = z[np.sort(rng.choice(n, m, replace=False))] if m < n else z
    cdf = scipy.stats.norm.cdf((np.sort(sample, axis=0) - mean) / safe_std)
    steps = np.arange(1, m + 1)[:, None] / m
    ks = np.maximum((steps - cdf).max(axis=0), (cdf - (steps - 1.0 / m)).max(axis=0))
    x_left, x_right, half = _half_maximum(counts, edges)
    return GaussianFit(mean=mean, std=std, r2=r2, ks=ks, counts=counts, edges=edges,
                       halfmax_left=x_left, halfmax_right=x_right,
                       halfmax_density=half / (n * width))


# -- the centre and the radii -------------------------------------------------------------------

def most_offorigin(mean, spread, k=None):
    """Components ranked by how far the origin lies from their mean, in units of their spread.

    The ranking by ``|mu_j| / spread_j``, largest first, without a threshold: a
    VAE's cloud, centred near the origin, has no component with ``|mu_j| > hw_j``
    and still has a most off-origin pair to draw.

    Parameters
    ----------
    mean, spread : array, shape (N,)
        The components' means and their half-widths or standard deviations.
    k : int, optional
        Return the first ``k`` (default all N).

    Returns
    -------
    ndarray of int
    """
    return np.argsort(-_origin_ratio(mean, spread), kind="stable")[:k]


def _origin_ratio(mean, spread):
    """``|mu_j| / spread_j`` per component (0 where the spread is 0)."""
    mean = np.asarray(mean, dtype=np.float64)
    spread = np.asarray(spread, dtype=np.float64)
    if mean.shape != spread.shape or mean.ndim != 1:
        raise ConfigError(f"mean and spread must be 1-D arrays of equal length, got "
                          f"{mean.shape} and {spread.shape}.")
    return np.abs(mean) / np.where(spread > 0, spread, np.inf)


def offorigin_components(mean, halfwidth):
    """Components that carry the off-origin position of the centre, ranked.

    A component counts as *off-origin* when the origin lies outside the core of
    its number distribution: ``|mu_j| > hw_j``. They are ranked by
    ``|mu_j| / hw_j``, the largest first (:func:`most_offorigin`).

    Parameters
    ----------
    mean, halfwidth : array, shape (N,)

    Returns
    -------
    ndarray of int
        Indices of the off-origin components, most off-origin first; empty where
        the origin lies inside every component's core.
    """
    ratio = _origin_ratio(mean, halfwidth)
    ranked = np.argsort(-ratio, kind="stable")
    return ranked[ratio[ranked] > 1.0]


def radii(z):
    """Euclidean lengths |z| of the rows of ``z``."""
    z = np.atleast_2d(np.asarray(z))
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return np.linalg.norm(z, axis=1).astype(np.float64)


def uniform_vectors(n, n_dims, b, seed=0):
    """Statistical vectors: ``n`` vectors whose ``n_dims`` components are iid uniform on [-b, b].

    Uses ``np.random.default_rng(seed).uniform(-b, b, size=(n, n_dims))``, the
    same stream as :class:`aelatent.samplers.CommonIntervalSampler`.
    """
    n = check_int(n, "n")
    n_dims = check_int(n_dims, "n_dims")
    check_real(b, "b", low=0, low_open=True, what="the interval is [-b, b]")
    return np.random.default_rng(seed).uniform(-b, b, size=(n, n_dims))


def uniform_radius_mean(b, n_dims):
    """Theoretical mean radius b*sqrt(N/3) of vectors with components uniform on [-b, b]."""
    return b * np.sqrt(n_dims / 3.0)


def uniform_radius_std(b):
    """Large-N standard deviation b/sqrt(15) of the radius of uniform [-b, b] vectors.

    |z|^2 is a sum of N iid terms with mean b^2/3 and variance 4 b^4/45, so
    |z| has standard deviation ~ sqrt(N * 4 b^4 / 45) / (2 b sqrt(N/3)) = b/sqrt(15),
    independent of N: relative to the mean radius the shell gets thinner as
    1/sqrt(N) (the *thin-shell effect*).
    """
    return b / np.sqrt(15.0)


def origin_position(gaussian, z):
    """Where the origin lies relative to a cloud of z-points, as a sentence computed from the numbers.

    Three cases, by the origin's Mahalanobis distance under ``gaussian`` (a fitted
    :class:`LatentGaussian`) against the distances of the points ``z``: *outside
    the core* (beyond its ``core_quantile`` radius: the blog's plain AE),
    *at the border of the bulk* (inside the core, farther out than the median
    point), or *inside the bulk* (nearer the centre than the median point: a VAE
    trained towards N(0, I)).

    Returns
    -------
    str
        e.g. ``"the origin lies outside the 99 % core: ... (Mahalanobis distance 47.1; ...)"``
    """
    d = float(gaussian.mahalanobis(np.zeros((1, gaussian.n_features_in_)))[0])
    distances = gaussian.mahalanobis(np.asarray(z))
    median, core = float(np.median(distances)), gaussian.core_radius_
    share = f"{gaussian.core_quantile:.0%}"
    if d > core:
        where = (f"outside the {share} core: farther from the centre than {share} of the "
                 "z-points, a place the decoder was hardly trained on")
    elif d > median:
        where = (f"at the border of the bulk: inside the {share} core, but farther from the centre "
                 "than the median z-point")
    else:
        where = "inside the bulk: nearer the centre than the median z-point"
    return (f"the origin lies {where} (Mahalanobis distance {d:.1f}; z-points: median {median:.1f}, "
            f"{share} core radius {core:.1f}; {np.mean(distances > d):.1%} of them lie farther out)")


#: Below this share of decoded images with a face, a set of vectors "rarely gives faces".
RARE_FACE_RATE = 0.2


def faces_outside_core_sentence(face_rates, inside_core, knob="b"):
    """What the decoder made of statistical vectors, as a sentence from the run's numbers (notebook V).

    Parameters
    ----------
    face_rates, inside_core : dict knob value -> float
        Share of the decoded vectors with a face (MTCNN) and share of the
        vectors inside the core, per value of the knob (e.g. the half-width b).
    knob : str
        The knob's name in the sentence.

    Returns
    -------
    str
        Says whether such vectors rarely give faces (face rate below
        :data:`RARE_FACE_RATE` for every value), or give faces although they lie
        outside the core -- a decoder trained on more than the z-points (a VAE's
        decodes samples of the posterior, which reach far beyond the means).
    """
    rates = ", ".join(f"{rate:.0%} at {knob} = {value:g}" for value, rate in face_rates.items())
    inside = max(inside_core.values())
    said = (f"decoded vectors in which MTCNN finds a face: {rates}; at most {inside:.1%} of the vectors "
            "lie inside the core")
    if max(face_rates.values()) < RARE_FACE_RATE:
        return said + ": such vectors rarely give faces."
    faces = [f"{value:g}" for value, rate in face_rates.items() if rate >= RARE_FACE_RATE]
    if inside < RARE_FACE_RATE:
        return (said + f": for {knob} = {', '.join(faces)} this decoder makes faces of vectors outside "
                "the core of the z-points -- it has learnt to decode more than the region the z-points "
                "fill (a VAE's decoder is trained on samples of the posterior, which reach far beyond "
                "the posterior means analysed here).")
    return said + f": for {knob} = {', '.join(faces)} enough of them land in the core to give faces."


def best_matching_b(radius_mean, n_dims, b_values=None):
    """The b whose uniform [-b, b] vectors have the given mean radius.

    Parameters
    ----------
    radius_mean : float
        E.g. the mean radius of the CelebA z-points.
    n_dims : int
    b_values : sequence of float, optional
        When given, return the one of them whose theoretical mean radius is
        closest; otherwise the exact solution ``radius_mean / sqrt(N/3)``.
    """
    exact = float(radius_mean) / np.sqrt(n_dims / 3.0)
    if b_values is None:
        return exact
    b_values = np.asarray(b_values, dtype=np.float64)
    return float(b_values[np.argmin(np.abs(b_values - exact))])


def cloud_summary(cs, fit, radius, offorigin):
    """Notebook II's summary of one cloud of z-points, keyed as its metrics are.

    Parameters
    ----------
    cs : ComponentStats
    fit : GaussianFit
    radius : array, shape (n,)
        The radii |z| of the z-points.
    offorigin : array of int
        Their off-origin components (:func:`offorigin_components`).

    Returns
    -------
    dict
        ``z_radius_mean``, ``z_radius_std``, ``centre_radius``,
        ``n_offorigin_components``, ``halfwidth_median``, ``hw_over_sigma_median``,
        ``gaussian_fit_r2_median``, ``gaussian_fit_ks_median`` and
        ``best_matching_b`` (the b of uniform vectors of the same mean radius).
    """
    radius = np.asarray(radius, dtype=np.float64)
    return {"z_radius_mean": float(radius.mean()), "z_radius_std": float(radius.std()),
            "centre_radius": float(cs.centre_radius), "n_offorigin_components": len(offorigin),
            "halfwidth_median": float(np.median(cs.halfwidth)),
            "hw_over_sigma_median": float(np.median(cs.halfwidth / cs.std)),
            "gaussian_fit_r2_median": float(np.median(fit.r2)),
            "gaussian_fit_ks_median": float(np.median(fit.ks)),
            "best_matching_b": best_matching_b(radius.mean(), len(cs.mean))}


def angles_to(x, direction):
    """Angles in degrees between the rows of ``x`` and the vector ``direction``."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    direction = np.asarray(direction, dtype=np.float64)
    norm = np.linalg.norm(direction)
    if norm == 0:
        raise ConfigError("direction must not be the zero vector.")
    cos = x @ direction / (np.linalg.norm(x, axis=1) * norm)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def centre_coordinates(x, centre):
    """Coordinates of points in the plane spanned by the centre direction and their remainder.

    Returns the component along the unit centre vector and the length of the
    part perpendicular to it: a 2-D view in which both the distance of a cloud
    from the origin along the centre direction and its radius show.

    Returns
    -------
    parallel, perpendicular : ndarray of shape (n,)
    """
    x = np.atleast_2d(np.asarray(x, dtype=np.float64))
    centre = np.asarray(centre, dtype=np.float64)
    norm = np.linalg.norm(centre)
    if norm == 0:
        raise ConfigError("centre must not be the zero vector.")
    unit = centre / norm
    parallel = x @ unit
    perpendicular = np.sqrt(np.maximum((x * x).sum(axis=1) - parallel ** 2, 0.0))
    return parallel, perpendicular


# -- correlations --------------------------------------------------------------------------------

def correlation_matrix(z):
    """Pearson correlation matrix (N, N) of the components."""
    z = check_sample(z, dtype=None)
    return np.corrcoef(z, rowvar=False, dtype=np.float64)


def offdiagonal(matrix):
    """The entries above the diagonal of a square matrix, as a flat array."""
    matrix = np.asarray(matrix)
    return matrix[np.triu_indices(len(matrix), k=1)]


def shuffled_baseline(z, seed=0):
    """``z`` with every component shuffled independently across the points.

    Each component keeps its number distribution, but any dependence between
    components is destroyed: the correlations of the result are what chance
    alone gives for this many points (about 1/sqrt(n) in size).
    """
    z = check_sample(z, dtype=None)
    return np.random.default_rng(seed).permuted(z, axis=0)


def correlation_sentence(summary, shuffled, threshold):
    """Whether the components are correlated beyond chance, from :func:`correlation_summary` of
    the z-points and of their shuffled baseline (one sentence)."""
    beyond = summary["abs_max"] > 2 * shuffled["abs_max"] and summary["n_pairs_above"] > 0
    return (f"{summary['n_pairs_above']} pairs exceed |r| = {threshold:g} (shuffled: "
            f"{shuffled['n_pairs_above']}); the largest |r| is {summary['abs_max']:.2f} against "
            f"chance's {shuffled['abs_max']:.2f}: "
            + ("the components are correlated far beyond chance -- the cloud is not aligned with "
               "the coordinate axes." if beyond else
               "no pair stands out from chance by that measure in this run."))


def correlation_summary(corr, threshold=0.5):
    """Mean and maximum absolute off-diagonal coefficient, and the pairs with |r| > threshold."""
    values = np.abs(offdiagonal(corr))
    return {"abs_mean": float(values.mean()), "abs_max": float(values.max()),
            "n_pairs_above": int((values > threshold).sum())}


def strongest_pairs(corr, k=10):
    """The ``k`` component pairs with the largest absolute correlation, as a DataFrame (i, j, r)."""
    corr = np.asarray(corr)
    i, j = np.triu_indices(len(corr), k=1)
    r = corr[i, j]
    order = np.argsort(-np.abs(r), kind="stable")[:k]
    return pd.DataFrame({"i": i[order], "j": j[order], "r": r[order]})


# -- the multivariate Gaussian and its core ----------------------------------------------------

class LatentGaussian(BaseEstimator):
    """Mean and covariance of a z-point cloud, with Mahalanobis distances and a core.

    The *core* of the distribution is the set of points whose Mahalanobis
    distance is at most the ``core_quantile`` (99 % by default) quantile of the
    Mahalanobis distances of the fitted points themselves. For a Gaussian in N
    dimensions the squared distances follow a chi-squared law with N degrees
    of freedom, so the distances concentrate around sqrt(N).

    Parameters
    ----------
    core_quantile : float
    ridge : float
        Added to the covariance diagonal (relative to its mean) to keep it invertible.

    Attributes
    ----------
    mean_ : ndarray (N,)
    cov_ : ndarray (N, N)
    chol_ : ndarray (N, N)
        Lower Cholesky factor of the (ridged) covariance.
    core_radius_ : float
        The ``core_quantile`` quantile of the fitted points' Mahalanobis distances.
    n_features_in_ : int
    """

    def __init__(self, core_quantile=0.99, ridge=1e-6):
        self.core_quantile = core_quantile
        self.ridge = ridge

    def fit(self, z, y=None):
        check_real(self.core_quantile, "core_quantile", low=0, high=1, low_open=True,
                   high_open=True, what="the share of z-points inside the core")
        check_real(self.ridge, "ridge", low=0)
        z = check_sample(z, dtype=None)
        self.n_features_in_ = z.shape[1]
        self.mean_ = z.mean(axis=0, dtype=np.float64)
        self.cov_ = np.cov(z, rowvar=False, dtype=np.float64)
        jitter = self.ridge * np.trace(self.cov_) / len(self.cov_)
        self.chol_ = scipy.linalg.cholesky(self.cov_ + jitter * np.eye(len(self.cov_)), lower=True)
        self.core_radius_ = float(np.quantile(self.mahalanobis(z), self.core_quantile))
        return self

    def mahalanobis(self, x):
        """Mahalanobis distances of points ``x`` (n, N) to the fitted distribution."""
        check_fitted(self)
        x = np.atleast_2d(np.asarray(x))
        check_n_features(self, x)
        out = np.empty(len(x))
        for start in range(0, len(x), _CHUNK_ROWS):
            block = np.asarray(x[start:start + _CHUNK_ROWS], dtype=np.float64) - self.mean_
            white = scipy.linalg.solve_triangular(self.chol_, block.T, lower=True)
            out[start:start + _CHUNK_ROWS] = np.sqrt(np.sum(white ** 2, axis=0))
        return out

    def log_density(self, x):
        """Log density of points ``x`` (n, N) under the fitted (ridged) normal distribution."""
        d = self.mahalanobis(x)
        log_det = 2 * np.sum(np.log(np.diag(self.chol_)))
        return -0.5 * (d ** 2 + log_det + self.n_features_in_ * np.log(2 * np.pi))

    def inside_core(self, x):
        """Boolean mask: which points lie inside the core."""
        return self.mahalanobis(x) <= self.core_radius_

    def distance_table(self, clouds):
        """Median Mahalanobis distance and share inside the core of named point clouds.

        Parameters
        ----------
        clouds : dict of str -> array (n, N)
            E.g. sampled vectors per parameter value, and the validation z-points.

        Returns
        -------
        pandas.DataFrame
            Indexed by the names, columns ``median Mahalanobis`` and ``inside core``.
        """
        rows = {}
        for name, points in clouds.items():
            distances = self.mahalanobis(points)
            rows[name] = {"median Mahalanobis": float(np.median(distances)),
                          "inside core": float(np.mean(distances <= self.core_radius_))}
        return pd.DataFrame.from_dict(rows, orient="index")
