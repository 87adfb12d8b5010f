"""Nearest CelebA z-points of artificial latent vectors, and the kNN correction.

Post VII announces a look at the nearest CelebA z-point neighbours of an
artificial z-point, and moving the point toward them. :class:`NearestNeighbours`
answers exact k-nearest-neighbour queries (Euclidean distance) with faiss's
``IndexFlatL2`` and falls back to scikit-learn's brute-force
:class:`~sklearn.neighbors.NearestNeighbors` where faiss cannot be imported;
:class:`~aelatent.samplers.KNNCorrectedSampler` moves artificial points a fraction
``alpha`` of the way toward the mean of their k nearest z-points
(:class:`aelatent.samplers.KNNCorrectedSampler`, which uses this index).
"""

from __future__ import annotations

import numpy as np

from sklearn.base import BaseEstimator

from .errors import ConfigError
from .validation import check_fitted, check_int, check_option, check_points

BACKENDS = ("auto", "faiss", "sklearn")


def faiss_available():
    """True when ``faiss`` can be imported."""
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def as_points(x, name, n_features=None):
    """``x`` as a C-contiguous finite float32 array of shape (n >= 1, N) (N = ``n_features`` if
    given), as faiss wants it. See :func:`aelatent.validation.check_points`."""
    return np.ascontiguousarray(check_points(x, name, n_features=n_features, dtype=np.float32))


class NearestNeighbours(BaseEstimator):
    """Exact k-nearest-neighbour search among fitted points (Euclidean distance).

    Parameters
    ----------
    k : int
        Default number of neighbours per query.
    backend : {"auto", "faiss", "sklearn"}
        ``"auto"`` uses faiss (``IndexFlatL2``, exact) when it is importable and
        scikit-learn's brute-force search otherwise.

    Attributes
    ----------
    backend_ : str
        The backend actually used.
    n_points_ : int
    n_features_in_ : int
    """

    def __init__(self, k=10, backend="auto"):
        self.k = k
        self.backend = backend

    def fit(self, points, y=None):
        """Index ``points`` (n, N) for exact searches."""
        check_int(self.k, "k", what="the default number of neighbours")
        check_option(self.backend, "backend", BACKENDS)
        points = as_points(points, "points")
        backend = self.backend
        if backend == "auto":
            backend = "faiss" if faiss_available() else "sklearn"
        if backend == "faiss":
            try:
                import faiss
            except ImportError:
                raise ConfigError("backend='faiss' but faiss cannot be imported; install "
                                  "faiss-cpu or use backend='sklearn'.") from None
            self.index_ = faiss.IndexFlatL2(points.shape[1])
            self.index_.add(points)
        else:
            from sklearn.neighbors import NearestNeighbors
            self.index_ = NearestNeighbors(algorithm="brute", metric="euclidean").fit(points)
        self.backend_ = backend
        self.n_points_, self.n_features_in_ = points.shape
        return self

    def kneighbors(self, queries, k=None):
        """The k nearest fitted points of each query.

        Returns
        -------
        distances : ndarray (n_queries, k), float32
            Euclidean distances, ascending.
        indices : ndarray (n_queries, k), int64
            Row numbers of the neighbours among the fitted points.
        """
        check_fitted(self)
        k = check_int(self.k if k is None else k, "k", maximum=self.n_points_,
                      what="neighbours per query, at most the number of fitted points")
        queries = as_points(queries, "queries", self.n_features_in_)
        if self.backend_ == "faiss":
            squared, indices = self.index_.search(queries, k)
            distances = np.sqrt(np.clip(squared, 0, None))
        else:
            distances, indices = self.index_.kneighbors(queries, n_neighbors=k)
        return distances.astype(np.float32), indices.astype(np.int64)

    def self_neighbours(self, points, k=None, rows=None):
        """Neighbours of the fitted points themselves, each point's own row left out.

        ``points`` must be the array given to :meth:`fit` (same order).
        ``rows`` (int array, optional) asks for the neighbours of those fitted
        points only (default: all of them).

        Returns
        -------
        distances, indices : ndarray (len(rows) or n_points, k)
        """
        check_fitted(self)
        k = check_int(self.k if k is None else k, "k", what="neighbours per point")
        points = as_points(points, "points", self.n_features_in_)
        if len(points) != self.n_points_:
            raise ConfigError("self_neighbours needs the very points given to fit.")
        rows = np.arange(len(points)) if rows is None else np.asarray(rows, dtype=np.int64)
        distances, indices = self.kneighbors(points[rows], k + 1)
        own = indices == rows[:, None]
        # a point whose own row is not among the k+1 (exact duplicates) drops its last neighbour
        own[~own.any(axis=1), -1] = True
        keep = ~own
        return (distances[keep].reshape(len(rows), k), indices[keep].reshape(len(rows), k))


