"""The CelebA reader: crop scaling, splits, label files, decoding, caches and pipelines.

Bad input (missing folders, broken files, malformed label files) is tested in
``test_bad_input.py``.
"""

import os

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from aelatent.config import DEFAULT_CROP, profile_config
from aelatent.data import (crop_box, decoded_images, image_batches, load_image_set, open_celeba,
                           read_attributes, read_partition, split_names)
from aelatent.locations import SHARED_SUBSET

RED = (255, 0, 0)


# --------------------------------------------------------------------------- crop scaling
def test_crop_box_is_scaled_to_the_image_size():
    assert crop_box(178, 218, DEFAULT_CROP) == (19, 39, 140, 140)
    assert crop_box(89, 109, DEFAULT_CROP) == (10, 20, 70, 70)     # half size, rounded
    assert crop_box(356, 436, DEFAULT_CROP) == (38, 78, 280, 280)  # double size


def _framed_face(path, size):
    """A 178x218 picture whose crop box holds a grey pattern and whose frame is pure red,
    saved (losslessly) at ``size``."""
    x0, y0, w, h = DEFAULT_CROP
    img = np.zeros((218, 178, 3), np.uint8)
    img[...] = RED
    yy, xx = np.mgrid[0:h, 0:w]
    pattern = 40 + 150 * (xx / w) * 0.5 + 150 * (yy / h) * 0.5
    pattern[(xx - w * 0.3) ** 2 + (yy - h * 0.4) ** 2 < (w * 0.12) ** 2] = 10   # a dark "eye"
    img[y0:y0 + h, x0:x0 + w] = np.round(pattern)[..., None].astype(np.uint8)
    Image.fromarray(img).resize(size, Image.LANCZOS).save(path)
    return path


@pytest.mark.parametrize("image_size", [32, 64, 96])
def test_full_and_half_resolution_give_the_same_face_region(tmp_path, image_size):
    full = _framed_face(tmp_path / "full.png", (178, 218))
    half = _framed_face(tmp_path / "half.png", (89, 109))
    out = dict(decoded_images([full, half], image_size, DEFAULT_CROP).as_numpy_iterator())
    assert sorted(out) == [0, 1]
    a, b = (out[i].astype(float) for i in (0, 1))
    assert a.shape == b.shape == (image_size, image_size, 3)
    # nothing of the red frame outside the crop box leaks in (the downscaled copy
    # blends the frame into its outermost pixels, as any downscaled CelebA does)
    def redness(img):
        return img[..., 0] - img[..., 1:].mean(axis=-1)

    assert redness(a).max() < 5
    m = image_size // 16
    assert redness(b)[m:-m, m:-m].max() < 10
    assert np.abs(a - b).mean() < 4
    # and the dark eye sits in the same place
    def eye_centre(img):
        return np.argwhere(img.mean(-1) < 25).mean(axis=0)

    expected = np.array([0.4, 0.3]) * image_size          # (row, column) of the eye
    assert eye_centre(a) == pytest.approx(expected, abs=1.0)
    assert eye_centre(b) == pytest.approx(expected, abs=1.0)


@pytest.mark.celeba
def test_real_celeba_at_178x218_and_89x109_crop_the_same_face():
    names = [f"{i:06d}.jpg" for i in range(1, 9)]

    def decode(folder, crop=DEFAULT_CROP):
        items = decoded_images([SHARED_SUBSET / folder / n for n in names], 64, crop)
        return np.stack([img for _, img in items.as_numpy_iterator()]).astype(float)

    full, half = decode("fullres_sample"), decode("img_align_celeba")
    same = np.abs(full - half).mean(axis=(1, 2, 3))
    other = np.abs(full - np.roll(half, 1, axis=0)).mean(axis=(1, 2, 3))
    shifted = np.abs(full - decode("img_align_celeba", (0, 0, 140, 140))).mean(axis=(1, 2, 3))
    assert same.max() < 15 and same.mean() < 10
    assert other.min() > 30 and shifted.min() > 30


# --------------------------------------------------------------------------- splits
NAMES = [f"{i:06d}.jpg" for i in range(1, 101)]


def test_split_by_number_without_partition():
    train, val = split_names(NAMES, None, 0.1)
    assert val == NAMES[-10:] and train == NAMES[:-10]


