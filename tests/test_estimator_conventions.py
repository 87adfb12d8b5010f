"""scikit-learn manners of every estimator of the package: samplers, Gaussian, PCA, index, directions.

``__init__`` stores its parameters only (checked by scikit-learn's own
estimator checks), the parameters survive ``clone``/``get_params``/``set_params``,
out-of-range parameters fail in ``fit`` (not in ``__init__``) with a
ConfigError, and an unfitted estimator raises a NotFittedError that both
scikit-learn's and the project's error classes catch.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn.exceptions
from sklearn.base import clone
from sklearn.utils import estimator_checks

from aelatent.directions import AttributeDirections
from aelatent.errors import AelatentError, ConfigError, NotFittedError
from aelatent.neighbours import NearestNeighbours
from aelatent.pca import PCAAlignment
from aelatent.samplers import SAMPLERS, LatentSampler, make_sampler
from aelatent.stats import LatentGaussian

N = 6


@pytest.fixture(scope="module")
def z():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(300, N)) @ (np.eye(N) + 0.3 * rng.normal(size=(N, N)))
            + 2.0).astype(np.float32)


def _labels(z):
    return pd.DataFrame({"a": (z[:, 0] > np.median(z[:, 0])).astype(int)})


#: Estimators, how to fit and use each one, and one out-of-range parameter per estimator.
OTHERS = {
    "LatentGaussian": (LatentGaussian, lambda e, z: e.fit(z), lambda e, z: e.mahalanobis(z),
                       {"core_quantile": 1.5}),
    "PCAAlignment": (PCAAlignment, lambda e, z: e.fit(z), lambda e, z: e.transform(z),
                     {"scale": "variance"}),
    "NearestNeighbours": (NearestNeighbours, lambda e, z: e.fit(z), lambda e, z: e.kneighbors(z),
                          {"k": 0}),
    "AttributeDirections": (AttributeDirections, lambda e, z: e.fit(z, _labels(z)),
                            lambda e, z: e.direction("a"), {"min_count": True}),
}
BAD_SAMPLER_PARAMS = {"common_b1.5": {"b": -1.0}, "component_fact0.5": {"fact": -0.5},
                      "component_fact1.0": {"fact": "1"}, "gmm10": {"n_components": 0},
                      "pca_aligned": {"confidence": 1.0}, "knn_corrected": {"alpha": 2.0}}
ESTIMATORS = {**{key: (lambda key=key: make_sampler(key)) for key in SAMPLERS},
              **{name: spec[0] for name, spec in OTHERS.items()}}


def _fit(name, estimator, z):
    return OTHERS[name][1](estimator, z) if name in OTHERS else estimator.fit(z)


def _use(name, estimator, z):
    return OTHERS[name][2](estimator, z) if name in OTHERS else estimator.sample(3, random_state=0)


def _comparable(params):
    return {k: type(v).__name__ if hasattr(v, "get_params") else v for k, v in params.items()}


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_init_stores_parameters_only(name):
    estimator = ESTIMATORS[name]()
    cls = type(estimator).__name__
    estimator_checks.check_no_attributes_set_in_init(cls, estimator)
    estimator_checks.check_get_params_invariance(cls, estimator)
    estimator_checks.check_set_params(cls, estimator)
    estimator_checks.check_parameters_default_constructible(cls, estimator)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_clone_keeps_parameters_and_drops_the_fit(name, z):
    estimator = ESTIMATORS[name]()
    assert _fit(name, estimator, z) is estimator
    copy = clone(estimator)
    # nested estimators (e.g. the density of a PCAMixtureSampler's leading axes) are cloned too:
    # the same class with the same parameters, which get_params(deep=True) lists as mixture__*
    assert _comparable(copy.get_params()) == _comparable(estimator.get_params())
    assert not hasattr(copy, "n_features_in_")
    assert estimator.n_features_in_ == N
    assert not hasattr(estimator, "n_features")          # one name for the dimension


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_unfitted_use_raises_not_fitted(name, z):
    estimator = ESTIMATORS[name]()
    for caught in (NotFittedError, sklearn.exceptions.NotFittedError, AelatentError):
        with pytest.raises(caught, match="not fitted"):
            _use(name, estimator, z)


@pytest.mark.parametrize("name", [n for n in ESTIMATORS if n in BAD_SAMPLER_PARAMS or n in OTHERS])
def test_bad_parameters_fail_in_fit_not_in_init(name, z):
    bad = OTHERS[name][3] if name in OTHERS else BAD_SAMPLER_PARAMS[name]
    estimator = ESTIMATORS[name]().set_params(**bad)         # no error yet
    (parameter,) = bad
    with pytest.raises(ConfigError, match=parameter):
        _fit(name, estimator, z)


def test_every_sampler_class_is_in_the_league_registry():
    import aelatent.samplers as samplers

    exported = [getattr(samplers, n) for n in samplers.__all__]
    sampler_classes = {c for c in exported if isinstance(c, type) and issubclass(c, LatentSampler)
                       and c is not LatentSampler}
    registered = {type(make_sampler(key)) for key in SAMPLERS}
    # the re-encoding wrapper needs an autoencoder: the league reaches it by a key's suffix
    from types import SimpleNamespace
    autoencoder = SimpleNamespace(encode=lambda images: images, decode=lambda z: z)
    registered.add(type(make_sampler("mvn_reencoded", autoencoder=autoencoder)))
    assert sampler_classes == registered


@pytest.mark.parametrize("key", list(SAMPLERS))
def test_sample_follows_kernel_density_signature(key, z):
    sampler = make_sampler(key).fit(z)
    a = sampler.sample(n_samples=4, random_state=7)
    np.testing.assert_array_equal(a, sampler.sample(4, random_state=np.random.default_rng(7)))
    assert sampler.sample().shape == (1, N)                 # n_samples defaults to 1
    assert not np.array_equal(sampler.sample(4, random_state=None),
                              sampler.sample(4, random_state=None))
