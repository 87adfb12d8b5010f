"""The plain autoencoder of the blog series: convolutional encoder and decoder, one MSE loss.

The encoder is a stack of Conv2D layers with LeakyReLU (optionally
BatchNormalization) and a ``Dense(z_dim)`` latent layer; the decoder mirrors it
with Conv2DTranspose layers and a sigmoid output. Both are Keras functional
models of their own, so ``encoder.predict`` and ``decoder.predict`` work alone;
the autoencoder chains them and is compiled with Keras's string loss on
``fit(x, x)``. The other kinds (:mod:`.vae`, :mod:`.rae`) reuse these stacks.
"""

from __future__ import annotations

import math

import keras

from ..config import RunConfig


def encoder_trunk(config: RunConfig):
    """The encoder's input and its Conv2D stack, flattened: ``(inputs, features)``."""
    inputs = keras.Input((config.image_size, config.image_size, 3), name="image")
    x = inputs
    for i, (f, k, s) in enumerate(zip(config.encoder_filters, config.encoder_kernels,
                                      config.encoder_strides)):
        x = keras.layers.Conv2D(f, k, strides=s, padding="same", name=f"enc_conv{i}")(x)
        if config.batch_norm:
            x = keras.layers.BatchNormalization(name=f"enc_bn{i}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"enc_lrelu{i}")(x)
    return inputs, keras.layers.Flatten(name="enc_flatten")(x)


def build_encoder(config: RunConfig):
    """Conv2D stack -> Flatten -> Dense(z_dim): image to latent vector."""
    inputs, features = encoder_trunk(config)
    z = keras.layers.Dense(config.z_dim, name="z")(features)
    return keras.Model(inputs, z, name="encoder")


def build_decoder(config: RunConfig, kernel_regularizer=None, spectral=False):
    """Dense -> Reshape -> Conv2DTranspose stack -> sigmoid: latent vector to image.

    Parameters
    ----------
    kernel_regularizer : keras.regularizers.Regularizer, optional
        Put on every kernel of the decoder (the RAE's L2 weight decay).
    spectral : bool
        Wrap every layer with weights in ``keras.layers.SpectralNormalization``
        (the RAE's other decoder regulariser).
    """
    def weighted(layer, name):
        return keras.layers.SpectralNormalization(layer, name=name) if spectral else layer

    side = config.image_size // math.prod(config.encoder_strides)
    channels = config.encoder_filters[-1]
    z = keras.Input((config.z_dim,), name="z")
    x = weighted(keras.layers.Dense(side * side * channels, name="dec_dense",
                                    kernel_regularizer=kernel_regularizer), "dec_sn_dense")(z)
    x = keras.layers.Reshape((side, side, channels), name="dec_reshape")(x)
    n = len(config.decoder_filters)
    for i, (f, k, s) in enumerate(zip(config.decoder_filters, config.decoder_kernels,
                                      config.decoder_strides)):
        last = i == n - 1
        x = weighted(keras.layers.Conv2DTranspose(
            f, k, strides=s, padding="same", name=f"dec_convT{i}",
            activation="sigmoid" if last else None, kernel_regularizer=kernel_regularizer),
            f"dec_sn{i}")(x)
        if not last:
            if config.batch_norm:
                x = keras.layers.BatchNormalization(name=f"dec_bn{i}")(x)
            x = keras.layers.LeakyReLU(0.2, name=f"dec_lrelu{i}")(x)
    return keras.Model(z, x, name="decoder")


class LatentNoise(keras.layers.Layer):
    """In training only: ``z + share * spread * N(0, I)``, ``spread`` the per-axis standard
    deviation of the batch's z (no gradient flows through it), so the noise follows each
    axis's own scale as training changes it. At inference ``z`` passes unchanged.
    """

    def __init__(self, share, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.share = float(share)
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def call(self, z, training=False):
        if not training or self.share == 0:
            return z
        spread = keras.ops.stop_gradient(keras.ops.std(z, axis=0, keepdims=True))
        return z + self.share * spread * keras.random.normal(keras.ops.shape(z), seed=self.generator)

    def get_config(self):
        return {**super().get_config(), "share": self.share, "seed": self.seed}


def build(config: RunConfig, optimizer):
    """Encoder, decoder and the compiled plain autoencoder that chains them (loss: MSE or BCE);
    with ``config.latent_noise`` the decoder is trained on noisy z (:class:`LatentNoise`)."""
    encoder, decoder = build_encoder(config), build_decoder(config)
    inputs = keras.Input((config.image_size, config.image_size, 3), name="image")
    z = encoder(inputs)
    if config.latent_noise:
        z = LatentNoise(config.latent_noise, seed=config.seed, name="latent_noise")(z)
    autoencoder = keras.Model(inputs, decoder(z), name="autoencoder")
    # a BCE model logs the mean squared error too: every kind is compared by it (notebook XV)
    autoencoder.compile(optimizer=optimizer,
                        loss="mse" if config.loss == "mse" else "binary_crossentropy",
                        metrics=None if config.loss == "mse" else [keras.metrics.MeanSquaredError(
                            name="mse")])
    return encoder, decoder, autoencoder, {}
