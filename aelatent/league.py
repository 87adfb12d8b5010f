"""The sampler league: every sampler and calibration set scored against held-out real images.

:class:`QualityReference` holds the reference images (their MTCNN scores and
ONet features, :mod:`aelatent.quality`) and compares any scored image set with
them through the two-sample measures of :mod:`aelatent.distances`: the
Frechet distance (with a bootstrap interval and its value extrapolated to
n -> infinity), the kernel distance KID (with a bootstrap interval) and k-NN
precision/recall. :func:`sampler_league` fills one table with the calibration
rows (real vs real, reconstructions, negatives) and one row per sampler, and
checks each sampler for copying: how close its vectors, and its images
re-encoded, come to the nearest *training* z-point, against real validation
images.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time

import numpy as np

from .distances import (FeatureStats, bootstrap_interval, extrapolated_frechet_distance,
                        frechet_distance, kernel_distance, precision_recall)
from .errors import ConfigError
from .quality import (ImageScores, as_uint8_images, blurred_images, detect_faces, grey_images,
                      noise_images, onet_outputs, score_images)
from .stats import check_points
from .validation import check_fitted, check_int

#: By profile: images generated per sampler, bootstrap resamples per distance interval, images per
#: row with dlib face descriptors (~0.1 s each on one core), and the component counts of the
#: mixture family compared in notebook XII.
LEAGUE_DEFAULTS = {
    "smoke": {"n_images": 200, "n_boot": 20, "n_descriptors": 16, "mixture_components": [1, 10]},
    "default": {"n_images": 2000, "n_boot": 100, "n_descriptors": 150,
                "mixture_components": [1, 10, 20, 50, 100]},
    "full": {"n_images": 5000, "n_boot": 200, "n_descriptors": 300,
             "mixture_components": [1, 10, 20, 50, 100]},
}


def league_defaults(profile):
    """``n_images``, ``n_boot``, ``n_descriptors`` and ``mixture_components`` of a profile
    (see :data:`LEAGUE_DEFAULTS`)."""
    if profile not in LEAGUE_DEFAULTS:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(LEAGUE_DEFAULTS)}.")
    return {key: (list(v) if isinstance(v, list) else v)
            for key, v in LEAGUE_DEFAULTS[profile].items()}


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
                  + ["kid_onet_recon", "precision", "recall", "latent_precision", "latent_recall",
                     "mahalanobis_median", "core_fraction", "log_likelihood",
                     "nn_train_z", "nn_train_reencoded"])

#: The distances the league compares with the reconstructions (value, interval low, high).
DISTANCES = {"frechet_onet": "Frechet distance, ONet features",
             "kid_onet": "kernel distance (KID), ONet features",
             "kid_dlib": "KID, dlib face descriptors"}


@dataclasses.dataclass
class League:
    """Result of :func:`sampler_league`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per calibration set and sampler (index = row key), columns
        :data:`LEAGUE_COLUMNS`: ``kind`` ("calibration"/"sampler"),
        ``n_images``, ``n_compared``; per image ``face_rate``, ``onet_score``;
        against the reference half ``frechet_onet`` with its bootstrap
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
        *reconstructions* of the reference half (a measure of the density
        alone: the decoder's own limits cancel; for the ``recon`` row the floor
        of two halves of reconstructions).
    examples : dict of str -> uint8 array
        The first images of every row, for sample grids.
    nearest_training : dict of str -> int array
        For every row's examples: the training position (into
        ``run.image_set.train_index``) of the z-point nearest to the example re-encoded.
    features : dict of str -> array (n_compared, 256)
        The ONet features every row was compared with (for :meth:`frechet_by_n`).
    reference_features : array (n_reference, 256)
    seconds : dict of str -> float
        Wall seconds per stage of the scoring (fitting samplers, decoding, face
        detection, ONet, distances, ...), see :meth:`time_table`.
    fitted : dict of str -> LatentSampler
        The fitted samplers by row key (e.g. for :func:`aelatent.frontier.quality_novelty_frontier`).
    """

    table: object
    examples: dict
    nearest_training: dict
    features: dict
    reference_features: np.ndarray
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
        KID-ONet and, when computed, of KID-dlib and Frechet-dlib; ``copy_ratio``, the sampler's
        ``nn_train_reencoded`` over that of the real validation images (below 1:
        closer to training faces than unseen real faces are); and the paper's ratio.
        """
        import pandas as pd
        t = self.table
        s = self.samplers
        out = pd.DataFrame({
            "frechet_onet": t.loc[s, "frechet_onet"],
            "ratio_to_recon": t.loc[s, "frechet_onet"] / t.loc["recon", "frechet_onet"],
            "inf_ratio_to_recon": t.loc[s, "frechet_onet_inf"] / t.loc["recon", "frechet_onet_inf"],
            "kid_ratio_to_recon": t.loc[s, "kid_onet"] / t.loc["recon", "kid_onet"]})
        if t["kid_dlib"].notna().any():
            out["dlib_kid_ratio_to_recon"] = t.loc[s, "kid_dlib"] / t.loc["recon", "kid_dlib"]
            out["dlib_frechet_ratio_to_recon"] = t.loc[s, "frechet_dlib"] / t.loc["recon", "frechet_dlib"]
        out["copy_ratio"] = t.loc[s, "nn_train_reencoded"] / t.loc["real_vs_real", "nn_train_reencoded"]
        out["rae_paper_fid_ratio"] = [RAE_PAPER_FID[k] / RAE_PAPER_FID["recon"] if k in RAE_PAPER_FID
                                      else np.nan for k in s]
        return out

    def density_table(self):
        """The samplers by KID-ONet against real faces and against the reconstructions of unseen faces.

        The second measures the density alone (what the decoder cannot draw
        cancels); its floor is two halves of reconstructions against each other
        (the ``recon`` row, first).
        """
        rows = ["recon"] + self.samplers
        out = self.table.loc[rows, ["kid_onet", "kid_onet_recon"]].copy()
        out["kid_recon_over_floor"] = out["kid_onet_recon"] / self.table.loc["recon", "kid_onet_recon"]
        return out.sort_values("kid_onet_recon")

    def plot(self, size=(14, 3.8)):
        """Bars of Frechet-ONet, KID-ONet and (when computed) KID-dlib -- log scales, bootstrap
        intervals as error bars -- and of the face rate per sampler and negative, with the
        real-vs-real and reconstruction levels as lines; returns the figure."""
        import matplotlib.pyplot as plt
        t = self.table
        order = self.samplers + [k for k in ("blurred", "grey", "noise") if k in t.index]
        colours = ["C0" if k in self.samplers else "0.6" for k in order]
        panels = [(column, f"{title} (log)") for column, title in DISTANCES.items()
                  if t[column].notna().all()] + [("face_rate", "MTCNN face detection rate")]
        fig, axes = plt.subplots(1, len(panels), figsize=(size[0] * len(panels) / 3, size[1]))
        for ax, (column, title) in zip(axes, panels):
            values = t.loc[order, column].astype(float)
            error = None
            if column in DISTANCES:
                low = t.loc[order, f"{column}_low"].astype(float)
                high = t.loc[order, f"{column}_high"].astype(float)
                error = np.clip([values - low, high - values], 0, None)
            ax.bar(range(len(order)), values, color=colours, yerr=error, capsize=2)
            ax.axhline(t.loc["real_vs_real", column], ls="--", c="green", label="real vs real")
            ax.axhline(t.loc["recon", column], ls=":", c="darkorange", lw=2, label="reconstructions")
            ax.set_xticks(range(len(order)), order, rotation=40, ha="right", fontsize=8)
            ax.set_title(title, fontsize=10)
            if column in DISTANCES:    # KID of real vs real can be <= 0: keep the axis positive
                ax.set_yscale("log")
                ax.set_ylim(bottom=max(min(values[values > 0].min(), t.loc["recon", column]) / 3,
                                       1e-6))
        axes[-1].set_ylim(0, 1.05)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"Sampler league: {int(t['n_compared'].min())} images per set against "
                     f"{self.n_reference} held-out real images (grey bars: negatives; error bars: "
                     "95 % bootstrap intervals)", fontsize=10)
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
               "n_compared": int(t["n_compared"].min()), "n_reference_images": self.n_reference}
        numeric = LEAGUE_COLUMNS[3:]
        for key in list(t.index):
            for column in numeric:
                value = t.loc[key, column]
                if value == value and np.isfinite(value):     # no NaN (no density) or -inf
                    out[f"{key}_{column}"] = float(value)
        return out


