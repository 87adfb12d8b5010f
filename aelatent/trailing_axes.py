"""Post VII's micro-correlations: what the small (trailing) principal axes of the z-points carry.

The leading principal axes that carry ``variance`` (90 %) of the variance
hold the coarse face; the many trailing axes hold the rest. Samplers such as
``pca_gmm10`` fill the trailing axes with independent noise of their full
variance, and the decoder turns that noise into patchy faces. This module
measures how much of the trailing coordinates follows from the leading ones
(:func:`trailing_predictability`), decodes one set of leading coordinates with
trailing coordinates of several kinds (:func:`trailing_variants`) and chooses
the scale tau of the trailing noise by a criterion that never sees the
validation images the league scores against (:func:`select_trailing_scale`).
Notebook XIV tells the story.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from .distances import kernel_distance
from .errors import ConfigError
from .result_store import DerivedValues
from .samplers.mixture import (PCAMixtureSampler, leave_one_out_residuals, principal_split,
                               trailing_regression, whitened_lead)
from .samplers.reencoded import ReencodedSampler
from .stats import check_sample
from .validation import check_fitted, check_int, check_real


@dataclasses.dataclass
class TrailingPredictability:
    """Result of :func:`trailing_predictability`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per trailing axis (index: the principal axis, 0-based):
        ``variance_share`` (of the total variance), ``r2`` (held-out R^2 of the
        k-NN regression on the leading axes), ``r2_shuffled`` (the same with the
        validation rows' leading and trailing coordinates paired at random) and
        ``r2_train_loo`` (leave-one-out on the training points).
    n_leading : int
    explained : float
        Share of the held-out trailing variance (all trailing axes pooled) that
        the leading axes predict: 1 - sum of squared residuals / sum of squares.
    explained_shuffled : float
        The same for randomly paired rows (what chance gives).
    """

    table: object
    n_leading: int
    explained: float
    explained_shuffled: float

    def sentence(self):
        """The answer to question 1 of notebook XIV, from the numbers."""
        above = self.explained - self.explained_shuffled
        start = (f"The leading axes predict {self.explained:.1%} of the held-out trailing variance "
                 f"(pairs shuffled: {self.explained_shuffled:.1%}): ")
        if self.explained <= 0.01:
            return start + ("none of it in this run -- whatever ties the small axes to the large "
                            "ones, a k-NN regression on these z-points cannot use it.")
        if above <= 0.01:
            return start + "no more than chance: no micro-correlation shows in this run."
        if self.explained < 0.5:
            return start + (f"micro-correlations exist, but {1 - self.explained:.0%} of the "
                            "trailing variance is independent of the leading axes -- noise a "
                            "sampler may add independently, if at the right scale.")
        return start + ("the trailing coordinates follow mostly from the leading ones: independent "
                        "trailing noise discards most of what they carry.")

    def plot(self, ax=None, smooth=9):
        """Held-out R^2 per trailing axis (running median) against the shuffled baseline."""
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 3.5))
        t = self.table
        for column, colour, label in (("r2", "C0", "held out"), ("r2_shuffled", "0.5", "shuffled pairs")):
            ax.plot(t.index, t[column], ".", c=colour, ms=3, alpha=0.5)
            ax.plot(t.index, t[column].rolling(smooth, center=True, min_periods=1).median(), "-",
                    c=colour, label=f"{label} (running median of {smooth})")
        ax.axhline(0, c="k", lw=0.6)
        ax.set_xlabel("principal axis (trailing axes only)")
        ax.set_ylabel("R² from the leading axes")
        ax.set_title(f"How well the {self.n_leading} leading axes predict each trailing coordinate "
                     "(k-NN regression)", fontsize=10)
        ax.legend(fontsize=8)
        return ax


def split_coordinates(alignment, z, n_leading):
    """Leading and trailing principal coordinates of ``z`` under a fitted :class:`PCAAlignment`."""
    y = alignment.transform(z)
    return y[:, :n_leading], y[:, n_leading:]


def _r2(target, predicted):
    return 1.0 - np.sum((target - predicted) ** 2, axis=0) / np.sum(target ** 2, axis=0)


def trailing_predictability(z_train, z_val, variance=0.9, k=10, seed=0):
    """How much of each trailing principal coordinate the leading ones predict.

    The principal axes are those of the training z-points; the leading axes
    carry ``variance`` of the variance. A k-nearest-neighbour regression
    (:func:`aelatent.samplers.mixture.trailing_regression`, leading axes
    whitened) is fitted on the training points and asked for the validation
    points' trailing coordinates. The baseline pairs each validation point's
    leading coordinates with another point's trailing ones (seeded
    permutation): an R^2 near or below 0.

    Returns
    -------
    TrailingPredictability
    """
    import pandas as pd

    check_real(variance, "variance", low=0, high=1, low_open=True, high_open=True)
    check_int(k, "k", what="neighbours of the regression")
    z_train, z_val = check_sample(z_train, "z_train"), check_sample(z_val, "z_val")
    # the fit of PCAMixtureSampler(variance, trailing="neighbours", k=k), without its mixture
    alignment, n_leading, lead, rest = principal_split(z_train, variance)
    lead_val, rest_val = split_coordinates(alignment, z_val, n_leading)
    regression = trailing_regression(k).fit(whitened_lead(alignment, lead), rest)
    predicted = regression.predict(whitened_lead(alignment, lead_val))
    shuffled = rest_val[np.random.default_rng(seed).permutation(len(rest_val))]
    loo = leave_one_out_residuals(regression, rest)
    table = pd.DataFrame({
        "variance_share": alignment.explained_variance_ratio_[n_leading:],
        "r2": _r2(rest_val, predicted), "r2_shuffled": _r2(shuffled, predicted),
        "r2_train_loo": 1.0 - np.sum(loo ** 2, axis=0) / np.sum(rest ** 2, axis=0)},
        index=pd.Index(np.arange(n_leading, z_train.shape[1]), name="axis"))
    pooled = 1.0 - np.sum((rest_val - predicted) ** 2) / np.sum(rest_val ** 2)
    pooled_shuffled = 1.0 - np.sum((shuffled - predicted) ** 2) / np.sum(shuffled ** 2)
    return TrailingPredictability(table, n_leading, float(pooled), float(pooled_shuffled))


def variants_sentence(pixel_error, reference="data"):
    """The answer to question 2 of notebook XIV: which trailing coordinates move the decoded
    image least and most away from ``reference`` (mean squared pixel differences by row name)."""
    others = {k: v for k, v in pixel_error.items() if k != reference}
    least, most = min(others, key=others.get), max(others, key=others.get)
    return (f"Replacing the trailing coordinates moves the decoded image least with "
            f"'{least}' ({others[least]:.5f}) and most with '{most}' ({others[most]:.5f}, "
            f"{others[most] / max(others[least], 1e-12):.1f} x as much): what the decoder makes of "
            "a sampler's trailing noise depends on its kind and scale, not only on its presence.")


def sampler_label(sampler):
    """The league key a :class:`PCAMixtureSampler` stands for (``pca_gmm10``, ``conditional_gmm10``),
    or one that says how it differs (``pca0.8_gmm5``): the notebooks' labels follow the parameters."""
    trailing = "conditional" if sampler.trailing == "neighbours" else "pca"
    mixture = sampler.mixture
    density = (f"gmm{10 if mixture is None else mixture.n_components}"
               if mixture is None or hasattr(mixture, "n_components") else
               type(mixture).__name__.removesuffix("Sampler").lower())
    share = "" if sampler.variance == 0.9 else f"{sampler.variance:g}"
    return f"{trailing}{share}_{density}"


