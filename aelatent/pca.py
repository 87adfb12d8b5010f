"""Multivariate normal fits and the PCA alignment of the z-point cloud.

The blog series goes on past post VII: approximate the z-point cloud by a
multivariate normal distribution (notebook VIII), diagonalise it by a
principal component analysis (IX), and create latent vectors in the aligned
coordinate system -- independent Gaussians per principal axis, optionally
restricted to a confidence ellipsoid or to per-axis intervals -- transformed
back to the latent space (X; the samplers are in :mod:`aelatent.samplers`).

:class:`PCAAlignment` is the package's one principal-axis frame: the aligned
coordinates of notebooks IX and X, the whitened frame in which
:mod:`aelatent.directions` morphs, probes and compares directions.

Mean, covariance and Mahalanobis distances come from
:class:`aelatent.stats.LatentGaussian`; the PCA is scikit-learn's
:class:`~sklearn.decomposition.PCA`; chi-square quantiles and tests from
:mod:`scipy.stats`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats
from sklearn.decomposition import PCA

from sklearn.base import BaseEstimator

from .errors import ConfigError
from .stats import check_sample
from .validation import check_fitted, check_int, check_n_features, check_option, check_real

# -- multivariate normal: ellipses, chi-square tests, normality -------------------------


def ellipse_coverage(gaussian, z, i, j, n_sigma):
    """Share of z-points inside the n-sigma ellipse of the plane (i, j), and what a normal law puts there.

    The n-sigma ellipse of the projection on the coordinate plane (i, j) (see
    :func:`aelatent.latent_paths.projected_ellipse`) holds the points whose 2-d
    Mahalanobis distance is at most ``n_sigma``; a 2-d normal distribution
    puts ``1 - exp(-n_sigma**2 / 2)`` of its mass there (39.3 %, 86.5 %,
    98.9 % for 1, 2, 3 sigma).

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    z : array, shape (n, N)
    i, j : int
    n_sigma : float

    Returns
    -------
    observed, expected : float
    """
    if n_sigma <= 0:
        raise ConfigError(f"n_sigma must be positive, got {n_sigma}.")
    plane = [i, j]
    diff = np.asarray(z, dtype=np.float64)[:, plane] - gaussian.mean_[plane]
    d2 = np.einsum("ij,jk,ik->i", diff, np.linalg.inv(gaussian.cov_[np.ix_(plane, plane)]), diff)
    return float(np.mean(d2 <= n_sigma ** 2)), float(1 - np.exp(-n_sigma ** 2 / 2))


def squared_mahalanobis(gaussian, x):
    """Squared Mahalanobis distances of ``x`` to a fitted :class:`LatentGaussian`."""
    return gaussian.mahalanobis(x) ** 2


def chi2_test(gaussian, x):
    """How well squared Mahalanobis distances follow the chi-square distribution with N degrees of freedom.

    For points drawn from the fitted multivariate normal distribution the
    squared Mahalanobis distance d^2 follows chi2(N).

    Returns
    -------
    dict
        ``ks``: Kolmogorov-Smirnov statistic of d^2 against chi2(N) (0 = perfect,
        the maximal gap between the two cumulative distributions);
        ``ks_pvalue``; ``frac_within_q99``: share of points with d^2 below
        chi2(N)'s 99 % quantile (0.99 for a normal distribution);
        ``median_d2`` and ``expected_median_d2``.
    """
    d2 = squared_mahalanobis(gaussian, x)
    dist = scipy.stats.chi2(gaussian.n_features_in_)
    test = scipy.stats.kstest(d2, dist.cdf)
    return {"ks": float(test.statistic), "ks_pvalue": float(test.pvalue),
            "frac_within_q99": float(np.mean(d2 <= dist.ppf(0.99))),
            "median_d2": float(np.median(d2)), "expected_median_d2": float(dist.median())}


def normality_table(x, names=None):
    """Per-column normality measures of a point cloud (components or principal-axis scores).

    Parameters
    ----------
    x : array, shape (n, m)
    names : list of str, optional
        Row labels; default ``0 .. m-1``.

    Returns
    -------
    DataFrame with one row per column of ``x``:
        ``skewness``, ``excess_kurtosis`` (both 0 for a normal distribution) and
        ``ks`` -- the Kolmogorov-Smirnov statistic of the standardised column
        against N(0, 1).
    """
    x = check_sample(x, "x")
    standard = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    ks = np.array([scipy.stats.kstest(col, "norm").statistic for col in standard.T])
    return pd.DataFrame({"skewness": scipy.stats.skew(x, axis=0),
                         "excess_kurtosis": scipy.stats.kurtosis(x, axis=0), "ks": ks},
                        index=names if names is not None else range(x.shape[1]))


#: The 5 % critical value of the Kolmogorov-Smirnov distance of n points is this over sqrt(n).
KS_CRITICAL_5 = 1.36


def normality_sentence(tables, n_points):
    """What :func:`normality_table` shows, one sentence per group of directions (notebook VIII).

    Parameters
    ----------
    tables : dict of str -> DataFrame
        Group name (e.g. ``"components"``) -> its :func:`normality_table`.
    n_points : int
        Points per direction (sets the KS distance's 5 % critical value).
    """
    critical = KS_CRITICAL_5 / np.sqrt(n_points)
    lines = []
    for name, t in tables.items():
        skew, kurt, ks = t["skewness"].abs(), t["excess_kurtosis"].abs(), t["ks"]
        worst = max(skew.max(), kurt.max())
        size = ("close to normal one at a time" if worst < 0.5 else
                "roughly normal one at a time, with moderate departures in some directions"
                if worst < 2 else "far from normal in some directions")
        rejected = float(np.mean(ks > critical))
        significance = (f"{rejected:.0%} of them depart detectably (KS above the 5 % critical "
                        f"value {critical:.3f}; chance alone: 5 %)" if rejected > 0.1 else
                        f"only {rejected:.0%} depart detectably at the 5 % level, about what "
                        "chance gives")
        lines.append(f"{name}: {size} -- |skewness| at most {skew.max():.2f}, |excess kurtosis| "
                     f"at most {kurt.max():.2f}, KS distance at most {ks.max():.3f} (the cumulative "
                     f"distributions differ by at most {ks.max():.1%}); with {n_points} points "
                     f"{significance}.")
    return "\n".join(lines)


def chi2_sentence(tests, n_dims):
    """What :func:`chi2_test` says for each point set (``tests``: DataFrame, one row per set)."""
    lines = []
    for name, t in tests.iterrows():
        follows = t["ks_pvalue"] >= 0.05
        outside = 1 - t["frac_within_q99"]
        shift = t["median_d2"] / t["expected_median_d2"] - 1
        bulk = ("about where" if abs(shift) < 0.05 else
                "closer to the centre than" if shift < 0 else "farther out than")
        tail = ("a heavier upper tail than a Gaussian" if outside > 0.02 else
                "no heavier upper tail than a Gaussian")
        lines.append(f"{name}: d² {'is consistent with' if follows else 'does not follow'} "
                     f"chi²({n_dims}) (KS {t['ks']:.3f}, p = {t['ks_pvalue']:.1e}); the bulk lies "
                     f"{bulk} chi² predicts (median d² {t['median_d2']:.0f} against "
                     f"{t['expected_median_d2']:.0f}); {outside:.1%} lie beyond chi²'s 99 % "
                     f"quantile (a normal cloud: 1 %): {tail}.")
    return "\n".join(lines)


# -- PCA alignment ---------------------------------------------------------------------


class PCAAlignment(BaseEstimator):
    """Principal axes of a z-point cloud: rotate into uncorrelated, centred coordinates and back.

    A thin layer over :class:`sklearn.decomposition.PCA` (all components kept,
    full SVD). :meth:`transform` gives the coordinates y along the axes;
    :meth:`whiten` divides them by the standard deviations sqrt(lambda_i), so
    that in the whitened frame the Mahalanobis distance is the Euclidean length.

    Parameters
    ----------
    scale : {"covariance", "correlation"}
        ``"covariance"`` diagonalises the covariance matrix of the raw
        components (they share one unit, and the decoder sees them as they
        are); ``"correlation"`` standardises every component first, so each
        counts equally however small its spread.

    Attributes
    ----------
    pca_ : sklearn.decomposition.PCA
    mean_ : ndarray (N,)
    scale_ : ndarray (N,)
        Per-component divisor applied before the rotation (ones for covariance).
    components_ : ndarray (N, N)
        Rows are the unit principal axes e_i in the (scaled) latent space.
    explained_variance_ : ndarray (N,)
        Variances lambda_i along the axes, largest first.
    explained_variance_ratio_ : ndarray (N,)
    n_features_in_ : int
    """

    def __init__(self, scale="covariance"):
        self.scale = scale

    def fit(self, z, y=None):
        check_option(self.scale, "scale", ("covariance", "correlation"))
        z = check_sample(z)
        self.mean_ = z.mean(axis=0)
        self.scale_ = z.std(axis=0, ddof=1) if self.scale == "correlation" else np.ones(z.shape[1])
        if np.any(self.scale_ == 0):
            raise ConfigError("a component of z is constant; use scale='covariance'.")
        self.pca_ = PCA(svd_solver="full").fit((z - self.mean_) / self.scale_)
        self.components_ = self.pca_.components_
        self.explained_variance_ = self.pca_.explained_variance_
        self.explained_variance_ratio_ = self.pca_.explained_variance_ratio_
        self.n_features_in_ = z.shape[1]
        return self

    def _points(self, z, name):
        check_fitted(self)
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        check_n_features(self, z, name)
        return z

    def transform(self, z):
        """Coordinates along the principal axes (centred, uncorrelated), shape (n, N)."""
        z = self._points(z, "z")
        return self.pca_.transform((z - self.mean_) / self.scale_)

    def inverse_transform(self, y):
        """Latent vectors from coordinates along the principal axes."""
        y = self._points(y, "aligned coordinates")
        return self.pca_.inverse_transform(y) * self.scale_ + self.mean_

    def whitening_scale(self, floor=0.0):
        """sqrt(lambda_i), with variances below ``floor`` times the largest raised to it.

        A floor keeps axes of (nearly) zero variance -- dead latent components --
        from blowing up in the whitened frame.
        """
        check_fitted(self)
        check_real(floor, "floor", low=0, high=1, what="a share of the largest variance")
        variance = self.explained_variance_
        return np.sqrt(np.maximum(variance, floor * variance.max()))

    def whiten(self, z, floor=0.0):
        """Whitened coordinates y_i / sqrt(lambda_i): unit variance along every axis.

        In this frame the Mahalanobis distance is the Euclidean length. See
        :meth:`whitening_scale` for ``floor``.
        """
        return self.transform(z) / self.whitening_scale(floor)

    def unwhiten(self, w, floor=0.0):
        """Latent vectors from whitened coordinates (the inverse of :meth:`whiten`)."""
        return self.inverse_transform(np.atleast_2d(w) * self.whitening_scale(floor))

    def n_components_for(self, fraction):
        """Smallest number of leading axes that together carry ``fraction`` of the variance."""
        check_fitted(self)
        check_real(fraction, "fraction", low=0, high=1, low_open=True)
        cumulative = np.cumsum(self.explained_variance_ratio_)
        return int(min(np.searchsorted(cumulative, fraction - 1e-12) + 1, len(cumulative)))

    def axis_path(self, axis, steps=(-3, -2, -1, 0, 1, 2, 3)):
        """Latent vectors mu + k * sqrt(lambda_i) * e_i along principal axis ``axis``.

        Returns
        -------
        ndarray, shape (len(steps), N)
        """
        check_fitted(self)
        axis = check_int(axis, "axis", minimum=0, maximum=self.n_features_in_ - 1)
        y = np.zeros((len(steps), self.n_features_in_))
        y[:, axis] = np.asarray(steps, dtype=np.float64) * np.sqrt(self.explained_variance_[axis])
        return self.inverse_transform(y)


def max_abs_offdiag_corr(x):
    """Largest absolute correlation between two different columns of ``x``."""
    corr = np.corrcoef(np.asarray(x, dtype=np.float64), rowvar=False)
    np.fill_diagonal(corr, 0)
    return float(np.max(np.abs(corr)))
