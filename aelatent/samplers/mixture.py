"""An ex-post density with several modes: the Gaussian mixture of the RAE paper."""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..validation import check_int, check_real
from .base import LatentSampler


class GMMSampler(LatentSampler):
    """A Gaussian mixture with full covariances fitted to the z-points (RAE ex-post density).

    Fitting uses :class:`sklearn.mixture.GaussianMixture` (k-means
    initialisation seeded by ``random_state``) on at most ``max_fit_points``
    z-points: a larger cloud (full CelebA has 162,770 training points) is
    subsampled with the same seed, since one EM iteration costs
    ~n * N^2 * n_components operations (benchmarks/bench_stats.py: 20,000 points
    fit in ~30 s on 2 cores). Sampling draws the component of each vector from
    the mixture weights and then the vector from that component's Gaussian,
    all from the ``random_state`` given to :meth:`sample`.

    Parameters
    ----------
    n_components : int
        Number of mixture components (10 in the RAE paper).
    random_state : int
        Seed of the fit.
    reg_covar : float
        Added to the covariance diagonals (see GaussianMixture).
    max_fit_points : int
        Fit on a seeded subsample of this many z-points when there are more.

    Attributes
    ----------
    mixture_ : sklearn.mixture.GaussianMixture
    chol_ : ndarray (n_components, N, N)
        Cholesky factors of the component covariances.
    """

    def __init__(self, n_components=10, random_state=0, reg_covar=1e-4, max_fit_points=20000):
        self.n_components = n_components
        self.random_state = random_state
        self.reg_covar = reg_covar
        self.max_fit_points = max_fit_points

    def _check_params(self):
        k = check_int(self.n_components, "n_components", what="the number of mixture components")
        check_int(self.max_fit_points, "max_fit_points", minimum=2 * k,
                  what="at least 2 * n_components")
        check_real(self.reg_covar, "reg_covar", low=0)

    def _fit(self, z):
        from sklearn.mixture import GaussianMixture

        if len(z) < 2 * self.n_components:
            raise ConfigError(f"a {self.n_components}-component mixture needs at least "
                              f"{2 * self.n_components} z-points, got {len(z)}; use fewer "
                              "components or more points.")
        if len(z) > self.max_fit_points:
            rng = np.random.default_rng(self.random_state)
            z = z[np.sort(rng.choice(len(z), self.max_fit_points, replace=False))]
        self.mixture_ = GaussianMixture(self.n_components, covariance_type="full",
                                        reg_covar=self.reg_covar,
                                        random_state=self.random_state).fit(z)
        self.chol_ = np.linalg.cholesky(self.mixture_.covariances_)

    def _sample(self, n_samples, rng):
        weights = self.mixture_.weights_ / self.mixture_.weights_.sum()
        which = rng.choice(self.n_components, size=n_samples, p=weights)
        eps = rng.standard_normal((n_samples, self.n_features_in_))
        return self.mixture_.means_[which] + np.einsum("nij,nj->ni", self.chol_[which], eps)
