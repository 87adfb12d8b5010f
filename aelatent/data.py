"""Face images: the CelebA folder reader, the synthetic default, caches and tf.data pipelines.

The images of a run are decoded once -- JPEG by JPEG in a parallel ``tf.data``
pipeline, cropped and resized -- into a ``uint8`` array on disk (a ``.npy``
file opened as a memory map). Training, encoding and every notebook read from
that cache in batches, so the data set is never held as float32 in memory:
full CelebA at 64x64 is 2.5 GB of uint8 on disk, not 10 GB of float32 in RAM.

A CelebA folder holds ``img_align_celeba/*.jpg`` and optionally
``list_eval_partition.txt`` and ``list_attr_celeba.txt``, as distributed by
MMLAB (https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html). Downscaled copies
work too: the crop box is given in the coordinates of the original 178x218
images and scaled to each image's actual size.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from .config import CELEBA_ORIGINAL_SIZE, SYNTHETIC_DEFAULT_IMAGES, RunConfig
from . import locations
from .errors import DataError
from .progress import progress_bar
from .storage import atomic_directory, load_array, read_json

IMAGE_DIR = "img_align_celeba"
PARTITION_FILE = "list_eval_partition.txt"
ATTRIBUTE_FILE = "list_attr_celeba.txt"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")
#: An image is skipped when its scaled crop box is smaller than this share of ``image_size``.
MIN_CROP_FRACTION = 0.5

HOW_TO_POINT = (
    "Point the project at a CelebA folder that contains img_align_celeba/ "
    "(e.g. `make run DATA=/path/to/celeba`, or data_dir=... in a notebook), "
    "or leave DATA empty to use the embedded synthetic faces."
)


# --------------------------------------------------------------------------- CelebA files
@dataclasses.dataclass
class CelebAFolder:
    """The files of a CelebA folder.

    Attributes
    ----------
    root : Path
    names : list of str
        Image file names in ``img_align_celeba/``, sorted (CelebA numbering).
    partition : dict or None
        File name -> 0 (train), 1 (validation), 2 (test), from ``list_eval_partition.txt``.
    attributes : pandas.DataFrame or None
        40 binary attributes (0/1) indexed by file name, from ``list_attr_celeba.txt``.
    """

    root: Path
    names: list
    partition: dict | None
    attributes: pd.DataFrame | None

    @property
    def image_dir(self):
        return self.root / IMAGE_DIR


def open_celeba(data_dir):
    """Check a CelebA folder and read its file list and label files.

    Raises
    ------
    DataError
        When the folder is missing, has no ``img_align_celeba/``, holds no
        images, or a label file is malformed -- the message says what to do.
    """
    root = Path(data_dir).expanduser()
    if not root.exists():
        raise DataError(f"data folder {root} does not exist. {HOW_TO_POINT}")
    if not root.is_dir():
        raise DataError(f"data folder {root} is a file, not a folder. {HOW_TO_POINT}")
    image_dir = root / IMAGE_DIR
    if not image_dir.is_dir():
        if root.name == IMAGE_DIR:
            raise DataError(f"{root} is the image folder itself; point the project at its "
                            f"parent {root.parent}, which holds {IMAGE_DIR}/ and the list files.")
        raise DataError(f"data folder {root} has no {IMAGE_DIR}/ subfolder. {HOW_TO_POINT}")
    names = sorted(e.name for e in os.scandir(image_dir)
                   if e.is_file() and e.name.lower().endswith(IMAGE_SUFFIXES))
    if not names:
        raise DataError(f"{image_dir} holds no .jpg/.jpeg/.png images. {HOW_TO_POINT}")
    partition = read_partition(root / PARTITION_FILE) if (root / PARTITION_FILE).exists() else None
    attributes = read_attributes(root / ATTRIBUTE_FILE) if (root / ATTRIBUTE_FILE).exists() else None
    return CelebAFolder(root, names, partition, attributes)


def read_partition(path):
    """Read ``list_eval_partition.txt`` (``<name> <0|1|2>`` per line, LF or CRLF).

    Returns
    -------
    dict of str -> int
    """
    partition = {}
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2 or fields[1] not in ("0", "1", "2"):
                raise DataError(f"{path}, line {number}: expected '<image name> <0|1|2>', got "
                                f"{line.strip()[:80]!r}. Fix or delete the file (without it the "
                                "split is made by file number).")
            partition[fields[0]] = int(fields[1])
    return partition


def read_attributes(path):
    """Read ``list_attr_celeba.txt``: a count line, the attribute names, then rows of +-1.

    Returns
    -------
    pandas.DataFrame
        One int8 column (0/1) per attribute, indexed by image file name.
    """
    with open(path, encoding="utf-8", errors="replace") as fh:
        lines = fh.read().splitlines()
    if len(lines) < 2:
        raise DataError(f"{path} is too short: expected a count line and a line of attribute names.")
    columns = lines[1].split()
    names, rows = [], []
    for number, line in enumerate(lines[2:], 3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(columns) + 1:
            raise DataError(f"{path}, line {number}: {len(fields) - 1} values for "
                            f"{len(columns)} attributes. Fix or delete the file (the notebooks "
                            "then skip the sections that need attributes).")
        try:
            values = [int(v) for v in fields[1:]]
        except ValueError:
            raise DataError(f"{path}, line {number}: attribute values must be 1 or -1, got "
                            f"{line.strip()[:80]!r}.") from None
        names.append(fields[0])
        rows.append(values)
    table = pd.DataFrame(np.array(rows, dtype=np.int8).reshape(-1, len(columns)),
                         index=pd.Index(names, name="image"), columns=columns)
    return (table > 0).astype(np.int8)


def split_names(names, partition, val_fraction):
    """Split image names into training and validation names.

    The official partition is used when it marks more than one partition
    among ``names`` (train = 0, validation = 1; test = 2 stays unused).
    Otherwise -- no file, or every image in one partition as in small subsets --
    the last ``val_fraction`` of the names by CelebA number are validation.

    Returns
    -------
    train, val : list of str
    """
    if partition is not None:
        parts = [partition.get(n) for n in names]
        if len({p for p in parts if p is not None}) > 1:
            train = [n for n, p in zip(names, parts) if p == 0]
            val = [n for n, p in zip(names, parts) if p == 1]
            if train and val:
                unlisted = sum(p is None for p in parts)
                if unlisted:
                    warnings.warn(f"{unlisted} of {len(names)} images are not listed in the "
                                  "partition file; they are left out of training and "
                                  "validation.", stacklevel=2)
                return train, val
    n_val = max(1, int(round(len(names) * val_fraction)))
    if len(names) - n_val < 1:
        raise DataError(f"only {len(names)} images: too few to split into training and validation.")
    return list(names[:-n_val]), list(names[-n_val:])


# --------------------------------------------------------------------------- decoding
def crop_box(width, height, crop):
    """Scale a crop ``(x, y, w, h)`` given on the 178x218 frame to an image of this size.

    Returns integer ``(x, y, w, h)`` in the image's pixels. Works on tensors too.
    """
    ow, oh = CELEBA_ORIGINAL_SIZE
    x, y, w, h = crop
    sx, sy = width / ow, height / oh
    return (_round(x * sx), _round(y * sy), _round(w * sx), _round(h * sy))


def _round(v):
    import tensorflow as tf
    if isinstance(v, tf.Tensor):
        return tf.cast(tf.round(v), tf.int32)
    return int(np.floor(v + 0.5))


def decoded_images(paths, image_size, crop):
    """A ``tf.data`` pipeline of ``(index, uint8 image)`` for image files.

    Files that cannot be decoded (truncated, empty, not an image) or whose
    crop is too small are dropped; the indices that come out say which.
    Greyscale, CMYK, RGBA and PNG files are converted to RGB.
    """
    import tensorflow as tf

    min_side = max(1, int(MIN_CROP_FRACTION * image_size))

    def load(index, path):
        raw = tf.io.read_file(path)
        img = tf.io.decode_image(raw, channels=3, expand_animations=False)
        shape = tf.shape(img)
        h, w = tf.cast(shape[0], tf.float64), tf.cast(shape[1], tf.float64)
        x0, y0, cw, ch = crop_box(w, h, crop)
        tf.debugging.assert_greater_equal(tf.minimum(cw, ch), min_side,
                                          message="image smaller than the crop")
        img = tf.image.crop_to_bounding_box(img, y0, x0, ch, cw)
        img = tf.image.resize(img, (image_size, image_size), antialias=True)
        return index, tf.cast(tf.clip_by_value(tf.round(img), 0, 255), tf.uint8)

    ds = tf.data.Dataset.from_tensor_slices((np.arange(len(paths), dtype=np.int64),
                                             [str(p) for p in paths]))
    ds = ds.map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return ds.ignore_errors()


# --------------------------------------------------------------------------- image sets
@dataclasses.dataclass
class ImageSet:
    """The decoded images of a run, with ids, split and labels.

    Attributes
    ----------
    images : numpy.memmap of uint8, shape (n, size, size, 3)
    ids : ndarray of str
        CelebA file names (``000001.jpg``) or ``synthetic_000001``.
    is_val : ndarray of bool
        True for validation images.
    attributes : pandas.DataFrame or None
        CelebA attributes (0/1) in the order of ``ids``, where the folder has them.
    factors : pandas.DataFrame or None
        True generating factors of synthetic faces in the order of ``ids``.
    source : str
        A sentence saying where the images came from.
    n_skipped : int
        Files that could not be used (unreadable, too small).
    """

    images: np.ndarray
    ids: np.ndarray
    is_val: np.ndarray
    attributes: pd.DataFrame | None
    factors: pd.DataFrame | None
    source: str
    n_skipped: int = 0

    @property
    def train_index(self):
        return np.flatnonzero(~self.is_val)

    @property
    def val_index(self):
        return np.flatnonzero(self.is_val)


def load_image_set(config: RunConfig, cache_dir=None, progress=True):
    """The decoded images of a configuration, from the cache or decoded now.

    Parameters
    ----------
    config : RunConfig
    cache_dir : path, optional
        Where decoded images are kept (default ``<project>/cache`` or
        ``$AELATENT_CACHE_DIR``, see :func:`aelatent.locations.cache_dir`).
    """
    cache_dir = Path(cache_dir or locations.cache_dir())
    if config.is_synthetic:
        return _synthetic_set(config, cache_dir, progress)
    return _celeba_set(config, cache_dir, progress)


def _cache_entry(cache_dir, key_fields):
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode()).hexdigest()[:16]
    return Path(cache_dir) / key


def _read_entry(entry):
    meta = read_json(entry / "meta.json")   # a damaged cache entry is a DataError
    images = load_array(entry / "images.npy", mmap_mode="r")
    ids = load_array(entry / "ids.npy")
    return meta, images, ids


def _synthetic_set(config, cache_dir, progress):
    from .synthetic import FACTOR_RANGES, synthetic_faces

    n = config.max_images or SYNTHETIC_DEFAULT_IMAGES
    entry = _cache_entry(cache_dir, {"source": "synthetic", "version": 2, "n": n,
                                     "size": config.image_size, "seed": config.seed})
    if not entry.exists():
        chunk = 500
        with atomic_directory(entry) as tmp:
            images = np.lib.format.open_memmap(tmp / "images.npy", mode="w+", dtype=np.uint8,
                                               shape=(n, config.image_size, config.image_size, 3))
            factors = {k: np.empty(n) for k in FACTOR_RANGES}
            for start in progress_bar(range(0, n, chunk), progress, "drawing synthetic faces",
                                      total=-(-n // chunk)):
                count = min(chunk, n - start)
                imgs, facs = synthetic_faces(count, config.image_size, config.seed, start)
                images[start:start + count] = imgs
                for k in factors:
                    factors[k][start:start + count] = facs[k]
            images.flush()
            del images
            np.save(tmp / "ids.npy", np.array([f"synthetic_{i + 1:06d}" for i in range(n)]))
            np.save(tmp / "factors.npy", np.stack([factors[k] for k in FACTOR_RANGES], axis=1))
            (tmp / "meta.json").write_text(json.dumps({"factor_names": list(FACTOR_RANGES),
                                                      "n_skipped": 0}))
    meta, images, ids = _read_entry(entry)
    factors = pd.DataFrame(load_array(entry / "factors.npy"), columns=meta["factor_names"],
                           index=ids)
    _, val_ids = split_names(list(ids), None, config.val_fraction)
    is_val = np.isin(ids, val_ids)
    return ImageSet(images, ids, is_val, None, factors,
                    f"{n} synthetic cartoon faces (aelatent.synthetic, seed {config.seed})")


def _celeba_set(config, cache_dir, progress):
    folder = open_celeba(config.data_dir)
    names = folder.names[:config.max_images] if config.max_images else folder.names
    train, val = split_names(names, folder.partition, config.val_fraction)
    used = sorted(train + val)
    stats = [os.stat(folder.image_dir / n) for n in (used[0], used[-1])]
    entry = _cache_entry(cache_dir, {
        "source": str(folder.root.resolve()), "version": 1, "names": hashlib.sha256(
            "\n".join(used).encode()).hexdigest(), "mtimes": [s.st_mtime_ns for s in stats],
        "size": config.image_size, "crop": list(config.crop)})
    if not entry.exists():
        _decode_into(entry, folder, used, config, progress)
    meta, images, ids = _read_entry(entry)
    is_val = np.isin(ids, val)
    attributes = None
    if folder.attributes is not None:
        attributes = folder.attributes.reindex(ids)
        if attributes.isna().any().any():
            missing = int(attributes.isna().any(axis=1).sum())
            warnings.warn(f"{folder.root / ATTRIBUTE_FILE} has no row for {missing} images; "
                          "their attributes are set to 0.", stacklevel=2)
            attributes = attributes.fillna(0).astype(np.int8)
    n_skipped = meta["n_skipped"]
    source = (f"{len(ids)} CelebA images from {folder.root} "
              f"({int((~is_val).sum())} training, {int(is_val.sum())} validation"
              + (f"; {n_skipped} unusable files skipped" if n_skipped else "") + ")")
    return ImageSet(images, ids, is_val, attributes, None, source, n_skipped)


def _decode_into(entry, folder, names, config, progress):
    paths = [folder.image_dir / n for n in names]
    size = config.image_size
    with atomic_directory(entry) as tmp:
        images = np.lib.format.open_memmap(tmp / "images.npy", mode="w+", dtype=np.uint8,
                                           shape=(len(paths), size, size, 3))
        offset = images.offset      # the header is written and the file sized; the pixels
        del images                  # go in by plain writes, which (unlike stores into a memory
        kept = []                   # map) do not add the whole cache to this process's RSS
        ds = decoded_images(paths, size, config.crop).batch(256).prefetch(2)
        pos = 0
        with open(tmp / "images.npy", "r+b") as fh:
            fh.seek(offset)
            for index, batch in progress_bar(ds.as_numpy_iterator(), progress, "decoding images",
                                             total=-(-len(paths) // 256)):
                fh.write(np.ascontiguousarray(batch, dtype=np.uint8).data)
                kept.extend(index.tolist())
                pos += len(batch)
            fh.flush()
            os.fsync(fh.fileno())   # on disk before the folder is renamed into place
        n_skipped = len(paths) - pos
        if pos == 0:
            raise DataError(f"none of the {len(paths)} files in {folder.image_dir} could be "
                            "decoded as an image with a crop box of at least half of image_size "
                            f"{size} (crop {tuple(config.crop)} on the 178x218 frame). "
                            + HOW_TO_POINT)
        skipped = [names[i] for i in sorted(set(range(len(paths))) - set(kept))]
        if skipped:
            shown = ", ".join(skipped[:5]) + (" ..." if len(skipped) > 5 else "")
            warnings.warn(f"skipped {n_skipped} of {len(paths)} files in {folder.image_dir} that "
                          f"are unreadable or smaller than the crop: {shown}", stacklevel=3)
            _truncate_npy(tmp / "images.npy", pos)
        np.save(tmp / "ids.npy", np.array([names[i] for i in kept]))
        (tmp / "meta.json").write_text(json.dumps({"n_skipped": n_skipped, "skipped": skipped}))


def _truncate_npy(path, n):
    """Rewrite a .npy file keeping only its first ``n`` rows."""
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    part = path.with_suffix(".part.npy")
    out = np.lib.format.open_memmap(part, mode="w+", dtype=array.dtype, shape=(n,) + array.shape[1:])
    for start in range(0, n, 4096):
        out[start:start + 4096] = array[start:min(n, start + 4096)]
    out.flush()
    del out, array
    os.replace(part, path)


# --------------------------------------------------------------------------- pipelines
def _row_reader(images):
    """A function ``rows -> images[rows]`` for rows in increasing order.

    For a ``.npy`` file opened as a memory map (the image cache), the rows are
    read with ``os.preadv`` -- one call per run of consecutive rows -- instead of
    through the mapping. The pages then stay in the kernel's page cache and do
    not count towards the process's resident memory: streaming all of CelebA
    (2.5 GB of uint8 at 64x64) keeps the RSS flat. Other arrays are indexed.
    """
    import mmap

    row_shape = tuple(images.shape[1:])
    if not (isinstance(images, np.memmap) and isinstance(images.base, mmap.mmap)
            and images.flags.c_contiguous and getattr(images, "filename", None)
            and images.mode != "c" and hasattr(os, "preadv")):   # "c": private edits
        return lambda rows: images[rows]
    filename, offset, n = images.filename, images.offset, len(images)
    row_bytes = images.dtype.itemsize * int(np.prod(row_shape))

    def read(rows):
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows),) + row_shape, images.dtype)
        if not len(rows):
            return out
        if rows[0] < 0 or rows[-1] >= n:
            raise IndexError(f"rows {rows[0]}..{rows[-1]} out of range for {n} images")
        flat = out.reshape(len(rows), -1).view(np.uint8)
        breaks = np.flatnonzero(np.diff(rows) != 1) + 1
        fd = os.open(filename, os.O_RDONLY)
        try:
            for start, stop in zip(np.r_[0, breaks], np.r_[breaks, len(rows)]):
                view = memoryview(flat[start:stop]).cast("B")
                where, done = offset + int(rows[start]) * row_bytes, 0
                while done < len(view):
                    got = os.preadv(fd, [view[done:]], where + done)
                    if got <= 0:
                        raise DataError(f"the image cache {filename} is shorter than its header "
                                        "says; delete the cache folder so it is decoded anew.")
                    done += got
        finally:
            os.close(fd)
        return out

    return read


def image_batches(images, index=None, batch_size=256, shuffle=False, seed=0, pairs=False,
                  epoch=None):
    """A ``tf.data`` pipeline of float32 batches in [0, 1] read from a uint8 array.

    Parameters
    ----------
    images : array of uint8, shape (n, h, w, 3)
        Usually the memory-mapped cache of an :class:`ImageSet`.
    index : array of int, optional
        Which rows, in this order (default all).
    batch_size : int
    shuffle : bool
        Reshuffle the rows every epoch (seeded).
    pairs : bool
        Yield ``(x, x)`` for training an autoencoder instead of ``x``.
    epoch : callable, optional
        With ``shuffle``: a function returning the epoch that an iterator's first
        pass belongs to, called when that pass starts. The dataset then repeats
        without end (give ``fit`` its ``steps_per_epoch``), pass k of an
        iterator visiting the rows in the order ``permutation(seed, epoch + k)``
        and ending on its own, possibly partial, batch: a training resumed at
        epoch e sees the same batches as an uninterrupted one (a seeded
        ``Dataset.shuffle`` restarts its sequence in a new process), and one
        iterator serves every epoch. (With one finite pass per epoch, Keras
        destroyed the iterator at each epoch's end, and that stalled the
        process with both cores idle for about 8 s in half of the epochs:
        ``benchmarks/bench_estimate.py``.)

    Only one batch at a time (plus the prefetch buffer) is in memory as float32.
    """
    import tensorflow as tf

    index = np.arange(len(images)) if index is None else np.asarray(index, dtype=np.int64)
    shape = (None,) + tuple(images.shape[1:])

    read_rows = _row_reader(images)

    def gather(rows):
        if np.all(rows[1:] >= rows[:-1]):     # in file order already (encoding): no extra copy
            return np.asarray(read_rows(rows), dtype=np.uint8)
        order = np.argsort(rows)          # reads are fastest in file order
        out = np.empty((len(rows),) + images.shape[1:], np.uint8)
        out[order] = read_rows(rows[order])
        return out

    if shuffle and epoch is not None:
        first = {}

        def pass_order(k):                 # k counts the passes of one iterator
            if k == 0:
                first["epoch"] = int(epoch())
            return np.random.default_rng([seed, first["epoch"] + int(k)]).permutation(index)

        ds = tf.data.Dataset.range(np.iinfo(np.int64).max).flat_map(
            lambda k: tf.data.Dataset.from_tensor_slices(tf.ensure_shape(
                tf.numpy_function(pass_order, [k], tf.int64, stateful=True), (len(index),))
            ).batch(batch_size))
    else:
        ds = tf.data.Dataset.from_tensor_slices(index)
        if shuffle:
            ds = ds.shuffle(len(index), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size)
    ds = ds.map(lambda rows: tf.ensure_shape(tf.numpy_function(gather, [rows], tf.uint8), shape),
                num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    ds = ds.map(lambda x: tf.cast(x, tf.float32) / 255.0)
    if pairs:
        ds = ds.map(lambda x: (x, x))
    return ds.prefetch(tf.data.AUTOTUNE)