def sampler_league(run, keys=None, n_images=2000, seed=0, k=3, n_examples=16, n_boot=100,
                   n_descriptors=0, fitted=None, progress=True):
    """Score samplers of latent vectors and calibration sets against held-out real images.

    The run's validation images are split (seeded) into two disjoint halves:
    the *reference* half, which every set is compared with, and the *test*
    half, which gives the calibration rows -- the real images themselves
    (``real_vs_real``), their reconstructions (``recon``, the autoencoder's
    ceiling) and negatives (``blurred`` copies, flat ``grey``, uniform
    ``noise``). Every sampler is fitted on the training z-points and draws
    ``n_images`` vectors, which are decoded and scored.

    Why the validation images and not more: the reconstructions, the ceiling
    every sampler is measured against, must be of images the autoencoder has
    not trained on, and the reference must be independent of the z-points the
    samplers are fitted on. The sample size is what makes the Frechet distance
    biased; the league therefore adds the kernel distance (unbiased at any n),
    basic bootstrap intervals for both, and the Frechet distance extrapolated to
    n -> infinity (:mod:`aelatent.distances`).

    Per-image measures (face rate, ONet score) use all images of a row; the
    distribution measures (Frechet and kernel distances, precision, recall --
    in ONet feature space and, after re-encoding the images, in latent space)
    use the first ``n_compared = min(n_images, test half)`` images of *every*
    row, so all rows are compared at equal n. ``mahalanobis_median`` and
    ``core_fraction`` describe the sampled vectors themselves (for the real
    rows: the z-points of the test half) against a Gaussian fitted to the
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
        Samplers already fitted on ``run.z_train`` (e.g. the mixtures of
        :func:`aelatent.samplers.mixture_selection`), used for their keys instead of a new fit.

    Returns
    -------
    League
    """
    import pandas as pd

    from .samplers import SAMPLERS, make_sampler, held_out_log_likelihood

    check_int(n_images, "n_images", minimum=10, what="images per sampler")
    keys = list(SAMPLERS) if keys is None else list(keys)
    ref_pos, test_pos = split_validation(len(run.image_set.val_index), seed)
    n_compared = int(min(n_images, len(test_pos)))
    scorer = _LeagueScorer(run, ref_pos, n_compared=n_compared, k=k, n_examples=n_examples,
                           n_boot=n_boot, seed=seed, n_descriptors=min(n_descriptors, n_compared),
                           say=print if progress else None)
    stage = scorer.stage
    with stage("calibration sets (decode, blur)"):
        calibration = calibration_sets(run, test_pos, seed)
    for key, (images, z) in calibration.items():
        scorer.add(key, "calibration", images, z)
    samplers = {}
    for key in keys:
        with stage("fit samplers"):
            sampler = (fitted or {}).get(key) or make_sampler(key).fit(run.z_train)
        samplers[key] = sampler
        with stage("sample and decode"):
            z = sampler.sample(n_images, random_state=seed)
            images = run.decode(z)
        with stage("held-out likelihood"):
            log_likelihood = held_out_log_likelihood(sampler, run.z_val)
        scorer.add(key, "sampler", images, z, log_likelihood=log_likelihood)
    table = pd.DataFrame.from_dict(scorer.rows, orient="index").reindex(columns=LEAGUE_COLUMNS)
    return League(table, scorer.examples, scorer.nearest, scorer.features,
                  scorer.reference.scores_.features, scorer.seconds, samplers)


