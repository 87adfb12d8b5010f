"""Exceptions that tell a user what was wrong and what to do about it."""

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError


class AelatentError(Exception):
    """Base class of every error the project raises on purpose."""


class DataError(AelatentError, ValueError):
    """A data folder, image file or label file cannot be used."""


class ConfigError(AelatentError, ValueError):
    """A parameter is out of range or a run folder does not match the request."""


class NotFittedError(AelatentError, _SklearnNotFittedError):
    """An estimator (sampler, Gaussian, PCA, index) was used before ``fit``.

    Both ``except aelatent.errors.AelatentError`` and scikit-learn's
    ``except sklearn.exceptions.NotFittedError`` catch it.
    """


class RunBusyError(AelatentError, RuntimeError):
    """Another process holds the lock of a run folder."""
