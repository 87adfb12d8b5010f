"""The streaming code paths: cache building, reading rows from the cache, batching, encoding to file.

These paths must give exactly what plain in-memory indexing gives, and must not
pull the whole cache into the process's memory (the full-scale encode relies on
that). Correctness only -- nothing here is timed.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from aelatent.data import _row_reader, decoded_images, image_batches, load_image_set
from aelatent.config import profile_config
from aelatent.model import build_encoder, encode, encode_to_file

TINY_MODEL = dict(image_size=32, z_dim=16, encoder_filters=(8, 16), encoder_kernels=(3, 3),
                  encoder_strides=(2, 2), decoder_filters=(8, 3), decoder_kernels=(3, 3),
                  decoder_strides=(2, 2))


@pytest.fixture
def cache_file(tmp_path):
    """A uint8 image array saved as .npy and opened as a read-only memory map, plus the array."""
    images = np.random.default_rng(0).integers(0, 256, (50, 8, 8, 3), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    return np.load(tmp_path / "images.npy", mmap_mode="r"), images


def resident_bytes_of(path):
    """Resident bytes of this process's memory mappings of ``path`` (Linux /proc/self/smaps)."""
    total, inside = 0, False
    with open("/proc/self/smaps") as fh:
        for line in fh:
            fields = line.split()
            if fields and re.fullmatch(r"[0-9a-f]+-[0-9a-f]+", fields[0]):   # a mapping's header
                inside = len(fields) >= 6 and " ".join(fields[5:]) == str(path)
            elif inside and fields[0] == "Rss:":
                total += int(fields[1]) * 1024
    return total


def test_row_reader_reads_runs_and_gaps_like_indexing(cache_file):
    mapped, images = cache_file
    read = _row_reader(mapped)
    assert read is not None
    for rows in ([0], [49], [0, 1, 2, 3], [3, 4, 10, 11, 12, 30, 49], [2, 2, 3], list(range(50))):
        rows = np.array(rows, dtype=np.int64)
        np.testing.assert_array_equal(read(rows), images[rows])
    assert read(np.array([], dtype=np.int64)).shape == (0, 8, 8, 3)


def test_row_reader_rejects_rows_out_of_range(cache_file):
    mapped, _ = cache_file
    with pytest.raises(IndexError):
        _row_reader(mapped)(np.array([48, 50]))
    with pytest.raises(IndexError):
        _row_reader(mapped)(np.array([-1, 3]))


def test_row_reader_indexes_arrays_that_are_not_whole_files(cache_file):
    mapped, images = cache_file
    rows = np.array([1, 2, 7])
    # a slice of a memory map has the file's offset of its parent: it must be indexed, not read
    np.testing.assert_array_equal(_row_reader(mapped[10:])(rows), images[10:][rows])
    np.testing.assert_array_equal(_row_reader(images)(rows), images[rows])


def test_row_reader_sees_private_edits_of_a_copy_on_write_map(cache_file, tmp_path):
    _, images = cache_file
    private = np.load(tmp_path / "images.npy", mmap_mode="c")
    private[3] = 7
    np.testing.assert_array_equal(_row_reader(private)(np.array([2, 3]))[1], 7)


def test_image_batches_from_the_cache_keep_any_order(cache_file):
    mapped, images = cache_file
    index = np.random.default_rng(1).permutation(50)[:37]
    batches = list(image_batches(mapped, index, batch_size=8).as_numpy_iterator())
    assert [len(b) for b in batches] == [8, 8, 8, 8, 5]
    out = np.concatenate(batches)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, images[index] / 255.0, rtol=0, atol=1e-7)


def test_epoch_shuffle_is_a_seeded_permutation_per_epoch_from_one_endless_iterator(cache_file):
    mapped, images = cache_file
    index = np.arange(5, 45)                 # 40 rows: passes of 16 + 16 + 8
    epoch = {"now": 0}
    flat = (images.reshape(50, -1) / 255.0).astype(np.float32)

    def passes_of(ds, n):
        """The rows of the first n passes of a new iterator, and each pass's batch sizes."""
        batches = [a for a, _ in ds.take(3 * n).as_numpy_iterator()]
        rows = [[int(np.flatnonzero((flat == r).all(axis=1))[0]) for r in b.reshape(len(b), -1)]
                for b in batches]
        assert [len(r) for r in rows] == [16, 16, 8] * n      # every pass ends on its own batch
        return [sum(rows[3 * k:3 * k + 3], []) for k in range(n)]

    ds = image_batches(mapped, index, batch_size=16, shuffle=True, seed=3, pairs=True,
                       epoch=lambda: epoch["now"])
    first, second, third = passes_of(ds, 3)
    assert all(sorted(p) == list(index) for p in (first, second, third))
    assert len({tuple(first), tuple(second), tuple(third)}) == 3   # every epoch reshuffled
    assert passes_of(ds, 1) == [first]                            # same seed and epoch: same order
    epoch["now"] = 1                     # resumed at epoch 1: the uninterrupted run's passes
    assert passes_of(ds, 2) == [second, third]
    other_seed = image_batches(mapped, index, batch_size=16, shuffle=True, seed=4, pairs=True,
                               epoch=lambda: 1)
    assert passes_of(other_seed, 1) != [second]


