"""The bad-input matrix: every messy input gives a clear error naming the file or
parameter (an :class:`aelatent.errors.AelatentError`, never a TensorFlow
traceback), or a counted skip with a warning."""

import json
import os
import shutil
import warnings

import numpy as np
import pytest
from PIL import Image

from aelatent import samplers
from aelatent.config import profile_config
from aelatent.data import load_image_set, open_celeba, read_attributes, read_partition
from aelatent.errors import ConfigError, DataError
from aelatent.model import build_decoder, build_encoder, save_model
from aelatent.runs import ensure_run, runs_dir


def _image_set(root, image_size=64):
    return load_image_set(profile_config("smoke", str(root), 0, image_size=image_size),
                          progress=False)


def _no_run_folder_for(name):
    return not (runs_dir() / name).exists()


# --------------------------------------------------------------------------- data folders
def test_missing_folder(tmp_path):
    missing = tmp_path / "no_such_celeba"
    with pytest.raises(DataError) as info:
        open_celeba(missing)
    message = str(info.value)
    assert str(missing) in message and "does not exist" in message
    assert "img_align_celeba" in message and "DATA=" in message     # says what to do
    # ensure_run fails the same way before it makes a run folder
    with pytest.raises(DataError, match="does not exist"):
        ensure_run("smoke", str(missing), "bad-missing", 0)
    assert _no_run_folder_for("bad-missing")


def test_empty_folder(tmp_path):
    with pytest.raises(DataError, match=r"has no img_align_celeba/ subfolder.*DATA="):
        ensure_run("smoke", str(tmp_path), "bad-empty", 0)
    assert _no_run_folder_for("bad-empty")


def test_folder_without_img_align_celeba(make_celeba_folder):
    root = make_celeba_folder(3)
    flat = root.parent / "flat"
    shutil.copytree(root / "img_align_celeba", flat)     # images, but not in img_align_celeba/
    with pytest.raises(DataError, match=f"{flat} has no img_align_celeba/ subfolder"):
        open_celeba(flat)


def test_pointing_at_the_image_folder_itself_names_its_parent(make_celeba_folder):
    root = make_celeba_folder(3)
    with pytest.raises(DataError, match=f"point the project at its parent {root}"):
        open_celeba(root / "img_align_celeba")


def test_data_folder_that_is_a_file(tmp_path):
    path = tmp_path / "celeba.zip"
    path.write_bytes(b"PK")
    with pytest.raises(DataError, match="is a file, not a folder"):
        open_celeba(path)


def test_image_folder_without_images(tmp_path):
    (tmp_path / "img_align_celeba").mkdir()
    (tmp_path / "img_align_celeba" / "README.txt").write_text("images go here")
    with pytest.raises(DataError, match="holds no .jpg/.jpeg/.png images"):
        open_celeba(tmp_path)


# --------------------------------------------------------------------------- broken image files
def _truncated(path, good):
    raw = good.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])


def _zero_bytes(path, good):
    path.write_bytes(b"")


def _text(path, good):
    path.write_text("this is not a picture\n")


def _too_small(path, good):
    # a 30x36 copy: its crop box is about 24 pixels, far below half of image_size 64
    Image.open(good).resize((30, 36)).save(path)


@pytest.mark.parametrize("make_bad", [_truncated, _zero_bytes, _text, _too_small],
                         ids=["truncated_jpeg", "zero_byte_file", "text_named_jpg",
                              "smaller_than_crop"])
def test_unusable_file_is_skipped_counted_and_named(make_celeba_folder, make_bad):
    root = make_celeba_folder(8)
    bad = root / "img_align_celeba" / "000005.jpg"
    make_bad(bad, root / "img_align_celeba" / "000004.jpg")
    with pytest.warns(UserWarning, match=r"skipped 1 of 8 files .*000005\.jpg"):
        images = _image_set(root)
    assert images.n_skipped == 1
    assert "000005.jpg" not in set(images.ids) and len(images.ids) == 8 - 1
    assert images.images.shape == (7, 64, 64, 3)
    assert "1 unusable files skipped" in images.source
    # the cache entry remembers the skip: a second load neither decodes nor warns again
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        again = _image_set(root)
    assert not [w for w in caught if "skipped" in str(w.message)]
    assert again.n_skipped == 1 and list(again.ids) == list(images.ids)


