"""How the league scores one set of images: the reference half, the calibration sets, the scorer.

:class:`QualityReference` holds the reference images (their MTCNN scores and
ONet features, :mod:`aelatent.quality`) and compares any scored image set with
them through the two-sample measures of :mod:`aelatent.distances`: the
Frechet distance (with a bootstrap interval and its value extrapolated to
n -> infinity), the kernel distance KID (with a bootstrap interval) and k-NN
precision/recall, and a row's KID over the reconstructions' with a joint bootstrap
interval of that ratio. :func:`split_validation` makes the reference and test halves,
:func:`calibration_sets` the calibration rows, and :class:`LeagueScorer` turns
every set into a row of :class:`aelatent.league.League` (with the copy check:
how close its images re-encoded come to the nearest training z-point).
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from .distances import (FeatureStats, bootstrap_interval, extrapolated_frechet_distance,
                        frechet_distance, kernel_distance, kid_ratio_interval, precision_recall)
from .errors import ConfigError
from .locations import cache_dir
from .quality import (ImageScores, as_uint8_images, blurred_images, detect_faces, grey_images,
                      noise_images, onet_outputs)
from .result_store import ResultStore, code_fingerprint, content_hash, module_dependencies
from .stats import check_sample
from .validation import check_fitted, check_int


#: The calibration row every row's KID is divided by: reconstructions of unseen faces, the ceiling.
CEILING = "recon"

#: The modules whose code computes image features: they and the package's modules they import
#: (:func:`aelatent.result_store.module_dependencies`) version the feature cache.
FEATURE_CODE = ("aelatent.quality", "aelatent.face_descriptors")


def image_features(images, n_descriptors=0, stage=None, faces=True):
    """MTCNN face flags, ONet scores and features, and dlib descriptors of the first
    ``n_descriptors`` images -- each computed once per set of images and reused.

    The entries live under ``cache_dir()/features``, keyed by the images' content,
    what was computed and the source of :data:`FEATURE_CODE`
    (:mod:`aelatent.result_store`): the same validation half scored for three
    model kinds, or for a re-executed notebook, is scored once.

    Parameters
    ----------
    images : array (n, h, w, 3), uint8 or float in [0, 1] (as given to ONet)
    n_descriptors : int
    stage : callable, optional
        The league's stopwatch (``stage(name)`` -> context manager).
    faces : bool
        False skips face detection (``scores.face`` is then None).

    Returns
    -------
    scores : ImageScores
    descriptors : array (n_descriptors, 128) or None
    """
    from .face_descriptors import face_descriptors

    images = np.asarray(images)       # floats stay floats: ONet sees what it saw before
    stage = stage or (lambda name: contextlib.nullcontext())
    store = ResultStore(cache_dir() / "features", "image feature sets")
    common = {"images": content_hash(images),
              "code": code_fingerprint(*module_dependencies(*FEATURE_CODE))}

    def cached(what, name, compute):
        def timed():
            with stage(name):
                return {}, compute()
        return store.get_or_compute({**common, "what": what}, timed)[1]

    onet = cached("onet", "ONet score and features",
                  lambda: dict(zip(("onet_score", "features"), onet_outputs(images))))
    face = cached("faces", "face detection (MTCNN cascade)",
                  lambda: {"face": detect_faces(images)})["face"].astype(bool) if faces else None
    descriptors = cached(f"dlib{n_descriptors}", "dlib face descriptors",
                         lambda: {"descriptors": face_descriptors(images[:n_descriptors])}
                         )["descriptors"] if n_descriptors else None
    return ImageScores(face, onet["onet_score"], onet["features"]), descriptors


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


class LeagueScorer:
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
            self.recon_features = image_features(run.decode(run.z_val[ref_pos]),
                                                 faces=False)[0].features
        self.rows, self.examples, self.nearest, self.features = {}, {}, {}, {}
        self.descriptors = {}

    @contextlib.contextmanager
    def stage(self, name):
        """Add the wall seconds of the ``with`` block to stage ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def ratios_to_ceiling(self, key):
        """KID of row ``key`` over the reconstructions' (:data:`CEILING`), per feature space, with
        the joint bootstrap interval of the ratio (:func:`aelatent.distances.kid_ratio_interval`):
        ``kid_onet_ratio``, ``kid_onet_ratio_low``, ``kid_onet_ratio_high``, and ``kid_dlib_ratio...``
        when both rows have dlib descriptors."""
        reference = self.reference
        spaces = {"onet": (reference.scores_.features, self.features)}
        if getattr(reference, "descriptors_", None) is not None:
            spaces["dlib"] = (reference.descriptors_, self.descriptors)
        out = {}
        for space, (real, rows) in spaces.items():
            if key in rows and CEILING in rows:
                values = kid_ratio_interval(real, rows[key], rows[CEILING], n_boot=reference.n_boot,
                                            random_state=reference.random_state)
                out.update(zip([f"kid_{space}_ratio{x}" for x in ("", "_low", "_high")], values))
        return out

    def add(self, key, kind, images, z_sampled=None, log_likelihood=np.nan):
        images = as_uint8_images(images)
        with self.stage("re-encode images"):
            z_encoded = self.run.encode(images)
        scores, descriptors = image_features(images, self.n_descriptors, self.stage)
        row = self.reference.compare(scores, z=z_encoded, n=min(self.n_compared, len(images)),
                                     stage=self.stage, descriptors=descriptors)
        self.features[key] = scores.features[:row["n"]]
        if descriptors is not None and "kid_dlib" in row:
            self.descriptors[key] = descriptors
        with self.stage("Frechet and kernel distances"):
            row["kid_onet_recon"] = kernel_distance(self.recon_features, self.features[key])
        if key != CEILING and CEILING in self.features:
            with self.stage("bootstrap intervals"):
                row.update(self.ratios_to_ceiling(key))
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
        self.scores_, self.descriptors_ = image_features(as_uint8_images(images), self.n_descriptors)
        self.stats_ = FeatureStats.of(self.scores_.features)
        self.z_ = None if z is None else check_sample(z, "z")
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
            spaces["dlib"] = (self.descriptors_, check_sample(descriptors, "descriptors"))
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
