"""Offline quality measures for generated faces: MTCNN face rate, ONet features, Frechet distance, k-NN precision/recall.

FID needs Inception weights that cannot be downloaded at run time. This
module builds an offline equivalent from the face detector MTCNN (package
``mtcnn`` 1.0.0, TensorFlow/Keras; its three small networks' weights ship
inside the wheel and are read from the package's own files, nothing is
downloaded):

- **Face detection rate** -- the share of images in which the full MTCNN
  cascade (PNet -> RNet -> ONet) finds at least one face.
- **ONet face score** -- the face probability of MTCNN's last stage, ONet,
  applied to the *whole* image (resized to ONet's 48x48 input).
- **ONet features** -- ONet's 256-d penultimate layer (``fc5`` + PReLU) on the
  whole image: a small face-specific feature space, used like Inception's
  pool features in FID.
- :func:`frechet_distance` between two feature sets (means and covariances),
  :func:`precision_recall` after Kynkaanniemi et al. 2019 (k-NN balls).

Distribution measures (Frechet distance, precision, recall) depend on the
sample size -- the Frechet distance is biased upwards at small n -- so only
compare numbers computed at equal n against the same reference set, and
always next to calibration rows (real vs real, reconstructions, negatives).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources

import numpy as np
import scipy.ndimage

from .errors import ConfigError
from .stats import check_points
from .validation import check_int, check_real

#: Images generated per sampler in the league table, by profile.
N_IMAGES_BY_PROFILE = {"smoke": 200, "default": 2000, "full": 5000}

#: ONet's input size.
ONET_SIZE = 48
#: Width of ONet's penultimate layer (the feature space).
FEATURE_DIM = 256


def default_n_images(profile):
    """Number of images per sampler for a profile (smoke 200, default 2000, full 5000)."""
    if profile not in N_IMAGES_BY_PROFILE:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(N_IMAGES_BY_PROFILE)}.")
    return N_IMAGES_BY_PROFILE[profile]


# --------------------------------------------------------------------------- images
def as_uint8_images(images, name="images"):
    """Images as uint8 RGB of shape (n, h, w, 3); accepts uint8 or float in [0, 1].

    Raises
    ------
    ConfigError
        On a wrong shape, NaN/inf or an image smaller than 24 pixels.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4 or images.shape[-1] != 3 or len(images) == 0:
        raise ConfigError(f"{name} must have shape (n >= 1, height, width, 3), got {images.shape}.")
    if min(images.shape[1:3]) < 24:
        raise ConfigError(f"{name} are {images.shape[1]}x{images.shape[2]} pixels; MTCNN needs at "
                          "least 24x24 (use image_size >= 32).")
    if images.dtype == np.uint8:
        return images
    images = images.astype(np.float32)
    if not np.isfinite(images).all():
        raise ConfigError(f"{name} contain NaN or inf values.")
    return np.clip(np.round(images * 255.0), 0, 255).astype(np.uint8)


def noise_images(n, size=64, seed=0):
    """Negatives: uniform RGB noise, uint8 (n, size, size, 3)."""
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def grey_images(n, size=64, level=128):
    """Negatives: flat grey images, uint8 (n, size, size, 3)."""
    return np.full((n, size, size, 3), level, np.uint8)


def blurred_images(images, sigma=3.0):
    """Images blurred with a Gaussian of ``sigma`` pixels (spatial axes only), uint8."""
    images = as_uint8_images(images).astype(np.float32)
    out = scipy.ndimage.gaussian_filter(images, sigma=(0, sigma, sigma, 0), mode="nearest")
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- MTCNN
def _weights(name):
    """Absolute path of a weight file inside the installed ``mtcnn`` package.

    ``mtcnn`` would first look for a file of that name in the working folder;
    the absolute package path makes sure the wheel's own weights are used.
    """
    path = importlib.resources.files("mtcnn.assets.weights") / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall the package: pip install mtcnn==1.0.0")
    return str(path)


