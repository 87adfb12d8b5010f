"""A diffusion prior on the z-points: an MLP denoiser, sampled by DDIM (Song et al. 2021).

It models all principal axes jointly, so it may learn the dependence of the
small axes on the large ones by itself -- or memorise the training z-points,
which the league's copy check shows.
"""

from __future__ import annotations

import numpy as np

from ..validation import check_int, check_real
from .base import (LatentSampler, WhitenedFrameMixin, check_training, compile_density,
                   held_out_tenth, trained)

#: Passes over the training points per round of training (one Keras fit call, new noise for
#: each pass, then the held-out loss): rounds keep Keras's per-call overhead small.
PASSES_PER_ROUND = 10

#: Signal rates at diffusion times 1 and 0 of the cosine schedule. keras-io's DDIM example ends
#: at 0.95 and returns the denoiser's estimate from there, the posterior *mean* of a sample: for
#: a Gaussian that has 0.93 x its standard deviation at 50 steps. This schedule runs to the data
#: itself (signal rate 1), so the last step lands on a sample.
MIN_SIGNAL_RATE, MAX_SIGNAL_RATE = 0.02, 1.0

#: DDIM steps per sample by default. With the exact Gaussian denoiser each step scales x by
#: cos(step angle) (a first-order integrator of a flow that keeps x fixed): over the schedule's
#: arccos(0.02) = 1.55 rad, 100 steps keep 98.8 % of the spread, 50 steps 97.6 %.
N_STEPS = 100


