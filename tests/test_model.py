"""The autoencoder: layer lists, shapes, save/load in safe mode, batched encode/decode."""

import os
import re

import keras
import numpy as np
import pytest

from aelatent.config import profile_config
from aelatent.errors import ConfigError, DataError
from aelatent.model import (build_autoencoder, build_decoder, build_encoder, decode, encode,
                            load_model, reconstruction_mse, save_model, seed_everything)


@pytest.fixture(scope="module")
def tiny_config(tiny_overrides):
    return profile_config("smoke", "", 0, **tiny_overrides)


@pytest.mark.parametrize("profile, size", [("smoke", 64), ("full", 96)])
def test_profile_models_have_the_right_shapes(profile, size):
    config = profile_config(profile, "", 0)
    encoder, decoder = build_encoder(config), build_decoder(config)
    assert encoder.input_shape == (None, size, size, 3)
    assert encoder.output_shape == (None, 256)
    assert decoder.input_shape == (None, 256)
    assert decoder.output_shape == (None, size, size, 3)


def test_layers_follow_the_lists(tiny_config):
    encoder, decoder, autoencoder = build_autoencoder(tiny_config)
    convs = [l for l in encoder.layers if isinstance(l, keras.layers.Conv2D)]
    assert [l.filters for l in convs] == [8, 16]
    assert [l.strides for l in convs] == [(2, 2), (2, 2)]
    assert any(isinstance(l, keras.layers.LeakyReLU) for l in encoder.layers)
    assert not any(isinstance(l, keras.layers.BatchNormalization) for l in encoder.layers)
    # conv 3*3*3*8+8, conv 3*3*8*16+16, Dense(8*8*16 -> 16)
    assert encoder.count_params() == 224 + 1168 + (8 * 8 * 16 * 16 + 16)
    transposed = [l for l in decoder.layers if isinstance(l, keras.layers.Conv2DTranspose)]
    assert [l.filters for l in transposed] == [8, 3]
    assert transposed[-1].activation.__name__ == "sigmoid"
    assert autoencoder.count_params() == encoder.count_params() + decoder.count_params()
    assert autoencoder.loss == "mse"


def test_batch_norm_and_bce_options(tiny_config):
    encoder, decoder, autoencoder = build_autoencoder(tiny_config.replace(batch_norm=True,
                                                                          loss="bce"))
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in encoder.layers) == 2
    assert sum(isinstance(l, keras.layers.BatchNormalization) for l in decoder.layers) == 1
    assert autoencoder.loss == "binary_crossentropy"


def test_decoder_output_is_an_image_in_unit_range(tiny_config):
    decoder = build_decoder(tiny_config)
    z = np.random.default_rng(0).normal(0, 50, (5, tiny_config.z_dim)).astype(np.float32)
    images = decode(decoder, z, batch_size=2)
    assert images.shape == (5, 32, 32, 3) and images.dtype == np.float32
    assert images.min() >= 0 and images.max() <= 1


def test_same_seed_same_weights(tiny_config):
    seed_everything(3)
    a = build_encoder(tiny_config).get_weights()
    seed_everything(3)
    b = build_encoder(tiny_config).get_weights()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_save_and_load_in_safe_mode_give_identical_outputs(tiny_config, tmp_path):
    seed_everything(0)
    encoder, decoder, _ = build_autoencoder(tiny_config)
    images = np.random.default_rng(1).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    z = encode(encoder, images)
    out = decode(decoder, z)
    save_model(encoder, tmp_path / "encoder.keras")
    save_model(decoder, tmp_path / "decoder.keras")
    assert sorted(os.listdir(tmp_path)) == ["decoder.keras", "encoder.keras"]   # no temp files
    encoder2, decoder2 = load_model(tmp_path / "encoder.keras"), load_model(tmp_path / "decoder.keras")
    np.testing.assert_array_equal(encode(encoder2, images), z)
    np.testing.assert_array_equal(decode(decoder2, z), out)
    assert encoder2.count_params() == encoder.count_params()


def test_encode_and_decode_in_batches_match_predict(tiny_config):
    seed_everything(0)
    encoder, decoder, _ = build_autoencoder(tiny_config)
    images = np.random.default_rng(2).integers(0, 256, (7, 32, 32, 3), dtype=np.uint8)
    floats = images.astype(np.float32) / 255
    z = encode(encoder, images, batch_size=3)
    assert z.shape == (7, 16) and z.dtype == np.float32
    np.testing.assert_allclose(z, encoder.predict(floats, verbose=0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(encode(encoder, floats), z, rtol=1e-5, atol=1e-5)
    assert encode(encoder, images[0]).shape == (1, 16)           # one image
    np.testing.assert_allclose(decode(decoder, z, batch_size=4), decoder.predict(z, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert decode(decoder, z[0]).shape == (1, 32, 32, 3)          # one vector


def test_reconstruction_mse_matches_a_direct_computation(tiny_config):
    seed_everything(0)
    encoder, decoder, _ = build_autoencoder(tiny_config)
    images = np.random.default_rng(3).integers(0, 256, (9, 32, 32, 3), dtype=np.uint8)
    index = np.array([1, 4, 8])
    x = images[index].astype(np.float32) / 255
    direct = np.mean((decoder.predict(encoder.predict(x, verbose=0), verbose=0) - x) ** 2)
    assert reconstruction_mse(encoder, decoder, images, index, batch_size=2) == pytest.approx(
        float(direct), rel=1e-4)


def test_wrong_shapes_are_clear_errors(tiny_config):
    encoder, decoder = build_encoder(tiny_config), build_decoder(tiny_config)
    with pytest.raises(DataError, match=r"shape \(n, 32, 32, 3\)"):
        encode(encoder, np.zeros((2, 64, 64, 3), np.uint8))
    with pytest.raises(DataError, match=r"shape \(n, 16\)"):
        decode(decoder, np.zeros((2, 8)))


def test_cosine_schedule_warms_up_then_decays():
    from aelatent.config import profile_config
    from aelatent.model import learning_rate

    constant = profile_config("smoke")
    assert learning_rate(constant, 100) == constant.learning_rate
    config = profile_config("smoke", lr_schedule="cosine", learning_rate=2e-3, epochs=4)
    assert learning_rate(config) == 2e-3                 # no steps known: the peak, constant
    schedule = learning_rate(config, steps_per_epoch=10)
    rates = [float(schedule(step)) for step in (0, 5, 10, 25, 40)]
    assert rates[0] == 0 and rates[1] == pytest.approx(1e-3) and rates[2] == pytest.approx(2e-3)
    assert rates[2] > rates[3] > rates[4] and rates[4] == pytest.approx(2e-5, rel=1e-3)
    with pytest.raises(ConfigError, match="lr_schedule"):
        profile_config("smoke", lr_schedule="linear")


def test_cosine_training_runs_and_long_trainings_are_announced(tiny_overrides, monkeypatch,
                                                                capsys):
    from aelatent import runs

    monkeypatch.setattr(runs, "ESTIMATE_MIN_STEPS", 1)
    monkeypatch.setattr(runs, "LONG_TRAINING", 0)
    run = runs.ensure_run("smoke", "", "cosine-announced", 0, verbose=1,
                          **dict(tiny_overrides, lr_schedule="cosine"))
    out = capsys.readouterr().out
    assert re.search(r"expected training time: about \d+ min \(1 epochs x 2 steps of 32 images, "
                     r"[\d.]+ s per step on .*AVX-512", out), out
    assert "that is long for a CPU" in out and "second_case = False" in out
    assert len(run.history) == 1 and np.isfinite(run.history["val_loss"]).all()
