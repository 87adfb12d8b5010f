"""A second feature space made for faces: dlib's ResNet face-recognition descriptor (128-d).

ONet (:mod:`aelatent.quality`) is a face *detector's* last stage. This module
adds a face-*recognition* embedding, computed offline: dlib's ResNet
descriptor, with the model files that the package ``face-recognition-models``
ships (read from the installed package; nothing is downloaded,
``face_recognition`` itself -- which compiles dlib -- is not needed).

Each 64x64 (or 96x96) face crop is upsampled to 150x150; the whole image is
the face box for dlib's 5-point landmark model; dlib's ``get_face_chip``
(prebuilt wheel ``dlib-bin``) aligns the face, about 2 ms per image; the
network maps the chip to a 128-d unit-scale vector. The network runs as a
Keras model built from dlib's own weights (:mod:`aelatent.dlib_resnet`:
about 6 ms per chip on 2 cores against dlib's 75 ms on one, the same
descriptors to float rounding). The league computes descriptors for a few
hundred images per row in the ``default`` profile and a handful in
``smoke``, and relies on the kernel distance, which is unbiased at small n.

Single descriptor distances do not separate faces from non-faces here (two
real faces: 0.77 on average; a face and uniform noise: 0.74): only the
distribution measures do (noise descriptors crowd together at 0.27 from
each other), see tests/test_face_descriptors.py.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np

from .dlib_resnet import CHIP_SIZE, build_network
from .errors import ConfigError
from .quality import as_uint8_images

#: Length of dlib's face descriptor.
DESCRIPTOR_DIM = 128

_INSTALL = ("install them with `pip install dlib-bin face-recognition-models` (both are in "
            "requirements.txt; `make setup` installs them)")


def available():
    """Whether dlib and the model files of face-recognition-models can be imported."""
    try:
        _models()
    except ConfigError:
        return False
    return True


def model_files():
    """Paths of dlib's 5-point landmark model and face-recognition network in the installed
    package ``face-recognition-models``; a missing package or file is a :class:`ConfigError`."""
    # the package's own __init__ needs pkg_resources (gone from new setuptools): find its
    # folder without importing it
    spec = importlib.util.find_spec("face_recognition_models")
    try:
        import dlib  # noqa: F401
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("No module named 'face_recognition_models'")
    except ImportError as exc:
        raise ConfigError(f"the dlib face descriptor needs the packages dlib-bin and "
                          f"face-recognition-models ({exc}); {_INSTALL}.") from None
    models = Path(spec.submodule_search_locations[0]) / "models"
    paths = (models / "shape_predictor_5_face_landmarks.dat",
             models / "dlib_face_recognition_resnet_model_v1.dat")
    for path in paths:
        if not path.is_file():
            raise ConfigError(f"the model file {path} of face-recognition-models is missing; "
                              f"reinstall it: {_INSTALL}.")
    return paths


@functools.lru_cache(maxsize=1)
def _models():
    """(dlib's shape predictor, the face-recognition network as a traced Keras call), loaded once."""
    landmarks, network = model_files()       # a missing package is a ConfigError here
    import dlib

    return dlib.shape_predictor(str(landmarks)), _traced(build_network(network))


def _traced(network):
    """``network`` as one traced ``tf.function`` over batches of chips (no per-call Keras work)."""
    import tensorflow as tf

    return tf.function(lambda chips: network(chips, training=False), input_signature=[
        tf.TensorSpec((None, CHIP_SIZE, CHIP_SIZE, 3), tf.float32)])


def face_chips(images):
    """Aligned 150x150 face chips: upsampled image, whole image as face box, 5 landmarks."""
    import dlib
    from PIL import Image

    predictor, _ = _models()
    box = dlib.rectangle(0, 0, CHIP_SIZE - 1, CHIP_SIZE - 1)
    chips = []
    for image in as_uint8_images(images):
        big = np.asarray(Image.fromarray(image).resize((CHIP_SIZE, CHIP_SIZE), Image.BICUBIC))
        chips.append(dlib.get_face_chip(big, predictor(big, box), size=CHIP_SIZE))
    return chips


def face_descriptors(images, batch_size=64):
    """dlib's 128-d face descriptors of face crops.

    Parameters
    ----------
    images : array (n, h, w, 3), uint8 or float in [0, 1]
    batch_size : int
        Chips per call of the network.

    Returns
    -------
    ndarray, float64, shape (n, 128)

    Raises
    ------
    ConfigError
        When dlib-bin or face-recognition-models is not installed (with the install command).
    """
    _, network = _models()
    images = as_uint8_images(images)
    parts = [np.asarray(network(np.stack(face_chips(images[start:start + batch_size]))
                                .astype(np.float32)), dtype=np.float64)
             for start in range(0, len(images), batch_size)]
    return np.concatenate(parts) if parts else np.empty((0, DESCRIPTOR_DIM))