@functools.lru_cache(maxsize=1)
def detector():
    """The MTCNN face detector (PNet, RNet, ONet), loaded once from the wheel's weights."""
    from mtcnn import MTCNN
    from mtcnn.stages import StageONet, StagePNet, StageRNet
    return MTCNN(stages=[StagePNet(weights=_weights("pnet.lz4")),
                         StageRNet(weights=_weights("rnet.lz4")),
                         StageONet(weights=_weights("onet.lz4"))])


@functools.lru_cache(maxsize=1)
def onet():
    """MTCNN's ONet (Keras model) with the wheel's weights."""
    from mtcnn.network.onet import ONet
    from mtcnn.utils.tensorflow import load_weights
    model = ONet()
    model.build()
    model.set_weights(load_weights(_weights("onet.lz4")))
    return model


@functools.lru_cache(maxsize=1)
def _onet_forward():
    import tensorflow as tf
    net = onet()

    @tf.function(reduce_retracing=True)
    def forward(x):
        for layer in (net.conv1, net.prelu1, net.maxpool1, net.conv2, net.prelu2, net.maxpool2,
                      net.conv3, net.prelu3, net.maxpool3, net.conv4, net.prelu4, net.permute,
                      net.flatten, net.fc5, net.prelu5):
            x = layer(x)
        return x, net.fc6_3(x)[:, 1]

    return forward


