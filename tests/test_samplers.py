"""Samplers of statistical latent vectors: shapes, seeds, ranges, validation, league keys.

The scikit-learn conventions every sampler follows are checked in
tests/test_estimator_conventions.py."""

import numpy as np
import pytest

from aelatent.errors import ConfigError, NotFittedError
from aelatent.samplers import (SAMPLERS, CommonIntervalSampler, ComponentGaussianSampler,
                               ComponentIntervalSampler, GMMSampler,
                               NormalSampler, make_sampler)
from aelatent.stats import component_stats, uniform_radius_mean

N = 12


@pytest.fixture(scope="module")
def z():
    """Correlated, off-origin Gaussian z-points (1000 x 12)."""
    rng = np.random.default_rng(1)
    mix = rng.normal(size=(N, N)) * 0.4 + np.eye(N)
    return (rng.normal(size=(1000, N)) @ mix + np.linspace(-3, 3, N)).astype(np.float32)


ALL = [NormalSampler(), CommonIntervalSampler(1.5), ComponentIntervalSampler(0.5),
       ComponentGaussianSampler(), GMMSampler(n_components=3)]


@pytest.mark.parametrize("sampler", ALL, ids=lambda s: type(s).__name__)
def test_shape_dtype_and_seeds(sampler, z):
    assert sampler.fit(z) is sampler
    a = sampler.sample(50, random_state=3)
    assert a.shape == (50, N) and a.dtype == np.float32 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, sampler.sample(50, random_state=3))
    assert not np.allclose(a, sampler.sample(50, random_state=4))
    assert sampler.sample(1, random_state=0).shape == (1, N)


@pytest.mark.parametrize("sampler", ALL, ids=lambda s: type(s).__name__)
def test_sample_before_fit_and_bad_n(sampler, z):
    fresh = type(sampler)(**sampler.get_params())
    with pytest.raises(NotFittedError, match="not fitted"):
        fresh.sample(5)
    fresh.fit(z)
    for n in (0, -3, 2.5, True):
        with pytest.raises(ConfigError, match="n_samples"):
            fresh.sample(n)


def test_common_interval_range_and_radius(z):
    s = CommonIntervalSampler(b=2.0).fit(z)
    x = s.sample(4000, random_state=0)
    assert x.min() >= -2.0 and x.max() <= 2.0
    assert x.min() < -1.95 and x.max() > 1.95          # fills the interval
    radius = np.linalg.norm(x, axis=1).mean()
    assert radius == pytest.approx(uniform_radius_mean(2.0, N), rel=0.03)
    assert s.expected_radius_ == pytest.approx(2.0 * np.sqrt(N / 3))


@pytest.mark.parametrize("b", [0, -1.0, np.nan, "2", None])
def test_common_interval_rejects_bad_b(b, z):
    sampler = CommonIntervalSampler(b)             # __init__ only stores the parameter
    with pytest.raises(ConfigError, match="b "):
        sampler.fit(z)


def test_component_interval_ranges_respected(z):
    fact = 0.7
    s = ComponentIntervalSampler(fact).fit(z)
    stats = component_stats(z)
    np.testing.assert_allclose(s.mean_, stats.mean)
    np.testing.assert_allclose(s.halfwidth_, stats.halfwidth)
    x = s.sample(3000, random_state=1).astype(np.float64)
    low, high = stats.mean - fact * stats.halfwidth, stats.mean + fact * stats.halfwidth
    np.testing.assert_allclose(s.low_, low)
    np.testing.assert_allclose(s.high_, high)
    assert (x >= low - 1e-5).all() and (x <= high + 1e-5).all()
    # each component spreads over its own interval, not a common one
    np.testing.assert_allclose(x.min(axis=0), low, atol=0.02 * (high - low).max())
    np.testing.assert_allclose(x.max(axis=0), high, atol=0.02 * (high - low).max())
    # independent components: correlations of the sample are near zero
    corr = np.corrcoef(x, rowvar=False)
    assert np.abs(corr[~np.eye(N, dtype=bool)]).max() < 0.1


def test_component_interval_fact_zero_is_the_centre(z):
    x = ComponentIntervalSampler(0.0).fit(z).sample(3, random_state=0)
    np.testing.assert_allclose(x, np.broadcast_to(z.astype(np.float64).mean(axis=0), x.shape),
                               atol=1e-5)


@pytest.mark.parametrize("fact", [-0.1, -1, np.inf, "0.5"])
def test_component_interval_rejects_bad_fact(fact, z):
    with pytest.raises(ConfigError, match="fact"):
        ComponentIntervalSampler(fact).fit(z)


