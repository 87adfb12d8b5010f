"""ReencodedSampler: another sampler's vectors passed once more through an autoencoder."""

import numpy as np
import pytest

from aelatent.errors import ConfigError
from aelatent.samplers import ReencodedSampler, make_sampler


class Halving:
    """An autoencoder stand-in whose encoding of a decoded vector is half the vector."""

    def decode(self, z):
        return 2.0 * np.asarray(z, np.float64) + 1.0

    def encode(self, images):
        return 0.25 * (np.asarray(images) - 1.0)


def cloud(n=400, seed=0):
    return np.random.default_rng(seed).normal(3.0, [1.0, 2.0, 0.5, 1.5], size=(n, 4))


def test_vectors_pass_through_the_autoencoder_as_often_as_asked():
    ae, z = Halving(), cloud()
    inner = make_sampler("mvn").fit(z)
    drawn = inner.sample(50, random_state=3)
    once = ReencodedSampler(inner).bind(ae).fit(z).sample(50, random_state=3)
    assert np.allclose(once, ae.encode(ae.decode(drawn)))
    twice = ReencodedSampler(inner, passes=2).bind(ae).fit(z).sample(50, random_state=3)
    assert np.allclose(twice, ae.encode(ae.decode(once)))
    assert not np.allclose(once, drawn)


def test_the_inner_sampler_is_fitted_once_and_shared():
    z = cloud()
    inner = make_sampler("mvn")
    sampler = ReencodedSampler(inner).bind(Halving()).fit(z)
    assert sampler.sampler is inner and hasattr(inner, "n_features_in_")
    mean = inner.mean_.copy()
    sampler.fit(cloud(seed=1) + 10)              # a fitted inner sampler is not fitted again
    assert np.array_equal(inner.mean_, mean)


def test_clear_errors_without_an_autoencoder_or_a_sampler():
    z = cloud()
    with pytest.raises(ConfigError, match=r"bind\(run\)"):
        ReencodedSampler(make_sampler("mvn")).fit(z).sample(5)
    with pytest.raises(ConfigError, match="encode"):
        ReencodedSampler(make_sampler("mvn")).bind(object())
    with pytest.raises(ConfigError, match="sampler whose vectors"):
        ReencodedSampler().fit(z)
    with pytest.raises(ConfigError, match="passes"):
        ReencodedSampler(make_sampler("mvn"), passes=0).fit(z)


def test_reencoded_keys_need_the_autoencoder_and_keep_the_inner_parameters():
    with pytest.raises(ConfigError, match="autoencoder"):
        make_sampler("conditional_tau0.5_reencoded")
    ae = Halving()
    sampler = make_sampler("conditional_tau0.5_reencoded", autoencoder=ae)
    assert isinstance(sampler, ReencodedSampler) and sampler.autoencoder_ is ae
    assert sampler.sampler.trailing == "neighbours" and sampler.sampler.trailing_scale == 0.5
    # stored results are keyed by the parameters: the inner sampler's are among them, the
    # autoencoder is not (the run's model files key them)
    params = sampler.get_params(deep=True)
    assert params["sampler__trailing_scale"] == 0.5 and params["passes"] == 1
    assert not any(value is ae for value in params.values())
    with pytest.raises(ConfigError, match="unknown sampler key"):
        make_sampler("no_such_reencoded", autoencoder=ae)
    # a number after the suffix counts the passes
    twice = make_sampler("conditional_tau0.5_reencoded2", autoencoder=ae)
    assert twice.passes == 2 and twice.sampler.trailing_scale == 0.5
    with pytest.raises(ConfigError, match="passes"):
        make_sampler("mvn_reencoded0", autoencoder=ae)
    with pytest.raises(ConfigError, match="unknown sampler key"):
        make_sampler("mvn_reencodedx", autoencoder=ae)