def neighbour_sentence(medians, distinct, n_vectors, train_key, val_key):
    """What the nearest-neighbour distances of notebook XI show, in sentences from its numbers.

    Parameters
    ----------
    medians : mapping of str -> float
        Median distance to the nearest training z-point, per set: the artificial sets and the
        real ones (``train_key``: training points to their nearest *other* training point,
        ``val_key``: validation points to their nearest training point).
    distinct : mapping of str -> int
        Per artificial set, how many distinct training z-points are nearest to its vectors.
    n_vectors : int
        Vectors per artificial set.
    """
    real, held = float(medians[train_key]), float(medians[val_key])
    agree = abs(held / real - 1) < 0.15
    lines = [f"Real z-points: median {real:.2f} from a training point to its nearest other, "
             f"{held:.2f} from a validation point to its nearest training point"
             + (" -- within 15 %: the spacing is a property of the cloud." if agree else
                f" -- {held / real:.2f} x: held-out faces lie farther from the training points "
                "than these from each other.")]
    for name, count in distinct.items():
        ratio = float(medians[name]) / held
        where = ("much farther than real faces lie from the training points: in the empty space "
                 "around the cloud" if ratio >= 1.5 else
                 "about as close as real faces" if ratio < 1.2 else "somewhat farther than real faces")
        share = count / n_vectors
        spread = (f"only {count} distinct nearest z-points for {n_vectors} vectors: a few 'hubs' "
                  "recur" if share < 0.2 else
                  f"{count} of {n_vectors} have a nearest z-point of their own" if share > 0.7 else
                  f"{count} distinct nearest z-points for {n_vectors} vectors")
        lines.append(f"{name}: median {medians[name]:.2f}, {ratio:.2f} x the validation faces' -- "
                     f"{where}; {spread}.")
    return "\n".join(lines)


def correction_sentence(by_alpha, core_radius, spacing):
    """Where notebook XI's corrected vectors enter the core and come as close to real z-points as
    real faces are to each other, as a sentence from its table.

    Parameters
    ----------
    by_alpha : DataFrame indexed by alpha
        With columns ``median Mahalanobis`` and ``nearest CelebA distance median``.
    core_radius : float
        Mahalanobis radius of the z-points' core.
    spacing : float
        Median distance of a training z-point to its nearest other one.
    """
    by_alpha = by_alpha.sort_index()

    def first(rows):
        return f"{rows.index[0]:g}" if len(rows) else None
    core = first(by_alpha[by_alpha["median Mahalanobis"] <= core_radius])
    near = first(by_alpha[by_alpha["nearest CelebA distance median"] <= spacing])
    start = by_alpha.index[0]
    said = (f"the median vector lies inside the core already at alpha = {start:g}" if core == f"{start:g}"
            else f"the median vector enters the core (radius {core_radius:.1f}) at alpha = {core}"
            if core else f"the median vector stays outside the core (radius {core_radius:.1f}) "
            "for every alpha shown")
    said += ("; its nearest training z-point is as close as real faces are to each other "
             f"({spacing:.2f}) " + (f"already at alpha = {start:g}" if near == f"{start:g}"
                                    else f"from alpha = {near} on") if near else
             f"; its nearest training z-point stays farther than real faces' spacing ({spacing:.2f})")
    return f"In this run {said}."