def _denoiser(n_features, hidden, n_layers, embedding_dims=32):
    """An MLP that predicts the noise of a noisy vector from it and its noise variance.

    The noise variance enters through a sinusoidal embedding (as keras-io's DDIM
    example does for images), concatenated with the vector; residual dense
    blocks with SiLU; the output layer starts at zero.
    """
    import keras
    from keras import ops

    frequencies = np.exp(np.linspace(np.log(1.0), np.log(1000.0), embedding_dims // 2))
    angular = (2.0 * np.pi * frequencies).astype(np.float32)

    x = keras.Input((n_features,), name="noisy")
    variance = keras.Input((1,), name="noise_variance")
    embedding = keras.layers.Lambda(
        lambda v: ops.concatenate([ops.sin(angular * v), ops.cos(angular * v)], axis=-1),
        output_shape=(embedding_dims,), name="noise_embedding")(variance)
    h = keras.layers.Dense(hidden, name="inputs")(keras.layers.Concatenate()([x, embedding]))
    for i in range(n_layers):
        block = keras.layers.Dense(hidden, activation="silu", name=f"block{i}_a")(h)
        block = keras.layers.Dense(hidden, name=f"block{i}_b")(block)
        h = keras.layers.Add()([h, block])
    correction = keras.layers.Dense(n_features, kernel_initializer="zeros", name="correction")(
        keras.layers.Activation("silu")(h))
    # for whitened (unit-variance) data E[noise | noisy] of a Gaussian is noise_rate * noisy: the
    # MLP learns the correction to it, so the untrained prior is the multivariate normal
    gaussian = keras.layers.Lambda(lambda args: ops.sqrt(args[1]) * args[0],
                                   output_shape=(n_features,), name="gaussian")([x, variance])
    return keras.Model([x, variance], keras.layers.Add(name="noise")([gaussian, correction]),
                       name="denoiser")


def _rates(times):
    """NumPy noise and signal rates of the cosine schedule (float32)."""
    start, end = np.arccos(MAX_SIGNAL_RATE), np.arccos(MIN_SIGNAL_RATE)
    angles = start + times * (end - start)
    return np.sin(angles).astype(np.float32), np.cos(angles).astype(np.float32)


def noised(w, rng, copies=1):
    """Denoiser examples of points ``w``: ((noisy points, noise variances), noises).

    Each point ``copies`` times, at a diffusion time uniform in [0, 1] and with
    standard normal noise, both drawn from ``rng``.
    """
    w = np.repeat(np.asarray(w, dtype=np.float32), copies, axis=0)
    noise = rng.standard_normal(w.shape).astype(np.float32)
    noise_rates, signal_rates = _rates(rng.uniform(size=(len(w), 1)))
    return (signal_rates * w + noise_rates * noise, noise_rates ** 2), noise


class DiffusionSampler(WhitenedFrameMixin, LatentSampler):
    """A denoising-diffusion prior fitted to the whitened z-points, sampled by DDIM.

    Training follows keras-io's "Denoising Diffusion Implicit Models" example
    (continuous diffusion times, cosine schedule, a network that predicts the
    noise, mean squared error) with a residual MLP in place of the U-Net that
    learns the correction to the Gaussian's noise estimate ``noise_rate * x``
    (so the untrained prior is the multivariate normal). Every epoch draws new
    times and noise for the training points; a seeded held-out tenth, noised
    once (8 times over), gives a fixed loss to stop on after every round of
    :data:`PASSES_PER_ROUND` passes: training stops ``patience`` rounds after it
    last fell and keeps the best round's weights. Sampling starts from N(0, ``noise_scale``^2 I) and takes
    ``n_steps`` deterministic DDIM steps; the result is unwhitened.

    Parameters
    ----------
    hidden, n_layers : int
        Width and number of residual blocks of the denoiser.
    epochs : int
        Passes over the training points at most (in rounds of :data:`PASSES_PER_ROUND`).
    batch_size : int
    learning_rate : float
    patience : int
        Rounds without a lower held-out loss before training stops.
    n_steps : int
        DDIM steps per sample (:data:`N_STEPS`: the untrained prior's samples keep 98.8 % of
        the multivariate normal's spread).
    noise_scale : float > 0
        Standard deviation of the starting noise (1: the model's own prior;
        below 1 draws toward the modes -- the knob of the quality-novelty frontier).
    random_state : int

    Attributes
    ----------
    alignment_ : PCAAlignment
    denoiser_ : keras.Model
    history_ : dict
        ``loss`` and ``val_loss`` per round.
    """

    def __init__(self, hidden=256, n_layers=2, epochs=100, batch_size=128, learning_rate=1e-3,
                 patience=8, n_steps=N_STEPS, noise_scale=1.0, random_state=0):
        self.hidden = hidden
        self.n_layers = n_layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.n_steps = n_steps
        self.noise_scale = noise_scale
        self.random_state = random_state

    def _check_params(self):
        check_training(self, ("hidden", "n_layers", "epochs", "batch_size", "patience", "n_steps"))
        check_real(self.noise_scale, "noise_scale", low=0, low_open=True,
                   what="the standard deviation of the starting noise")
        check_int(self.random_state, "random_state", minimum=0)

    def _fit(self, z):
        import keras

        keras.utils.set_random_seed(self.random_state)
        w = self._fit_frame(z).astype(np.float32)
        denoiser = _denoiser(w.shape[1], self.hidden, self.n_layers)
        compile_density(denoiser, keras.optimizers.AdamW(self.learning_rate), loss="mse")
        rng = np.random.default_rng(self.random_state)
        held, rest = held_out_tenth(len(w), rng)
        validation = noised(w[held], rng, copies=8)
        self.history_ = {"loss": [], "val_loss": []}
        best, best_weights, waited = np.inf, denoiser.get_weights(), 0
        for _ in range(int(np.ceil(self.epochs / PASSES_PER_ROUND))):
            inputs, noise = noised(w[rest], rng, copies=PASSES_PER_ROUND)   # one round
            fit = denoiser.fit(inputs, noise, batch_size=self.batch_size, epochs=1, shuffle=True,
                               verbose=0)
            val_loss = float(denoiser.evaluate(*validation, batch_size=1024, verbose=0))
            self.history_["loss"].append(float(fit.history["loss"][0]))
            self.history_["val_loss"].append(val_loss)
            if val_loss < best:
                best, best_weights, waited = val_loss, denoiser.get_weights(), 0
            else:
                waited += 1
                if waited >= self.patience:
                    break
        denoiser.set_weights(best_weights)
        self.denoiser_ = trained(denoiser)

    def denoise(self, w_noisy, n_steps=None):
        """DDIM's deterministic reverse diffusion from pure noise (whitened frame), to time 0.

        The last step goes to signal rate 1, where the point is its own signal.
        """
        n_steps = check_int(self.n_steps if n_steps is None else n_steps, "n_steps")
        x = np.asarray(w_noisy, dtype=np.float32)
        ones = np.ones((len(x), 1), np.float32)
        for step in range(n_steps):
            noise_rates, signal_rates = _rates(ones * (1.0 - step / n_steps))
            noise = np.asarray(self.denoiser_.predict_on_batch([x, noise_rates ** 2]))
            signal = (x - noise_rates * noise) / signal_rates
            next_noise, next_signal = _rates(ones * (1.0 - (step + 1) / n_steps))
            x = next_signal * signal + next_noise * noise
        return x

    def _sample(self, n_samples, rng):
        start = self.noise_scale * rng.standard_normal((n_samples, self.n_features_in_))
        return self.alignment_.unwhiten(self.denoise(start).astype(np.float64))
