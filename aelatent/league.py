"""The sampler league: every sampler and calibration set scored against held-out real images.

:func:`sampler_league` fills one table -- a :class:`League`, with its ratios,
plots and metrics -- with the calibration rows (real vs real, reconstructions,
negatives) and one row per sampler, and checks each sampler for copying: how
close its vectors, and its images re-encoded, come to the nearest *training*
z-point, against real validation images. How one set of images is scored
(the reference, the distances, the copy check) is
:mod:`aelatent.league_scoring`'s.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .copying import copy_ratio
from .errors import ConfigError
from .league_scoring import (CEILING, FACE_IMAGES, LeagueScorer, QualityReference,  # noqa: F401
                             calibration_sets, league_sets)
from .progress import stage_line
from .result_store import (ResultStore, code_fingerprint, file_fingerprint,
                           module_dependencies, reuse_summary)
from .validation import check_int

#: By profile: images generated per sampler, bootstrap resamples per distance interval, images per
#: row with dlib face descriptors (~8 ms each on 2 cores), the component counts of the
#: mixture family compared in notebook XII, the vectors per point of the quality-novelty
#: frontier (notebooks XII, XIV) and per tau of a tau selection (XII, XV). ``smoke``
#: demonstrates every step of the series in CI and is not meant to be precise: 8 dlib
#: descriptors per row, a third of ``default``'s vectors per frontier point. ``default``'s mixture family stops at 50 components:
#: on the shared subset (6,750 z-points) the full-covariance mixtures fall apart from 20 on
#: (held-out -0.47, -1.0, -17.7 nats/dim at 10, 20, 50), and 100 components, -134 nats/dim, cost
#: 89 s of notebook XII's 1,127 (Intel Xeon, AVX-512) to show it once more. ``full`` (all of
#: CelebA, 24 times the z-points) keeps 100. ``default`` gives dlib 500 images per row (150 until
#: dlib's network ran in Keras): its KID-dlib ratio intervals shrink about threefold ([0.58, 1.05]
#: instead of [0.61, 2.26] for ``pca_gmm10``, docs/results.md) for ~40 s more of notebook XII.
#: ``n_selection``: vectors per tau of a tau selection. In ``default`` as many as a league row:
#: at 450 the choice between tau 0.5 and 0.75 followed the seed of the selection (0.75 with
#: seed 0, 0.5 with seed 1), at 2,000 both seeds chose 0.5 for the conditional sampler, re-encoded
#: or not, as the league's ratios to the reconstructions do (docs/results.md).
LEAGUE_DEFAULTS = {
    "smoke": {"n_images": 200, "n_boot": 20, "n_descriptors": 8, "mixture_components": [1, 10],
              "n_frontier": 150, "n_selection": 150},
    "default": {"n_images": 2000, "n_boot": 100, "n_descriptors": 500,
                "mixture_components": [1, 10, 20, 50], "n_frontier": 450, "n_selection": 2000},
    "full": {"n_images": 5000, "n_boot": 200, "n_descriptors": 1000,
             "mixture_components": [1, 10, 20, 50, 100], "n_frontier": 450, "n_selection": 2000},
}


def league_defaults(profile, **overrides):
    """The league's settings for a profile, with a notebook's own values where it sets them.

    Parameters
    ----------
    profile : {"smoke", "default", "full"}
    **overrides
        ``n_images``, ``n_boot``, ``n_descriptors``, ``mixture_components``, ``n_frontier`` or
        ``n_selection``;
        ``None`` keeps the profile's value (:data:`LEAGUE_DEFAULTS`).

    Returns
    -------
    dict
        The six settings.

    Examples
    --------
    >>> league_defaults("smoke", n_images=None, n_descriptors=0)["n_descriptors"]
    0
    """
    if profile not in LEAGUE_DEFAULTS:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(LEAGUE_DEFAULTS)}.")
    settings = {key: (list(v) if isinstance(v, list) else v)
                for key, v in LEAGUE_DEFAULTS[profile].items()}
    unknown = sorted(set(overrides) - set(settings))
    if unknown:
        raise ConfigError(f"unknown league setting(s) {unknown}; the settings are {sorted(settings)}.")
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "mixture_components":
            value = [check_int(k, "mixture_components entry") for k in value]
            if not value:
                raise ConfigError("mixture_components is empty; give component counts such as "
                                  "[1, 10], or None for the profile's.")
        else:
            value = check_int(value, key, minimum=0 if key == "n_descriptors" else 1)
        settings[key] = value
    return settings


#: Calibration rows of the league table, in display order.
CALIBRATION_ROWS = ("real_vs_real", "recon", "blurred", "grey", "noise")

#: FID on CelebA of a plain autoencoder in the RAE paper (Ghosh et al. 2020, table 1):
#: sampling N(0, I), sampling a 10-component GMM fitted ex post, and reconstructions.
RAE_PAPER_FID = {"normal": 127.85, "gmm10": 45.10, "recon": 41.0}

#: Columns of :attr:`League.table`, in order.
#: The two feature spaces: ONet (MTCNN's last stage, every compared image) and dlib's
#: face-recognition descriptor (the first ``n_descriptors`` images, :mod:`aelatent.face_descriptors`).
FEATURE_SPACES = ("onet", "dlib")

#: Columns of :attr:`League.table`, in order.
LEAGUE_COLUMNS = (["kind", "n_images", "n_compared", "n_descriptors", "face_rate", "onet_score"]
                  + [f"{d}_{s}{x}" for s in FEATURE_SPACES for d in ("frechet", "kid")
                     for x in ("", "_low", "_high")] + [f"frechet_{s}_inf" for s in FEATURE_SPACES]
                  + [f"kid_{s}_ratio{x}" for s in FEATURE_SPACES for x in ("", "_low", "_high")]
                  + ["kid_onet_recon", "precision", "recall", "latent_precision", "latent_recall",
                     "mahalanobis_median", "core_fraction", "log_likelihood",
                     "nn_train_z", "nn_train_reencoded"])

#: Columns of :attr:`League.table` that are not metrics of a row (the row's kind, and the sizes
#: :meth:`League.metrics` reports once, as ``n_images_per_sampler`` and ``n_compared``).
NOT_METRICS = ("kind", "n_images", "n_compared")

#: The distances the league compares with the reconstructions (value, interval low, high).
DISTANCES = {"frechet_onet": "Frechet distance, ONet features",
             "kid_onet": "kernel distance (KID), ONet features",
             "kid_dlib": "KID, dlib face descriptors"}

#: The ratios to the reconstructions with a joint interval (value, low, high), per feature space.
RATIOS = {"kid_onet_ratio": "KID-ONet / reconstructions'", "kid_dlib_ratio": "KID-dlib / reconstructions'"}


@dataclasses.dataclass
class League:
    """Result of :func:`sampler_league`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per calibration set and sampler (index = row key), columns
        :data:`LEAGUE_COLUMNS`: ``kind`` ("calibration"/"sampler"),
        ``n_images``, ``n_compared``; per image ``face_rate``, ``onet_score``;
        against the reference ``frechet_onet`` with its bootstrap
        interval ``frechet_onet_low``/``_high`` and its extrapolation to
        n -> infinity ``frechet_onet_inf``, ``kid_onet`` with its interval,
        ``precision``/``recall`` (ONet features) and
        ``latent_precision``/``latent_recall`` (re-encoded images); for the
        sampled vectors ``mahalanobis_median``, ``core_fraction`` and the
        sampler's held-out ``log_likelihood`` per dimension of the validation
        z-points (NaN for samplers without a density); the memorisation check
        ``nn_train_z`` and ``nn_train_reencoded``: median distance of the
        sampled vectors, and of the images re-encoded, to their nearest
        training z-point; ``kid_onet_recon``, KID-ONet against the
        *reconstructions* of the reference images (a measure of the density
        alone: the decoder's own limits cancel; for the ``recon`` row the floor:
        reconstructions of training against those of validation faces);
        ``kid_onet_ratio`` (and ``kid_dlib_ratio``), the row's KID over the reconstructions'
        with ``_low``/``_high``, a 95 % interval of the ratio itself from resamples of the
        reference, the row and the reconstructions drawn jointly
        (:func:`aelatent.distances.kid_ratio_interval`; NaN for the reconstructions themselves).
    examples : dict of str -> uint8 array
        The first images of every row, for sample grids.
    nearest_training : dict of str -> int array
        For every row's examples: the training position (into
        ``run.image_set.train_index``) of the z-point nearest to the example re-encoded.
    features : dict of str -> array (n_compared, 256)
        The ONet features every row was compared with (for :meth:`frechet_by_n`).
    reference_features : array (n_reference, 256)
    unseen_nn_train : float
        Median distance of the validation z-points (unseen faces) to their nearest training
        z-point: what :meth:`ratios` divides each row's ``nn_train_reencoded`` by (the copy ratio).
    seconds : dict of str -> float
        Wall seconds per stage of the scoring (fitting samplers, decoding, face
        detection, ONet, distances, ...), see :meth:`time_table`.
    fitted : dict of str -> LatentSampler
        The fitted samplers by row key (e.g. for :func:`aelatent.frontier.quality_novelty_frontier`);
        a row reused from the run's stored rows (:class:`LeagueRows`) has one here only when it
        was given fitted.
    """

    table: object
    examples: dict
    nearest_training: dict
    features: dict
    reference_features: np.ndarray
    unseen_nn_train: float
    seconds: dict = dataclasses.field(default_factory=dict)
    fitted: dict = dataclasses.field(default_factory=dict)

    def time_table(self):
        """Where the league's time went: seconds and share per stage, largest first."""
        import pandas as pd
        frame = pd.DataFrame({"seconds": pd.Series(self.seconds, dtype=float)})
        frame["share"] = frame["seconds"] / frame["seconds"].sum()
        return frame.sort_values("seconds", ascending=False)

    @property
    def n_reference(self):
        """Held-out real images the sets are compared with."""
        return len(self.reference_features)

    @property
    def samplers(self):
        return [k for k in self.table.index if self.table.loc[k, "kind"] == "sampler"]

    def ratios(self):
        """Each sampler's distances divided by the reconstructions', next to the RAE paper's FID ratios.

        Columns: the ratios of Frechet-ONet (at this n and extrapolated), of
        KID-ONet with its joint 95 % interval (``kid_ratio_low``/``_high``) and, when computed,
        of KID-dlib (``dlib_kid_ratio_low``/``_high``) and Frechet-dlib; ``copy_ratio``, the sampler's
        ``nn_train_reencoded`` over :attr:`unseen_nn_train`, that of the validation faces (below 1:
        closer to training faces than unseen real faces are); and the paper's ratio.
        """
        import pandas as pd
        t = self.table
        s = self.samplers
        out = pd.DataFrame({
            "frechet_onet": t.loc[s, "frechet_onet"],
            "ratio_to_recon": t.loc[s, "frechet_onet"] / t.loc["recon", "frechet_onet"],
            "inf_ratio_to_recon": t.loc[s, "frechet_onet_inf"] / t.loc["recon", "frechet_onet_inf"],
            "kid_ratio_to_recon": t.loc[s, "kid_onet"] / t.loc["recon", "kid_onet"],
            "kid_ratio_low": t.loc[s, "kid_onet_ratio_low"],
            "kid_ratio_high": t.loc[s, "kid_onet_ratio_high"]})
        if t["kid_dlib"].notna().any():
            out["dlib_kid_ratio_to_recon"] = t.loc[s, "kid_dlib"] / t.loc["recon", "kid_dlib"]
            out["dlib_kid_ratio_low"] = t.loc[s, "kid_dlib_ratio_low"]
            out["dlib_kid_ratio_high"] = t.loc[s, "kid_dlib_ratio_high"]
            out["dlib_frechet_ratio_to_recon"] = t.loc[s, "frechet_dlib"] / t.loc["recon", "frechet_dlib"]
        out["copy_ratio"] = copy_ratio(t.loc[s, "nn_train_reencoded"], self.unseen_nn_train)
        out["rae_paper_fid_ratio"] = [RAE_PAPER_FID[k] / RAE_PAPER_FID["recon"] if k in RAE_PAPER_FID
                                      else np.nan for k in s]
        return out

    def density_table(self):
        """The samplers by KID-ONet against real faces and against the reconstructions of unseen faces.

        The second measures the density alone (what the decoder cannot draw
        cancels); its floor is the reconstructions of training faces against those of the
        validation faces (the ``recon`` row, first).
        """
        rows = ["recon"] + self.samplers
        out = self.table.loc[rows, ["kid_onet", "kid_onet_recon"]].copy()
        out["kid_recon_over_floor"] = out["kid_onet_recon"] / self.table.loc["recon", "kid_onet_recon"]
        return out.sort_values("kid_onet_recon")

    def plot(self, size=(14, 3.8)):
        """Bars of Frechet-ONet, KID-ONet and (when computed) KID-dlib -- log scales, bootstrap
        intervals as error bars -- of the KID ratios to the reconstructions with their joint
        intervals, and of the face rate per sampler and negative, with the real-vs-real and
        reconstruction levels as lines; returns the figure."""
        import matplotlib.pyplot as plt
        t = self.table
        order = self.samplers + [k for k in ("blurred", "grey", "noise") if k in t.index]
        colours = ["C0" if k in self.samplers else "0.6" for k in order]
        panels = [(column, f"{title} (log)") for column, title in {**DISTANCES, **RATIOS}.items()
                  if t.loc[order, column].notna().all()]
        panels.append(("face_rate", "MTCNN face detection rate"))
        fig, axes = plt.subplots(1, len(panels), figsize=(size[0] * len(panels) / 3, size[1]))
        for ax, (column, title) in zip(axes, panels):
            values = t.loc[order, column].astype(float)
            error, logarithmic = None, column in DISTANCES or column in RATIOS
            if logarithmic:
                low = t.loc[order, f"{column}_low"].astype(float)
                high = t.loc[order, f"{column}_high"].astype(float)
                error = np.clip([values - low, high - values], 0, None)
            ax.bar(range(len(order)), values, color=colours, yerr=error, capsize=2)
            real, recon = t.loc["real_vs_real", column], t.loc["recon", column]
            if np.isfinite(real):
                ax.axhline(real, ls="--", c="green", label="real vs real")
            ax.axhline(1.0 if column in RATIOS else recon, ls=":", c="darkorange", lw=2,
                       label="reconstructions")
            ax.set_xticks(range(len(order)), order, rotation=40, ha="right", fontsize=8)
            ax.set_title(title, fontsize=10)
            if logarithmic:    # KID of real vs real can be <= 0: keep the axis positive
                ax.set_yscale("log")
                floor = 1.0 if column in RATIOS else recon
                ax.set_ylim(bottom=max(min(values[values > 0].min(), floor) / 3, 1e-6))
        axes[-1].set_ylim(0, 1.05)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"Sampler league: {int(t['n_compared'].min())} images per set against "
                     f"{self.n_reference} held-out real images (grey bars: negatives; error bars: "
                     "95 % bootstrap intervals, of the ratios jointly)", fontsize=10)
        fig.tight_layout()
        return fig

    def frechet_by_n(self, keys=None, repeats=3, random_state=0):
        """Frechet-ONet of rows at several sample sizes (:func:`aelatent.distances.frechet_by_n`).

        Returns
        -------
        pandas.DataFrame
            Index: the sizes n; one column per row key; plus the extrapolation to
            n -> infinity as the attribute ``attrs["inf"]`` (dict key -> value).
        """
        import pandas as pd

        from .distances import frechet_by_n
        keys = list(self.table.index) if keys is None else list(keys)
        columns, sizes = {}, None
        for key in keys:
            sizes, columns[key] = frechet_by_n(self.reference_features, self.features[key],
                                               repeats=repeats, random_state=random_state)
        frame = pd.DataFrame(columns, index=pd.Index(sizes, name="n"))
        frame.attrs["inf"] = {key: float(self.table.loc[key, "frechet_onet_inf"]) for key in keys}
        return frame

    def plot_frechet_by_n(self, keys=None, size=(6.5, 3.8)):
        """Frechet-ONet against 1/n per row, with the straight line to the extrapolated value at 1/n = 0."""
        import matplotlib.pyplot as plt
        frame = self.frechet_by_n(keys)
        fig, ax = plt.subplots(figsize=size)
        inv = 1.0 / frame.index.to_numpy(dtype=float)
        for i, key in enumerate(frame.columns):
            ax.plot(inv, frame[key], "o-", c=f"C{i}", ms=3, label=key)
            ax.plot([0, inv.min()], [frame.attrs["inf"][key], frame[key].iloc[-1]], ":", c=f"C{i}")
            ax.plot([0], [frame.attrs["inf"][key]], "*", c=f"C{i}", ms=9)
        ax.set_xlim(left=0)
        ax.set_xlabel("1 / n (images per set)")
        ax.set_ylabel("Frechet-ONet")
        ax.set_yscale("log")
        ax.set_title("Frechet-ONet falls with n; stars: extrapolated to n -> infinity", fontsize=10)
        ax.legend(fontsize=7)
        fig.tight_layout()
        return fig

    def plot_feature_spaces(self, size=(11, 4)):
        """KID-ONet against KID-dlib, as values and as ranks, for the samplers and two calibration rows.

        Returns
        -------
        fig : matplotlib Figure
        summary : str
            The Spearman rank correlation of the two spaces and the three rows
            on whose rank they disagree most.
        """
        import matplotlib.pyplot as plt
        from scipy.stats import spearmanr

        t = self.table
        rows = [k for k in t.index if t.loc[k, "kind"] == "sampler" or k in ("recon", "blurred")]
        onet, dlib = t.loc[rows, "kid_onet"].astype(float), t.loc[rows, "kid_dlib"].astype(float)
        if dlib.isna().any():
            raise ConfigError("this league has no dlib descriptors (n_descriptors = 0); "
                              "score it with n_descriptors > 0 to compare the two spaces.")
        rank_onet, rank_dlib = onet.rank(), dlib.rank()
        fig, axes = plt.subplots(1, 2, figsize=size)
        axes[0].scatter(onet.clip(lower=1e-5), dlib.clip(lower=1e-5))
        axes[1].scatter(rank_onet, rank_dlib)
        for key in rows:
            axes[0].annotate(key, (max(onet[key], 1e-5), max(dlib[key], 1e-5)), fontsize=7)
            axes[1].annotate(key, (rank_onet[key], rank_dlib[key]), fontsize=7)
        axes[0].set(xscale="log", yscale="log", xlabel="KID-ONet", ylabel="KID-dlib",
                    title="kernel distances in both spaces")
        axes[1].set(xlabel="rank by KID-ONet", ylabel="rank by KID-dlib", title="ranks (1 = closest)")
        fig.tight_layout()
        off = (rank_onet - rank_dlib).abs().sort_values(ascending=False)
        summary = (f"Spearman rank correlation of the two spaces over {len(rows)} rows: "
                   f"{spearmanr(onet, dlib).statistic:.2f}; largest disagreements: "
                   + ", ".join(f"{k} (rank {rank_onet[k]:.0f} vs {rank_dlib[k]:.0f})"
                               for k in off.index[:3]))
        return fig, summary

    def nearest_training_images(self, run, keys, n=8):
        """Examples of rows above their nearest training faces: (images, titles) for an image grid.

        For every key two grid rows of ``n`` images: the row's first examples, and
        for each the training image whose z-point is nearest to its re-encoding.
        """
        image_set = run.image_set
        images, titles = [], []
        for key in keys:
            shown = self.examples[key][:n]
            train_images = np.asarray(image_set.images[image_set.train_index[
                self.nearest_training[key][:len(shown)]]])
            images += [shown, train_images]
            titles += [key] + [""] * (len(shown) - 1) + ["nearest training"] + [""] * (len(shown) - 1)
        return np.concatenate(images), titles

    def metrics(self):
        """The flat metric dict of the league notebook: ``{row}_{column}`` for the numeric columns."""
        t = self.table
        out = {"n_images_per_sampler": int(t.loc[self.samplers, "n_images"].max()) if self.samplers else 0,
               "n_compared": int(t["n_compared"].min()), "n_reference_images": self.n_reference,
               "unseen_nn_train": float(self.unseen_nn_train)}
        numeric = [c for c in LEAGUE_COLUMNS if c not in NOT_METRICS]
        for key in list(t.index):
            for column in numeric:
                value = t.loc[key, column]
                if value == value and np.isfinite(value):     # no NaN (no density) or -inf
                    out[f"{key}_{column}"] = float(value)
        return out