def test_folder_of_only_unusable_files(tmp_path, make_celeba_folder):
    image_dir = tmp_path / "img_align_celeba"
    image_dir.mkdir()
    for i in range(1, 4):
        (image_dir / f"{i:06d}.jpg").write_text("not an image")
    with pytest.raises(DataError, match=f"none of the 3 files in {image_dir} could be decoded"):
        _image_set(tmp_path)
    with pytest.raises(DataError, match="could be decoded"):
        ensure_run("smoke", str(tmp_path), "bad-unreadable", 0, verbose=0, image_size=32)
    leftovers = set(os.listdir(runs_dir() / "bad-unreadable"))
    assert not leftovers & {"encoder.keras", "decoder.keras", "z_train.npy", "z_val.npy"}
    # a crop box far too small for the images: every file is skipped, and the message says why
    good = make_celeba_folder(3)
    with pytest.raises(DataError, match=r"at least half of image_size 64 \(crop \(0, 0, 20, 20\)"):
        load_image_set(profile_config("smoke", str(good), 0, crop=(0, 0, 20, 20)),
                       progress=False)


# --------------------------------------------------------------------------- odd image formats
def _convert(mode, suffix, **save):
    def write(path, picture):
        picture.convert(mode).save(path.with_suffix(suffix), **save)
    return write


def _palette(path, picture):
    picture.convert("P", palette=Image.ADAPTIVE, colors=256).save(path.with_suffix(".png"))


def _sixteen_bit_grey(path, picture):
    grey = np.asarray(picture.convert("L")).astype(np.uint16) * 257
    Image.fromarray(grey).save(path.with_suffix(".png"))


@pytest.mark.parametrize("write, grey", [
    (_convert("RGB", ".png"), False),
    (_convert("RGBA", ".png"), False),
    (_convert("CMYK", ".jpg", quality=100), False),
    (_convert("L", ".jpg", quality=100), True),
    (_palette, False),
    (_sixteen_bit_grey, True),
], ids=["png", "rgba_png", "cmyk_jpeg", "greyscale_jpeg", "palette_png", "16bit_grey_png"])
def test_other_image_formats_are_converted_to_rgb(tmp_path, reference_face, write, grey):
    image_dir = tmp_path / "img_align_celeba"
    image_dir.mkdir()
    picture = reference_face
    picture.save(image_dir / "000001.png")                  # the RGB reference
    write(image_dir / "000002.xxx", picture)
    assert len(os.listdir(image_dir)) == 2
    images = _image_set(tmp_path)
    assert images.n_skipped == 0 and len(images.ids) == 2
    reference, converted = images.images[0].astype(float), images.images[1].astype(float)
    if grey:
        assert np.ptp(converted, axis=-1).max() == 0           # R = G = B
        reference = np.asarray(Image.fromarray(images.images[0]).convert("L"), float)[..., None]
    assert np.abs(converted - reference).mean() < 4


@pytest.fixture(scope="module")
def reference_face(tmp_path_factory):
    """An RGB face picture of CelebA's downscaled size 89x109."""
    from aelatent.synthetic import synthetic_faces

    face, _ = synthetic_faces(1, 109, seed=2)
    return Image.fromarray(face[0]).resize((89, 109))


# --------------------------------------------------------------------------- label files
def test_partition_with_unknown_names_is_used_for_the_known_ones(make_celeba_folder):
    partition = [0] * 8 + [1] * 2
    root = make_celeba_folder(10, partition=partition)
    with open(root / "list_eval_partition.txt", "a") as fh:
        fh.write("not_in_folder.jpg 1\n202599.jpg 2\n")
    images = _image_set(root)
    assert len(images.ids) == 10 and images.is_val.tolist() == [False] * 8 + [True] * 2


def test_images_missing_from_the_partition_are_left_out_with_a_warning(make_celeba_folder):
    root = make_celeba_folder(10, partition=[0] * 6 + [1] * 2)    # 000009, 000010 unlisted
    with pytest.warns(UserWarning, match="2 of 10 images are not listed in the partition file"):
        images = _image_set(root)
    assert list(images.ids) == [f"{i:06d}.jpg" for i in range(1, 9)]


@pytest.mark.parametrize("line", ["000003.jpg", "000003.jpg 0 1", "000003.jpg 3",
                                  "000003.jpg val"])
def test_malformed_partition_line_names_file_and_line(make_celeba_folder, line):
    root = make_celeba_folder(4)
    path = root / "list_eval_partition.txt"
    path.write_text(f"000001.jpg 0\n000002.jpg 0\n{line}\n000004.jpg 1\n")
    with pytest.raises(DataError, match=f"{path}, line 3: expected '<image name> <0|1|2>'"):
        read_partition(path)
    with pytest.raises(DataError, match="line 3"):           # before anything is decoded
        _image_set(root)


