"""Multivariate normal fits, PCA alignment and the samplers of notebooks VIII and X."""

import numpy as np
import pytest
import scipy.stats

from aelatent.errors import ConfigError, NotFittedError
from aelatent.pca import (PCAAlignment, chi2_sentence, chi2_test, ellipse_coverage,
                          max_abs_offdiag_corr, normality_sentence, normality_table)
from aelatent.samplers import MultivariateNormalSampler, PCAAlignedSampler
from aelatent.stats import LatentGaussian

N = 8


def known_gaussian(n=20000, seed=0):
    """Correlated Gaussian points with a known, off-origin mean and covariance."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(N, N))
    cov = a @ a.T / N + 0.1 * np.eye(N)
    mean = rng.normal(3.0, 1.0, size=N)
    return mean, cov, rng.multivariate_normal(mean, cov, size=n)


def test_mvn_sampler_recovers_known_covariance():
    mean, cov, z = known_gaussian()
    sampler = MultivariateNormalSampler().fit(z)
    x = sampler.sample(20000, random_state=1)
    assert x.shape == (20000, N) and x.dtype == np.float32
    scale = np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert np.max(np.abs(np.cov(x, rowvar=False) - cov) / scale) < 0.05
    assert np.max(np.abs(x.mean(axis=0) - mean) / np.sqrt(np.diag(cov))) < 0.05
    np.testing.assert_array_equal(x[:5], sampler.sample(5, random_state=1)[:5])
    assert not np.array_equal(x[:5], sampler.sample(5, random_state=2))


def test_chi2_test_accepts_gaussian_rejects_uniform():
    _, _, z = known_gaussian()
    gaussian = LatentGaussian().fit(z)
    good = chi2_test(gaussian, z)
    assert good["ks"] < 0.03 and good["frac_within_q99"] == pytest.approx(0.99, abs=0.005)
    assert good["median_d2"] == pytest.approx(scipy.stats.chi2(N).median(), rel=0.05)
    uniform = np.random.default_rng(0).uniform(-1, 1, size=(5000, N)) ** 3   # heavy centre
    bad = chi2_test(LatentGaussian().fit(uniform), uniform)
    assert bad["ks"] > 3 * good["ks"]


def test_chi2_sentence_says_what_the_test_found():
    import pandas as pd

    _, _, z = known_gaussian()
    # a multivariate t (3 degrees of freedom): a peaked bulk and a heavy tail, like the z-points
    rng = np.random.default_rng(0)
    t3 = rng.normal(size=(5000, N)) / np.sqrt(rng.chisquare(3, size=(5000, 1)) / 3)
    tests = pd.DataFrame({"normal": chi2_test(LatentGaussian().fit(z), z),
                          "peaked": chi2_test(LatentGaussian().fit(t3), t3)}).T
    normal, peaked = chi2_sentence(tests, N).splitlines()
    assert normal.startswith("normal: d² is consistent with") and "no heavier upper tail" in normal
    assert "about where chi² predicts" in normal
    assert peaked.startswith("peaked: d² does not follow") and "closer to the centre" in peaked
    assert "a heavier upper tail" in peaked


def test_normality_sentence_separates_size_from_significance():
    _, _, z = known_gaussian()
    skewed = np.exp(z[:, :3] / z[:, :3].std(axis=0))
    said = normality_sentence({"gaussian": normality_table(z), "lognormal": normality_table(skewed)},
                              len(z)).splitlines()
    assert said[0].startswith("gaussian: close to normal one at a time") and "about what chance" in said[0]
    assert said[1].startswith("lognormal: far from normal") and "100% of them depart" in said[1]


def test_ellipse_coverage_matches_normal_law():
    _, _, z = known_gaussian()
    gaussian = LatentGaussian().fit(z)
    for k in (1, 2, 3):
        observed, expected = ellipse_coverage(gaussian, z, 0, 1, k)
        assert observed == pytest.approx(expected, abs=0.01)
    heavy = z.copy()
    heavy[:, 0] = gaussian.mean_[0] + (z[:, 0] - gaussian.mean_[0]) ** 3
    observed, expected = ellipse_coverage(LatentGaussian().fit(heavy), heavy, 0, 1, 1)
    assert observed > expected + 0.1       # a peaked, heavy-tailed cloud crowds the 1-sigma ellipse
    with pytest.raises(ConfigError, match="n_sigma"):
        ellipse_coverage(gaussian, z, 0, 1, 0)


def test_normality_table():
    _, _, z = known_gaussian()
    skewed = np.column_stack([z[:, 0], np.exp(z[:, 1] / z[:, 1].std())])
    table = normality_table(skewed, names=["gauss", "lognormal"])
    assert table.loc["gauss", "ks"] < 0.02 < table.loc["lognormal", "ks"]
    assert table.loc["lognormal", "skewness"] > 1 > abs(table.loc["gauss", "skewness"])


def test_pca_alignment_decorrelates_and_round_trips():
    _, cov, z = known_gaussian()
    assert max_abs_offdiag_corr(z) > 0.3
    alignment = PCAAlignment().fit(z)
    y = alignment.transform(z)
    assert max_abs_offdiag_corr(y) < 1e-6
    assert np.all(np.diff(alignment.explained_variance_) <= 0)
    np.testing.assert_allclose(alignment.explained_variance_, np.linalg.eigvalsh(cov)[::-1],
                               rtol=0.06)
    np.testing.assert_allclose(alignment.inverse_transform(y), z, atol=1e-8)
    assert 1 <= alignment.n_components_for(0.5) < alignment.n_components_for(0.99) <= N
    assert alignment.n_components_for(1.0) == N
    path = alignment.axis_path(0, steps=(-1, 0, 1))
    np.testing.assert_allclose(path[1], z.mean(axis=0))
    np.testing.assert_allclose(np.linalg.norm(path[2] - path[1]),
                               np.sqrt(alignment.explained_variance_[0]))
    corr_alignment = PCAAlignment("correlation").fit(z)
    np.testing.assert_allclose(corr_alignment.explained_variance_.sum(), N, rtol=1e-9)
    np.testing.assert_allclose(corr_alignment.inverse_transform(corr_alignment.transform(z[:3])),
                               z[:3], atol=1e-8)
    with pytest.raises(ConfigError, match="scale"):
        PCAAlignment("spectral").fit(z)


@pytest.mark.parametrize("restrict", [None, "ellipsoid", "intervals"])
def test_aligned_samples_near_diagonal_in_pca_frame(restrict):
    _, _, z = known_gaussian()
    sampler = PCAAlignedSampler(restrict=restrict, confidence=0.9).fit(z)
    x = sampler.sample(20000, random_state=3)
    assert x.shape == (20000, N) and x.dtype == np.float32
    y = sampler.alignment_.transform(x)
    assert max_abs_offdiag_corr(y) < 0.05
    if restrict is None:   # the unrestricted sampler is the fitted normal distribution again
        np.testing.assert_allclose(y.var(axis=0), sampler.alignment_.explained_variance_,
                                   rtol=0.05)


def test_aligned_restrictions_hold():
    _, _, z = known_gaussian()
    gaussian = LatentGaussian().fit(z)
    inside = PCAAlignedSampler("ellipsoid", confidence=0.5).fit(z)
    d2 = gaussian.mahalanobis(inside.sample(5000, random_state=0)) ** 2
    assert d2.max() <= scipy.stats.chi2(N).ppf(0.5) * 1.02
    # the conditional distribution inside the ellipsoid: d^2 is chi2 truncated at its median
    assert np.median(d2) == pytest.approx(scipy.stats.chi2(N).ppf(0.25), rel=0.05)
    boxed = PCAAlignedSampler("intervals", confidence=0.8).fit(z)
    y = boxed.sample_aligned(5000, random_state=0)
    limit = scipy.stats.norm.ppf(0.9) * np.sqrt(boxed.alignment_.explained_variance_)
    assert np.all(np.abs(y) <= limit) and np.all(np.abs(y).max(axis=0) > 0.9 * limit)
    leading = PCAAlignedSampler(n_components=2).fit(z).sample_aligned(100, random_state=0)
    assert np.all(leading[:, 2:] == 0) and np.all(leading[:, :2] != 0)


def test_aligned_sampler_validates_parameters():
    _, _, z = known_gaussian(n=200)
    for kwargs, word in (({"restrict": "box"}, "restrict"), ({"confidence": 1.0}, "confidence"),
                         ({"n_components": 0}, "n_components"),
                         ({"n_components": N + 1}, "n_components")):
        with pytest.raises(ConfigError, match=word):
            PCAAlignedSampler(**kwargs).fit(z)
    with pytest.raises(NotFittedError, match="not fitted"):
        MultivariateNormalSampler().sample(3)