def trailing_variants(sampler, z, scales=(0.5,), seed=0):
    """Latent vectors with the leading coordinates of ``z`` and trailing ones of several kinds.

    Parameters
    ----------
    sampler : PCAMixtureSampler, fitted with ``trailing="neighbours"``
        Gives the principal frame, the conditional mean and the residual scale.
    z : array (n, N)
        z-points whose leading coordinates are kept (e.g. validation z-points).
    scales : sequence of float
        tau of the rows "noise x tau" (independent noise of the axes' full
        standard deviation, scaled).
    seed : int

    Returns
    -------
    dict of str -> ndarray (n, N)
        ``"data"`` (the z-points themselves), ``"conditional mean"``,
        ``"conditional mean + residual"`` (tau = 1), ``"zero"``,
        ``"noise, full variance"`` and ``"noise x <tau>"`` for every scale; the
        noise is drawn once, so rows differ only in its scale.
    """
    check_fitted(sampler)
    if sampler.regression_ is None:
        raise ConfigError("trailing_variants needs a PCAMixtureSampler fitted with "
                          "trailing='neighbours' (it gives the conditional mean).")
    alignment, n_leading = sampler.alignment_, sampler.n_leading_
    lead, rest = split_coordinates(alignment, check_sample(z, "z"), n_leading)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(rest.shape)
    sigma = np.sqrt(alignment.explained_variance_[n_leading:])
    mean = sampler.trailing_mean(lead)
    trailing = {"data": rest, "conditional mean": mean,
                "conditional mean + residual": mean + rng.standard_normal(rest.shape)
                * sampler.rest_std_,
                "zero": np.zeros_like(rest), "noise, full variance": noise * sigma}
    trailing.update({f"noise x {tau:g}": tau * noise * sigma for tau in scales})
    return {name: alignment.inverse_transform(np.hstack([lead, t])) for name, t in trailing.items()}


