"""The quality-novelty frontier: image quality against copying, along each sampler's knob.

A sampler that returns training z-points scores like the reconstructions; one
that adds too much independent noise makes patchy faces. Most samplers have a
knob between the two (the trailing axes' scale tau, neighbour mixing's
``max_share``, the diffusion prior's starting noise). :func:`quality_novelty_frontier`
moves each knob over a grid and scores every setting with the league's two
numbers that matter here:

* ``kid_ratio`` -- KID-ONet against the league's reference (every validation
  image), divided by that of the reconstructions of training images (the
  autoencoder's ceiling; :mod:`aelatent.league`), with the joint 95 %
  bootstrap interval of the ratio (``kid_ratio_low``, ``kid_ratio_high``:
  :func:`aelatent.distances.kid_ratio_interval`, one set of kernel matrices per point);
* ``copy_ratio`` -- median distance of the re-encoded images to their nearest
  training z-point, over that of the validation faces (below ~0.9: closer to
  training faces than unseen faces are, i.e. copying).

It is lighter than the league (no face detection or dlib, one bootstrap) so that a
curve of many points costs seconds per point. The reference is the league's; the ceiling is
the reconstructions of ``n_ceiling`` training images chosen by the league's rule
(:func:`aelatent.league_scoring.league_sets`): with the league's number of images per row
(as notebooks XII and XIV give it) it is the league's own ``recon`` row, so a point's ratio
and the league's ratios share their denominator.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .copying import COPY_THRESHOLD, best_non_copying, copy_ratio
from .distances import kernel_distance, kid_ratio_interval
from .errors import ConfigError
from .progress import stage_line
from .validation import check_int, check_real



#: Bootstrap resamples of every point's ratio interval.
N_BOOT = 100


class FrontierReference:
    """The league's reference, its ceiling and the nearest-training index, as the frontier needs them.

    The images are the league's (:func:`aelatent.league_scoring.league_sets`): every validation
    image as the reference (its ONet features come from the league's cache), the
    reconstructions of ``n_ceiling`` training images as the ceiling.

    Parameters
    ----------
    run : aelatent.runs.Run
    seed : int
        Seed of the choice of training images (the league's).
    n_images : int
        Images per point; at most the number of training images is compared.
    n_ceiling : int, optional
        Training images of the ceiling; the league's ``n_images`` makes it the league's own
        ``recon`` row. None: ``n_images``.

    Attributes
    ----------
    features_ : array (n_reference, 256)
        ONet features of the reference (the validation images).
    recon_kid_ : float
        KID-ONet of the reconstructions of the training images against the reference.
    recon_features_ : array (n_compared, 256)
        Their ONet features (the ratios' joint bootstrap resamples them).
    real_nn_ : float
        Median distance of the validation z-points to their nearest training z-point
        (the copy ratio's yardstick, the league's :attr:`~aelatent.league.League.unseen_nn_train`).
    """

    def __init__(self, run, seed=0, n_images=450, n_ceiling=None):
        from .league_scoring import league_sets
        from .neighbours import NearestNeighbours

        image_set = run.image_set
        self.run, self.seed = run, seed
        self.training_ = NearestNeighbours(k=1).fit(run.z_train)
        n_images = check_int(n_images, "n_images", minimum=10)
        sets = league_sets(run, n_images if n_ceiling is None else n_ceiling, seed, self.training_)
        self.n_compared = int(min(n_images, len(run.z_train)))
        self.real_nn_ = sets.unseen_nn_train
        reference = image_set.images[image_set.val_index[sets.reference_pos]]
        self.features_ = self.onet(np.asarray(reference))
        self.recon_features_ = self.onet(run.decode(run.z_train[sets.ceiling_pos]))
        self.recon_kid_ = kernel_distance(self.features_, self.recon_features_)

    def _nearest(self, images):
        return float(np.median(self.training_.kneighbors(self.run.encode(images))[0][:, 0]))

    @staticmethod
    def onet(images):
        """ONet features of an image set (cached, :func:`aelatent.league_scoring.image_features`)."""
        from .league_scoring import image_features
        return image_features(images, faces=False)[0].features

    def kid(self, images):
        """KID-ONet of an image set against the reference."""
        return kernel_distance(self.features_, self.onet(images))

    def score(self, z):
        """``kid_onet``, ``kid_ratio`` with ``kid_ratio_low``/``_high`` and ``copy_ratio`` of
        latent vectors ``z`` (decoded here)."""
        images = self.run.decode(np.asarray(z)[:self.n_compared])
        features = self.onet(images)
        kid = kernel_distance(self.features_, features)
        _, low, high = kid_ratio_interval(self.features_, features, self.recon_features_,
                                          n_boot=N_BOOT, random_state=self.seed)   # NaN: no ratio
        return {"kid_onet": kid, "kid_ratio": kid / self.recon_kid_,
                "kid_ratio_low": low, "kid_ratio_high": high,
                "copy_ratio": copy_ratio(self._nearest(images), self.real_nn_)}


class FrontierPoints:
    """A run's frontier points, stored under ``runs/<run>/results/frontier`` and reused.

    A point is keyed by the sampler's parameters with its knob at the point's value, the
    number of images and of the ceiling's images, the seed, the run's model and z-points (file
    hashes) and the code of this module and everything it imports (:mod:`aelatent.result_store`);
    a sampler is fitted only for a point that is not stored. A run without a folder stores nothing.
    """

    def __init__(self, run, n_images, seed, n_ceiling=None):
        from .league import run_fingerprint
        from .result_store import ResultStore, code_fingerprint, module_dependencies

        self.reused, self.store = 0, None
        if getattr(run, "path", None) is not None:
            self.store = ResultStore(run.path / "results" / "frontier", "frontier points")
            self.common = {"n_images": n_images, "seed": seed, "n_ceiling": n_ceiling,
                           "run": run_fingerprint(run),
                           "code": code_fingerprint(*module_dependencies("aelatent.frontier"))}

    def get(self, key, params, compute):
        """The scores of the point ``key`` with sampler ``params``: stored, else ``compute()``."""
        if self.store is None:
            return compute()
        computed = []

        def stored():
            computed.append(key)
            return compute(), {}

        scores, _ = self.store.get_or_compute({**self.common, "sampler": key, "params": params},
                                              stored)
        self.reused += not computed
        return scores


@dataclasses.dataclass
class Frontier:
    """Result of :func:`quality_novelty_frontier`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (sampler, knob value): ``sampler``, ``knob``, ``value``,
        ``kid_onet``, ``kid_ratio`` with ``kid_ratio_low``/``_high`` (joint 95 % interval of
        the ratio), ``copy_ratio``, ``copies`` (copy ratio below
        :data:`COPY_THRESHOLD`).
    recon_kid : float
        KID-ONet of the reconstructions (the ratios' denominator).
    """

    table: object
    recon_kid: float

    def best(self, threshold=COPY_THRESHOLD):
        """The row with the lowest KID ratio among those that do not copy (a pandas Series)."""
        best = best_non_copying(self.table["kid_ratio"], self.table["copy_ratio"], threshold)
        if best is None:
            raise ConfigError(f"every point of the frontier copies (copy ratio < {threshold}).")
        return self.table.loc[best]

    def point(self, sampler, value):
        """The row of ``sampler`` at knob value ``value`` (a pandas Series)."""
        t = self.table
        rows = t[(t["sampler"] == sampler) & np.isclose(t["value"], value)]
        if not len(rows):
            raise ConfigError(f"the frontier has no point {sampler} at {value}; it has "
                              f"{sorted(set(zip(t['sampler'], t['value'])))}.")
        return rows.iloc[0]

    def gap_closed(self, sampler, value, threshold=COPY_THRESHOLD):
        """How much of a baseline point's gap to the reconstructions the best honest point closes.

        Returns
        -------
        dict
            ``baseline`` (KID ratio of ``sampler`` at ``value``), ``best`` (the
            lowest KID ratio that does not copy), ``best_sampler``,
            ``best_value``, and ``share``: (baseline - best) / (baseline - 1),
            the share of the baseline's excess over the reconstructions removed
            (NaN when the baseline is not above the reconstructions; ``best``,
            ``best_value`` and ``share`` NaN and ``best_sampler`` None when
            every point copies).
        """
        baseline = float(self.point(sampler, value)["kid_ratio"])
        if not (self.table["copy_ratio"] >= threshold).any():        # every point copies
            return {"baseline": baseline, "best": np.nan, "best_sampler": None,
                    "best_value": np.nan, "share": np.nan}
        best = self.best(threshold)
        share = (baseline - best["kid_ratio"]) / (baseline - 1.0) if baseline > 1.0 else np.nan
        return {"baseline": baseline, "best": float(best["kid_ratio"]),
                "best_sampler": best["sampler"], "best_value": float(best["value"]),
                "share": float(share)}

    def plot_knob(self, threshold=COPY_THRESHOLD, size=(11, 3.6)):
        """KID ratio (log, with the joint 95 % intervals) and copy ratio against each sampler's
        knob value; returns the figure."""
        import matplotlib.pyplot as plt
        fig, axes = plt.subplots(1, 2, figsize=size)
        for i, (name, rows) in enumerate(self.table.groupby("sampler", sort=False)):
            error = np.clip([rows["kid_ratio"] - rows["kid_ratio_low"],
                             rows["kid_ratio_high"] - rows["kid_ratio"]], 0, None)
            axes[0].errorbar(rows["value"], rows["kid_ratio"], yerr=error, fmt="o-", c=f"C{i}",
                             ms=4, capsize=2, label=name)
            axes[1].plot(rows["value"], rows["copy_ratio"], "o-", c=f"C{i}", ms=4, label=name)
        axes[0].axhline(1.0, c="darkorange", ls=":", lw=2, label="reconstructions")
        axes[0].set(yscale="log", ylabel="KID-ONet / reconstructions' (log)")
        axes[1].axhline(threshold, c="red", ls="--", lw=1, label=f"copy threshold {threshold:g}")
        axes[1].set(ylabel="copy ratio")
        for ax in axes:
            ax.set_xlabel(", ".join(self.table["knob"].unique()))
            ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def plot(self, threshold=COPY_THRESHOLD, ax=None, title=None):
        """KID ratio (log) against copy ratio, one line per sampler along its knob; returns the axes."""
        import matplotlib.pyplot as plt
        if ax is None:
            _, ax = plt.subplots(figsize=(7.5, 4.5))
        for i, (name, rows) in enumerate(self.table.groupby("sampler", sort=False)):
            ax.plot(rows["copy_ratio"], rows["kid_ratio"], "o-", c=f"C{i}", ms=4,
                    label=f"{name} ({rows['knob'].iloc[0]})")
            for _, row in rows.iterrows():
                ax.annotate(f"{row['value']:g}", (row["copy_ratio"], row["kid_ratio"]),
                            fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.axvline(threshold, c="red", ls="--", lw=1, label=f"copy threshold {threshold:g}")
        ax.axhline(1.0, c="darkorange", ls=":", lw=2, label="reconstructions")
        ax.set_yscale("log")
        ax.set_xlabel("copy ratio (re-encoded images' distance to training z-points / real faces')")
        ax.set_ylabel("KID-ONet / reconstructions' (log)")
        ax.set_title(title or "Quality-novelty frontier: lower is better, left of the line copies",
                     fontsize=10)
        ax.legend(fontsize=7)
        return ax


def quality_novelty_frontier(run, curves, fitted=None, n_images=450, seed=0, say=None,
                             n_ceiling=None):
    """Score samplers along their knobs: KID ratio to the reconstructions and copy ratio.

    Parameters
    ----------
    run : aelatent.runs.Run
    curves : dict of str -> (str, sequence of float)
        Sampler key (:func:`aelatent.samplers.make_sampler`) -> the parameter
        that is its knob and the values it takes, e.g.
        ``{"pca_gmm10": ("trailing_scale", [0, 0.5, 1])}``. Each sampler is
        fitted once (or taken from ``fitted``) if any of its points is not stored
        (:class:`FrontierPoints`); the knob is set with ``set_params`` and restored afterwards.
    fitted : dict of str -> LatentSampler, optional
        Samplers already fitted on ``run.z_train``.
    n_images : int
        Vectors per point (at most the number of training images is compared).
    seed : int
        Seed of the league's sets and of every point's vectors.
    say : callable, optional
        Receives one line per point (e.g. ``print``).
    n_ceiling : int, optional
        Training images whose reconstructions are the ratios' denominator: the league's
        ``n_images`` makes it the league's ``recon`` row (:class:`FrontierReference`);
        None: ``n_images``.

    Returns
    -------
    Frontier
    """
    import pandas as pd

    from .samplers import make_sampler

    reference = FrontierReference(run, seed, n_images, n_ceiling)
    points = FrontierPoints(run, n_images=reference.n_compared, seed=seed,
                            n_ceiling=len(reference.recon_features_))
    rows = []
    for key, (knob, values) in curves.items():
        given = (fitted or {}).get(key)
        template = given or make_sampler(key)
        sampler, original = given, template.get_params()[knob]      # fitted only when needed
        try:
            for value in values:
                params = {**template.get_params(deep=True), knob: check_real(value, knob)}

                def compute():
                    nonlocal sampler
                    sampler = sampler or make_sampler(key).fit(run.z_train)
                    sampler.set_params(**{knob: float(value)})
                    return reference.score(sampler.sample(reference.n_compared, random_state=seed))

                scores = points.get(key, params, compute)
                rows.append({"sampler": key, "knob": knob, "value": float(value), **scores})
                if say:
                    say(stage_line(f"{key} {knob} = {value:<5g}: KID-ONet "
                                   f"{scores['kid_ratio']:.2f} x reconstructions, copy ratio "
                                   f"{scores['copy_ratio']:.2f}"))
        finally:
            if sampler is not None:
                sampler.set_params(**{knob: original})
    if say and points.reused:
        say(f"frontier: {points.reused} of {len(rows)} points reused from earlier executions "
            "(same sampler settings, model and code)")
    table = pd.DataFrame(rows, columns=["sampler", "knob", "value", "kid_onet", "kid_ratio",
                                        "kid_ratio_low", "kid_ratio_high", "copy_ratio"])
    table["copies"] = table["copy_ratio"] < COPY_THRESHOLD
    return Frontier(table, reference.recon_kid_)