#: The modules whose code makes a league row: these and every module of the package they import
#: (:func:`aelatent.result_store.module_dependencies`) version the stored rows.
LEAGUE_CODE = ("aelatent.league",)


class LeagueRows:
    """A run's league rows, stored under ``runs/<run>/results/league`` and reused.

    A row is keyed by its sampler's parameters (or its calibration set), the
    league's settings, the run's trained model and z-points (file hashes) and
    the source of :data:`LEAGUE_CODE` (:mod:`aelatent.result_store`). A row stored
    with dlib descriptors also serves a league without them (notebook XV asks
    for the plain AE's key rows without, after notebook XII scored them with).
    A run without a folder (a stand-in of the tests) stores nothing.
    """

    def __init__(self, run, **settings):
        self.n_descriptors = settings.pop("n_descriptors")
        self.reused = []
        self.entries = None
        if getattr(run, "path", None) is not None:
            self.common = {**settings, "code": code_fingerprint(*module_dependencies(*LEAGUE_CODE)),
                           "run": run_fingerprint(run)}
            self.entries = ResultStore(run.path / "results" / "league", "league rows")

    def restore(self, scorer, key, what):
        """Put a stored row of ``key`` into the scorer; False when there is none."""
        found = self.entries and self.entries.load({**self.common, "row": key, "what": what})
        if found is None:
            return False
        row, arrays = found
        if row["n_descriptors_asked"] != self.n_descriptors:
            if self.n_descriptors:
                return False
            row = {k: v for k, v in row.items() if "_dlib" not in k}
            row.pop("n_descriptors", None)
        row.pop("n_descriptors_asked")
        scorer.rows[key] = row
        scorer.features[key], scorer.examples[key], scorer.nearest[key] = (
            arrays["features"], arrays["examples"], arrays["nearest"])
        if self.n_descriptors and "descriptors" in arrays:
            scorer.descriptors[key] = arrays["descriptors"]
        self.reused.append(key)
        self.entries.tally("reused")
        return True

    def store(self, scorer, key, what):
        """Store the row the scorer has just added for ``key``."""
        if self.entries is None:
            return
        self.entries.save({**self.common, "row": key, "what": what},
                        {**scorer.rows[key], "n_descriptors_asked": self.n_descriptors},
                        {"features": scorer.features[key], "examples": scorer.examples[key],
                         "nearest": scorer.nearest[key],
                         **({"descriptors": scorer.descriptors[key]}
                            if key in scorer.descriptors else {})})
        self.entries.tally("computed")


