"""Artificial latent vectors pulled toward their nearest CelebA z-points (notebook XI)."""

from __future__ import annotations

import numpy as np
from sklearn.base import clone

from ..neighbours import BACKENDS, NearestNeighbours, as_points
from ..validation import check_int, check_option, check_real
from .base import LatentSampler
from .independent import ComponentIntervalSampler


class KNNCorrectedSampler(LatentSampler):
    """Artificial points moved a fraction ``alpha`` toward the mean of their k nearest z-points.

    A base sampler (by default per-component intervals,
    :class:`~aelatent.samplers.ComponentIntervalSampler` with ``fact``) makes an
    artificial point x; with m(x) the mean of its k nearest CelebA z-points the
    corrected point is ``(1 - alpha) * x + alpha * m(x)``. ``alpha = 0`` gives
    the artificial points, ``alpha = 1`` the neighbour means.

    Parameters
    ----------
    fact : float
        Interval factor of the default base sampler.
    k : int
        Number of nearest z-points averaged.
    alpha : float in [0, 1]
    base : LatentSampler, optional
        Any other (unfitted) sampler to correct; a clone of it is fitted in :meth:`fit`.
    backend : {"auto", "faiss", "sklearn"}
        Nearest-neighbour backend, see :class:`aelatent.neighbours.NearestNeighbours`.

    Attributes
    ----------
    base_ : LatentSampler
        The fitted base sampler.
    neighbours_ : aelatent.neighbours.NearestNeighbours
    """

    def __init__(self, fact=1.0, k=10, alpha=0.5, base=None, backend="auto"):
        self.fact = fact
        self.k = k
        self.alpha = alpha
        self.base = base
        self.backend = backend

    def _check_params(self):
        check_real(self.alpha, "alpha", low=0, high=1,
                   what="the fraction of the way toward the neighbour mean")
        check_int(self.k, "k", what="the number of neighbours averaged")
        check_option(self.backend, "backend", BACKENDS)

    def _fit(self, z):
        self.base_ = (clone(self.base) if self.base is not None
                      else ComponentIntervalSampler(self.fact))
        self.base_.fit(z)
        self.z_ = as_points(z, "z")
        self.neighbours_ = NearestNeighbours(self.k, self.backend).fit(self.z_)

    def neighbour_means(self, x):
        """Mean of the k nearest fitted z-points of each point of ``x``."""
        _, indices = self.neighbours_.kneighbors(x)
        return self.z_[indices].mean(axis=1)

    def correct(self, x, alpha=None):
        """Move points ``x`` the fraction ``alpha`` (default: the sampler's) toward their neighbour means."""
        alpha = check_real(self.alpha if alpha is None else alpha, "alpha", low=0, high=1)
        x = as_points(x, "x", self.n_features_in_)
        return ((1 - alpha) * x + alpha * self.neighbour_means(x)).astype(np.float32)

    def _sample(self, n_samples, rng):
        seed = int(rng.integers(2 ** 31 - 1))
        return self.correct(self.base_.sample(n_samples, random_state=seed))