def split_validation(n_val, seed):
    """Seeded split of ``n_val`` validation positions into a reference and a test half.

    Returns
    -------
    reference, test : sorted int arrays, disjoint, of sizes n_val // 2 and the rest

    Raises
    ------
    ConfigError
        With fewer than 20 validation images (two halves of at least 10).
    """
    if n_val < 20:
        raise ConfigError(f"the run has only {n_val} validation images; the league needs >= 20 "
                          "(two halves of >= 10). Use more images or a larger val_fraction.")
    order = np.random.default_rng(seed).permutation(n_val)
    return np.sort(order[:n_val // 2]), np.sort(order[n_val // 2:])


def calibration_sets(run, test_pos, seed):
    """The calibration rows of the league: key -> (images, z-points or None).

    ``real_vs_real`` (the test half of the validation images), ``recon``
    (their reconstructions), and the negatives ``blurred``, ``grey`` and
    ``noise`` (no z-points).
    """
    image_set = run.image_set
    test_images = np.asarray(image_set.images[image_set.val_index[test_pos]])
    z_test = run.z_val[test_pos]
    size = run.config.image_size
    return {"real_vs_real": (test_images, z_test),
            "recon": (run.decode(z_test), z_test),
            "blurred": (blurred_images(test_images), None),
            "grey": (grey_images(len(test_images), size), None),
            "noise": (noise_images(len(test_images), size, seed), None)}


class _LeagueScorer:
    """Scores image sets against the reference half; collects the league's rows and examples."""

    def __init__(self, run, ref_pos, n_compared, k, n_examples, n_boot, seed, n_descriptors=0,
                 say=None):
        from .neighbours import NearestNeighbours
        from .stats import LatentGaussian

        image_set = run.image_set
        self.run, self.n_compared, self.n_examples, self.say = run, n_compared, n_examples, say
        self.seconds = {}
        self.n_descriptors = n_descriptors
        self.reference = QualityReference(k, n_boot, seed, n_descriptors)
        with self.stage("reference images (MTCNN, ONet, dlib)"):
            self.reference.fit(image_set.images[image_set.val_index[ref_pos]], z=run.z_val[ref_pos])
        with self.stage("Mahalanobis and nearest training points"):
            self.gaussian = LatentGaussian().fit(run.z_train)
            self.training = NearestNeighbours(k=1).fit(run.z_train)
        with self.stage("reconstructions of the reference half"):
            self.recon_features = onet_outputs(run.decode(run.z_val[ref_pos]))[1]
        self.rows, self.examples, self.nearest, self.features = {}, {}, {}, {}

    @contextlib.contextmanager
    def stage(self, name):
        """Add the wall seconds of the ``with`` block to stage ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def add(self, key, kind, images, z_sampled=None, log_likelihood=np.nan):
        images = as_uint8_images(images)
        with self.stage("re-encode images"):
            z_encoded = self.run.encode(images)
        with self.stage("face detection (MTCNN cascade)"):
            face = detect_faces(images)
        with self.stage("ONet score and features"):
            scores = ImageScores(face, *onet_outputs(images))
        descriptors = None
        if self.n_descriptors:
            from .face_descriptors import face_descriptors
            with self.stage("dlib face descriptors"):
                descriptors = face_descriptors(images[:self.n_descriptors])
        row = self.reference.compare(scores, z=z_encoded, n=min(self.n_compared, len(images)),
                                     stage=self.stage, descriptors=descriptors)
        self.features[key] = scores.features[:row["n"]]
        with self.stage("Frechet and kernel distances"):
            row["kid_onet_recon"] = kernel_distance(self.recon_features, self.features[key])
        row["n_compared"] = row.pop("n")
        row.update(kind=kind, n_images=len(images), log_likelihood=log_likelihood)
        with self.stage("Mahalanobis and nearest training points"):
            distance, nearest = self.training.kneighbors(z_encoded)
            row["nn_train_reencoded"] = float(np.median(distance[:, 0]))
            if z_sampled is not None:
                where = self.gaussian.distance_table({key: z_sampled}).loc[key]   # one pass
                row.update(mahalanobis_median=where["median Mahalanobis"],
                           core_fraction=where["inside core"],
                           nn_train_z=float(np.median(self.training.kneighbors(z_sampled)[0][:, 0])))
        self.rows[key] = row
        self.examples[key] = images[:self.n_examples]
        self.nearest[key] = nearest[:self.n_examples, 0]
        if self.say:
            dlib = f", KID-dlib {row['kid_dlib']:.4f}" if "kid_dlib" in row else ""
            self.say(f"{key:>20}: face rate {row['face_rate']:.3f}, Frechet-ONet "
                     f"{row['frechet_onet']:.3f} [{row['frechet_onet_low']:.3f}, "
                     f"{row['frechet_onet_high']:.3f}], KID-ONet {row['kid_onet']:.4f}{dlib}")


class QualityReference:
    """Held-out real images to compare image sets with, in ONet feature space and latent space.

    Parameters
    ----------
    k : int
        Neighbour for precision/recall.
    n_boot : int
        Bootstrap resamples for the intervals of the Frechet and kernel distances.
    random_state : int
        Seed of the resamples and of the subsets of the Frechet extrapolation.
    n_descriptors : int
        Reference images that also get dlib face descriptors (0: none).

    Attributes (after :meth:`fit`)
    ------------------------------
    scores_ : ImageScores of the reference images
    stats_ : FeatureStats of their ONet features
    descriptors_ : array (n_descriptors, 128) or None
    z_ : their latent vectors (or None)
    """

    def __init__(self, k=3, n_boot=100, random_state=0, n_descriptors=0):
        self.k = k
        self.n_boot = n_boot
        self.random_state = random_state
        self.n_descriptors = n_descriptors

    def fit(self, images, z=None):
        """Score the reference images; ``z`` are their latent vectors (for latent precision/recall)."""
        check_int(self.n_boot, "n_boot", minimum=10, what="bootstrap resamples")
        check_int(self.n_descriptors, "n_descriptors", minimum=0,
                  what="reference images with dlib face descriptors")
        self.scores_ = score_images(images)
        self.descriptors_ = None
        if self.n_descriptors:
            from .face_descriptors import face_descriptors
            self.descriptors_ = face_descriptors(np.asarray(images[:self.n_descriptors]))
        self.stats_ = FeatureStats.of(self.scores_.features)
        self.z_ = None if z is None else check_points(z, "z")
        if self.z_ is not None and len(self.z_) != len(self.scores_):
            raise ConfigError(f"z has {len(self.z_)} rows for {len(self.scores_)} reference images.")
        return self

    def compare(self, scores, z=None, n=None, stage=None, descriptors=None):
        """Quality numbers of a scored image set against the reference.

        Parameters
        ----------
        scores : ImageScores
        z : array (n, N), optional
            Latent vectors of the compared images (e.g. re-encoded generated
            images) for precision/recall in latent space.
        n : int, optional
            Use only the first ``n`` images for the distribution measures
            (Frechet, kernel distance, precision, recall), to compare sets at equal size.
        stage : callable, optional
            ``stage(name)`` returns a context manager that times the named step
            (the league's stopwatch); default: no timing.
        descriptors : array (m, 128), optional
            dlib face descriptors of the compared images, for the same measures in
            that space (the reference needs ``n_descriptors`` > 0).

        Returns
        -------
        dict
            ``face_rate``, ``onet_score`` (all images); ``frechet_onet`` with
            ``frechet_onet_low``/``_high`` (basic bootstrap interval, 95 %) and
            ``frechet_onet_inf`` (extrapolated to n -> infinity), ``kid_onet``
            with ``kid_onet_low``/``_high``, ``precision``, ``recall`` and, with
            ``z``, ``latent_precision``, ``latent_recall`` (first ``n``
            images); ``n``; with ``descriptors`` the same distances with
            ``_dlib`` in place of ``_onet``, and ``n_descriptors``.
        """
        check_fitted(self, "scores_")
        n = len(scores) if n is None else int(n)
        if not 2 <= n <= len(scores):
            raise ConfigError(f"n must lie in [2, {len(scores)}], got {n}.")
        stage = stage or (lambda name: contextlib.nullcontext())
        features, real = scores.features[:n], self.scores_.features
        out = {"face_rate": scores.face_rate, "onet_score": scores.mean_onet_score}
        spaces = {"onet": (real, features)}
        if descriptors is not None and getattr(self, "descriptors_", None) is not None:
            spaces["dlib"] = (self.descriptors_, check_points(descriptors, "descriptors"))
            out["n_descriptors"] = len(descriptors)
        for space, (a, b) in spaces.items():
            with stage("Frechet and kernel distances"):
                out[f"frechet_{space}"] = frechet_distance(a, b)
                out[f"kid_{space}"] = kernel_distance(a, b)
            with stage("Frechet extrapolated to n -> infinity"):
                out[f"frechet_{space}_inf"] = extrapolated_frechet_distance(
                    a, b, random_state=self.random_state)
            with stage("bootstrap intervals"):
                for name, distance in (("frechet", frechet_distance), ("kid", kernel_distance)):
                    out[f"{name}_{space}_low"], out[f"{name}_{space}_high"] = bootstrap_interval(
                        distance, a, b, n_boot=self.n_boot, random_state=self.random_state)
        with stage("precision and recall"):
            out["precision"], out["recall"] = precision_recall(real, features, self.k)
            if z is not None and self.z_ is not None:
                out["latent_precision"], out["latent_recall"] = precision_recall(
                    self.z_, np.asarray(z)[:n], self.k)
        out["n"] = n
        return out
