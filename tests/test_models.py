"""The model kinds: the VAE's and the RAE's loss terms, what their runs save, and their geometry."""

import types

import keras
import numpy as np
import pytest

from aelatent.config import RunConfig
from aelatent.errors import ConfigError
from aelatent.league import league_defaults
from aelatent.model import build_parts, load_model, reconstruction_mse, save_model
from aelatent.model_comparison import comparison_settings, latent_geometry, sweeps_summary
from aelatent.models import describe_loss
from aelatent.models.vae import kl_divergence
from aelatent.runs import ensure_run
from tiny import tiny


@pytest.fixture(scope="module")
def tiny_vae(isolated_folders):
    return ensure_run("smoke", "", "", 0, verbose=0, model="vae", **tiny(max_images=128, epochs=2))


@pytest.mark.parametrize("kl_weight", [1.0, 0.1])
def test_the_vae_reports_its_terms_and_they_are_what_they_say(tiny_vae, kl_weight):
    if kl_weight != 1.0:                  # the weight must reach the loss, not only the name
        tiny_vae = ensure_run("smoke", "", "", 0, verbose=0, model="vae", kl_weight=kl_weight,
                              **tiny(max_images=128, epochs=2))
    history = tiny_vae.history
    assert {"loss", "mse", "kl", "val_loss", "val_mse", "val_kl"} <= set(history.columns)
    image_set = tiny_vae.image_set
    images = image_set.images[image_set.val_index].astype(np.float32) / 255.0
    # validation decodes the posterior mean: its MSE is the saved encoder's and decoder's
    mse = reconstruction_mse(tiny_vae.encoder, tiny_vae.decoder, image_set.images, image_set.val_index)
    assert history["val_mse"].iloc[-1] == pytest.approx(mse, rel=0.02)
    mean, log_var = tiny_vae.posterior.predict(images, verbose=0)
    kl = float(np.mean(kl_divergence(mean, log_var)))
    assert history["val_kl"].iloc[-1] == pytest.approx(kl, rel=0.02)
    # loss = summed squared error + beta KL, per image
    assert history["val_loss"].iloc[-1] == pytest.approx(mse * images[0].size + kl_weight * kl,
                                                         rel=0.02)


def test_the_vae_encoder_is_the_deterministic_posterior_mean(tiny_vae):
    images = tiny_vae.image_set.images[:8]
    mean, _ = tiny_vae.posterior.predict(images.astype(np.float32) / 255.0, verbose=0)
    np.testing.assert_allclose(tiny_vae.encode(images), mean, rtol=1e-5, atol=1e-6)
    # no sampling inside: the same images in reverse order (other batches) give the same z
    np.testing.assert_allclose(tiny_vae.encode(images[::-1])[::-1], tiny_vae.encode(images),
                               rtol=1e-5, atol=1e-6)


def test_a_run_of_another_kind_under_the_same_name_is_refused(tiny_vae):
    with pytest.raises(ConfigError, match="model: stored 'vae', requested 'ae'"):
        ensure_run("smoke", "", tiny_vae.name, 0, verbose=0, **tiny(max_images=128, epochs=2))


def test_the_rae_penalty_pulls_the_z_points_in(isolated_folders):
    loose = ensure_run("smoke", "", "rae-loose", 0, verbose=0, model="rae", z_penalty=0.0,
                       **tiny(max_images=128, epochs=2))
    tight = ensure_run("smoke", "", "rae-tight", 0, verbose=0, model="rae", z_penalty=10.0,
                       **tiny(max_images=128, epochs=2))
    assert {"z_penalty", "decoder_penalty", "val_mse"} <= set(tight.history.columns)
    assert loose.history["z_penalty"].iloc[-1] == 0
    radius = {run.name: np.linalg.norm(run.z_train, axis=1).mean() for run in (loose, tight)}
    assert radius["rae-tight"] < 0.5 * radius["rae-loose"]


def test_the_rae_gradient_penalty_is_what_it_says_and_flattens_the_decoder(isolated_folders):
    import tensorflow as tf

    from aelatent.models.rae import RegularisedAutoencoder

    settings = tiny(max_images=128, epochs=2)
    plain = ensure_run("smoke", "", "rae-l2", 0, verbose=0, model="rae", **settings)
    smooth = ensure_run("smoke", "", "rae-gp", 0, verbose=0, model="rae",
                        decoder_regularizer="gradient", gradient_penalty=0.1, **settings)
    assert "gradient penalty 0.1" in describe_loss(smooth.config)

    def slopes(run):
        z = tf.constant(run.z_val, tf.float32)
        model = RegularisedAutoencoder(run.encoder, run.decoder)
        return float(np.mean(np.sum(model.decode_with_slopes(z)[1].numpy() ** 2, axis=1)))

    # the reported term is the weight times the mean squared slope at the validation z-points
    assert smooth.history["val_decoder_penalty"].iloc[-1] == pytest.approx(0.1 * slopes(smooth),
                                                                           rel=0.05)
    assert slopes(smooth) < 0.5 * slopes(plain)     # the penalty flattens the decoder