def test_set_params_is_validated_at_fit_and_sample(z):
    s = ComponentIntervalSampler(0.5).fit(z)
    s.set_params(fact=-2)
    with pytest.raises(ConfigError, match="fact"):
        s.sample(3)
    with pytest.raises(ConfigError, match="fact"):
        s.fit(z)


def test_component_gaussian_moments(z):
    x = ComponentGaussianSampler().fit(z).sample(20000, random_state=0)
    np.testing.assert_allclose(x.mean(axis=0), z.mean(axis=0), atol=0.05)
    np.testing.assert_allclose(x.std(axis=0), z.std(axis=0), rtol=0.03)


def test_normal_sampler_is_standard_normal(z):
    x = NormalSampler().fit(z).sample(20000, random_state=0)
    np.testing.assert_allclose(x.mean(axis=0), 0, atol=0.05)
    np.testing.assert_allclose(x.std(axis=0), 1, atol=0.03)


def test_gmm_sampler_reproduces_correlations(z):
    s = GMMSampler(n_components=2, random_state=0).fit(z)
    x = s.sample(20000, random_state=0)
    np.testing.assert_allclose(x.mean(axis=0), z.mean(axis=0), atol=0.1)
    np.testing.assert_allclose(np.cov(x, rowvar=False), np.cov(z, rowvar=False), atol=0.15)
    # seeded fit: refitting gives the same mixture
    again = GMMSampler(n_components=2, random_state=0).fit(z)
    np.testing.assert_allclose(again.mixture_.means_, s.mixture_.means_)


def test_gmm_fits_with_one_blas_thread_and_gives_the_threads_back(z, monkeypatch):
    # EM runs and scores under one BLAS thread (its small products are faster so), only inside
    # the fit and the density: the process's thread count is the same after, and the mixture
    # equals scikit-learn's own fit without the limit to float rounding
    from sklearn.mixture import GaussianMixture
    from threadpoolctl import threadpool_info

    before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    seen = []
    real_fit = GaussianMixture.fit
    monkeypatch.setattr(GaussianMixture, "fit", lambda self, x: seen.append(
        [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]) or real_fit(self, x))
    s = GMMSampler(n_components=3, random_state=0).fit(z)
    assert seen and all(count == 1 for count in seen[0])
    assert [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"] == before
    plain = real_fit(GaussianMixture(3, reg_covar=s.reg_covar, random_state=0),
                     z.astype(np.float64))
    np.testing.assert_allclose(s.mixture_.means_, plain.means_, rtol=1e-9, atol=1e-9)


def test_gmm_rejects_bad_components(z):
    with pytest.raises(ConfigError, match="n_components"):
        GMMSampler(n_components=0).fit(z)
    with pytest.raises(ConfigError, match="z-points"):
        GMMSampler(n_components=10).fit(z[:15])


def test_fit_rejects_bad_z():
    with pytest.raises(ConfigError, match="shape"):
        NormalSampler().fit(np.zeros(5))
    bad = np.zeros((4, 3))
    bad[1, 1] = np.nan
    with pytest.raises(ConfigError, match="NaN"):
        ComponentGaussianSampler().fit(bad)


def test_league_keys(z):
    assert {"normal", "common_b1.5", "component_fact0.5", "component_fact1.0",
            "component_gauss", "gmm10"} <= set(SAMPLERS)
    # every key is fitted and sampled in test_estimator_conventions.py
    assert isinstance(make_sampler("normal"), NormalSampler)
    assert make_sampler("common_b1.5").b == 1.5
    assert make_sampler("component_fact1.0").fact == 1.0
    assert make_sampler("gmm10").n_components == 10
    assert isinstance(make_sampler("component_gauss"), ComponentGaussianSampler)
    # fresh, unfitted objects every time
    assert make_sampler("normal") is not make_sampler("normal")
    assert make_sampler("component_fact0.7").fact == 0.7
    assert make_sampler("common_b5").b == 5.0
    for key in ("uniform", "common_bx", "gmm"):
        with pytest.raises(ConfigError, match="unknown sampler key"):
            make_sampler(key)
    with pytest.raises(ConfigError, match="b "):
        make_sampler("common_b-1")


def test_gmm_fits_large_clouds_on_a_seeded_subsample(z):
    assert len(z) > 100
    a = GMMSampler(n_components=2, max_fit_points=100).fit(z)
    b = GMMSampler(n_components=2, max_fit_points=100).fit(z)
    full = GMMSampler(n_components=2).fit(z)
    np.testing.assert_array_equal(a.mixture_.means_, b.mixture_.means_)
    assert not np.allclose(a.mixture_.means_, full.mixture_.means_)
    assert a.sample(50, random_state=1).shape == (50, z.shape[1])
    with pytest.raises(ConfigError, match="max_fit_points"):
        GMMSampler(n_components=2, max_fit_points=3).fit(z)
