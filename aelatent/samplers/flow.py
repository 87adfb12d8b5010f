"""A learned ex-post density with an exact likelihood: a RealNVP normalizing flow on the z-points."""

from __future__ import annotations

import numpy as np

from ..validation import check_real
from .base import (DensityMixin, LatentSampler, WhitenedFrameMixin, check_training,
                   compile_density, held_out_tenth)


def _flow_layer(n_features, n_couplings, hidden, seed):
    """A Keras layer of ``n_couplings`` affine coupling blocks (RealNVP, Dinh et al. 2017).

    Block i keeps the features where ``mask_i`` is 1 and moves the others by
    ``x * exp(s(x_kept)) + t(x_kept)``; the masks alternate over the feature
    index (then a seeded permutation, so every feature is kept and moved in
    turn with other partners). Its ``call`` maps data to the base space, adds
    the negative log-likelihood as the loss and returns the base vectors.
    """
    import keras
    from keras import ops

    rng = np.random.default_rng(seed)
    masks = []
    for i in range(n_couplings):
        order = np.arange(n_features) if i < 2 else rng.permutation(n_features)
        mask = np.zeros(n_features, np.float32)
        mask[order[(i % 2)::2]] = 1.0
        masks.append(mask)

    def net(name, activation):
        return keras.Sequential([keras.layers.Dense(hidden, activation="relu"),
                                 keras.layers.Dense(hidden, activation="relu"),
                                 keras.layers.Dense(n_features, activation=activation,
                                                    kernel_initializer="zeros")], name=name)

    class Coupling(keras.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.scales = [net(f"s{i}", "tanh") for i in range(n_couplings)]
            self.shifts = [net(f"t{i}", None) for i in range(n_couplings)]

        def to_base(self, x):
            log_det = ops.zeros(ops.shape(x)[:1])
            for mask, s_net, t_net in zip(masks, self.scales, self.shifts):
                kept = x * mask
                s, t = s_net(kept) * (1 - mask), t_net(kept) * (1 - mask)
                x = kept + (1 - mask) * (x * ops.exp(s) + t)
                log_det = log_det + ops.sum(s, axis=1)
            return x, log_det

        def from_base(self, u):
            for mask, s_net, t_net in reversed(list(zip(masks, self.scales, self.shifts))):
                kept = u * mask
                s, t = s_net(kept) * (1 - mask), t_net(kept) * (1 - mask)
                u = kept + (1 - mask) * (u - t) * ops.exp(-s)
            return u

        def log_density(self, x):
            u, log_det = self.to_base(x)
            return -0.5 * ops.sum(u ** 2, axis=1) - 0.5 * n_features * np.log(2 * np.pi) + log_det

        def call(self, x):
            self.add_loss(-ops.mean(self.log_density(x)))
            return x

    return Coupling(name="realnvp")


class RealNVPSampler(WhitenedFrameMixin, DensityMixin, LatentSampler):
    """A RealNVP normalizing flow fitted to the whitened z-points by maximum likelihood.

    Following keras-io's RealNVP example, written in Keras 3 without
    TensorFlow Probability (which does not support Keras 3): ``n_couplings``
    affine coupling blocks with two dense layers of ``hidden`` units for
    each scale and shift (scales through tanh; last layers start at zero, so
    the untrained flow is the identity, i.e. the multivariate normal). The
    z-points are whitened first (:class:`aelatent.pca.PCAAlignment`); a
    sample is u ~ N(0, I) mapped back through the flow and unwhitened. Its log
    density is exact (change of variables), unlike the VAE's bound.

    Parameters
    ----------
    n_couplings, hidden : int
    epochs, batch_size : int
    learning_rate : float
    weight_decay : float
        AdamW weight decay (keeps the flow from over-fitting small clouds).
    random_state : int

    Attributes
    ----------
    alignment_ : PCAAlignment
    flow_ : keras.layers.Layer
    history_ : dict
        ``loss`` and ``val_loss`` (negative log-likelihood per point, whitened frame,
        of the training points and of a seeded tenth held out) per epoch; training
        stops 3 epochs after the held-out loss last fell, with the best weights.
    """

    def __init__(self, n_couplings=6, hidden=256, epochs=30, batch_size=128, learning_rate=1e-3,
                 weight_decay=1e-4, random_state=0):
        self.n_couplings = n_couplings
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state

    def _check_params(self):
        check_training(self, ("n_couplings", "hidden", "epochs", "batch_size"))
        check_real(self.weight_decay, "weight_decay", low=0)

    def _fit(self, z):
        import keras

        keras.utils.set_random_seed(self.random_state)
        w = self._fit_frame(z).astype(np.float32)
        flow = _flow_layer(w.shape[1], self.n_couplings, self.hidden, self.random_state)
        x = keras.Input((w.shape[1],))
        model = keras.Model(x, flow(x))
        compile_density(model, keras.optimizers.AdamW(self.learning_rate,
                                                      weight_decay=self.weight_decay))
        # a seeded tenth held out: the flow over-fits a few thousand 256-d points within a few
        # epochs (held-out likelihood below the single Gaussian's), so training stops when the
        # held-out loss stops falling and keeps the best epoch's weights
        held, rest = held_out_tenth(len(w), np.random.default_rng(self.random_state))
        stop = keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)
        history = model.fit(w[rest], validation_data=(w[held],), epochs=self.epochs,
                            batch_size=self.batch_size, shuffle=True, verbose=0, callbacks=[stop])
        self.flow_ = flow
        self.history_ = {key: [float(v) for v in history.history[key]]
                         for key in ("loss", "val_loss")}

    def _sample(self, n_samples, rng):
        u = rng.standard_normal((n_samples, self.n_features_in_)).astype(np.float32)
        return self.alignment_.unwhiten(np.asarray(self.flow_.from_base(u), dtype=np.float64))

    def _log_density(self, z):
        w = self.alignment_.whiten(z).astype(np.float32)
        return np.asarray(self.flow_.log_density(w), dtype=np.float64) + self._frame_log_jacobian()
