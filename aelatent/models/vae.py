"""The variational autoencoder: the encoder emits a mean and a log-variance per component.

Loss per image, in the scale this package states everywhere: the squared error
summed over the pixels plus ``kl_weight`` (beta) times the KL divergence of the
posterior N(mean, diag(exp(log_var))) from N(0, I) in nats. (Summed squared
error is the negative log-likelihood of a Gaussian decoder with variance 1/2,
up to a constant, so beta = 1 is the textbook VAE at that noise level.)

Training draws z = mean + exp(log_var / 2) * eps (the reparameterisation);
validation and everything after training use the mean. The run's
``encoder.keras`` maps an image to the **mean** -- the z-points the notebooks
analyse are posterior means -- and ``posterior.keras`` to ``[mean, log_var]``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..config import RunConfig
from .ae import build_decoder, encoder_trunk
from .terms import LossTermsModel, summed_squared_error


def build_posterior(config: RunConfig):
    """Conv2D stack -> Flatten -> two Dense(z_dim) heads: image to ``[mean, log_var]``."""
    inputs, features = encoder_trunk(config)
    mean = keras.layers.Dense(config.z_dim, name="z")(features)
    log_var = keras.layers.Dense(config.z_dim, name="z_log_var")(features)
    return keras.Model(inputs, [mean, log_var], name="posterior")


def kl_divergence(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) in nats, summed over components: shape (batch,)."""
    return -0.5 * tf.reduce_sum(1.0 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)


class VariationalAutoencoder(LossTermsModel):
    """Summed squared error + beta * KL; reports ``mse`` (per pixel) and ``kl`` (nats per image)."""

    terms = ("mse", "kl")

    def __init__(self, posterior, decoder, kl_weight=1.0, seed=0, **kwargs):
        encoder = keras.Model(posterior.input, posterior.outputs[0], name="encoder")
        super().__init__(encoder, decoder, **kwargs)
        self.posterior, self.kl_weight = posterior, float(kl_weight)
        self.noise = keras.random.SeedGenerator(seed)

    def loss_terms(self, images, training):
        mean, log_var = self.posterior(images, training=training)
        z = mean
        if training:
            z = mean + tf.exp(0.5 * log_var) * keras.random.normal(tf.shape(mean), seed=self.noise)
        reconstructions = self.decoder(z, training=training)
        sse = summed_squared_error(images, reconstructions)
        kl = kl_divergence(mean, log_var)
        pixels = tf.cast(tf.reduce_prod(tf.shape(images)[1:]), sse.dtype)
        terms = {"mse": tf.reduce_mean(sse) / pixels, "kl": tf.reduce_mean(kl)}
        return tf.reduce_mean(sse + self.kl_weight * kl), terms


def build(config: RunConfig, optimizer):
    """Encoder (the mean), decoder, the compiled VAE, and ``{"posterior": ...}`` to save too."""
    posterior, decoder = build_posterior(config), build_decoder(config)
    vae = VariationalAutoencoder(posterior, decoder, config.kl_weight, config.seed, name="vae")
    vae.compile(optimizer=optimizer)
    return vae.encoder, decoder, vae, {"posterior": posterior}