def detect_faces(images, batch_size=128, min_face_size=20):
    """Whether MTCNN finds at least one face in each image.

    Parameters
    ----------
    images : array (n, h, w, 3), uint8 or float in [0, 1]
    batch_size : int
        Images per call of the detector.
    min_face_size : int
        Smallest face (pixels) the image pyramid looks for; MTCNN's default 20
        suits 64x64 and 96x96 face crops.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    images = as_uint8_images(images)
    if batch_size < 1:
        raise ConfigError(f"batch_size must be >= 1, got {batch_size}.")
    found = np.zeros(len(images), bool)
    det = detector()
    for start in range(0, len(images), batch_size):
        batch = [np.ascontiguousarray(im) for im in images[start:start + batch_size]]
        result = det.detect_faces(batch, min_face_size=min_face_size)
        found[start:start + len(batch)] = [len(faces) > 0 for faces in result]
    return found


def onet_outputs(images, batch_size=256):
    """ONet on whole images: face probability and 256-d penultimate features.

    Each image is resized (area-averaging) to 48x48 and normalised as MTCNN
    does, ``(x - 127.5) / 128``.

    Returns
    -------
    score : ndarray (n,)
        Probability of "face" from ONet's classifier.
    features : ndarray (n, 256), float64
    """
    import tensorflow as tf
    images = as_uint8_images(images)
    forward = _onet_forward()
    scores, features = [], []
    for start in range(0, len(images), batch_size):
        x = tf.convert_to_tensor(images[start:start + batch_size], tf.float32)
        x = tf.image.resize(x, (ONET_SIZE, ONET_SIZE), antialias=True)
        feat, score = forward((x - 127.5) / 128.0)
        features.append(feat.numpy())
        scores.append(score.numpy())
    return np.concatenate(scores).astype(np.float64), np.concatenate(features).astype(np.float64)


# --------------------------------------------------------------------------- distances
@dataclasses.dataclass
class FeatureStats:
    """Mean and covariance of a feature set (the sufficient statistics of the Frechet distance)."""

    mean: np.ndarray
    cov: np.ndarray
    n: int

    @classmethod
    def of(cls, features):
        features = check_points(features, "features")
        return cls(features.mean(axis=0), np.cov(features, rowvar=False), len(features))


def _psd_sqrt(cov):
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T


def frechet_distance(a, b):
    """Frechet distance between Gaussians fitted to two feature sets.

    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a^1/2 S_b S_a^1/2)^1/2)``, the
    formula of FID, computed with symmetric eigen-decompositions (negative
    eigenvalues from round-off are clipped to 0), which stays real and stable
    for the rank-deficient covariances of small samples.

    Parameters
    ----------
    a, b : arrays (n, d) or :class:`FeatureStats`

    Returns
    -------
    float
        >= 0; 0 for identical sets.
    """
    a = a if isinstance(a, FeatureStats) else FeatureStats.of(a)
    b = b if isinstance(b, FeatureStats) else FeatureStats.of(b)
    if a.mean.shape != b.mean.shape:
        raise ConfigError(f"feature sets differ in dimension: {a.mean.shape[0]} vs {b.mean.shape[0]}.")
    root_a = _psd_sqrt(a.cov)
    middle = root_a @ b.cov @ root_a
    cross = np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0, None)).sum()
    value = np.sum((a.mean - b.mean) ** 2) + np.trace(a.cov) + np.trace(b.cov) - 2 * cross
    return float(max(value, 0.0))


def kernel_distance(a, b):
    """Kernel distance (KID): the unbiased squared MMD with the cubic polynomial kernel.

    ``k(x, y) = (x . y / d + 1)^3`` (Binkowski et al. 2018, "Demystifying MMD
    GANs"), computed with scikit-learn's ``polynomial_kernel``. Unlike the
    Frechet distance it has no bias at small n: for two samples of one
    distribution its expectation is 0 (single values can be slightly negative).

    Parameters
    ----------
    a, b : arrays (n, d), n >= 2 each

    Returns
    -------
    float
    """
    from sklearn.metrics.pairwise import polynomial_kernel

    a, b = check_points(a, "a"), check_points(b, "b")
    if a.shape[1] != b.shape[1]:
        raise ConfigError(f"feature sets differ in dimension: {a.shape[1]} vs {b.shape[1]}.")
    gamma = 1.0 / a.shape[1]
    kernel = lambda x, y: polynomial_kernel(x, y, degree=3, gamma=gamma, coef0=1)  # noqa: E731
    k_aa, k_bb, k_ab = kernel(a, a), kernel(b, b), kernel(a, b)
    m, n = len(a), len(b)
    within_a = (k_aa.sum() - np.trace(k_aa)) / (m * (m - 1))
    within_b = (k_bb.sum() - np.trace(k_bb)) / (n * (n - 1))
    return float(within_a + within_b - 2 * k_ab.mean())


def bootstrap_interval(distance, a, b, n_boot=200, level=0.95, random_state=0):
    """Percentile bootstrap interval of a two-sample distance (e.g. :func:`kernel_distance`).

    Both sets are resampled with replacement ``n_boot`` times (seeded); the
    interval holds the central ``level`` of the resampled distances.

    Returns
    -------
    (low, high) : floats
    """
    check_int(n_boot, "n_boot", minimum=10, what="bootstrap resamples")
    level = check_real(level, "level", low=0, high=1, low_open=True, high_open=True)
    a, b = check_points(a, "a"), check_points(b, "b")
    rng = np.random.default_rng(random_state)
    values = [distance(a[rng.integers(0, len(a), len(a))], b[rng.integers(0, len(b), len(b))])
              for _ in range(n_boot)]
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _kth_neighbour_radius(x, k, chunk=1024):
    """Distance of each point of ``x`` to its k-th nearest other point of ``x``."""
    from sklearn.metrics import pairwise_distances
    radii = np.empty(len(x))
    for start in range(0, len(x), chunk):
        d = pairwise_distances(x[start:start + chunk], x)
        radii[start:start + chunk] = np.partition(d, k, axis=1)[:, k]   # column 0 is the point itself
    return radii


def _covered(points, centres, radii, chunk=1024):
    """Which points lie inside at least one ball (centre, radius)."""
    from sklearn.metrics import pairwise_distances
    inside = np.empty(len(points), bool)
    for start in range(0, len(points), chunk):
        d = pairwise_distances(points[start:start + chunk], centres)
        inside[start:start + chunk] = (d <= radii[None, :]).any(axis=1)
    return inside


def precision_recall(real, generated, k=3):
    """k-NN precision and recall of a generated set (Kynkaanniemi et al. 2019).

    Each point gets a ball reaching to its k-th nearest neighbour in its own
    set. **Precision** is the share of generated points inside some ball of a
    real point (fidelity: do the samples look real?); **recall** the share
    of real points inside some ball of a generated point (coverage: is the
    variety of the real set reproduced?).

    Parameters
    ----------
    real, generated : arrays (n, d)
        Features (or latent vectors) of the two sets; compare at equal sizes.
    k : int
        Neighbour defining the ball radius (the paper uses 3).

    Returns
    -------
    precision, recall : float
    """
    real = check_points(real, "real")
    generated = check_points(generated, "generated")
    if real.shape[1] != generated.shape[1]:
        raise ConfigError(f"real and generated differ in dimension: {real.shape[1]} vs {generated.shape[1]}.")
    check_int(k, "k", maximum=min(len(real), len(generated)) - 1,
              what="the neighbour of the balls, fewer than the points of each set")
    precision = _covered(generated, real, _kth_neighbour_radius(real, k)).mean()
    recall = _covered(real, generated, _kth_neighbour_radius(generated, k)).mean()
    return float(precision), float(recall)


# --------------------------------------------------------------------------- scoring
@dataclasses.dataclass
class ImageScores:
    """Per-image quality measures of one image set.

    Attributes
    ----------
    face : ndarray of bool (n,)
        MTCNN found a face.
    onet_score : ndarray (n,)
        ONet face probability of the whole image.
    features : ndarray (n, 256)
        ONet penultimate features.
    """

    face: np.ndarray
    onet_score: np.ndarray
    features: np.ndarray

    @property
    def face_rate(self):
        return float(self.face.mean())

    @property
    def mean_onet_score(self):
        return float(self.onet_score.mean())

    def __len__(self):
        return len(self.face)


def score_images(images, batch_size=128):
    """Face detection, ONet score and ONet features of an image set (see :class:`ImageScores`)."""
    images = as_uint8_images(images)
    face = detect_faces(images, batch_size=batch_size)
    score, features = onet_outputs(images, batch_size=max(batch_size, 256))
    return ImageScores(face, score, features)


def face_rate(images, batch_size=128):
    """Share of images in which MTCNN detects at least one face."""
    return float(detect_faces(images, batch_size=batch_size).mean())


class QualityReference:
    """Held-out real images to compare image sets with, in ONet feature space and latent space.

    Parameters
    ----------
    k : int
        Neighbour for precision/recall.

    Attributes (after :meth:`fit`)
    ------------------------------
    scores_ : ImageScores of the reference images
    stats_ : FeatureStats of their ONet features
    z_ : their latent vectors (or None)
    """

    def __init__(self, k=3):
        self.k = k

    def fit(self, images, z=None):
        """Score the reference images; ``z`` are their latent vectors (for latent precision/recall)."""
        self.scores_ = score_images(images)
        self.stats_ = FeatureStats.of(self.scores_.features)
        self.z_ = None if z is None else check_points(z, "z")
        if self.z_ is not None and len(self.z_) != len(self.scores_):
            raise ConfigError(f"z has {len(self.z_)} rows for {len(self.scores_)} reference images.")
        return self

    def compare(self, scores, z=None, n=None):
        """Quality numbers of a scored image set against the reference.

        Parameters
        ----------
        scores : ImageScores
        z : array (n, N), optional
            Latent vectors of the compared images (e.g. re-encoded generated
            images) for precision/recall in latent space.
        n : int, optional
            Use only the first ``n`` images for the distribution measures
            (Frechet, precision, recall), to compare sets at equal size.

        Returns
        -------
        dict
            ``face_rate``, ``onet_score`` (all images); ``frechet_onet``,
            ``precision``, ``recall`` and, with ``z``, ``latent_precision``,
            ``latent_recall`` (first ``n`` images); ``n``.
        """
        n = len(scores) if n is None else int(n)
        if not 2 <= n <= len(scores):
            raise ConfigError(f"n must lie in [2, {len(scores)}], got {n}.")
        features = scores.features[:n]
        out = {"face_rate": scores.face_rate, "onet_score": scores.mean_onet_score,
               "frechet_onet": frechet_distance(features, self.stats_)}
        out["precision"], out["recall"] = precision_recall(self.scores_.features, features, self.k)
        if z is not None and self.z_ is not None:
            out["latent_precision"], out["latent_recall"] = precision_recall(self.z_, np.asarray(z)[:n],
                                                                            self.k)
        out["n"] = n
        return out


# --------------------------------------------------------------------------- league table
#: Calibration rows of the league table, in display order.
CALIBRATION_ROWS = ("real_vs_real", "recon", "blurred", "grey", "noise")

#: FID on CelebA of a plain autoencoder in the RAE paper (Ghosh et al. 2020, table 1):
#: sampling N(0, I), sampling a 10-component GMM fitted ex post, and reconstructions.
RAE_PAPER_FID = {"normal": 127.85, "gmm10": 45.10, "recon": 41.0}


@dataclasses.dataclass
class League:
    """Result of :func:`sampler_league`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per calibration set and sampler (index = row key) with the
        columns ``kind`` ("calibration"/"sampler"), ``n_images``,
        ``n_compared``, ``face_rate``, ``onet_score``, ``frechet_onet``,
        ``precision``, ``recall``, ``latent_precision``, ``latent_recall``,
        ``mahalanobis_median``, ``core_fraction``.
    examples : dict of str -> uint8 array
        The first images of every row, for sample grids.
    n_reference : int
        Held-out real images the sets are compared with.
    """

    table: object
    examples: dict
    n_reference: int

    @property
    def samplers(self):
        return [k for k in self.table.index if self.table.loc[k, "kind"] == "sampler"]

    def ratios(self):
        """Frechet-ONet of each sampler divided by that of the reconstructions, next to the RAE paper's FID ratios."""
        import pandas as pd
        t = self.table
        recon = t.loc["recon", "frechet_onet"]
        return pd.DataFrame({
            "frechet_onet": t.loc[self.samplers, "frechet_onet"],
            "ratio_to_recon": t.loc[self.samplers, "frechet_onet"] / recon,
            "rae_paper_fid_ratio": [RAE_PAPER_FID[k] / RAE_PAPER_FID["recon"] if k in RAE_PAPER_FID
                                    else np.nan for k in self.samplers]})

    def plot(self, size=(11, 3.6)):
        """Bar charts of Frechet-ONet (log scale) and face rate per sampler and negative,
        with the real-vs-real and reconstruction levels as lines; returns the figure."""
        import matplotlib.pyplot as plt
        t = self.table
        order = self.samplers + [k for k in ("blurred", "grey", "noise") if k in t.index]
        colours = ["C0" if k in self.samplers else "0.6" for k in order]
        fig, axes = plt.subplots(1, 2, figsize=size)
        for ax, column, title in ((axes[0], "frechet_onet", "Frechet distance, ONet features (log)"),
                                  (axes[1], "face_rate", "MTCNN face detection rate")):
            ax.bar(range(len(order)), t.loc[order, column].astype(float), color=colours)
            ax.axhline(t.loc["real_vs_real", column], ls="--", c="green", label="real vs real")
            ax.axhline(t.loc["recon", column], ls=":", c="darkorange", lw=2, label="reconstructions")
            ax.set_xticks(range(len(order)), order, rotation=40, ha="right", fontsize=8)
            ax.set_title(title, fontsize=10)
        axes[0].set_yscale("log")
        axes[1].set_ylim(0, 1.05)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"Sampler league: {int(t['n_compared'].min())} images per set against "
                     f"{self.n_reference} held-out real images (grey bars: negatives)", fontsize=10)
        fig.tight_layout()
        return fig

    def metrics(self):
        """The flat metric dict of the league notebook (names as in the issue, plus extras)."""
        t = self.table
        out = {"n_images_per_sampler": int(t.loc[self.samplers, "n_images"].max()) if self.samplers else 0,
               "n_compared": int(t["n_compared"].min()), "n_reference_images": self.n_reference}
        for key in self.samplers:
            for column in ("face_rate", "onet_score", "frechet_onet", "precision", "recall",
                           "latent_precision", "latent_recall", "mahalanobis_median", "core_fraction"):
                out[f"{key}_{column}"] = float(t.loc[key, column])
        for key in CALIBRATION_ROWS:
            for column in ("face_rate", "onet_score", "frechet_onet", "precision", "recall"):
                out[f"{key}_{column}"] = float(t.loc[key, column])
        return out