def test_streaming_the_cache_keeps_it_out_of_resident_memory(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (2048, 32, 32, 3), dtype=np.uint8)
    path = tmp_path / "big.npy"
    np.save(path, images)
    mapped = np.load(path, mmap_mode="r")
    total = 0.0
    for batch in image_batches(mapped, batch_size=256):
        total += float(np.asarray(batch).sum())
    assert total == pytest.approx(images.sum(dtype=np.float64) / 255.0, rel=1e-6)
    # 6 MB streamed; the reads bypass the mapping, so (almost) none of it is resident via the map
    assert resident_bytes_of(path) < images.nbytes / 10
    # the control: reading through the mapping itself does make it resident
    assert int(np.asarray(mapped).sum(dtype=np.int64)) == int(images.sum(dtype=np.int64))
    assert resident_bytes_of(path) > images.nbytes / 2


def test_cache_build_writes_every_decoded_image_in_place(make_celeba_folder, tmp_path):
    root = make_celeba_folder(n=23)
    config = profile_config("smoke", str(root), **TINY_MODEL)
    image_set = load_image_set(config, cache_dir=tmp_path / "cache", progress=False)
    paths = [root / "img_align_celeba" / name for name in image_set.ids]
    direct = dict(decoded_images(paths, config.image_size, config.crop).as_numpy_iterator())
    assert image_set.images.shape == (23, 32, 32, 3) and image_set.n_skipped == 0
    for i in range(23):
        np.testing.assert_array_equal(image_set.images[i], direct[i])
    assert str(image_set.images.filename).endswith("images.npy")
    # header + pixels, nothing more
    size = (tmp_path / "cache").glob("*/images.npy").__next__().stat().st_size
    assert size == image_set.images.offset + image_set.images.nbytes


def test_cache_build_skips_broken_files_and_keeps_rows_aligned(make_celeba_folder, tmp_path):
    root = make_celeba_folder(n=12)
    image_dir = root / "img_align_celeba"
    (image_dir / "000004.jpg").write_bytes(b"not a jpeg")
    (image_dir / "000009.jpg").write_bytes(b"")
    config = profile_config("smoke", str(root), **TINY_MODEL)
    with pytest.warns(UserWarning, match="skipped 2 of 12"):
        image_set = load_image_set(config, cache_dir=tmp_path / "cache", progress=False)
    assert image_set.n_skipped == 2 and len(image_set.ids) == 10
    assert "000004.jpg" not in set(image_set.ids) and "000009.jpg" not in set(image_set.ids)
    paths = [image_dir / name for name in image_set.ids]
    direct = dict(decoded_images(paths, 32, config.crop).as_numpy_iterator())
    for i in range(10):
        np.testing.assert_array_equal(image_set.images[i], direct[i])


def test_encode_to_file_matches_in_memory_encoding(tmp_path):
    images = np.random.default_rng(2).integers(0, 256, (70, 32, 32, 3), dtype=np.uint8)
    np.save(tmp_path / "cache.npy", images)
    mapped = np.load(tmp_path / "cache.npy", mmap_mode="r")
    encoder = build_encoder(profile_config("smoke", **TINY_MODEL))
    index = np.r_[np.arange(60, 70), np.arange(0, 40, 3)]       # any order, gaps
    out = encode_to_file(encoder, mapped, index, tmp_path / "z.npy", batch_size=8,
                         progress=False)
    z = np.load(out)
    assert z.shape == (len(index), 16) and z.dtype == np.float32
    np.testing.assert_allclose(z, encode(encoder, images[index]), rtol=1e-5, atol=1e-5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache.npy", "z.npy"]   # no temp files


def test_encode_to_file_leaves_no_partial_file_when_interrupted(tmp_path, monkeypatch):
    import aelatent.model

    images = np.zeros((20, 32, 32, 3), np.uint8)
    encoder = build_encoder(profile_config("smoke", **TINY_MODEL))

    def interrupted_after_one_batch(iterable, *args, **kwargs):
        for number, item in enumerate(iterable):
            if number == 1:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(aelatent.model, "progress_bar", interrupted_after_one_batch)
    with pytest.raises(KeyboardInterrupt):
        encode_to_file(encoder, images, np.arange(20), tmp_path / "z.npy", batch_size=8,
                       progress=False)
    assert list(tmp_path.iterdir()) == []