def test_attribute_file_with_wrong_column_count(make_celeba_folder):
    root = make_celeba_folder(5, attributes=3)
    path = root / "list_attr_celeba.txt"
    lines = path.read_text().splitlines()
    lines[4] += "  1"                                         # image 000003: 4 values for 3 names
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=f"{path}, line 5: 4 values for 3 attributes"):
        read_attributes(path)
    with pytest.raises(DataError, match="4 values for 3 attributes"):
        ensure_run("smoke", str(root), "bad-attributes", 0)
    assert _no_run_folder_for("bad-attributes")


@pytest.mark.parametrize("text, message", [
    ("5\n", "too short"),
    ("1\nSmiling Male\n000001.jpg 1 yes\n", "line 3: attribute values must be 1 or -1"),
])
def test_attribute_file_malformed(tmp_path, text, message):
    path = tmp_path / "list_attr_celeba.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_attributes(path)


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize("overrides, names", [
    (dict(image_size=60), ["image_size 60 is not divisible by the encoder's total stride 16",
                           "e.g. 48"]),
    (dict(image_size=4), ["image_size must be an integer >= 8"]),
    (dict(z_dim=0), ["z_dim must be a positive integer, got 0"]),
    (dict(z_dim=-5), ["z_dim must be a positive integer"]),
    (dict(z_dim=2.5), ["z_dim must be an integer, got 2.5"]),
    (dict(max_images=-1), ["max_images must be >= 0"]),
    (dict(max_images="many"), ["max_images must be an integer, got 'many'"]),
    (dict(epochs=0), ["epochs must be >= 1"]),
    (dict(batch_size=1.5), ["batch_size must be an integer"]),
    (dict(val_fraction=0.7), ["val_fraction must lie in (0, 0.5)"]),
    (dict(learning_rate=float("nan")), ["learning_rate must be a finite number"]),
    (dict(loss="l1"), ["loss must be 'mse' or 'bce'"]),
    (dict(batch_norm="yes"), ["batch_norm must be True or False"]),
    (dict(crop=(100, 39, 140, 140)), ["crop (100, 39, 140, 140) must be (x, y, width, height)"]),
    (dict(crop="center"), ["crop must be a list of integers"]),
    (dict(crop=(1, 2, 3)), ["crop must be four integers (x, y, width, height), got [1, 2, 3]"]),
    (dict(model="vae", loss="bce"), ["loss 'bce' applies to the plain AE only"]),
    (dict(model="rae", loss="bce"), ["loss 'bce' applies to the plain AE only"]),
    (dict(kl_weight=0.1), ["['kl_weight'] do not apply to model 'ae'", "options of ['vae']"]),
    (dict(model="vae", z_penalty=0.5), ["['z_penalty'] do not apply to model 'vae'"]),
    (dict(encoder_strides=(2, 2, 2)), ["encoder_filters, encoder_kernels and encoder_strides"]),
    (dict(decoder_filters=(128, 64, 32, 1)), ["the decoder's last layer must have 3 filters"]),
    (dict(decoder_strides=(2, 2, 2, 1)), ["the decoder's total stride 8 must equal"]),
    (dict(colour="rgb"), ["unknown configuration keys ['colour']"]),
], ids=lambda v: str(v) if isinstance(v, dict) else "")
def test_parameter_out_of_range_names_the_parameter(overrides, names):
    with pytest.raises(ConfigError) as info:
        profile_config("smoke", "", 0, **overrides)
    for text in names:
        assert text in str(info.value)


def test_notebook_parameters_out_of_range():
    with pytest.raises(ConfigError, match=r"unknown profile 'tiny'; choose one of \['default', "
                                          r"'full', 'smoke'\]"):
        ensure_run("tiny", "", "bad-profile", 0)
    with pytest.raises(ConfigError, match="seed must be a non-negative integer, got -1"):
        ensure_run("smoke", "", "bad-seed", -1)
    with pytest.raises(ConfigError, match="z_dim must be a positive integer"):
        ensure_run("smoke", "", "bad-zdim", 0, z_dim=0)
    with pytest.raises(ConfigError, match="not divisible"):
        ensure_run("smoke", "", "bad-size", 0, image_size=72)
    for name in ("bad-profile", "bad-seed", "bad-zdim", "bad-size"):
        assert _no_run_folder_for(name)


def test_numpy_integers_are_accepted():
    config = profile_config("smoke", "", 0, image_size=np.int64(32), z_dim=np.int32(8))
    assert config.image_size == 32 and type(config.z_dim) is int
    json.loads(config.to_json())


