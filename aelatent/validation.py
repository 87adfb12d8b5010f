"""Checks of parameters and fitted state, shared by every estimator of the package.

The estimators follow scikit-learn's manners: ``__init__`` stores its
parameters as given, ``fit`` checks them with the helpers below (so
``set_params`` and :func:`sklearn.base.clone` work on anything), and methods
of a fitted object call :func:`check_fitted`. Every failed check is a
:class:`~aelatent.errors.ConfigError` (or :class:`~aelatent.errors.NotFittedError`)
whose message names the parameter, what it must be and what it was.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import ConfigError, NotFittedError


def _label(name, what):
    return f"{name} ({what})" if what else name


def check_points(x, name="z", min_rows=1, n_features=None, dtype=np.float64, hint=""):
    """``x`` as a finite 2-D float array of shape (n >= ``min_rows``, N): the one array check.

    Parameters
    ----------
    x : array-like
        Points, one per row (a single 1-D point becomes one row).
    name : str
        Name for the message.
    min_rows : int
    n_features : int, optional
        The number of components N the points must have.
    dtype : numpy dtype or None
        Convert to it; ``None`` keeps a float dtype (others become float64).
    hint : str
        Appended to the NaN/inf message (what the caller needs finite points for).
    """
    x = np.asarray(x)
    if x.ndim == 1 and min_rows <= 1:
        x = x[None, :]
    if dtype is not None:
        x = x.astype(dtype, copy=False)
    elif not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    if x.ndim != 2 or len(x) < min_rows:
        raise ConfigError(f"{name} must be an array of shape (n >= {min_rows}, N), got {x.shape}.")
    if n_features is not None and x.shape[1] != n_features:
        raise ConfigError(f"{name} must have {n_features} components, got {x.shape[1]}.")
    if not np.isfinite(x).all():
        raise ConfigError(f"{name} contains NaN or inf values{hint}.")
    return x


def check_int(value, name, minimum=1, maximum=None, what=""):
    """``value`` as a Python int in [minimum, maximum]; bools and non-integers are refused.

    Parameters
    ----------
    value : object
    name : str
        Parameter name for the message.
    minimum, maximum : int or None
        Inclusive bounds (``None``: unbounded).
    what : str
        A few words on what the number counts, for the message.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ConfigError(f"{_label(name, what)} must be an integer, got {value!r}.")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        bounds = (f">= {minimum}" if maximum is None else
                  f"<= {maximum}" if minimum is None else f"in [{minimum}, {maximum}]")
        raise ConfigError(f"{_label(name, what)} must be an integer {bounds}, got {value!r}.")
    return int(value)


def check_real(value, name, low=None, high=None, low_open=False, high_open=False, what=""):
    """``value`` as a finite float in the interval given by ``low``/``high``.

    ``low_open``/``high_open`` exclude the bound itself (e.g. ``low=0,
    low_open=True`` for "positive").
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(float(value)):
        raise ConfigError(f"{_label(name, what)} must be a finite number, got {value!r}.")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        parts = ([f"{'>' if low_open else '>='} {low:g}"] if low is not None else []) \
            + ([f"{'<' if high_open else '<='} {high:g}"] if high is not None else [])
        raise ConfigError(f"{_label(name, what)} must be a number {' and '.join(parts)}, "
                          f"got {value!r}.")
    return value


def check_option(value, name, options):
    """``value`` if it is one of ``options`` (compared with ``==``)."""
    if not any(value is option or (option is not None and value == option) for option in options):
        raise ConfigError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}.")
    return value


def check_fitted(estimator, attribute="n_features_in_"):
    """Raise :class:`~aelatent.errors.NotFittedError` unless ``estimator`` has ``attribute``."""
    if not hasattr(estimator, attribute):
        name = type(estimator).__name__
        raise NotFittedError(f"this {name} is not fitted yet; call {name}(...).fit(z) with the "
                             "run's z-points (e.g. run.z_train) first.")


def check_n_features(estimator, x, name="points"):
    """Raise ConfigError unless ``x`` has the fitted number of columns."""
    n = estimator.n_features_in_
    if np.ndim(x) != 2 or np.shape(x)[1] != n:
        raise ConfigError(f"{name} must have {n} components (the fitted dimension), got "
                          f"shape {np.shape(x)}.")
