"""Samplers that respect the correlations: the fitted multivariate normal (notebook VIII) and
independent Gaussians along its principal axes, optionally restricted (notebook X)."""

from __future__ import annotations

import numpy as np
import scipy.stats

from ..errors import ConfigError
from ..pca import PCAAlignment
from ..stats import LatentGaussian
from ..validation import check_int, check_option, check_real
from .base import DensityMixin, LatentSampler


class MultivariateNormalSampler(DensityMixin, LatentSampler):
    """Latent vectors from the full-covariance multivariate normal fitted to the z-points.

    Attributes
    ----------
    gaussian_ : LatentGaussian
        Mean, covariance and Mahalanobis distances of the fitted points.
    mean_, cov_ : ndarray
    """

    def _fit(self, z):
        self.gaussian_ = LatentGaussian().fit(z)
        self.mean_ = self.gaussian_.mean_
        self.cov_ = self.gaussian_.cov_

    def _sample(self, n_samples, rng):
        return rng.multivariate_normal(self.mean_, self.cov_, size=n_samples, method="eigh")

    def _log_density(self, z):
        return self.gaussian_.log_density(z)


class PCAAlignedSampler(LatentSampler):
    """Independent Gaussians along the principal axes, optionally restricted, rotated back.

    Coordinate y_i along principal axis i is drawn from N(0, lambda_i); the
    vector y is transformed back to the latent space. Without restriction this
    is the multivariate normal distribution again; the restrictions cut its
    tails:

    - ``restrict="ellipsoid"``: only vectors inside the confidence ellipsoid
      sum_i y_i^2 / lambda_i <= chi2_N.ppf(confidence), drawn exactly (a
      uniform direction times a chi radius truncated to the ellipsoid; no
      rejection);
    - ``restrict="intervals"``: each y_i from a normal truncated to
      |y_i| <= c * sqrt(lambda_i), c = Phi^-1((1 + confidence) / 2), i.e. the
      central interval holding ``confidence`` of each axis's distribution.

    Parameters
    ----------
    restrict : {None, "ellipsoid", "intervals"}
    confidence : float in (0, 1)
        Confidence level of the restriction.
    n_components : int, optional
        Draw only the leading principal axes; the others stay at the centre.
    scale : {"covariance", "correlation"}
        See :class:`aelatent.pca.PCAAlignment`.

    Attributes
    ----------
    alignment_ : aelatent.pca.PCAAlignment
    """

    def __init__(self, restrict=None, confidence=0.99, n_components=None, scale="covariance"):
        self.restrict = restrict
        self.confidence = confidence
        self.n_components = n_components
        self.scale = scale

    def _check_params(self):
        check_option(self.restrict, "restrict", (None, "ellipsoid", "intervals"))
        check_real(self.confidence, "confidence", low=0, high=1, low_open=True, high_open=True)
        if self.n_components is not None:
            check_int(self.n_components, "n_components", what="the number of leading axes drawn")
            if hasattr(self, "alignment_") and self.n_components > self.alignment_.n_features_in_:
                raise ConfigError(f"n_components must be at most "
                                  f"{self.alignment_.n_features_in_}, got {self.n_components}.")

    def _fit(self, z):
        self.alignment_ = PCAAlignment(self.scale).fit(z)
        self._check_params()

    def sample_aligned(self, n_samples=1, random_state=None):
        """Coordinates along the principal axes, shape (n_samples, N), before the back-rotation.

        ``random_state`` is an int, a :class:`numpy.random.Generator` or None.
        """
        rng = np.random.default_rng(random_state)
        sd = np.sqrt(self.alignment_.explained_variance_)
        m = int(self.n_components or len(sd))
        y = np.zeros((n_samples, len(sd)))
        if self.restrict == "ellipsoid":
            direction = rng.standard_normal((n_samples, m))
            direction /= np.linalg.norm(direction, axis=1, keepdims=True)
            radius = np.sqrt(scipy.stats.chi2.ppf(rng.uniform(0, self.confidence, n_samples), m))
            y[:, :m] = direction * radius[:, None] * sd[:m]
        elif self.restrict == "intervals":
            c = scipy.stats.norm.ppf((1 + self.confidence) / 2)
            y[:, :m] = scipy.stats.truncnorm.rvs(-c, c, size=(n_samples, m),
                                                 random_state=rng) * sd[:m]
        else:
            y[:, :m] = rng.standard_normal((n_samples, m)) * sd[:m]
        return y

    def _sample(self, n_samples, rng):
        return self.alignment_.inverse_transform(self.sample_aligned(n_samples, rng))
