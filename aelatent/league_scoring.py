"""How the league scores one set of images: the reference, the calibration sets, the scorer.

:class:`QualityReference` holds the reference images (their MTCNN scores and
ONet features, :mod:`aelatent.quality`) and compares any scored image set with
them through the two-sample measures of :mod:`aelatent.distances`: the
Frechet distance (with a bootstrap interval and its value extrapolated to
n -> infinity), the kernel distance KID (with a bootstrap interval) and k-NN
precision/recall, and a row's KID over the reconstructions' with a joint bootstrap
interval of that ratio. :func:`league_sets` says which images are compared (every
validation image as the reference, training images for the calibration rows),
:func:`calibration_sets` makes the calibration rows, and :class:`LeagueScorer` turns
every set into a row of :class:`aelatent.league.League` (with the copy check:
how close its images re-encoded come to the nearest training z-point).
"""

from __future__ import annotations

import contextlib
import dataclasses
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


#: The calibration row every row's KID is divided by: reconstructions of training faces, the ceiling.
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
    faces : bool or int
        False skips face detection (``scores.face`` is then None); an int ``n`` detects faces
        in the first ``n`` images only (``scores.face`` then has at most ``n`` entries).

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
    n_faces = len(images) if faces is True else min(int(faces), len(images))
    face = cached("faces" if n_faces == len(images) else f"faces{n_faces}",
                  "face detection (MTCNN cascade)",
                  lambda: {"face": detect_faces(images[:n_faces])})["face"].astype(bool) \
        if n_faces else None
    descriptors = cached(f"dlib{n_descriptors}", "dlib face descriptors",
                         lambda: {"descriptors": face_descriptors(images[:n_descriptors])}
                         )["descriptors"] if n_descriptors else None
    return ImageScores(face, onet["onet_score"], onet["features"]), descriptors


#: Images of a league row that get face detection (the first ones): a share needs fewer images
#: than a distance, and the MTCNN cascade is the costliest per-image measure after dlib's. On a
#: default run's 63 scored sets of 2,000 images, the face rate of the first 500 differed from
#: all 2,000's by at most 0.019, beyond 1.96 standard errors in 1 set of 63 (docs/results.md).
FACE_IMAGES = 500

#: Fewest validation images the league accepts as its reference.
MIN_REFERENCE = 20


@dataclasses.dataclass
class LeagueSets:
    """Which images every league and frontier compares, in one place (:func:`league_sets`).

    Attributes
    ----------
    reference_pos : int array
        Positions into ``run.image_set.val_index``: every validation image, the reference all
        rows are compared with.
    ceiling_pos : int array
        Sorted positions into ``run.image_set.train_index``: the training images of the
        calibration rows (the real faces, their reconstructions -- the ceiling -- and the blurred).
    unseen_nn_train : float
        Median distance of the validation z-points (unseen faces, encoded) to their nearest
        training z-point: the copy ratio's yardstick (:mod:`aelatent.copying`).
    """

    reference_pos: np.ndarray
    ceiling_pos: np.ndarray
    unseen_nn_train: float


def league_sets(run, n_images, seed, training=None):
    """The league's reference (all validation images) and its calibration rows' training images.

    Why this design (issue Q): the ratio of a sampler's KID to the reconstructions' is what the
    league reads, and its interval narrows with the size of all three sets. The validation
    images are all used as the reference; the ceiling is the reconstructions of ``n_images``
    training images -- exactly what a sampler that reproduced the training z-points'
    distribution would decode to -- so it has as many images as a sampler row.

    Parameters
    ----------
    run : aelatent.runs.Run
    n_images : int
        Images of a calibration row (at most the training images).
    seed : int
        Seed of the choice of training images.
    training : aelatent.neighbours.NearestNeighbours, optional
        Fitted on ``run.z_train`` (built here when not given).

    Raises
    ------
    ConfigError
        With fewer than :data:`MIN_REFERENCE` validation images.
    """
    from .neighbours import NearestNeighbours

    n_val, n_train = len(run.image_set.val_index), len(run.image_set.train_index)
    if n_val < MIN_REFERENCE:
        raise ConfigError(f"the run has only {n_val} validation images; the league needs >= "
                          f"{MIN_REFERENCE} as its reference. Use more images or a larger "
                          "val_fraction.")
    n = int(min(check_int(n_images, "n_images", minimum=10), n_train))
    ceiling_pos = np.sort(np.random.default_rng(seed).choice(n_train, n, replace=False))
    if training is None:
        training = NearestNeighbours(k=1).fit(run.z_train)
    unseen = float(np.median(training.kneighbors(run.z_val)[0][:, 0]))
    return LeagueSets(np.arange(n_val), ceiling_pos, unseen)


def calibration_sets(run, sets, seed):
    """The calibration rows of the league: key -> (images, z-points or None).

    ``real_vs_real`` (real training images, :attr:`LeagueSets.ceiling_pos`), ``recon``
    (their reconstructions: the ceiling), and the negatives ``blurred`` (those images
    blurred), ``grey`` and ``noise`` (no z-points).
    """
    image_set = run.image_set
    images = np.asarray(image_set.images[image_set.train_index[sets.ceiling_pos]])
    z = run.z_train[sets.ceiling_pos]
    size = run.config.image_size
    return {"real_vs_real": (images, z),
            "recon": (run.decode(z), z),
            "blurred": (blurred_images(images), None),
            "grey": (grey_images(len(images), size), None),
            "noise": (noise_images(len(images), size, seed), None)}


class LeagueScorer:
    """Scores image sets against the reference (:func:`league_sets`); collects the league's rows
    and examples."""

    def __init__(self, run, n_images, k, n_examples, n_boot, seed, n_descriptors=0, say=None):
        from .neighbours import NearestNeighbours
        from .stats import LatentGaussian

        image_set = run.image_set
        self.run, self.n_examples, self.say = run, n_examples, say
        self.seconds = {}
        with self.stage("Mahalanobis and nearest training points"):
            self.gaussian = LatentGaussian().fit(run.z_train)
            self.training = NearestNeighbours(k=1).fit(run.z_train)
            self.sets = league_sets(run, n_images, seed, self.training)
        self.n_compared = len(self.sets.ceiling_pos)
        self.n_descriptors = min(n_descriptors, self.n_compared)
        self.reference = QualityReference(k, n_boot, seed, self.n_descriptors)
        with self.stage("reference images (MTCNN, ONet, dlib)"):
            self.reference.fit(image_set.images[image_set.val_index[self.sets.reference_pos]],
                               z=run.z_val[self.sets.reference_pos])
        with self.stage("reconstructions of the reference images"):
            self.recon_features = image_features(run.decode(run.z_val[self.sets.reference_pos]),
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
        scores, descriptors = image_features(images, self.n_descriptors, self.stage,
                                             faces=FACE_IMAGES)
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
            ``face_rate`` (the images with face flags), ``onet_score`` (all images);
            ``frechet_onet`` with
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
