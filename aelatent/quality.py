"""Offline quality measures for single images: MTCNN face rate, ONet score, ONet features.

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

The two-sample measures on such features (Frechet and kernel distances,
precision/recall) are in :mod:`aelatent.distances`; the league table that
applies them to every sampler is in :mod:`aelatent.league`. Also here: the
negatives of the league (noise, grey, blurred images).
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.resources

import numpy as np
import scipy.ndimage

from .errors import ConfigError

#: ONet's input size.
ONET_SIZE = 48
#: Width of ONet's penultimate layer (the feature space).
FEATURE_DIM = 256


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
    if not np.isfinite(images).all():
        raise ConfigError(f"{name} contain NaN or inf values.")
    # round(x * 255) clipped to [0, 255], in float32 and in place: one temporary, not five
    scaled = np.multiply(images, np.float32(255.0), dtype=np.float32)
    np.clip(np.rint(scaled, out=scaled), 0, 255, out=scaled)
    return scaled.astype(np.uint8)


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
    """The MTCNN face detector (PNet, RNet, ONet), loaded once from the wheel's weights.

    ``mtcnn`` calls its three Keras networks eagerly, layer by layer; each
    stage's network is wrapped here in a traced ``tf.function`` (shapes
    generalised, so the varying numbers of candidate boxes do not retrace),
    which cut the detection time per 64x64 image from 1.5 to 1.1 ms on 2 cores
    (same detections on 1,280 test images). Empty candidate batches stay eager:
    the traced PReLU rejects a batch of 0.
    """
    from mtcnn import MTCNN
    from mtcnn.stages import StageONet, StagePNet, StageRNet
    mtcnn = MTCNN(stages=[StagePNet(weights=_weights("pnet.lz4")),
                          StageRNet(weights=_weights("rnet.lz4")),
                          StageONet(weights=_weights("onet.lz4"))])
    for stage in mtcnn.stages:
        stage._model = _traced(stage.model)     # mtcnn has no public setter for a stage's network
    return mtcnn


def _traced(model):
    """``model`` as a traced function for non-empty batches, eager for empty ones."""
    import tensorflow as tf
    graph = tf.function(model, reduce_retracing=True)
    return lambda x: model(x) if x.shape[0] == 0 else graph(x)


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
# --------------------------------------------------------------------------- scoring
@dataclasses.dataclass
class ImageScores:
    """Per-image quality measures of one image set.

    Attributes
    ----------
    face : ndarray of bool (n,) or shorter
        MTCNN found a face (in the first images only where detection was limited to them,
        as the league's rows are: :data:`aelatent.league_scoring.FACE_IMAGES`).
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
        return len(self.onet_score)


def score_images(images, batch_size=128):
    """Face detection, ONet score and ONet features of an image set (see :class:`ImageScores`)."""
    images = as_uint8_images(images)
    face = detect_faces(images, batch_size=batch_size)
    score, features = onet_outputs(images, batch_size=max(batch_size, 256))
    return ImageScores(face, score, features)


def face_rate(images, batch_size=128):
    """Share of images in which MTCNN detects at least one face."""
    return float(detect_faces(images, batch_size=batch_size).mean())