#: The files of a run folder that determine its league rows: the trained model and its z-points.
RUN_FILES = ("encoder.keras", "decoder.keras", "z_train.npy", "z_val.npy")


def run_fingerprint(run):
    """A hash of the :data:`RUN_FILES` of a run folder: what every stored result of it is keyed by."""
    return file_fingerprint(*(run.path / name for name in RUN_FILES))


def sampler_league(run, keys=None, n_images=2000, seed=0, k=3, n_examples=16, n_boot=100,
                   n_descriptors=0, fitted=None, calibration=CALIBRATION_ROWS, progress=True):
    """Score samplers of latent vectors and calibration sets against held-out real images.

    Every set is compared with the *reference*: all of the run's validation images, which
    neither the autoencoder nor any sampler has seen. The calibration rows come from
    ``n_images`` training images (a seeded choice, :func:`aelatent.league_scoring.league_sets`):
    the real images themselves (``real_vs_real``), their reconstructions (``recon``, the
    ceiling: what a sampler that reproduced the training z-points' distribution exactly would
    decode to) and negatives (``blurred`` copies, flat ``grey``, uniform ``noise``). Every
    sampler is fitted on the training z-points and draws ``n_images`` vectors, which are
    decoded and scored. All validation images as the reference and a ceiling as large as a
    sampler row narrow the interval of a row's ratio to the ceiling (issue Q).

    The sample size is what makes the Frechet distance biased; the league therefore adds the
    kernel distance (unbiased at any n), basic bootstrap intervals for both, and the Frechet
    distance extrapolated to n -> infinity (:mod:`aelatent.distances`). The copy check divides
    by the validation z-points' median distance to the nearest training z-point
    (:attr:`League.unseen_nn_train`): the real training images of ``real_vs_real`` are their
    own nearest points, so their copy ratio is 0 by construction.

    Per-image measures (face rate, ONet score) use all images of a row; the
    distribution measures (Frechet and kernel distances, precision, recall --
    in ONet feature space and, after re-encoding the images, in latent space)
    use the first ``n_compared = min(n_images, training images)`` images of *every*
    row, so all rows are compared at equal n. ``mahalanobis_median`` and
    ``core_fraction`` describe the sampled vectors themselves (for the real
    rows: the z-points of those training images) against a Gaussian fitted to the
    training z-points (:class:`aelatent.stats.LatentGaussian`).

    Parameters
    ----------
    run : aelatent.runs.Run
    keys : list of str, optional
        Sampler keys for :func:`aelatent.samplers.make_sampler`; default all
        keys of :data:`aelatent.samplers.SAMPLERS`.
    n_images : int
        Images per sampler (see :func:`league_defaults`).
    seed : int
    k : int
        Neighbour of the precision/recall balls.
    n_examples : int
        Images kept per row for display.
    n_boot : int
        Bootstrap resamples per distance interval.
    n_descriptors : int
        Images per row (and reference images) that also get dlib face
        descriptors, for the distances in that second feature space; 0: none.
    fitted : dict of str -> LatentSampler, optional
        Samplers for their keys instead of :func:`aelatent.samplers.make_sampler`'s: fitted on
        ``run.z_train`` (e.g. the mixtures of :func:`aelatent.samplers.mixture_selection`), or
        configured but not fitted (e.g. a tau chosen in an earlier execution): those are
        fitted here only when their row is not stored.
    calibration : sequence of str
        The calibration rows to score, of :data:`CALIBRATION_ROWS` (default all); the ceiling
        ``recon`` is scored always. A league that shows only the ceiling (notebook XV's) skips
        the negatives.

    Returns
    -------
    League
    """
    import pandas as pd

    from .samplers import SAMPLERS, make_sampler, held_out_log_likelihood

    check_int(n_images, "n_images", minimum=10, what="images per sampler")
    keys = list(SAMPLERS) if keys is None else list(keys)
    scorer = LeagueScorer(run, n_images, k=k, n_examples=n_examples, n_boot=n_boot, seed=seed,
                          n_descriptors=n_descriptors, say=print if progress else None)
    stage = scorer.stage
    rows = LeagueRows(run, seed=seed, n_images=n_images, k=k, n_examples=n_examples, n_boot=n_boot,
                      n_descriptors=scorer.n_descriptors)
    unknown = sorted(set(calibration) - set(CALIBRATION_ROWS))
    if unknown:
        raise ConfigError(f"unknown calibration rows {unknown}; choose among "
                          f"{', '.join(CALIBRATION_ROWS)}.")
    calibration_keys = [key for key in CALIBRATION_ROWS if key in calibration or key == CEILING]
    calibration = None
    # the reconstructions first: every later row's KID is divided by theirs (CEILING)
    for key in sorted(calibration_keys, key=lambda k: k != CEILING):
        if rows.restore(scorer, key, {"calibration": key}):
            continue
        if calibration is None:
            with stage("calibration sets (decode, blur)"):
                calibration = calibration_sets(run, scorer.sets, seed)
        scorer.add(key, "calibration", *calibration[key])
        rows.store(scorer, key, {"calibration": key})
    samplers, fitted = {}, fitted or {}
    for key in keys:
        sampler = fitted.get(key) or make_sampler(key)
        is_fitted = hasattr(sampler, "n_features_in_")
        if rows.restore(scorer, key, sampler.get_params(deep=True)):
            if is_fitted:                   # a sampler given fitted stays at hand (the frontier's)
                samplers[key] = sampler
            continue
        if scorer.say and not is_fitted:
            scorer.say(stage_line(f"fitting {key} ..."))
        with stage("fit samplers"):
            sampler = sampler if is_fitted else sampler.fit(run.z_train)
        samplers[key] = sampler
        with stage("sample and decode"):
            z = sampler.sample(n_images, random_state=seed)
            images = run.decode(z)
        with stage("held-out likelihood"):
            log_likelihood = held_out_log_likelihood(sampler, run.z_val)
        scorer.add(key, "sampler", images, z, log_likelihood=log_likelihood)
        rows.store(scorer, key, sampler.get_params(deep=True))
    if scorer.say:
        reused = f" (reused: {', '.join(rows.reused)})" if rows.reused else ""
        scorer.say(f"stored results: {reuse_summary()}{reused}")
    table = pd.DataFrame.from_dict(scorer.rows, orient="index").reindex(
        index=[*calibration_keys, *(k for k in scorer.rows if k not in CALIBRATION_ROWS)],
        columns=LEAGUE_COLUMNS)
    return League(table, scorer.examples, scorer.nearest, scorer.features,
                  scorer.reference.scores_.features, scorer.sets.unseen_nn_train, scorer.seconds,
                  samplers)