def test_split_by_number_when_partition_has_one_part_only():
    # the shared subset: every image in partition 0
    train, val = split_names(NAMES, {n: 0 for n in NAMES}, 0.2)
    assert val == NAMES[-20:] and train == NAMES[:-20]


def test_official_partition_is_used_when_it_has_several_parts():
    partition = {n: (i % 3) for i, n in enumerate(NAMES)}
    train, val = split_names(NAMES, partition, 0.1)
    assert train == [n for n in NAMES if partition[n] == 0]
    assert val == [n for n in NAMES if partition[n] == 1]
    assert not set(train) & set(val)
    # test images (2) are in neither
    assert all(partition[n] != 2 for n in train + val)


def test_partition_with_train_and_test_only_falls_back_to_numbers():
    partition = {n: (0 if i < 80 else 2) for i, n in enumerate(NAMES)}
    train, val = split_names(NAMES, partition, 0.1)
    assert val == NAMES[-10:]


def test_image_set_uses_the_folder_partition(make_celeba_folder):
    partition = [0] * 12 + [1] * 4 + [2] * 4
    root = make_celeba_folder(20, partition=partition)
    config = profile_config("smoke", str(root), 0, image_size=32)
    images = load_image_set(config, progress=False)
    assert list(images.ids) == [f"{i:06d}.jpg" for i in range(1, 17)]     # test images unused
    assert images.is_val.tolist() == [False] * 12 + [True] * 4
    assert images.train_index.tolist() == list(range(12))
    assert images.val_index.tolist() == list(range(12, 16))


# --------------------------------------------------------------------------- label files
def _attribute_text(newline):
    lines = ["3", "Smiling Male Young",
             "000001.jpg  1 -1  1", "000002.jpg -1 -1  1", "000003.jpg  1  1 -1"]
    return newline.join(lines) + newline


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_attributes_parse_with_lf_and_crlf(tmp_path, newline):
    path = tmp_path / "list_attr_celeba.txt"
    path.write_bytes(_attribute_text(newline).encode())
    table = read_attributes(path)
    assert list(table.columns) == ["Smiling", "Male", "Young"]
    assert list(table.index) == ["000001.jpg", "000002.jpg", "000003.jpg"]
    assert table.to_numpy().tolist() == [[1, 0, 1], [0, 0, 1], [1, 1, 0]]
    assert (table.dtypes == np.int8).all()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_partition_parses_with_lf_and_crlf(tmp_path, newline):
    path = tmp_path / "list_eval_partition.txt"
    path.write_bytes(newline.join(["000001.jpg 0", "000002.jpg 1", "000003.jpg 2", ""]).encode())
    assert read_partition(path) == {"000001.jpg": 0, "000002.jpg": 1, "000003.jpg": 2}


def test_attributes_are_aligned_with_image_ids(make_celeba_folder):
    root = make_celeba_folder(12, attributes=4)
    # rows in a shuffled order, and ids that are not images in the folder
    path = root / "list_attr_celeba.txt"
    lines = path.read_text().splitlines()
    rows = lines[2:][::-1] + ["999999.jpg  1  1  1  1"]
    path.write_text("\r\n".join(lines[:2] + rows) + "\r\n")
    expected = read_attributes(path)
    images = load_image_set(profile_config("smoke", str(root), 0, image_size=32), progress=False)
    assert list(images.attributes.index) == list(images.ids)
    pd.testing.assert_frame_equal(images.attributes, expected.loc[list(images.ids)])


def test_missing_attribute_rows_are_zero_with_a_warning(make_celeba_folder):
    root = make_celeba_folder(10, attributes=2)
    path = root / "list_attr_celeba.txt"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-2]) + "\n")      # no rows for 000009, 000010
    with pytest.warns(UserWarning, match="no row for 2 images"):
        images = load_image_set(profile_config("smoke", str(root), 0, image_size=32),
                                progress=False)
    assert images.attributes.loc[["000009.jpg", "000010.jpg"]].to_numpy().sum() == 0