#: The regions of an aligned face crop that :func:`trailing_effect_map` sums over, as fractions of
#: the image: the central ellipse (where CelebA's aligned crops and the synthetic faces have the
#: face), the outer frame, and the band between them (hair, ears, neck, nearby background).
FACE_ELLIPSE = {"centre": (0.5, 0.55), "radii": (0.24, 0.3)}
BORDER_WIDTH = 0.125
REGION_NAMES = {"face": "the central face", "band": "the band around it (hair, ears, neck)",
                "border": "the image border"}


def image_regions(height, width):
    """Boolean masks (height, width) of ``"face"``, ``"band"`` and ``"border"``: disjoint, and
    together the whole image (see :data:`FACE_ELLIPSE`, :data:`BORDER_WIDTH`)."""
    rows, cols = np.mgrid[0:height, 0:width]
    y, x = (rows + 0.5) / height, (cols + 0.5) / width
    (cx, cy), (rx, ry) = FACE_ELLIPSE["centre"], FACE_ELLIPSE["radii"]
    face = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1
    border = (np.minimum(x, 1 - x) < BORDER_WIDTH) | (np.minimum(y, 1 - y) < BORDER_WIDTH)
    border &= ~face
    return {"face": face, "band": ~face & ~border, "border": border}


@dataclasses.dataclass
class TrailingEffectMap:
    """Where in the image the trailing coordinates act: result of :func:`trailing_effect_map`.

    Attributes
    ----------
    heat : ndarray (h, w)
        Mean absolute pixel change (over faces and colour channels) when the trailing
        coordinates are removed.
    table : pandas.DataFrame
        Per region (index ``face``, ``band``, ``border``): ``area_share``, ``mean_change`` per
        pixel with its 95 % bootstrap interval over the faces (``low``, ``high``), and
        ``change_share`` (its share of the summed change).
    n_faces : int
    """

    heat: np.ndarray
    table: object
    n_faces: int

    def sentence(self):
        """Which region the trailing coordinates change most per pixel -- only where its interval
        lies above the others' -- and its share of the change against its share of the area."""
        t = self.table.sort_values("mean_change", ascending=False)
        top, rest = t.index[0], t.iloc[1:]
        values = "; ".join(f"{REGION_NAMES[r]} {row.mean_change:.4f} [{row.low:.4f}, {row.high:.4f}]"
                           for r, row in t.iterrows())
        share = (f"{REGION_NAMES[top]} holds {t.loc[top, 'area_share']:.0%} of the image and "
                 f"{t.loc[top, 'change_share']:.0%} of the change")
        if t.loc[top, "low"] > rest["high"].max():
            verdict = f"the trailing coordinates change {REGION_NAMES[top]} most"
        else:
            verdict = ("no region stands out beyond the intervals: the trailing coordinates change "
                       f"{REGION_NAMES[top]} about as much as {REGION_NAMES[rest.index[0]]}")
        return (f"Over {self.n_faces} faces, {verdict} (mean absolute change per pixel, 95 % "
                f"interval over the faces: {values}); {share}.")

    def metrics(self):
        """``trailing_effect_<region>_mean_change`` and ``..._change_share`` for every region."""
        return {f"trailing_effect_{region}_{column}": float(self.table.loc[region, column])
                for region in self.table.index for column in ("mean_change", "change_share")}

    def plot(self, ax=None):
        """The heat map with the regions' outlines."""
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots(figsize=(4.2, 4.2))
        shown = ax.imshow(self.heat, cmap="magma")
        regions = image_regions(*self.heat.shape)
        ax.contour(regions["face"].astype(float), levels=[0.5], colors="w", linewidths=0.8)
        ax.contour(regions["border"].astype(float), levels=[0.5], colors="c", linewidths=0.8)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title("where the trailing coordinates act\n(mean |pixel change|, face: white, "
                     "border: cyan)", fontsize=9)
        plt.colorbar(shown, ax=ax, fraction=0.046)
        return ax


