"""A learned ex-post density: the second-stage VAE of Dai & Wipf (2019) on the z-points."""

from __future__ import annotations

import numpy as np

from .base import (DensityMixin, LatentSampler, WhitenedFrameMixin, check_training,
                   compile_density)


def _vae(n_features, latent_dim, hidden):
    """Encoder, decoder and the training model of a small dense VAE with a learned output variance.

    The training model adds the negative ELBO as its loss (``add_loss``):
    the Gaussian reconstruction term with one learned log-variance per output
    dimension (Dai & Wipf's gamma) plus the KL divergence to N(0, I).
    """
    import keras
    from keras import ops

    x = keras.Input((n_features,), name="w")
    h = x
    for i in range(2):
        h = keras.layers.Dense(hidden, activation="gelu", name=f"enc_dense{i}")(h)
    mean = keras.layers.Dense(latent_dim, name="u_mean")(h)
    log_var = keras.layers.Dense(latent_dim, name="u_log_var")(h)
    encoder = keras.Model(x, [mean, log_var], name="vae_encoder")

    u = keras.Input((latent_dim,), name="u")
    h = u
    for i in range(2):
        h = keras.layers.Dense(hidden, activation="gelu", name=f"dec_dense{i}")(h)
    decoder = keras.Model(u, keras.layers.Dense(n_features, name="w_mean")(h), name="vae_decoder")

    class NegativeELBO(keras.layers.Layer):
        """Samples u by reparametrisation, decodes it and adds the negative ELBO per point."""

        def build(self, input_shape):
            self.log_gamma = self.add_weight(shape=(n_features,), initializer="zeros",
                                             name="log_gamma")
            self.beta = self.add_weight(shape=(), initializer="zeros", trainable=False, name="beta")

        def call(self, inputs):
            w, mean, log_var = inputs
            eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
            w_mean = self.decoder(mean + ops.exp(0.5 * log_var) * eps)
            nll = 0.5 * ops.sum((w - w_mean) ** 2 / ops.exp(self.log_gamma) + self.log_gamma
                                + np.log(2 * np.pi), axis=1)
            kl = 0.5 * ops.sum(ops.exp(log_var) + mean ** 2 - 1.0 - log_var, axis=1)
            self.add_loss(ops.mean(nll + self.beta * kl))
            return w_mean

        def __init__(self, seed, **kwargs):
            super().__init__(**kwargs)
            self.decoder = decoder             # an attribute, so its weights are trained too
            self.seed_generator = keras.random.SeedGenerator(seed)

    return encoder, decoder, NegativeELBO


class TwoStageVAESampler(WhitenedFrameMixin, DensityMixin, LatentSampler):
    """A small dense VAE trained on the z-points and sampled through its own N(0, I).

    Dai & Wipf (2019, "Diagnosing and enhancing VAE models"; the RAE authors'
    "aux VAE"): a first model's latent codes do not follow its prior, so a
    second, small VAE learns their distribution. Here the z-points are first
    whitened (:class:`aelatent.pca.PCAAlignment`); the VAE (two dense layers
    of ``hidden`` units each way, ``latent_dim`` latent units, one learned
    output variance per dimension) is trained with Adam on them for
    ``epochs`` epochs, the weight of its KL term rising from 0 to 1 over the
    first third (without that warm-up it collapsed to the single Gaussian:
    the decoder ignored u). A sample is u ~ N(0, I), decoded to the mean of
    p(w | u) plus its Gaussian noise, unwhitened. The log density is the
    importance-weighted estimate (``n_importance`` draws from the encoder per
    point, Burda et al. 2016), a lower bound that tightens with more draws.

    Parameters
    ----------
    latent_dim, hidden : int
    epochs, batch_size : int
    learning_rate : float
    n_importance : int
    random_state : int
        Seed of the weights, batches and reparametrisation noise.

    Attributes
    ----------
    alignment_ : PCAAlignment
    encoder_, decoder_ : keras.Model
    log_gamma_ : ndarray (N,)
        Learned log-variances of p(w | u).
    history_ : dict
        Training loss (negative ELBO per point, KL weighted) per epoch.
    """

    def __init__(self, latent_dim=64, hidden=512, epochs=40, batch_size=128, learning_rate=1e-3,
                 n_importance=64, random_state=0):
        self.latent_dim = latent_dim
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_importance = n_importance
        self.random_state = random_state

    def _check_params(self):
        check_training(self, ("latent_dim", "hidden", "epochs", "batch_size", "n_importance"))

    def _fit(self, z):
        import keras

        keras.utils.set_random_seed(self.random_state)
        w = self._fit_frame(z).astype(np.float32)
        encoder, decoder, NegativeELBO = _vae(w.shape[1], self.latent_dim, self.hidden)
        x = keras.Input((w.shape[1],))
        mean, log_var = encoder(x)
        elbo = NegativeELBO(self.random_state, name="negative_elbo")
        model = keras.Model(x, elbo([x, mean, log_var]))
        compile_density(model, keras.optimizers.Adam(self.learning_rate))
        warmup = max(self.epochs // 3, 1)      # KL weight 0 -> 1 (posterior collapse otherwise)
        anneal = keras.callbacks.LambdaCallback(
            on_epoch_begin=lambda epoch, logs: elbo.beta.assign(min(1.0, epoch / warmup)))
        history = model.fit(w, epochs=self.epochs, batch_size=self.batch_size, shuffle=True,
                            verbose=0, callbacks=[anneal])
        self.encoder_, self.decoder_ = encoder, decoder
        self.log_gamma_ = np.asarray(elbo.log_gamma, dtype=np.float64)
        self.history_ = {"loss": [float(v) for v in history.history["loss"]]}

    def _sample(self, n_samples, rng):
        u = rng.standard_normal((n_samples, self.latent_dim)).astype(np.float32)
        w_mean = np.asarray(self.decoder_.predict_on_batch(u), dtype=np.float64)
        w = w_mean + np.exp(0.5 * self.log_gamma_) * rng.standard_normal(w_mean.shape)
        return self.alignment_.unwhiten(w)

    def _log_density(self, z):
        from scipy.special import logsumexp

        w = self.alignment_.whiten(z)
        mean, log_var = (np.asarray(a, dtype=np.float64)
                         for a in self.encoder_.predict_on_batch(w.astype(np.float32)))
        rng = np.random.default_rng(self.random_state)
        gamma = np.exp(self.log_gamma_)
        terms = np.empty((len(w), self.n_importance))
        for k in range(self.n_importance):
            eps = rng.standard_normal(mean.shape)
            u = mean + np.exp(0.5 * log_var) * eps
            w_mean = np.asarray(self.decoder_.predict_on_batch(u.astype(np.float32)), np.float64)
            log_p_w = -0.5 * np.sum((w - w_mean) ** 2 / gamma + self.log_gamma_ + np.log(2 * np.pi),
                                    axis=1)
            log_p_u = -0.5 * np.sum(u ** 2 + np.log(2 * np.pi), axis=1)
            log_q_u = -0.5 * np.sum(eps ** 2 + log_var + np.log(2 * np.pi), axis=1)
            terms[:, k] = log_p_w + log_p_u - log_q_u
        return logsumexp(terms, axis=1) - np.log(self.n_importance) + self._frame_log_jacobian()
