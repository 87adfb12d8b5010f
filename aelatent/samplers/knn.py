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


class NeighbourMixSampler(LatentSampler):
    """A random z-point moved part of the way toward one of its k nearest z-points.

    A non-parametric sampler that stays on the z-point region (post VII's
    closing question about the neighbours of a z-point, made into a sampler):
    pick a fitted z-point x at random, one of its ``k`` nearest other
    z-points x' at random, and a share t uniform in [0, ``max_share``]; the
    new vector is ``x + t (x' - x)``. It has no density; the league's
    nearest-training distance tells how far it moves from the points it starts at.

    Parameters
    ----------
    k : int
        Neighbours to choose the partner from.
    max_share : float in (0, 1]
        Largest share of the way toward the partner (0.5: at most half-way).
    backend : {"auto", "faiss", "sklearn"}

    Attributes
    ----------
    z_ : ndarray (n, N) float32
    neighbours_ : aelatent.neighbours.NearestNeighbours
        Index of the fitted points; only the chosen points' neighbours are searched.
    """

    def __init__(self, k=10, max_share=0.5, backend="auto"):
        self.k = k
        self.max_share = max_share
        self.backend = backend

    def _check_params(self):
        check_int(self.k, "k", what="the number of neighbours to choose a partner from")
        check_real(self.max_share, "max_share", low=0, high=1, low_open=True,
                   what="the largest share of the way toward the partner")
        check_option(self.backend, "backend", BACKENDS)

    def _fit(self, z):
        self.z_ = as_points(z, "z")
        check_int(self.k, "k", maximum=len(self.z_) - 1,
                  what="neighbours, fewer than the fitted z-points")
        self.neighbours_ = NearestNeighbours(self.k, self.backend).fit(self.z_)

    def _sample(self, n_samples, rng):
        start = rng.integers(len(self.z_), size=n_samples)
        partners = self.neighbours_.self_neighbours(self.z_, rows=start)[1]
        partner = partners[np.arange(n_samples), rng.integers(self.k, size=n_samples)]
        share = rng.uniform(0, self.max_share, size=(n_samples, 1))
        return self.z_[start] + share * (self.z_[partner] - self.z_[start])