def sampler_league(run, keys=None, n_images=2000, seed=0, k=3, n_examples=16, progress=True):
    """Score samplers of latent vectors and calibration sets against held-out real images.

    The run's validation images are split (seeded) into two disjoint halves:
    the *reference* half, which every set is compared with, and the *test*
    half, which gives the calibration rows -- the real images themselves
    (``real_vs_real``), their reconstructions (``recon``, the autoencoder's
    ceiling) and negatives (``blurred`` copies, flat ``grey``, uniform
    ``noise``). Every sampler is fitted on the training z-points and draws
    ``n_images`` vectors, which are decoded and scored.

    Per-image measures (face rate, ONet score) use all images of a row; the
    distribution measures (Frechet distance, precision, recall -- in ONet
    feature space and, after re-encoding the images, in latent space) use the
    first ``n_compared = min(n_images, test half)`` images of *every* row, so
    all rows are compared at equal n. ``mahalanobis_median`` and
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
        Images per sampler (see :func:`default_n_images`).
    seed : int
    k : int
        Neighbour of the precision/recall balls.
    n_examples : int
        Images kept per row for display.

    Returns
    -------
    League
    """
    import pandas as pd

    from .samplers import SAMPLERS, make_sampler

    check_int(n_images, "n_images", minimum=10, what="images per sampler")
    keys = list(SAMPLERS) if keys is None else list(keys)
    ref_pos, test_pos = split_validation(len(run.image_set.val_index), seed)
    scorer = _LeagueScorer(run, ref_pos, n_compared=int(min(n_images, len(test_pos))), k=k,
                           n_examples=n_examples, say=print if progress else None)
    for key, (images, z) in calibration_sets(run, test_pos, seed).items():
        scorer.add(key, "calibration", images, z)
    for key in keys:
        z = make_sampler(key).fit(run.z_train).sample(n_images, random_state=seed)
        scorer.add(key, "sampler", run.decode(z), z)
    table = pd.DataFrame.from_dict(scorer.rows, orient="index").reindex(columns=LEAGUE_COLUMNS)
    return League(table, scorer.examples, len(ref_pos))


