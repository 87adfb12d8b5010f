"""A second feature space made for faces: dlib's ResNet face-recognition descriptor (128-d).

ONet (:mod:`aelatent.quality`) is a face *detector's* last stage. This module
adds a face-*recognition* embedding, computed offline: dlib's ResNet
descriptor from the prebuilt wheel ``dlib-bin``, with the model files that
the package ``face-recognition-models`` ships (read from the installed
package; nothing is downloaded, ``face_recognition`` itself -- which compiles
dlib -- is not needed).

Each 64x64 (or 96x96) face crop is upsampled to 150x150; the whole image is
the face box for dlib's 5-point landmark model; ``get_face_chip`` aligns the
face and ``compute_face_descriptor`` maps it to a 128-d unit-scale vector.
It costs about 70-130 ms per image on one core (benchmarks/README.md), so the
league computes it for a few hundred images per row in the ``default``
profile and a handful in ``smoke``, and relies on the kernel distance, which
is unbiased at small n.

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

from .errors import ConfigError
from .quality import as_uint8_images

#: Length of dlib's face descriptor.
DESCRIPTOR_DIM = 128
#: Side of the image dlib's landmark model and face chip work on.
CHIP_SIZE = 150

_INSTALL = ("install them with `pip install dlib-bin face-recognition-models` (both are in "
            "requirements.txt; `make setup` installs them)")


def available():
    """Whether dlib and the model files of face-recognition-models can be imported."""
    try:
        _models()
    except ConfigError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _models():
    """(shape predictor, face recognition network), loaded once from the installed package files."""
    # the package's own __init__ needs pkg_resources (gone from new setuptools): find its
    # folder without importing it
    spec = importlib.util.find_spec("face_recognition_models")
    try:
        import dlib
        if spec is None or not spec.submodule_search_locations:
            raise ImportError("No module named 'face_recognition_models'")
    except ImportError as exc:
        raise ConfigError(f"the dlib face descriptor needs the packages dlib-bin and "
                          f"face-recognition-models ({exc}); {_INSTALL}.") from None
    models = Path(spec.submodule_search_locations[0]) / "models"
    landmarks = models / "shape_predictor_5_face_landmarks.dat"
    network = models / "dlib_face_recognition_resnet_model_v1.dat"
    for path in (landmarks, network):
        if not path.is_file():
            raise ConfigError(f"the model file {path} of face-recognition-models is missing; "
                              f"reinstall it: {_INSTALL}.")
    return dlib.shape_predictor(str(landmarks)), dlib.face_recognition_model_v1(str(network))


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


def _descriptors_here(images):
    """Descriptors computed in this process (also the worker function of the pool)."""
    _, network = _models()
    if not len(images):
        return np.empty((0, DESCRIPTOR_DIM))
    return np.asarray(network.compute_face_descriptor(face_chips(images)), dtype=np.float64)


@functools.lru_cache(maxsize=1)
def _pool(workers):
    """A pool of ``workers`` forked processes, kept for reuse.

    Forked, not spawned: a spawned worker imports the parent's main module
    again, which re-runs a script without an ``if __name__ == "__main__"``
    guard (it did: the worker opened the run folder again and died on its
    lock). A forked worker starts from the parent's memory with the dlib
    models already loaded and only runs dlib, PIL and NumPy, never TensorFlow.
    """
    import atexit
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    atexit.register(pool.shutdown, cancel_futures=True)
    return pool


def face_descriptors(images, n_jobs=None, batch_size=32):
    """dlib's 128-d face descriptors of face crops.

    dlib computes one descriptor at a time on one core and holds Python's
    lock meanwhile, so threads do not help; with ``n_jobs`` > 1 the batches go
    to a pool of worker processes (kept for later calls), which on 2 cores
    nearly halves the time.

    Parameters
    ----------
    images : array (n, h, w, 3), uint8 or float in [0, 1]
    n_jobs : int, optional
        Worker processes; default: the number of CPU cores. 1 computes here.
    batch_size : int
        Images per task.

    Returns
    -------
    ndarray, float64, shape (n, 128)

    Raises
    ------
    ConfigError
        When dlib-bin or face-recognition-models is not installed (with the install command).
    """
    import os
    import warnings
    from concurrent.futures.process import BrokenProcessPool

    _models()                                  # a missing package is reported here, not in a worker
    images = as_uint8_images(images)
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else int(n_jobs)
    batches = [images[start:start + batch_size] for start in range(0, len(images), batch_size)]
    parts = None
    if n_jobs > 1 and len(batches) > 1:
        try:
            parts = list(_pool(n_jobs).map(_descriptors_here, batches))
        except BrokenProcessPool:           # a worker died: drop the pool, compute here
            _pool.cache_clear()
            warnings.warn("the dlib worker processes failed; computing face descriptors in "
                          "this process (slower)", RuntimeWarning, stacklevel=2)
    if parts is None:
        parts = [_descriptors_here(batch) for batch in batches]
    return np.concatenate(parts) if parts else np.empty((0, DESCRIPTOR_DIM))