def trailing_effect_map(with_trailing, without, n_boot=200, seed=0):
    """Where the decoder's output changes when the trailing coordinates are removed.

    Parameters
    ----------
    with_trailing, without : arrays (n, h, w, c) in [0, 1]
        The same faces decoded with their own trailing coordinates and with them replaced (e.g.
        :func:`trailing_variants`' ``"data"`` and ``"zero"``, decoded).
    n_boot : int
        Resamples of the faces for the regions' intervals.
    seed : int

    Returns
    -------
    TrailingEffectMap
    """
    import pandas as pd

    a, b = np.asarray(with_trailing, np.float64), np.asarray(without, np.float64)
    if a.shape != b.shape or a.ndim != 4:
        raise ConfigError(f"two image sets of one shape (n, h, w, c) are needed, got {a.shape} "
                          f"and {b.shape}.")
    change = np.abs(a - b).mean(axis=3)                        # (n, h, w)
    regions = image_regions(*change.shape[1:])
    per_face = {name: change[:, mask].mean(axis=1) for name, mask in regions.items()}
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(change), (check_int(n_boot, "n_boot", minimum=10), len(change)))
    total = change.sum(axis=(1, 2)).sum()
    rows = {}
    for name, values in per_face.items():
        boot = values[picks].mean(axis=1)
        rows[name] = {"area_share": regions[name].mean(), "mean_change": values.mean(),
                      "low": np.percentile(boot, 2.5), "high": np.percentile(boot, 97.5),
                      "change_share": change[:, regions[name]].sum() / total if total else np.nan}
    return TrailingEffectMap(change.mean(axis=0), pd.DataFrame.from_dict(rows, orient="index"),
                             len(change))


def axis_regions_sentence(paths, labels=None):
    """Where moving along each axis changes the image, as a sentence (notebook IX).

    Parameters
    ----------
    paths : sequence of arrays (n_steps, h, w, c) in [0, 1]
        One decoded path per axis, from its lowest to its highest step.
    labels : sequence of str, optional
        The axes' names (``"axis 1"``, ... by default).

    Returns
    -------
    str
        Per axis the mean absolute change per pixel between the path's two ends in the central
        face, the band around it and the border (:func:`image_regions`), the region that changes
        most, and how many axes change the face most.
    """
    labels = list(labels or [f"axis {i + 1}" for i in range(len(paths))])
    tops, parts = [], []
    for label, path in zip(labels, paths):
        path = np.asarray(path, np.float64)
        change = np.abs(path[-1] - path[0]).mean(axis=-1)
        per = {name: float(change[mask].mean())
               for name, mask in image_regions(*change.shape).items()}
        tops.append(max(per, key=per.get))
        parts.append(f"{label} {per['face']:.3f} / {per['band']:.3f} / {per['border']:.3f}")
    face = tops.count("face")
    verdict = ("most of them change the face itself most" if face > len(tops) / 2 else
               "most of them change the surroundings (hair band or border) more than the face")
    return (f"Mean absolute change per pixel from one end of each path to the other, in the central "
            f"face / the band around it / the border: {'; '.join(parts)}. {face} of {len(tops)} "
            f"axes change the face most: {verdict}.")