#: Columns of :attr:`League.table`, in order.
LEAGUE_COLUMNS = ["kind", "n_images", "n_compared", "face_rate", "onet_score", "frechet_onet",
                  "precision", "recall", "latent_precision", "latent_recall",
                  "mahalanobis_median", "core_fraction"]


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

    def __init__(self, run, ref_pos, n_compared, k, n_examples, say=None):
        from .stats import LatentGaussian

        image_set = run.image_set
        self.run, self.n_compared, self.n_examples, self.say = run, n_compared, n_examples, say
        self.reference = QualityReference(k).fit(image_set.images[image_set.val_index[ref_pos]],
                                                 z=run.z_val[ref_pos])
        self.gaussian = LatentGaussian().fit(run.z_train)
        self.rows, self.examples = {}, {}

    def add(self, key, kind, images, z_sampled=None):
        images = as_uint8_images(images)
        row = self.reference.compare(score_images(images), z=self.run.encode(images),
                                     n=min(self.n_compared, len(images)))
        row["n_compared"] = row.pop("n")
        row.update(kind=kind, n_images=len(images))
        if z_sampled is not None:
            where = self.gaussian.distance_table({key: z_sampled}).loc[key]   # one pass
            row.update(mahalanobis_median=where["median Mahalanobis"],
                       core_fraction=where["inside core"])
        self.rows[key] = row
        self.examples[key] = images[:self.n_examples]
        if self.say:
            self.say(f"{key:>20}: face rate {row['face_rate']:.3f}, "
                     f"Frechet-ONet {row['frechet_onet']:.3f}")