def test_sampler_parameters_out_of_range():
    z = np.random.default_rng(0).normal(size=(50, 4))
    for b in (0, -1.0, float("nan")):
        with pytest.raises(ConfigError, match=r"^b \(the half-width"):
            samplers.CommonIntervalSampler(b=b).fit(z)
    with pytest.raises(ConfigError, match=r"^fact \(the scale"):
        samplers.ComponentIntervalSampler(fact=-0.1).fit(z)
    sampler = samplers.ComponentIntervalSampler(fact=0.5).fit(z)
    for n in (0, -3, 2.5):
        with pytest.raises(ConfigError, match=r"^n_samples \(the number of vectors"):
            sampler.sample(n)
    with pytest.raises(ConfigError, match="NaN or inf"):
        samplers.NormalSampler().fit(np.where(z > 2, np.nan, z))


# --------------------------------------------------------------------------- run folders
def test_run_folder_whose_stored_config_was_edited(tiny_copy, tiny_overrides):
    path = tiny_copy.path / "config.json"
    stored = json.loads(path.read_text())
    stored.update(learning_rate=0.01, batch_norm=True)
    path.write_text(json.dumps(stored))
    with pytest.raises(ConfigError) as info:
        ensure_run("smoke", "", tiny_copy.name, 0, **tiny_overrides)
    message = str(info.value)
    assert "batch_norm: stored True, requested False" in message
    assert "learning_rate: stored 0.01, requested 0.0005" in message
    assert "Use another run_name, or delete the folder" in message


@pytest.mark.parametrize("content, error, message", [
    ("{not json", DataError, "config.json is not valid JSON"),
    ('{"z_dim": 16, "colour": "rgb"}', ConfigError, "is not a valid run configuration"),
    ('{"z_dim": -1}', ConfigError, "is not a valid run configuration"),
])
def test_damaged_stored_config(tiny_copy, tiny_overrides, content, error, message):
    (tiny_copy.path / "config.json").write_text(content)
    with pytest.raises(error, match=message):
        ensure_run("smoke", "", tiny_copy.name, 0, **tiny_overrides)


def test_cached_z_points_of_another_z_dim(tiny_copy):
    np.save(tiny_copy.path / "z_train.npy", np.zeros((58, 8), np.float32))
    with pytest.raises(DataError, match=r"z_train\.npy has shape \(58, 8\) but the run's model "
                                        r"has z_dim=16"):
        tiny_copy.z_train


def test_cached_z_points_and_ids_of_different_length(tiny_copy):
    np.save(tiny_copy.path / "z_val.npy", np.zeros((5, 16), np.float32))
    with pytest.raises(DataError, match=r"z_val\.npy has shape \(5, 16\).*\(and 6 ids\)"):
        tiny_copy.z_val


@pytest.mark.parametrize("which", ["encoder", "decoder"])
def test_model_of_another_z_dim_in_the_run_folder(tiny_copy, which):
    other = tiny_copy.config.replace(z_dim=8)
    model = build_encoder(other) if which == "encoder" else build_decoder(other)
    save_model(model, tiny_copy.path / f"{which}.keras")
    with pytest.raises(DataError, match=f"{which}.keras maps .* but the run's config "
                                        r"\(z_dim=16, image_size=32\)"):
        getattr(tiny_copy, which)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_cached_z_points(tiny_copy, bad):
    z = np.load(tiny_copy.path / "z_train.npy")
    z[7, 3] = bad
    np.save(tiny_copy.path / "z_train.npy", z)
    with pytest.raises(DataError, match=r"z_train\.npy contains NaN or inf"):
        tiny_copy.z_train


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_decoder_input(tiny_run, bad):
    z = np.array(tiny_run.z_val[:4])
    z[2, 0] = bad
    with pytest.raises(DataError, match="decoder input: 1 of 4 vectors contain NaN or inf"):
        tiny_run.decode(z)


@pytest.mark.parametrize("z, message", [
    (np.zeros((3, 8)), r"decoder input must have shape \(n, 16\), got \(3, 8\)"),
    (np.zeros((2, 4, 4)), r"must have shape \(n, 16\)"),
    ([["a"] * 16], "must be an array of numbers"),
])
def test_decoder_input_of_wrong_shape_or_type(tiny_run, z, message):
    with pytest.raises(DataError, match=message):
        tiny_run.decode(z)


def test_encoder_input_wrong_shape_or_nan(tiny_run):
    with pytest.raises(DataError, match=r"shape \(n, 32, 32, 3\)"):
        tiny_run.encode(np.zeros((2, 64, 64, 3), np.uint8))
    images = np.full((3, 32, 32, 3), 0.5, np.float32)
    images[1, 0, 0, 0] = np.nan
    with pytest.raises(DataError, match="contain NaN or inf"):
        tiny_run.encode(images)


def test_unknown_image_ids(tiny_run):
    with pytest.raises(DataError, match="2 ids are not in the run's images"):
        tiny_run.images_of(["synthetic_000001", "nobody.jpg", "000001.jpg"])
