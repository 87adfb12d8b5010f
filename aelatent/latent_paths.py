"""Paths of latent vectors through coordinate planes (post VI).

A path moves two components ``(i, j)`` of a latent vector along a curve in
their coordinate plane while every other component stays fixed -- at the
centre of the z-point cloud by default, or at values given by the caller (for
example one vector sampled within the per-component intervals with
:class:`aelatent.samplers.ComponentIntervalSampler`). For comparison the
other components can also follow the path: at their conditional mean given
(z_i, z_j), which respects the correlations between components.

Both curves are defined by the *projected ellipse* of the cloud in the plane:
the 2x2 block of the covariance matrix for components i and j, whose
eigenvectors are the ellipse's main and minor axes and whose eigenvalues are
the variances sigma_1^2 >= sigma_2^2 along them.

- :func:`line_path`: the straight line through the centre along the main axis,
  at ``t * sigma_1`` for ``t`` from ``-extent`` to ``extent``.
- :func:`ellipse_path`: the ellipse at ``k`` sigma around the centre (all
  points have 2-d Mahalanobis distance ``k`` in the plane), by growing angle.

:func:`select_planes` picks instructive planes from the statistics;
:func:`path_table` measures paths and their decoded images.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .errors import ConfigError
from .stats import most_offorigin
from .validation import check_int, check_real


@dataclasses.dataclass
class PlanePath:
    """Latent vectors along a path in the coordinate plane (i, j).

    Attributes
    ----------
    points : ndarray, float32, shape (n_points, N)
        The latent vectors, in path order.
    i, j : int
        The two components that move.
    t : ndarray, shape (n_points,)
        The path parameter: multiples of sigma_1 along the main axis (line) or
        the angle in radians (ellipse).
    kind : {"line", "ellipse"}
    label : str
        A short description for titles.
    """

    points: np.ndarray
    i: int
    j: int
    t: np.ndarray
    kind: str
    label: str

    def __len__(self):
        return len(self.points)

    @property
    def plane_coords(self):
        """The (z_i, z_j) coordinates of the points, shape (n_points, 2)."""
        return self.points[:, [self.i, self.j]]


@dataclasses.dataclass
class ProjectedEllipse:
    """The z-point cloud's ellipse in the plane (i, j).

    Attributes
    ----------
    centre : ndarray (2,)
        (mu_i, mu_j).
    axes : ndarray (2, 2)
        Columns: unit vectors of the main and the minor axis.
    sigmas : ndarray (2,)
        Standard deviations along the main and the minor axis (sigma_1 >= sigma_2).
    """

    centre: np.ndarray
    axes: np.ndarray
    sigmas: np.ndarray

    def points(self, k, angles):
        """Points of the ellipse at ``k`` sigma for the given angles, shape (len(angles), 2)."""
        unit = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        return self.centre + (unit * (k * self.sigmas)) @ self.axes.T

    @property
    def angle_degrees(self):
        """Angle of the main axis against the z_i axis (for matplotlib's Ellipse patch)."""
        return float(np.degrees(np.arctan2(self.axes[1, 0], self.axes[0, 0])))


def _mean_cov(gaussian):
    try:
        return np.asarray(gaussian.mean_, dtype=np.float64), np.asarray(gaussian.cov_, dtype=np.float64)
    except AttributeError:
        raise ConfigError("gaussian must be a fitted aelatent.stats.LatentGaussian "
                          "(with mean_ and cov_); call LatentGaussian().fit(z) first.") from None


def _check_plane(i, j, n_features):
    for name, value in (("i", i), ("j", j)):
        check_int(value, name, minimum=0, maximum=n_features - 1, what="a component index")
    if i == j:
        raise ConfigError(f"a coordinate plane needs two different components, got i = j = {i}.")
    return int(i), int(j)


def projected_ellipse(gaussian, i, j):
    """The cloud's ellipse in the coordinate plane (i, j) (see :class:`ProjectedEllipse`).

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    i, j : int
    """
    mean, cov = _mean_cov(gaussian)
    i, j = _check_plane(i, j, len(mean))
    block = cov[np.ix_([i, j], [i, j])]
    variances, vectors = np.linalg.eigh(block)          # ascending
    order = [1, 0]
    vectors = vectors[:, order]
    vectors *= np.where(vectors[0] < 0, -1.0, 1.0)      # main axis points towards +z_i
    return ProjectedEllipse(centre=mean[[i, j]], axes=vectors,
                            sigmas=np.sqrt(np.maximum(variances[order], 0.0)))


def conditional_mean(gaussian, i, j, coords):
    """Expected latent vectors given (z_i, z_j) = coords under the fitted normal distribution.

    ``mu + (c - mu_ij) Sigma_ij^-1 Sigma_ij,:`` -- the other components follow
    their linear regression on z_i and z_j, so the correlations are respected.

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    i, j : int
    coords : array (n, 2)

    Returns
    -------
    ndarray (n, N); its columns i and j equal ``coords``.
    """
    mean, cov = _mean_cov(gaussian)
    i, j = _check_plane(i, j, len(mean))
    weights = np.linalg.solve(cov[np.ix_([i, j], [i, j])], cov[[i, j], :])
    out = mean + (np.asarray(coords, dtype=np.float64) - mean[[i, j]]) @ weights
    out[:, [i, j]] = coords
    return out


def _describe(others):
    if others is None or (isinstance(others, str) and others == "centre"):
        return "others at the centre"
    if isinstance(others, str) and others == "conditional":
        return "others at their conditional mean"
    return "others at given values"


def _embed(gaussian, i, j, coords, others):
    """Latent vectors with (z_i, z_j) = coords and the other components from ``others``."""
    mean, _ = _mean_cov(gaussian)
    n = len(coords)
    if isinstance(others, str):
        if others not in ("centre", "conditional"):
            raise ConfigError(f"others must be 'centre', 'conditional', None or an array of "
                              f"values, got {others!r}.")
        base = np.broadcast_to(mean, (n, len(mean))) if others == "centre" \
            else conditional_mean(gaussian, i, j, coords)
    elif others is None:
        base = np.broadcast_to(mean, (n, len(mean)))
    else:
        others = np.asarray(others, dtype=np.float64)
        if others.shape == (len(mean),):
            base = np.broadcast_to(others, (n, len(mean)))
        elif others.shape == (n, len(mean)):
            base = others
        else:
            raise ConfigError(f"others must have shape ({len(mean)},) (one vector for the whole "
                              f"path) or ({n}, {len(mean)}) (one per point), got {others.shape}.")
        if not np.isfinite(base).all():
            raise ConfigError("others contains NaN or inf values.")
    points = np.array(base, dtype=np.float64)
    points[:, i] = coords[:, 0]
    points[:, j] = coords[:, 1]
    return points.astype(np.float32)


def line_path(gaussian, i, j, n_points=13, extent=4.0, others=None, label=None):
    """Straight line through the centre along the main axis of the projected ellipse.

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    i, j : int
        The coordinate plane.
    n_points : int
        Number of points, >= 2 (odd numbers put the centre in the middle).
    extent : float
        The line runs from ``-extent`` to ``+extent`` standard deviations
        sigma_1 along the main axis.
    others : None, "centre", "conditional" or array
        Values of the other components: ``None`` or ``"centre"`` for the
        centre; ``"conditional"`` for their expected values given z_i and z_j
        (:func:`conditional_mean`, respects the correlations); an array of
        shape (N,) for one vector held along the whole path, or (n_points, N)
        for one per point (components i and j of it are ignored).
    label : str, optional
        Replaces the generated description (e.g. to say where ``others`` came from).

    Returns
    -------
    PlanePath
    """
    n_points = check_int(n_points, "n_points", minimum=2)
    check_real(extent, "extent", low=0, low_open=True, what="standard deviations along the axis")
    ellipse = projected_ellipse(gaussian, i, j)
    t = np.linspace(-extent, extent, n_points)
    coords = ellipse.centre + np.outer(t * ellipse.sigmas[0], ellipse.axes[:, 0])
    return PlanePath(_embed(gaussian, i, j, coords, others), int(i), int(j), t, "line",
                     label or f"line in ({i}, {j}) along the main axis, ±{extent:g}σ; "
                              f"{_describe(others)}")


def ellipse_path(gaussian, i, j, k=2.0, n_points=16, others=None, label=None):
    """Ellipse at ``k`` standard deviations around the centre in the plane (i, j).

    Starts on the main axis (angle 0, towards +z_i) and runs counter-clockwise
    in the axes' frame, by growing angle; the curve is not closed (the last
    point is one step before the first).

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`
    i, j : int
    k : float
        Size of the ellipse in standard deviations (2-d Mahalanobis radius), > 0.
    n_points : int
        >= 3.
    others, label
        As in :func:`line_path`.

    Returns
    -------
    PlanePath
    """
    n_points = check_int(n_points, "n_points", minimum=3)
    if not np.isfinite(k) or k <= 0:
        raise ConfigError(f"k (the ellipse's size in standard deviations) must be > 0, got {k!r}.")
    ellipse = projected_ellipse(gaussian, i, j)
    angles = np.linspace(0.0, 2 * np.pi, n_points, endpoint=False)
    coords = ellipse.points(k, angles)
    return PlanePath(_embed(gaussian, i, j, coords, others), int(i), int(j), angles, "ellipse",
                     label or f"ellipse in ({i}, {j}) at {k:g}σ; {_describe(others)}")


@dataclasses.dataclass
class Plane:
    """A coordinate plane chosen for a reason."""

    name: str
    i: int
    j: int
    reason: str


def select_planes(gaussian):
    """Three instructive coordinate planes, chosen from the cloud's statistics.

    - ``off_origin``: the two components whose means lie furthest from 0 in
      units of their standard deviation -- they carry the centre's off-origin
      position, and the origin lies far outside the cloud in this plane;
    - ``largest_variance``: the two components with the largest spread;
    - ``most_correlated``: the pair with the largest absolute correlation
      (a thin, tilted ellipse).

    Parameters
    ----------
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`

    Returns
    -------
    list of Plane
    """
    mean, cov = _mean_cov(gaussian)
    std = np.sqrt(np.diag(cov))
    off = most_offorigin(mean, std, 2)
    spread = np.argsort(-std)[:2]
    corr = cov / np.outer(std, std)
    np.fill_diagonal(corr, 0.0)
    a, b = np.unravel_index(np.argmax(np.abs(corr)), corr.shape)
    a, b = sorted((int(a), int(b)))
    return [
        Plane("off_origin", int(off[0]), int(off[1]),
              f"|mu|/sigma = {abs(mean[off[0]]) / std[off[0]]:.2f} and "
              f"{abs(mean[off[1]]) / std[off[1]]:.2f}: the centre is furthest from the origin"),
        Plane("largest_variance", int(spread[0]), int(spread[1]),
              f"sigma = {std[spread[0]]:.2f} and {std[spread[1]]:.2f}: the largest spreads"),
        Plane("most_correlated", a, b,
              f"correlation {corr[a, b]:+.2f}: the strongest linear dependence of any pair"),
    ]


def image_change(images):
    """How much decoded images change along a path: the mean absolute pixel difference of
    neighbouring images, summed along the path (pixel values in [0, 1])."""
    images = np.asarray(images, dtype=np.float64)
    if len(images) < 2:
        raise ConfigError(f"a path needs at least 2 images to change, got {len(images)}.")
    return float(np.abs(np.diff(images, axis=0)).mean() * (len(images) - 1))


def path_table(gaussian, paths, images):
    """One row per path: Mahalanobis distance of its first, middle and last point, the share
    of its points inside the 99 % core, and the change of its decoded images.

    Parameters
    ----------
    gaussian : aelatent.stats.LatentGaussian
        Fitted to the training z-points.
    paths : dict of key -> PlanePath
    images : dict of key -> array, shape (n_points, height, width, channels)
        The decoded points of each path, in path order.

    Returns
    -------
    pandas.DataFrame
        Index: the keys of ``paths``; columns ``path`` (label), ``first``,
        ``middle``, ``last``, ``inside core`` and ``image change``.
    """
    import pandas as pd

    rows = {}
    for key, path in paths.items():
        distance = gaussian.mahalanobis(path.points)
        rows[key] = {"path": path.label, "first": distance[0], "middle": distance[len(path) // 2],
                     "last": distance[-1], "inside core": gaussian.inside_core(path.points).mean(),
                     "image change": image_change(images[key])}
    return pd.DataFrame.from_dict(rows, orient="index")


def paths_sentence(table, extent, frozen=(1, 3, 5), following=(5, 6), sampled=4):
    """What notebook VI's paths show, as sentences computed from :func:`path_table`.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`path_table` of the notebook's seven paths.
    extent : float
        How many marginal standard deviations the lines run to on each side.
    frozen : keys of the lines with the other components held at the centre.
    following : (key, key)
        The line with the others frozen and the same line with the others at
        their conditional mean.
    sampled : key of the line whose other components are sampled within their intervals.

    Returns
    -------
    str
    """
    rows = table.loc[list(frozen)]
    per_sigma = rows["last"] / extent
    fixed, moving = table.loc[following[0]], table.loc[following[1]]
    change = moving["image change"] / max(fixed["image change"], 1e-12)
    return (
        f"Others held at the centre (paths {', '.join(map(str, frozen))}): the ends lie at Mahalanobis "
        f"distance {rows['last'].min():.1f} to {rows['last'].max():.1f}, {per_sigma.min():.1f} to "
        f"{per_sigma.max():.1f} per marginal sigma of the plane, and {rows['inside core'].min():.0%} "
        f"to {rows['inside core'].max():.0%} of their points lie in the core. "
        f"Following the correlations (path {following[1]}), the same line ends at "
        f"{moving['last']:.1f} with {moving['inside core']:.0%} in the core, and its images change "
        f"{change:.1f} times as much as path {following[0]}'s. The background sampled within the "
        f"intervals (path {sampled}) puts {table.loc[sampled, 'inside core']:.0%} of its points in "
        "the core.")
