"""The interface every sampler shares: ``fit(z)``, then ``sample(n_samples, random_state)``."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator

from ..stats import check_sample
from .. import validation
from ..validation import check_fitted, check_int, check_n_features, check_real


class LatentSampler(BaseEstimator):
    """Base class: ``fit(z)`` learns what the sampler needs from z-points,
    ``sample(n_samples, random_state)`` draws latent vectors.

    As in scikit-learn, ``__init__`` of a subclass only stores its parameters;
    they are checked in :meth:`fit` and again in :meth:`sample` (a parameter
    changed with ``set_params`` after the fit -- e.g. by a slider -- is checked
    before it is used).

    Subclasses implement ``_fit(z)`` (z is a validated float64 array),
    ``_sample(n_samples, rng)`` (``rng`` a :class:`numpy.random.Generator`) and
    ``_check_params()``.

    Attributes
    ----------
    n_features_in_ : int
        Dimension N of the fitted z-points.
    """

    def _check_params(self):
        """Raise ConfigError for out-of-range parameters (default: nothing to check)."""

    def fit(self, z, y=None):
        """Learn from z-points.

        Parameters
        ----------
        z : array, shape (n, N)
            z-points of real images (e.g. ``run.z_train``).
        y : ignored

        Returns
        -------
        self
        """
        self._check_params()
        z = check_sample(z, "z")
        self.n_features_in_ = z.shape[1]
        self._fit(z)
        return self

    def _fit(self, z):
        pass

    def sample(self, n_samples=1, random_state=None):
        """Draw latent vectors.

        Parameters
        ----------
        n_samples : int
            Number of vectors, > 0.
        random_state : int, numpy.random.Generator or None
            Seed of :func:`numpy.random.default_rng`; the same seed gives the
            same vectors (``None``: fresh entropy, different every call).

        Returns
        -------
        ndarray, float32, shape (n_samples, N)

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        """
        n_samples = check_int(n_samples, "n_samples", what="the number of vectors to sample")
        check_fitted(self)
        self._check_params()
        out = self._sample(n_samples, np.random.default_rng(random_state))
        return np.asarray(out, dtype=np.float32)

    def _sample(self, n_samples, rng):
        raise NotImplementedError


class DensityMixin:
    """Samplers with a density: ``score_samples(z)`` gives the log density of points.

    Subclasses implement ``_log_density(z)`` (z a validated float64 array with
    the fitted number of components). As in scikit-learn,
    ``score(z)`` is the mean log density per point;
    :func:`held_out_log_likelihood` divides it by N.
    """

    def score_samples(self, z):
        """Log density of each point of ``z`` (n, N) under the fitted sampler; ndarray (n,)."""
        check_fitted(self)
        z = np.atleast_2d(np.asarray(z, dtype=np.float64))
        check_n_features(self, z, "z")
        z = validation.check_points(z, "z", hint="; log densities need finite points")
        return np.asarray(self._log_density(z), dtype=np.float64)

    def score(self, z, y=None):
        """Mean log density of the points ``z``."""
        return float(np.mean(self.score_samples(z)))

    @property
    def has_density(self):
        """Whether this configuration has a log density (a composite may lack one)."""
        return True


def held_out_log_likelihood(sampler, z):
    """Mean log density per dimension of held-out z-points, or NaN for a sampler without density.

    Parameters
    ----------
    sampler : LatentSampler, fitted
    z : array (n, N)
        z-points the sampler was not fitted on (e.g. ``run.z_val``).

    Returns
    -------
    float
        ``sampler.score(z) / N`` (nats per dimension; -inf when some point has
        density 0, e.g. outside a uniform box).
    """
    if not isinstance(sampler, DensityMixin) or not sampler.has_density:
        return float("nan")
    return sampler.score(z) / sampler.n_features_in_


class WhitenedFrameMixin:
    """For densities fitted in the whitened frame of the z-points.

    :meth:`_fit_frame` fits :class:`aelatent.pca.PCAAlignment` and returns the
    whitened points (unit variance along every principal axis);
    :meth:`_frame_log_jacobian` is the log-determinant of that map, which turns
    a log density in the frame into one of the z-points.
    """

    def _fit_frame(self, z):
        from ..pca import PCAAlignment
        self.alignment_ = PCAAlignment().fit(z)
        return self.alignment_.whiten(z)

    def _frame_log_jacobian(self):
        return -float(np.sum(np.log(self.alignment_.whitening_scale())))


def held_out_tenth(n, rng):
    """A seeded split of ``n`` points into a held-out tenth (at least one) and the rest.

    The Keras densities stop training when the loss of the held-out tenth stops falling.

    Returns
    -------
    held, rest : int arrays
    """
    order = rng.permutation(n)
    held = order[:max(n // 10, 1)]
    return held, order[len(held):]


def check_training(estimator, integers):
    """Check the positive integers ``integers`` and ``learning_rate`` of a Keras density."""
    for name in integers:
        check_int(getattr(estimator, name), name)
    check_real(estimator.learning_rate, "learning_rate", low=0, low_open=True)


#: Training batches per call of the compiled training function of a Keras density (Keras's
#: ``steps_per_execution``): their small MLPs spend much of a step in Python between calls. The
#: two-stage VAE and the flow train exactly as with one batch per call, the diffusion prior up to
#: float32 rounding (its sinusoidal embedding rounds differently inside the loop), which its
#: training amplifies as another CPU's rounding would (benchmarks/bench_sampler_fits.py).
STEPS_PER_CALL = 32


def compile_density(model, optimizer, **options):
    """``model.compile`` for training a Keras density, :data:`STEPS_PER_CALL` batches per call."""
    model.compile(optimizer=optimizer, steps_per_execution=STEPS_PER_CALL, **options)


def trained(model):
    """``model`` predicting one batch per call again, as a model compiled without
    :func:`compile_density` does (a multi-step predict function rounds differently)."""
    model.steps_per_execution = 1
    model.predict_function = None
    return model