@dataclasses.dataclass
class TrailingScaleSelection:
    """Result of :func:`select_trailing_scale`.

    Attributes
    ----------
    table : pandas.DataFrame
        Index: tau; column ``kid_to_train_recon`` (KID-ONet of the samples against
        reconstructions of training images).
    best : float
        The tau with the lowest KID.
    sampler : PCAMixtureSampler
        The sampler set to ``best``: fitted when the sampler given was or when the selection
        was computed here; when it was reused from the run's folder and the sampler given was
        not fitted, a configured copy that the league fits only if it must score it.
    reused : bool
        True when the table came from the run's folder (:mod:`aelatent.result_store`).
    """

    table: object
    best: float
    sampler: object
    reused: bool = False


#: The modules whose code makes a tau selection: they and the package's modules they import
#: version the stored selections.
SELECTION_CODE = ("aelatent.trailing_axes",)


def select_trailing_scale(run, sampler, scales=(0.0, 0.25, 0.5, 0.75, 1.0), n_images=450, seed=0):
    """Choose tau of a trailing-axes sampler without looking at the validation images.

    The criterion: samples decoded at each tau should look like what the
    decoder makes of *real* z-points. It is the KID in ONet feature space
    between ``n_images`` decoded samples and the reconstructions of
    ``n_images`` training images (a seeded subset) -- images the samplers were
    fitted on, never the validation images that the league and the frontier
    score against. Held-out likelihood cannot choose tau: it always prefers
    the fitted variance (tau = 1; notebook XII shows likelihood and image
    quality disagree).

    The table is stored under ``runs/<run>/results/trailing_scale``, keyed by the sampler's
    parameters, the scales, ``n_images``, the seed, the run's model and z-points and this
    module's code; a re-executed notebook reads it and fits nothing.

    Parameters
    ----------
    run : aelatent.runs.Run
    sampler : PCAMixtureSampler or ReencodedSampler of one
        Fitted on ``run.z_train``, or not fitted: then it is fitted here (in place, so the
        caller shares the fit) when the selection is not stored. A re-encoded sampler is tuned
        by its re-encoded images. A copy is tuned; the
        sampler's own tau is left as it is.
    scales : sequence of float
    n_images : int
    seed : int

    Returns
    -------
    TrailingScaleSelection
    """
    import pandas as pd

    from .league import run_fingerprint
    from .result_store import ResultStore, code_fingerprint, module_dependencies

    inner = sampler.sampler if isinstance(sampler, ReencodedSampler) else sampler
    if not isinstance(inner, PCAMixtureSampler):
        raise ConfigError("select_trailing_scale tunes a PCAMixtureSampler (or a ReencodedSampler "
                          f"of one), got {type(inner).__name__}.")
    n_images = check_int(n_images, "n_images", minimum=10)
    scales = [check_real(tau, "trailing_scale", low=0) for tau in scales]
    key = {"sampler": type(sampler).__name__, "params": sampler.get_params(deep=True),
           "scales": scales, "n_images": n_images, "seed": seed}
    store = None
    if getattr(run, "path", None) is not None:
        store = ResultStore(run.path / "results" / "trailing_scale", "tau selections")
        key.update(run=run_fingerprint(run),
                   code=code_fingerprint(*module_dependencies(*SELECTION_CODE)))
    found = store.load(key) if store else None
    if found is None:
        kid = _kid_by_scale(run, sampler, scales, n_images, seed)
        if store:
            store.save(key, {"kid": kid}, {})
            store.tally("computed")
    else:
        kid = {float(t): v for t, v in found[0]["kid"]}
        store.tally("reused")
    table = pd.DataFrame({"kid_to_train_recon": pd.Series(dict(kid), name="tau")})
    table.index.name = "tau"
    best = float(table["kid_to_train_recon"].idxmin())
    # a copy: the sampler given (e.g. the league's pca_gmm10) keeps its own tau
    tuned = with_trailing_scale(sampler, best)
    return TrailingScaleSelection(table, best, tuned, reused=found is not None)


