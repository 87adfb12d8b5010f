"""What moves inside the latent region: attribute and factor directions, probes, arithmetic, morphing.

Everything works on z-point arrays of shape (n, N) and label tables (pandas
DataFrames with one column per attribute or factor, one row per z-point):

* :class:`AttributeDirections` -- per attribute the difference of the mean z of
  the images with and without it, its length and its length relative to the
  spread of the cloud;
* :func:`probe_attributes` -- linear probes (scikit-learn logistic regression
  on the PCA-whitened z) with accuracy on held-out z-points next to the
  majority-class baseline;
* :func:`factor_r2` and :func:`factor_pc_correlations` -- how well the true
  generating factors of the synthetic faces are linear functions of z, and
  which principal axes carry them;
* :func:`move_along` -- face arithmetic, a z-point shifted along a direction by
  several step sizes;
* :func:`interpolate` -- morphing between two z-points, either along the
  straight line or along a path that keeps the typical Mahalanobis distance
  (spherical interpolation in the PCA-whitened frame of
  :class:`aelatent.pca.PCAAlignment`), and
  :func:`project_to_core`, which pulls points back onto a Mahalanobis ball.

>>> import numpy as np, pandas as pd
>>> rng = np.random.default_rng(0)
>>> z = rng.normal(size=(400, 8)); y = (z[:, 0] > 0).astype(int)
>>> d = AttributeDirections().fit(z, pd.DataFrame({"a": y}))
>>> int(np.argmax(np.abs(d.directions_.loc["a"].to_numpy())))
0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sklearn.base import BaseEstimator

from .errors import ConfigError, DataError
from .pca import PCAAlignment
from .stats import LatentGaussian, check_sample
from .validation import check_fitted, check_int, check_option, check_real


#: Variance floor (share of the largest) of the whitened frame in which directions are compared
#: and morphs are drawn: the few dead components of a briefly trained model stay finite.
WHITEN_FLOOR = 1e-6


# --------------------------------------------------------------------------- inputs
def _table(labels, n, name="labels"):
    if isinstance(labels, pd.Series):
        labels = labels.to_frame()
    if not isinstance(labels, pd.DataFrame):
        raise ConfigError(f"{name} must be a pandas DataFrame (one column per attribute), "
                          f"got {type(labels).__name__}.")
    if len(labels) != n:
        raise ConfigError(f"{name} has {len(labels)} rows but there are {n} z-points; align "
                          "them with align_labels(table, ids) first.")
    if labels.isna().any().any():
        raise DataError(f"{name} contains missing values in columns "
                        f"{list(labels.columns[labels.isna().any()])}.")
    return labels


def align_labels(table, ids):
    """Rows of a label table in the order of the given image ids.

    Parameters
    ----------
    table : pandas.DataFrame or None
        Attributes (CelebA, 0/1) or factors (synthetic faces), indexed by image id,
        e.g. ``run.image_set.attributes``.
    ids : array of str
        Image ids of the z-points, e.g. ``run.ids_train``.

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when ``table`` is ``None`` (no label file).

    Raises
    ------
    DataError
        When some ids have no row in the table.
    """
    if table is None:
        return None
    ids = np.asarray(ids)
    aligned = table.reindex(ids)
    missing = aligned.isna().any(axis=1)
    if missing.any():
        raise DataError(f"{int(missing.sum())} of {len(ids)} image ids have no labels "
                        f"(first: {ids[missing.to_numpy()][0]!r}); the label table does not "
                        "belong to these z-points.")
    return aligned


def binarize(table, threshold="median"):
    """0/1 labels from continuous factors (e.g. the synthetic faces' factors).

    Columns that hold only 0 and 1 already stay as they are; the others are 1
    above their median (``threshold="median"``) or above a fixed number.
    """
    if threshold != "median":
        try:
            threshold = float(threshold)
        except (TypeError, ValueError):
            raise ConfigError(f"threshold must be 'median' or a number, "
                              f"got {threshold!r}.") from None
    out = {}
    for column in table.columns:
        values = table[column].to_numpy(dtype=np.float64)
        if np.isin(values, (0.0, 1.0)).all():
            out[column] = values.astype(np.int8)
        else:
            cut = np.median(values) if threshold == "median" else threshold
            out[column] = (values > cut).astype(np.int8)
    return pd.DataFrame(out, index=table.index)


# --------------------------------------------------------------------------- directions
class AttributeDirections(BaseEstimator):
    """Mean-difference directions of binary attributes in latent space.

    For attribute *a* the direction is ``d_a = mean(z | a=1) - mean(z | a=0)``.
    Its length is reported four ways:

    * ``norm`` -- the Euclidean length |d_a|;
    * ``relative_norm`` -- |d_a| divided by the RMS distance of the z-points from
      their centre, ``sqrt(trace Cov)``: how far the step is compared with the size
      of the cloud;
    * ``separation`` -- |d_a| divided by the pooled within-class standard
      deviation of the projections on d_a/|d_a| (Cohen's d along the direction):
      how well the two groups separate along it;
    * ``mahalanobis_norm`` -- the Mahalanobis length sqrt(d' Cov^-1 d) of d_a
      under the Gaussian fitted to all z-points: how far one step along d_a moves
      a point compared with the core radius (see :class:`aelatent.stats.LatentGaussian`).

    Parameters
    ----------
    min_count : int
        Attributes with fewer z-points on either side are left out (listed in
        ``skipped_``).

    Attributes
    ----------
    directions_ : pandas.DataFrame, shape (n_attributes, N)
    summary_ : pandas.DataFrame
        Columns ``n_with``, ``n_without``, ``share``, ``norm``, ``relative_norm``,
        ``separation``, ``mahalanobis_norm``, indexed by attribute.
    spread_ : float
        ``sqrt(trace Cov)`` of the fitted z-points.
    gaussian_ : aelatent.stats.LatentGaussian
        Fitted to all z-points.
    alignment_ : aelatent.pca.PCAAlignment
        Principal axes of all z-points (the whitened frame of :func:`direction_cosines`).
    skipped_ : list of str
    n_features_in_ : int
    """

    def __init__(self, min_count=5):
        self.min_count = min_count

    def fit(self, z, labels):
        """Compute the directions from z-points (n, N) and 0/1 labels (DataFrame, n rows)."""
        min_count = check_int(self.min_count, "min_count",
                              what="z-points needed with and without an attribute")
        z = check_sample(z)
        self.n_features_in_ = z.shape[1]
        self.alignment_ = PCAAlignment().fit(z)
        labels = _table(labels, len(z))
        gaussian = self.gaussian_ = LatentGaussian().fit(z)
        centred = z - z.mean(axis=0)
        self.spread_ = float(np.sqrt(np.sum(centred ** 2) / (len(z) - 1)))
        rows, stats, self.skipped_ = {}, {}, []
        for name in labels.columns:
            y = labels[name].to_numpy()
            if not np.isin(y, (0, 1)).all():
                raise ConfigError(f"labels column {name!r} must hold only 0 and 1; binarize "
                                  "continuous factors with directions.binarize first.")
            y = y.astype(bool)
            n_with, n_without = int(y.sum()), int((~y).sum())
            if min(n_with, n_without) < min_count:
                self.skipped_.append(name)
                continue
            d = z[y].mean(axis=0) - z[~y].mean(axis=0)
            norm = float(np.linalg.norm(d))
            proj = z @ (d / norm) if norm > 0 else np.zeros(len(z))
            dof = max(n_with + n_without - 2, 1)
            pooled = np.sqrt((np.sum((proj[y] - proj[y].mean()) ** 2)
                              + np.sum((proj[~y] - proj[~y].mean()) ** 2)) / dof)
            rows[name] = d
            stats[name] = dict(n_with=n_with, n_without=n_without, share=n_with / len(y),
                               norm=norm, relative_norm=norm / self.spread_,
                               separation=norm / pooled if pooled > 0 else np.inf,
                               mahalanobis_norm=float(gaussian.mahalanobis(gaussian.mean_ + d)[0]))
        if not rows:
            raise DataError(f"no attribute has at least {min_count} z-points with and "
                            "without it; lower min_count or use more images.")
        self.directions_ = pd.DataFrame(rows).T
        self.summary_ = pd.DataFrame(stats).T.astype(
            {"n_with": int, "n_without": int})
        return self

    def direction(self, name, unit=False):
        """The direction of one attribute (optionally scaled to length 1)."""
        check_fitted(self)
        if name not in self.directions_.index:
            raise ConfigError(f"no direction for {name!r}; known: {list(self.directions_.index)}"
                              + (f" (skipped for too few examples: {self.skipped_})"
                                 if self.skipped_ else "") + ".")
        d = self.directions_.loc[name].to_numpy()
        return d / np.linalg.norm(d) if unit else d


def cosine(a, b):
    """Cosine of the angle between two vectors."""
    a, b = np.ravel(a).astype(np.float64), np.ravel(b).astype(np.float64)
    denom = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / denom) if denom > 0 else 0.0


# --------------------------------------------------------------------------- probes
def probe_attributes(z_train, labels_train, z_test, labels_test, C=0.01):
    """Linear probes: can a logistic regression on z predict each attribute?

    Each attribute gets a scikit-learn ``LogisticRegression`` (L2, strength
    ``C``) on the PCA-whitened z-points of the training images; it is scored on
    held-out z-points (e.g. the validation images).

    Parameters
    ----------
    z_train, z_test : array, shape (n, N)
    labels_train, labels_test : pandas.DataFrame
        0/1 attributes in the order of the z-points, same columns.
    C : float
        Inverse regularisation strength (on the whitened frame).

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute, columns ``accuracy`` (held-out), ``baseline``
        (held-out accuracy of always answering the training set's majority
        class), ``balanced_accuracy`` (mean of the recalls of both classes; 0.5
        is chance whatever the class shares), ``gain`` (accuracy - baseline),
        ``n_positive_test``. Attributes with a single class in the training
        labels are left out.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    check_real(C, "C", low=0, low_open=True, what="the inverse regularisation strength")
    z_train, z_test = check_sample(z_train, "z_train"), check_sample(z_test, "z_test")
    labels_train = _table(labels_train, len(z_train), "labels_train")
    labels_test = _table(labels_test, len(z_test), "labels_test")
    if z_train.shape[1] != z_test.shape[1]:
        raise ConfigError(f"z_train has {z_train.shape[1]} components, z_test {z_test.shape[1]}.")
    missing = [c for c in labels_train.columns if c not in labels_test.columns]
    if missing:
        raise ConfigError(f"labels_test lacks the columns {missing}.")
    frame = PCAAlignment().fit(z_train)
    w_train, w_test = frame.whiten(z_train), frame.whiten(z_test)
    rows = {}
    for name in labels_train.columns:
        y_train = labels_train[name].to_numpy().astype(int)
        y_test = labels_test[name].to_numpy().astype(int)
        majority = int(y_train.mean() >= 0.5)
        baseline = float(np.mean(y_test == majority))
        if len(np.unique(y_train)) < 2:
            continue
        probe = LogisticRegression(C=C, solver="newton-cholesky", max_iter=200)
        probe.fit(w_train, y_train)
        predicted = probe.predict(w_test)
        accuracy = float(np.mean(predicted == y_test))
        balanced = (float(balanced_accuracy_score(y_test, predicted))
                    if len(np.unique(y_test)) == 2 else np.nan)
        rows[name] = dict(accuracy=accuracy, baseline=baseline, balanced_accuracy=balanced,
                          gain=accuracy - baseline, n_positive_test=int(y_test.sum()))
    return pd.DataFrame(rows).T.astype({"n_positive_test": int})


# --------------------------------------------------------------------------- known factors
def factor_r2(z_train, factors_train, z_test, factors_test, alphas=(0.1, 1.0, 10.0, 100.0, 1000.0)):
    """R² of each true factor regressed linearly on z, measured on held-out z-points.

    A ridge regression (scikit-learn ``RidgeCV`` on standardised z, the
    regularisation chosen by cross-validation on the training points) per
    factor; R² = 1 - SS_res / SS_tot on the held-out points, so ~1 for a factor
    that is a linear function of z and ~0 (or below) for one z knows nothing about.

    Returns
    -------
    pandas.Series
        R² per factor, in the order of the columns.
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    z_train, z_test = check_sample(z_train, "z_train"), check_sample(z_test, "z_test")
    factors_train = _table(factors_train, len(z_train), "factors_train")
    factors_test = _table(factors_test, len(z_test), "factors_test")
    scores = {}
    for name in factors_train.columns:
        model = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas))
        model.fit(z_train, factors_train[name].to_numpy(dtype=np.float64))
        scores[name] = float(r2_score(factors_test[name].to_numpy(dtype=np.float64),
                                      model.predict(z_test)))
    return pd.Series(scores, name="r2")


def factor_pc_correlations(z, factors, n_components=10):
    """Correlation of each factor with the scores on the leading principal axes of z.

    Returns
    -------
    pandas.DataFrame, shape (n_factors, n_components)
        Pearson correlations; columns ``PC1`` ... in order of explained variance.
    """
    z = check_sample(z)
    factors = _table(factors, len(z), "factors")
    n_components = check_int(n_components, "n_components", maximum=min(z.shape),
                             what="leading principal axes")
    scores = PCAAlignment().fit(z).transform(z)[:, :n_components]
    f = factors.to_numpy(dtype=np.float64)
    fs = (f - f.mean(axis=0)) / np.where(f.std(axis=0) > 0, f.std(axis=0), 1.0)
    ss = (scores - scores.mean(axis=0)) / scores.std(axis=0)
    corr = fs.T @ ss / len(z)
    return pd.DataFrame(corr, index=factors.columns,
                        columns=[f"PC{i + 1}" for i in range(n_components)])


# --------------------------------------------------------------------------- face arithmetic
def move_along(z0, direction, steps):
    """Points ``z0 + s * direction`` for each step size ``s``.

    Parameters
    ----------
    z0 : array, shape (N,)
    direction : array, shape (N,)
        E.g. an attribute's mean difference: step 1 adds the full difference.
    steps : sequence of float

    Returns
    -------
    ndarray, shape (len(steps), N)
    """
    z0 = np.ravel(np.asarray(z0, dtype=np.float64))
    direction = np.ravel(np.asarray(direction, dtype=np.float64))
    if z0.shape != direction.shape:
        raise ConfigError(f"z0 has shape {z0.shape} but direction {direction.shape}.")
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or not len(steps) or not np.isfinite(steps).all():
        raise ConfigError("steps must be a non-empty list of finite numbers.")
    return z0[None, :] + steps[:, None] * direction[None, :]


def first_exit(distances, radius):
    """Index of the first point whose distance exceeds ``radius`` (None if all are inside)."""
    outside = np.flatnonzero(np.asarray(distances) > radius)
    return int(outside[0]) if len(outside) else None


# --------------------------------------------------------------------------- morphing
def _slerp(a, b, t):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    ua, ub = a / na, b / nb
    omega = np.arccos(np.clip(ua @ ub, -1.0, 1.0))
    if omega < 1e-8:
        directions = (1 - t)[:, None] * ua + t[:, None] * ub
    else:
        directions = (np.sin((1 - t) * omega)[:, None] * ua
                      + np.sin(t * omega)[:, None] * ub) / np.sin(omega)
    radii = (1 - t) * na + t * nb
    return directions / np.linalg.norm(directions, axis=1, keepdims=True) * radii[:, None]


def interpolate(z_a, z_b, n_steps=9, method="linear", frame=None):
    """A path of ``n_steps`` latent vectors from ``z_a`` to ``z_b`` (both included).

    Parameters
    ----------
    method : {"linear", "whitened"}
        ``"linear"``: the straight line ``(1-t) z_a + t z_b``. In many dimensions
        its middle sags towards the centre: two typical points at Mahalanobis
        distance ~r have a midpoint at ~r/sqrt(2), a region where almost no
        z-point lies. ``"whitened"``: spherical interpolation in the whitened
        frame of ``frame`` -- the angle is interpolated along a great circle and
        the Mahalanobis distance linearly between the two end points, so the
        path stays in the shell where the z-points live.
    frame : aelatent.pca.PCAAlignment
        Fitted on the training z-points; needed for ``"whitened"``.

    Returns
    -------
    ndarray, shape (n_steps, N)
    """
    z_a = np.ravel(np.asarray(z_a, dtype=np.float64))
    z_b = np.ravel(np.asarray(z_b, dtype=np.float64))
    if z_a.shape != z_b.shape:
        raise ConfigError(f"z_a has shape {z_a.shape} but z_b {z_b.shape}.")
    n_steps = check_int(n_steps, "n_steps", minimum=2, what="points on the path")
    check_option(method, "method", ("linear", "whitened"))
    t = np.linspace(0.0, 1.0, n_steps)
    if method == "linear":
        return (1 - t)[:, None] * z_a + t[:, None] * z_b
    if frame is None:
        raise ConfigError("method='whitened' needs frame=PCAAlignment().fit(z_train).")
    w = _slerp(frame.whiten(z_a, WHITEN_FLOOR)[0], frame.whiten(z_b, WHITEN_FLOOR)[0], t)
    return frame.unwhiten(w, WHITEN_FLOOR)


def midpoint_distances(z, gaussian, frame, n_pairs=200, seed=0):
    """Where morphs pass halfway: Mahalanobis distance of the midpoints of random pairs.

    Parameters
    ----------
    z : array, shape (n, N)
        The points to pair, e.g. the validation z-points.
    gaussian : aelatent.stats.LatentGaussian
        Fitted to the training z-points.
    frame : aelatent.pca.PCAAlignment
        Fitted to the training z-points (for the whitened arc).
    n_pairs : int
        Pairs drawn with replacement; pairs of a point with itself are dropped.
    seed : int

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``ends`` (mean distance of the two points), ``straight``
        (the straight line's midpoint) and ``whitened`` (the whitened arc's).
    """
    z = check_sample(z)
    n_pairs = check_int(n_pairs, "n_pairs", what="random pairs")
    pairs = np.random.default_rng(seed).choice(len(z), size=(n_pairs, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    whitened = np.array([interpolate(z[i], z[j], 3, "whitened", frame=frame)[1] for i, j in pairs])
    return pd.DataFrame({
        "ends": [gaussian.mahalanobis(z[p]).mean() for p in pairs],
        "straight": gaussian.mahalanobis(0.5 * (z[pairs[:, 0]] + z[pairs[:, 1]])),
        "whitened": gaussian.mahalanobis(whitened)})


def middle_contrast(images):
    """Contrast of a morph's middle image against its two ends.

    Parameters
    ----------
    images : array (n_steps, h, w, c)
        A decoded path, its ends first and last.

    Returns
    -------
    float
        The pixel standard deviation of the middle image over the mean of the ends' (1: as much
        contrast as the faces it morphs between; below: a flatter, more average face).
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim < 2 or len(images) < 3:
        raise ConfigError(f"a morph needs at least 3 images (ends and a middle), got {len(images)}.")
    spread = images.reshape(len(images), -1).std(axis=1)
    return float(spread[len(images) // 2] / (0.5 * (spread[0] + spread[-1])))


def morph_sentence(midpoints, band, contrast=None):
    """What this run's morphs show, in sentences chosen from its numbers (notebook XIII).

    Parameters
    ----------
    midpoints : pandas.DataFrame
        From :func:`midpoint_distances`.
    band : (float, float)
        Low and high quantile of the training z-points' Mahalanobis distances.
    contrast : dict of str -> float, optional
        ``"straight line"`` and ``"whitened arc"``: :func:`middle_contrast` of a shown morph.
    """
    ratio = midpoints[["straight", "whitened"]].div(midpoints["ends"], axis=0).mean()
    below = float(np.mean(midpoints["straight"] < band[0]))
    lines = [f"Over {len(midpoints)} pairs the straight line's midpoints lie at "
             f"{ratio['straight']:.2f} of their ends' Mahalanobis distance (a Gaussian cloud "
             f"gives 1/sqrt(2)), the whitened arc's at {ratio['whitened']:.2f}."]
    if below >= 0.5:
        lines.append(f"{below:.0%} of the straight midpoints lie nearer the centre than the low "
                     "edge of the band of training z-points: the z-points fill a shell, not the "
                     "middle, and the straight line cuts through the empty middle.")
    elif below > 0:
        lines.append(f"{below:.0%} of the straight midpoints lie nearer the centre than the low "
                     "edge of the band of training z-points: most straight morphs dip toward the "
                     "middle without leaving the z-points' shell.")
    else:
        lines.append("No straight midpoint lies below the band of training z-points: in this run "
                     "the straight line stays where the z-points are.")
    if contrast:
        straight, arc = contrast["straight line"], contrast["whitened arc"]
        verdict = ("the straight morph passes through a flatter, more average face"
                   if straight < arc - 0.05 else "the two morphs keep about the same contrast")
        lines.append(f"In the morph shown, the straight line's middle image has {straight:.0%} of "
                     f"its ends' contrast (pixel standard deviation), the whitened arc's "
                     f"{arc:.0%}: {verdict}.")
    return " ".join(lines)


def factor_sentence(r2, n=3):
    """The factors z holds most and least linearly, from :func:`factor_r2`'s R² (a sentence)."""
    r2 = pd.Series(r2).sort_values(ascending=False)
    n = min(check_int(n, "n"), len(r2) // 2) or 1

    def named(part):
        return ", ".join(f"{name} ({value:.2f})" for name, value in part.items())
    return (f"Closest to linear functions of z (held-out R²): {named(r2.iloc[:n])}; furthest: "
            f"{named(r2.iloc[::-1].iloc[:n])}.")


def direction_sentence(summary, n=3):
    """What :attr:`AttributeDirections.summary_` says about the attribute directions (a sentence).

    Names the longest direction relative to the cloud (``relative_norm``) and whether any
    reaches the cloud's own size, the ``n`` attributes that separate best and worst along
    their direction (``separation``, Cohen's d) with how many exceed 1, and the ``n``
    whose Mahalanobis length exceeds their separation the most: their best linear direction
    separates better than the mean difference, which larger axes of the cloud swamp.
    """
    n = min(check_int(n, "n"), len(summary) // 2) or 1
    by_separation = summary["separation"].sort_values(ascending=False)
    swamped = (summary["mahalanobis_norm"] / summary["separation"]).sort_values(ascending=False)
    longest = summary["relative_norm"].idxmax()

    def named(part, fmt):
        return ", ".join(f"{name} ({value:{fmt}})" for name, value in part.items())
    size = summary["relative_norm"].max()
    return (f"Longest step relative to the cloud: {longest} ({size:.2f} of its RMS radius; "
            + ("every attribute moves its group's centre inside the one region" if size < 1
               else "at least one attribute moves its group's centre as far as the cloud is wide")
            + f"). Best separated along their direction (Cohen's d): "
            f"{named(by_separation.iloc[:n], '.2f')}; worst: {named(by_separation.iloc[::-1].iloc[:n], '.2f')}; "
            f"{int((by_separation > 1).sum())} of {len(summary)} exceed 1. Mahalanobis length over "
            f"separation, largest: {named(swamped.iloc[:n], '.1f')}; smallest: "
            f"{named(swamped.iloc[::-1].iloc[:n], '.1f')}.")


def describe_factor_axes(pcs, n_axes=5):
    """One line per leading principal axis: the two factors most correlated with it.

    Parameters
    ----------
    pcs : pandas.DataFrame
        From :func:`factor_pc_correlations`.
    """
    lines = []
    for pc in pcs.columns[:n_axes]:
        top = pcs[pc].abs().sort_values(ascending=False).index
        lines.append(f"{pc}: mostly {top[0]} (r = {pcs.loc[top[0], pc]:+.2f}), "
                     f"then {top[1]} ({pcs.loc[top[1], pc]:+.2f})")
    return "\n".join(lines)


def project_to_core(z, gaussian, radius=None):
    """Pull points outside a Mahalanobis ball back onto its surface (along the ray from the mean).

    Parameters
    ----------
    z : array, shape (n, N)
    gaussian : aelatent.stats.LatentGaussian
        Fitted.
    radius : float, optional
        Mahalanobis radius of the ball; default the gaussian's core radius.

    Returns
    -------
    ndarray, shape (n, N)
        Points inside stay unchanged.
    """
    z = np.atleast_2d(np.asarray(z, dtype=np.float64))
    radius = gaussian.core_radius_ if radius is None else float(radius)
    if not radius > 0:
        raise ConfigError(f"radius must be positive, got {radius}.")
    distances = gaussian.mahalanobis(z)
    factor = np.minimum(1.0, radius / np.maximum(distances, 1e-12))
    return gaussian.mean_ + (z - gaussian.mean_) * factor[:, None]


def direction_cosines(fitted, names=None, whitened=False):
    """Cosines between the directions of a fitted :class:`AttributeDirections`.

    Parameters
    ----------
    names : list of str, optional
        Attributes to compare (default all).
    whitened : bool
        Measure the angles in the PCA-whitened frame of the z-points
        (``d' Cov^-1 d2`` normalised) instead of the Euclidean frame. Mean
        differences share the few high-variance axes of the cloud, which makes
        them look alike in the Euclidean frame; whitening weighs every axis by
        how much the z-points actually vary along it.

    Returns
    -------
    pandas.DataFrame
    """
    table = fitted.directions_ if names is None else fitted.directions_.loc[list(names)]
    vectors = table.to_numpy()
    if whitened:
        frame = fitted.alignment_
        vectors = (vectors @ frame.components_.T) / frame.whitening_scale(WHITEN_FLOOR)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return pd.DataFrame(unit @ unit.T, index=table.index, columns=table.index)
