"""A Keras model trained on a loss of several named terms (the VAE's and the RAE's).

As in keras-io's "Variational AutoEncoder" example, the model subclasses
``keras.Model`` with its own ``train_step``; each term has a ``Mean`` tracker,
so ``fit``'s history (and ``history.json`` of a run) holds ``loss`` and every
term, for training and validation (``val_``). Every kind reports ``mse``, the
mean squared error per pixel of its reconstructions, the plain AE's loss.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def summed_squared_error(images, reconstructions):
    """Squared error summed over the pixels of each image: shape (batch,)."""
    return tf.reduce_sum(tf.square(images - reconstructions), axis=(1, 2, 3))


class LossTermsModel(keras.Model):
    """An autoencoder whose loss is a sum of named terms.

    Subclasses set :attr:`terms` (the names of the reported terms besides
    ``loss``) and implement :meth:`loss_terms`.
    """

    terms = ("mse",)

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.trackers = {name: keras.metrics.Mean(name=name) for name in ("loss",) + self.terms}
        self.built = True        # its parts are built functional models (BackupAndRestore asks)

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, images, training=False):
        return self.decoder(self.encoder(images, training=training), training=training)

    def loss_terms(self, images, training):
        """``(total loss, {term: batch mean})`` of a batch of images."""
        raise NotImplementedError

    @staticmethod
    def _images(data):
        return data[0] if isinstance(data, (tuple, list)) else data

    def _report(self, total, terms):
        self.trackers["loss"].update_state(total)
        for name, value in terms.items():
            self.trackers[name].update_state(value)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def train_step(self, data):
        with tf.GradientTape() as tape:
            total, terms = self.loss_terms(self._images(data), training=True)
        gradients = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
        return self._report(total, terms)

    def test_step(self, data):
        return self._report(*self.loss_terms(self._images(data), training=False))