def _kid_by_scale(run, sampler, scales, n_images, seed):
    """``[(tau, KID-ONet of samples at tau against training reconstructions)]``; fits ``sampler``
    on ``run.z_train`` first when it is not fitted."""
    from .league_scoring import image_features

    def onet_features(images):
        return image_features(images, faces=False)[0].features

    if not hasattr(sampler, "n_features_in_"):
        sampler.fit(run.z_train)
    autoencoder = KeptDecodes(run) if getattr(run, "path", None) is not None else run
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(run.z_train), min(n_images, len(run.z_train)), replace=False))
    reference = onet_features(autoencoder.decode(run.z_train[rows]))
    kid = []
    for tau in scales:
        tuned = with_trailing_scale(sampler, tau)
        if isinstance(tuned, ReencodedSampler):
            # a copy (the caller's sampler keeps its binding) whose first decoding may be kept;
            # its re-encoded vectors are decoded once and not kept
            images = run.decode(tuned.bind(autoencoder).sample(n_images, random_state=seed))
        else:
            images = autoencoder.decode(tuned.sample(n_images, random_state=seed))
        kid.append((float(tau), kernel_distance(reference, onet_features(images))))
    return kid


#: Images decoded by the tau selections, by run and by the vectors' content (about 100 MB per
#: 2,000 images of 64 x 64; the reference and one selection's five scales are kept): the
#: selections of a run share their reference (the same training reconstructions), and a
#: re-encoded sampler's selection decodes first the very vectors its base's selection decoded
#: just before it (same seed, same tau).
DECODED = DerivedValues(6 * 2000 * 64 * 64 * 3 * 4)


class KeptDecodes:
    """A run's ``encode`` and ``decode``, its decoded images kept in :data:`DECODED` (the same
    images, bit for bit, as decoding again)."""

    def __init__(self, run):
        from .league import run_fingerprint
        self.run, self.fingerprint = run, run_fingerprint(run)

    def encode(self, images):
        return self.run.encode(images)

    def decode(self, z):
        z = np.asarray(z)

        def decoded():
            images = self.run.decode(z)
            images.flags.writeable = False          # kept: nobody may change it in place
            return images
        return DECODED.get((self.fingerprint, *DECODED.key(z)), decoded)


def with_trailing_scale(sampler, tau):
    """A copy of a :class:`PCAMixtureSampler` at trailing scale ``tau``, or of a
    :class:`ReencodedSampler` whose inner sampler is at ``tau``; ``sampler`` keeps its own.

    Shallow copies: tau is a plain attribute and the fitted parts are only read (a deep copy
    would rebuild e.g. a diffusion prior's Keras model).
    """
    if isinstance(sampler, ReencodedSampler):
        out = copy.copy(sampler)
        out.sampler = with_trailing_scale(sampler.sampler, tau)
        return out
    return copy.copy(sampler).set_params(trailing_scale=tau)


def _with_interval(point):
    """``1.23 x [1.10, 1.40]``: a frontier point's KID ratio with its joint interval."""
    return f"{point['kid_ratio']:.2f} x [{point['kid_ratio_low']:.2f}, {point['kid_ratio_high']:.2f}]"