def test_a_spectrally_normalised_decoder_saves_and_loads_in_safe_mode(tmp_path, tiny_overrides):
    from aelatent.config import profile_config

    config = profile_config("smoke", "", 0, model="rae", decoder_regularizer="spectral", **tiny_overrides)
    parts = build_parts(config)
    wrapped = [l for l in parts.decoder.layers if isinstance(l, keras.layers.SpectralNormalization)]
    assert len(wrapped) == 1 + len(config.decoder_filters)
    save_model(parts.decoder, tmp_path / "decoder.keras")
    z = np.random.default_rng(0).normal(size=(3, config.z_dim)).astype(np.float32)
    np.testing.assert_allclose(load_model(tmp_path / "decoder.keras").predict(z, verbose=0),
                               parts.decoder.predict(z, verbose=0), rtol=1e-5, atol=1e-6)


def fake_run(z):
    config = types.SimpleNamespace(z_dim=z.shape[1], model="ae")
    return types.SimpleNamespace(z_train=z.astype(np.float32), config=config)


def test_latent_geometry_tells_a_prior_like_cloud_from_an_off_origin_one():
    rng = np.random.default_rng(0)
    centred = latent_geometry(fake_run(rng.standard_normal((4000, 16))), n_prior=2000)
    assert centred["origin_inside_core"] == 1
    assert centred["prior_inside_core"] > 0.95 and centred["prior_holes"] < 0.05
    assert centred["radius_mean"] == pytest.approx(centred["chi_mean"], rel=0.03)
    assert centred["active_units"] == 16
    off_origin = 3.0 + 0.5 * rng.standard_normal((4000, 16))
    shifted = latent_geometry(fake_run(off_origin), n_prior=2000)
    assert shifted["origin_inside_core"] == 0 and shifted["origin_mahalanobis"] > shifted["core_radius"]
    assert shifted["prior_inside_core"] < 0.01 and shifted["prior_holes"] > 0.99
    # without the holes (the KL-weight sweep shows none) no mixture is fitted; the rest is the same
    lean = latent_geometry(fake_run(off_origin), n_prior=2000, holes=False)
    assert lean == {k: v for k, v in shifted.items() if k != "prior_holes"}


def test_comparison_settings_take_the_profile_defaults_and_refuse_bad_weights():
    assert comparison_settings("smoke")["betas"] == [0.001]
    # each kind's tau selection has as many vectors per scale as notebook XII's (reused for the AE)
    for profile in ("smoke", "default"):
        assert (comparison_settings(profile)["n_selection"]
                == league_defaults(profile)["n_selection"])
    assert comparison_settings("smoke", betas=())["betas"] == []
    assert comparison_settings("default", betas=[0.5], n_images=50)["n_images"] == 50
    with pytest.raises(ConfigError, match="positive KL weights"):
        comparison_settings("smoke", betas=[0.0])
    with pytest.raises(ConfigError, match="unknown profile"):
        comparison_settings("tiny")
    assert comparison_settings("smoke")["latent_noise"] == [0.1]
    assert comparison_settings("smoke", latent_noise=())["latent_noise"] == []
    # the default profile leaves the sweep and the noisy-z AE out unless asked; smoke trains them
    assert comparison_settings("smoke")["sweeps"] and comparison_settings("full")["sweeps"]
    quick = comparison_settings("default")
    assert (quick["betas"], quick["latent_noise"], quick["sweeps"]) == ([], [], False)
    asked = comparison_settings("default", sweeps=True)
    assert (asked["betas"], asked["latent_noise"]) == ([0.001, 0.1], [0.1]) and asked["sweeps"]
    assert comparison_settings("smoke", sweeps=False, betas=[0.5])["betas"] == []
    assert sweeps_summary(quick).endswith("none (sweeps = True adds both)")
    assert "[0.001, 0.1]" in sweeps_summary(asked) and "adds" not in sweeps_summary(asked)
    with pytest.raises(ConfigError, match="shares in"):
        comparison_settings("smoke", latent_noise=[1.0])


def test_latent_noise_follows_each_axis_spread_in_training_only():
    import keras
    from aelatent.models.ae import LatentNoise, build
    keras.utils.set_random_seed(0)
    z = np.random.default_rng(0).normal(size=(4000, 3)) * np.array([0.1, 1.0, 10.0])
    layer = LatentNoise(0.2, seed=0)
    noise = np.asarray(layer(z.astype("float32"), training=True)) - z
    assert np.allclose(noise.std(axis=0) / z.std(axis=0), 0.2, rtol=0.05)
    assert np.array_equal(np.asarray(layer(z.astype("float32"), training=False)), z.astype("float32"))
    # only the chained autoencoder has it: the saved encoder and decoder are the plain ones
    config = RunConfig(data_dir="synthetic", image_size=16, z_dim=4, encoder_filters=(4,),
                       encoder_kernels=(3,), encoder_strides=(2,), decoder_filters=(3,),
                       decoder_kernels=(3,), decoder_strides=(2,), latent_noise=0.1)
    encoder, decoder, autoencoder, _ = build(config, keras.optimizers.Adam())
    names = [layer.name for layer in autoencoder.layers]
    assert "latent_noise" in names and "latent_noise" not in [l.name for l in decoder.layers]
    with pytest.raises(ConfigError, match="latent_noise"):
        RunConfig(data_dir="synthetic", model="vae", latent_noise=0.1)
    with pytest.raises(ConfigError, match="share"):
        RunConfig(data_dir="synthetic", latent_noise=1.5)
    # a run with latent noise is named for it, and never shares the plain AE's folder
    from aelatent.config import default_run_name, profile_config
    assert default_run_name("smoke", profile_config("smoke", "", 0, latent_noise=0.1)) == \
        "smoke-ae-latent_noise0.1-synthetic-seed0"
    assert default_run_name("smoke", profile_config("smoke", "", 0)) == "smoke-synthetic-seed0"