@pytest.mark.celeba
def test_real_attribute_file_with_crlf():
    assert b"\r\n" in (SHARED_SUBSET / "list_attr_celeba.txt").read_bytes()[:2000]
    table = read_attributes(SHARED_SUBSET / "list_attr_celeba.txt")
    assert table.shape == (9000, 40)
    assert set(np.unique(table.to_numpy())) == {0, 1}
    assert table.index[0] == "000001.jpg" and "Male" in table.columns
    assert not any(c.endswith("\r") for c in table.columns)


# --------------------------------------------------------------------------- image sets and caches
def test_celeba_image_set_shapes_and_ids(make_celeba_folder):
    root = make_celeba_folder(20)
    folder = open_celeba(root)
    assert folder.names == [f"{i:06d}.jpg" for i in range(1, 21)]
    assert folder.partition is None and folder.attributes.shape == (20, 3)
    images = load_image_set(profile_config("smoke", str(root), 0, image_size=32, max_images=15),
                            progress=False)
    assert images.images.shape == (15, 32, 32, 3) and images.images.dtype == np.uint8
    assert list(images.ids) == folder.names[:15]
    assert images.is_val.sum() == 2                         # round(15 * 0.1), the last ones
    assert images.is_val[-2:].all()
    assert images.n_skipped == 0 and images.factors is None
    assert "15 CelebA images" in images.source


def test_decoded_images_are_cached_and_reused(make_celeba_folder, tmp_path, monkeypatch):
    root = make_celeba_folder(10)
    config = profile_config("smoke", str(root), 0, image_size=32)
    cache = tmp_path / "cache"
    first = load_image_set(config, cache_dir=cache, progress=False)
    entries = os.listdir(cache)
    assert len(entries) == 1 and not entries[0].startswith(".")

    def no_decoding(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr("aelatent.data.decoded_images", no_decoding)
    second = load_image_set(config, cache_dir=cache, progress=False)
    np.testing.assert_array_equal(first.images, second.images)
    assert isinstance(second.images, np.memmap)            # read from disk, not held in RAM
    # another image size is another cache entry
    monkeypatch.undo()
    load_image_set(config.replace(image_size=64), cache_dir=cache, progress=False)
    assert len(os.listdir(cache)) == 2


def test_mixed_resolutions_in_one_folder(make_celeba_folder):
    root = make_celeba_folder(6)
    image_dir = root / "img_align_celeba"
    big = Image.open(image_dir / "000003.jpg").resize((178, 218))
    big.save(image_dir / "000003.jpg", quality=95)
    images = load_image_set(profile_config("smoke", str(root), 0, image_size=32), progress=False)
    assert images.n_skipped == 0 and len(images.ids) == 6


def test_synthetic_image_set(isolated_folders):
    config = profile_config("smoke", "", 3, image_size=32, max_images=40)
    images = load_image_set(config, progress=False)
    assert images.images.shape == (40, 32, 32, 3)
    assert images.ids[0] == "synthetic_000001" and len(set(images.ids)) == 40
    assert images.is_val.sum() == 4 and images.is_val[-4:].all()
    assert list(images.factors.index) == list(images.ids)
    assert images.attributes is None and "synthetic" in images.source


# --------------------------------------------------------------------------- pipelines
def test_image_batches_stream_float_batches_in_order():
    images = np.random.default_rng(0).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8)
    index = np.array([7, 2, 9, 0, 5])
    batches = list(image_batches(images, index, batch_size=2).as_numpy_iterator())
    assert [len(b) for b in batches] == [2, 2, 1]
    stacked = np.concatenate(batches)
    assert stacked.dtype == np.float32 and 0 <= stacked.min() and stacked.max() <= 1
    np.testing.assert_allclose(stacked, images[index] / 255.0, atol=1e-6)


def test_image_batches_shuffle_and_pairs():
    images = np.arange(6 * 4 * 4 * 3, dtype=np.uint8).reshape(6, 4, 4, 3)
    ds = image_batches(images, batch_size=6, shuffle=True, seed=1, pairs=True)
    x, y = next(iter(ds.as_numpy_iterator()))
    np.testing.assert_array_equal(x, y)
    # a permutation of all rows
    assert sorted(x[:, 0, 0, 0].tolist()) == sorted((images[:, 0, 0, 0] / 255.0).astype(
        np.float32).tolist())