def trailing_gap_summary(curve, chosen_tau, baseline=("pca_gmm10", 1.0),
                         conditional="conditional_gmm10"):
    """The closing sentences of notebook XIV, computed from a run's curve; and its numbers.

    They separate the two things a trailing-axes sampler changes: the *scale* of the trailing
    noise (``baseline``'s sampler from tau = 1 to its best non-copying tau) and the
    *conditional mean* (``conditional`` against ``baseline``'s sampler at that same tau), each
    with the joint 95 % intervals of the KID ratios.

    Parameters
    ----------
    curve : aelatent.frontier.Frontier
        With points of ``baseline``'s sampler and of ``conditional`` along tau.
    chosen_tau : float
        tau of the conditional sampler chosen on training images
        (:func:`select_trailing_scale`).

    Returns
    -------
    text : str
    numbers : dict
        ``baseline``, ``best`` (KID ratios), ``share`` (of the gap closed by the
        best non-copying point; NaN where there is no gap to close) and
        ``chosen_share`` (the same for the conditional sampler at ``chosen_tau``); all NaN
        when the curve has no point at the baseline (tau = 1 not among its scales).
    """
    from .copying import COPY_THRESHOLD

    independent, full = baseline
    table = curve.table
    on_curve = table[(table["sampler"] == independent) & np.isclose(table["value"], full)]
    if not len(on_curve):
        nan = float("nan")
        return (f"The curve has no point {independent} at tau = {full:g}, the ex-post density the "
                f"gap is measured from: add {full:g} to the scales to get this summary.",
                {"baseline": nan, "best": nan, "best_sampler": None, "best_value": nan,
                 "share": nan, "chosen": nan, "chosen_share": nan})
    gap = curve.gap_closed(*baseline)
    base_point = curve.point(*baseline)
    chosen_point = curve.point(conditional, chosen_tau)
    chosen = float(chosen_point["kid_ratio"])
    chosen_share = ((gap["baseline"] - chosen) / (gap["baseline"] - 1.0)
                    if gap["baseline"] > 1.0 else np.nan)
    numbers = {**gap, "chosen": chosen, "chosen_share": float(chosen_share)}
    text = (f"{independent} with independent full-variance trailing noise: "
            f"{_with_interval(base_point)} the reconstructions' KID-ONet")
    if base_point["copy_ratio"] < COPY_THRESHOLD:
        text += f" (copy ratio {base_point['copy_ratio']:.2f}: below {COPY_THRESHOLD:g})"
    if gap["best_sampler"] is None:
        return (text + f". Every point of the curve copies training faces (copy ratio below "
                f"{COPY_THRESHOLD:g}): this run cannot say what the trailing axes account for.",
                numbers)
    # the scale alone: the independent sampler's own best point that does not copy
    own = table[(table["sampler"] == independent) & (table["copy_ratio"] >= COPY_THRESHOLD)]
    scaled = own.loc[own["kid_ratio"].idxmin()] if len(own) else None
    if scaled is not None and np.isclose(scaled["value"], full):
        text += f". The scale alone: no smaller tau of {independent} does better than tau = {full:g}"
    elif scaled is not None:
        text += (f". The scale alone: at tau = {scaled['value']:g} the same sampler reaches "
                 f"{_with_interval(scaled)}")
        same_tau = table[(table["sampler"] == conditional) & np.isclose(table["value"],
                                                                          scaled["value"])]
        if len(same_tau):
            point = same_tau.iloc[0]
            apart = (point["kid_ratio_high"] < scaled["kid_ratio_low"]
                     or scaled["kid_ratio_high"] < point["kid_ratio_low"])
            text += (f"; the conditional mean on top, at that tau: {conditional} "
                     f"{_with_interval(point)}, "
                     + (("better" if point["kid_ratio"] < scaled["kid_ratio"] else "worse")
                        + " beyond the intervals" if apart else
                        "inside the same intervals: this run cannot tell the conditional mean's "
                        "effect from none"))
    if gap["baseline"] <= 1.0:
        text += ". The baseline is already as close as the reconstructions: no gap to account for."
    elif gap["best"] >= gap["baseline"]:
        text += (". No treatment of the trailing axes beats the full-variance noise in this run: "
                 "the gap lies with the leading axes (or the copy check rules the better points out).")
    else:
        text += (f". The best point that does not copy ({gap['best_sampler']}, tau = "
                 f"{gap['best_value']:g}) accounts for {gap['share']:.0%} of the gap to the "
                 f"reconstructions (an upper bound: it is read off the validation-scored curve); "
                 f"with tau = {chosen_tau:g} chosen on training images the conditional sampler "
                 f"closes {chosen_share:.0%} ({_with_interval(chosen_point)}). "
                 f"{gap['best'] - 1:.2f} x the reconstructions' KID remains for the leading axes.")
    return text, numbers
