"""The regularised autoencoder (RAE, Ghosh et al. 2020): deterministic, z penalised, decoder smoothed.

Loss per image: the squared error summed over the pixels, plus ``z_penalty``
(beta) times ||z||^2 / 2, plus the decoder's regulariser -- L2 weight decay
``decoder_l2`` * sum of its squared kernel weights by default, spectral
normalisation of every decoder layer (``decoder_regularizer="spectral"``;
with this package's small decoder without batch norm it underfits, see the
README), or the paper's gradient penalty (``"gradient"``): ``gradient_penalty``
times ||d(sum of D(z)'s pixels)/dz||^2 at each image's z, the vector-Jacobian
product with a vector of ones that the RAE authors' code and pythae's ``RAE_GP``
penalise, so the decoder changes slowly around the z-points. The history
reports ``mse`` (per pixel), ``z_penalty`` (beta * ||z||^2 / 2, per image) and
``decoder_penalty``.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from ..config import RunConfig
from .ae import build_decoder, build_encoder
from .terms import LossTermsModel, summed_squared_error


class RegularisedAutoencoder(LossTermsModel):
    """Summed squared error + beta ||z||^2 / 2 + the decoder's regulariser (L2 or gradient penalty)."""

    terms = ("mse", "z_penalty", "decoder_penalty")

    def __init__(self, encoder, decoder, z_penalty=1e-4, gradient_penalty=0.0, **kwargs):
        super().__init__(encoder, decoder, **kwargs)
        self.z_penalty = float(z_penalty)
        self.gradient_penalty = float(gradient_penalty)

    def decode_with_slopes(self, z, training=False):
        """The decoded images and, per image, the gradient of their pixel sum with respect to z.

        Called inside ``train_step``'s tape, the inner tape's gradient is itself differentiable
        (a second-order term), so the penalty on it trains the decoder.
        """
        with tf.GradientTape() as tape:
            tape.watch(z)
            reconstructions = self.decoder(z, training=training)
            pixel_sum = tf.reduce_sum(reconstructions)
        return reconstructions, tape.gradient(pixel_sum, z)

    def loss_terms(self, images, training):
        z = self.encoder(images, training=training)
        if self.gradient_penalty:
            reconstructions, slopes = self.decode_with_slopes(z, training)
        else:
            reconstructions = self.decoder(z, training=training)
        sse = summed_squared_error(images, reconstructions)
        penalty = self.z_penalty * 0.5 * tf.reduce_sum(tf.square(z), axis=1)
        decoder_penalty = tf.add_n([tf.constant(0.0)] + [tf.cast(v, tf.float32)
                                                         for v in self.decoder.losses])
        if self.gradient_penalty:
            decoder_penalty += self.gradient_penalty * tf.reduce_mean(
                tf.reduce_sum(tf.square(slopes), axis=1))
        pixels = tf.cast(tf.reduce_prod(tf.shape(images)[1:]), sse.dtype)
        terms = {"mse": tf.reduce_mean(sse) / pixels, "z_penalty": tf.reduce_mean(penalty),
                 "decoder_penalty": decoder_penalty}
        return tf.reduce_mean(sse + penalty) + decoder_penalty, terms


def build(config: RunConfig, optimizer):
    """Encoder, the regularised decoder and the compiled RAE."""
    spectral = config.decoder_regularizer == "spectral"
    gradient = config.decoder_regularizer == "gradient"
    regularizer = (keras.regularizers.L2(config.decoder_l2)
                   if config.decoder_regularizer == "l2" else None)
    encoder = build_encoder(config)
    decoder = build_decoder(config, kernel_regularizer=regularizer, spectral=spectral)
    rae = RegularisedAutoencoder(encoder, decoder, config.z_penalty,
                                 config.gradient_penalty if gradient else 0.0, name="rae")
    rae.compile(optimizer=optimizer)
    return encoder, decoder, rae, {}
