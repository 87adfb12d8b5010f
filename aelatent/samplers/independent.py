"""Samplers with independent components: N(0, I), a common interval (post V), per-component
intervals (post VII) and per-component Gaussians."""

from __future__ import annotations

import numpy as np
import scipy.stats

from ..stats import component_stats, uniform_radius_mean
from ..validation import check_real
from .base import DensityMixin, LatentSampler


def _box_log_density(z, low, high):
    """Log density of the uniform distribution on the box [low, high]: -inf outside."""
    inside = np.all((z >= low) & (z <= high), axis=1)
    return np.where(inside, -np.sum(np.log(np.broadcast_to(high - low, z.shape[1:]))), -np.inf)


class NormalSampler(DensityMixin, LatentSampler):
    """Standard normal vectors N(0, I) -- the RAE paper's baseline sampler for a plain AE.

    Only the dimension N is taken from the z-points.
    """

    def _sample(self, n_samples, rng):
        return rng.standard_normal((n_samples, self.n_features_in_))

    def _log_density(self, z):
        return scipy.stats.norm.logpdf(z).sum(axis=1)


class CommonIntervalSampler(DensityMixin, LatentSampler):
    """Vectors with iid components uniform on the common interval [-b, b].

    Their lengths concentrate in a thin shell around ``b * sqrt(N / 3)``
    (:func:`aelatent.stats.uniform_radius_mean`), centred on the origin.

    Parameters
    ----------
    b : float
        Half-width of the interval, > 0.

    Attributes
    ----------
    expected_radius_ : float
        ``b * sqrt(N / 3)``, the mean length of the vectors.
    """

    def __init__(self, b=1.0):
        self.b = b

    def _check_params(self):
        check_real(self.b, "b", low=0, low_open=True,
                   what="the half-width of the common interval [-b, b]")

    def _fit(self, z):
        self.expected_radius_ = float(uniform_radius_mean(self.b, self.n_features_in_))

    def _sample(self, n_samples, rng):
        return rng.uniform(-self.b, self.b, size=(n_samples, self.n_features_in_))

    def _log_density(self, z):
        return _box_log_density(z, -self.b, self.b)


class ComponentIntervalSampler(DensityMixin, LatentSampler):
    """Component j uniform on [mu_j - fact*hw_j, mu_j + fact*hw_j], independently.

    ``mu_j`` and ``hw_j`` are the mean and half-width (half the FWHM) of
    component j's distribution over the z-points
    (:func:`aelatent.stats.component_stats`). Correlations between
    components are ignored -- that is the point of post VII.

    Parameters
    ----------
    fact : float
        Scale of the intervals, >= 0 (0 gives the centre itself).

    Attributes
    ----------
    mean_, halfwidth_ : ndarray (N,)
    low_, high_ : ndarray (N,)
        The interval bounds per component.
    """

    def __init__(self, fact=1.0):
        self.fact = fact

    def _check_params(self):
        check_real(self.fact, "fact", low=0,
                   what="the scale of the per-component intervals mu_j +- fact*hw_j")

    def _fit(self, z):
        stats = component_stats(z)
        self.mean_ = stats.mean
        self.halfwidth_ = stats.halfwidth

    @property
    def low_(self):
        """Lower interval bounds mu_j - fact*hw_j (for the current ``fact``)."""
        return self.mean_ - self.fact * self.halfwidth_

    @property
    def high_(self):
        """Upper interval bounds mu_j + fact*hw_j (for the current ``fact``)."""
        return self.mean_ + self.fact * self.halfwidth_

    def _sample(self, n_samples, rng):
        return self.low_ + rng.uniform(size=(n_samples, self.n_features_in_)) \
            * (self.high_ - self.low_)

    def _log_density(self, z):
        return _box_log_density(z, self.low_, self.high_)


class ComponentGaussianSampler(DensityMixin, LatentSampler):
    """Independent Gaussians per component: z_j ~ N(mu_j, sigma_j^2), correlations ignored.

    Attributes
    ----------
    mean_, std_ : ndarray (N,)
    """

    def _fit(self, z):
        self.mean_ = z.mean(axis=0)
        self.std_ = z.std(axis=0, ddof=1)

    def _sample(self, n_samples, rng):
        return self.mean_ + self.std_ * rng.standard_normal((n_samples, self.n_features_in_))

    def _log_density(self, z):
        return scipy.stats.norm.logpdf(z, self.mean_, self.std_).sum(axis=1)
