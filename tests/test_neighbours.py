"""Exact nearest-neighbour search (faiss and scikit-learn) and the kNN-corrected sampler."""

import numpy as np
import pytest

from aelatent import neighbours
from aelatent.errors import ConfigError
from aelatent.neighbours import NearestNeighbours
from aelatent.samplers import ComponentGaussianSampler, ComponentIntervalSampler, KNNCorrectedSampler
from aelatent.stats import LatentGaussian


def cloud(n=500, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(n, dim)) + 2.0).astype(np.float32)


def brute_force(points, queries, k):
    d = np.linalg.norm(queries[:, None, :].astype(np.float64) - points[None], axis=2)
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(d, idx, axis=1), idx


@pytest.mark.parametrize("backend", ["faiss", "sklearn", "auto"])
def test_knn_agrees_with_brute_force(backend):
    points, queries = cloud(), cloud(40, seed=1)
    nn = NearestNeighbours(k=7, backend=backend).fit(points)
    assert nn.backend_ in ("faiss", "sklearn") and nn.n_points_ == 500
    distances, indices = nn.kneighbors(queries)
    expected_d, expected_i = brute_force(points, queries, 7)
    assert distances.shape == indices.shape == (40, 7)
    np.testing.assert_array_equal(indices, expected_i)
    np.testing.assert_allclose(distances, expected_d, rtol=1e-4)
    assert np.all(np.diff(distances, axis=1) >= 0)


def test_faiss_and_sklearn_agree():
    points, queries = cloud(2000, 32), cloud(100, 32, seed=2)
    d1, i1 = NearestNeighbours(5, "faiss").fit(points).kneighbors(queries)
    d2, i2 = NearestNeighbours(5, "sklearn").fit(points).kneighbors(queries)
    np.testing.assert_array_equal(i1, i2)
    np.testing.assert_allclose(d1, d2, rtol=1e-4)


def test_fallback_without_faiss(monkeypatch):
    monkeypatch.setattr(neighbours, "faiss_available", lambda: False)
    nn = NearestNeighbours(3).fit(cloud())
    assert nn.backend_ == "sklearn"
    np.testing.assert_array_equal(nn.kneighbors(cloud(5, seed=3))[1],
                                  brute_force(cloud(), cloud(5, seed=3), 3)[1])


def test_self_neighbours_leave_own_point_out():
    points = cloud(300)
    points[1] = points[0]                    # an exact duplicate pair
    nn = NearestNeighbours(4).fit(points)
    distances, indices = nn.self_neighbours(points)
    assert indices.shape == (300, 4)
    assert not np.any(indices == np.arange(300)[:, None])
    assert indices[0, 0] == 1 and indices[1, 0] == 0 and distances[0, 0] == 0
    full_d, _ = brute_force(points, points, 5)
    np.testing.assert_allclose(distances[2:], full_d[2:, 1:], rtol=1e-4, atol=1e-5)


def test_knn_validates():
    with pytest.raises(ConfigError, match="k "):
        NearestNeighbours(0).fit(cloud(10))
    with pytest.raises(ConfigError, match="backend"):
        NearestNeighbours(3, "annoy").fit(cloud(10))
    nn = NearestNeighbours(3).fit(cloud(10))
    with pytest.raises(ConfigError, match="at most the number of fitted points"):
        nn.kneighbors(cloud(2), k=11)
    with pytest.raises(ConfigError, match="16 components"):
        nn.kneighbors(np.zeros((2, 5)))
    with pytest.raises(ConfigError, match="NaN"):
        nn.kneighbors(np.full((1, 16), np.nan))


def test_alpha_zero_and_one():
    z = cloud()
    base = ComponentIntervalSampler(fact=1.0).fit(z).sample(50, random_state=4)
    zero = KNNCorrectedSampler(fact=1.0, k=5, alpha=0.0).fit(z)
    np.testing.assert_array_equal(zero.correct(base), base)
    one = KNNCorrectedSampler(fact=1.0, k=5, alpha=1.0).fit(z)
    artificial = zero.sample(50, random_state=4)            # the base sampler's points, uncorrected
    assert np.all((artificial >= zero.base_.low_ - 1e-5) & (artificial <= zero.base_.high_ + 1e-5))
    _, idx = brute_force(z, artificial, 5)
    np.testing.assert_allclose(one.sample(50, random_state=4), z[idx].mean(axis=1), rtol=1e-6)
    _, idx = brute_force(z, base, 5)
    np.testing.assert_allclose(one.correct(base), z[idx].mean(axis=1), rtol=1e-6)
    half = one.correct(base, alpha=0.5)
    np.testing.assert_allclose(half, 0.5 * base + 0.5 * z[idx].mean(axis=1), rtol=1e-5)


def test_knn_correction_pulls_toward_the_cloud():
    z = cloud(2000)
    sampler = KNNCorrectedSampler(fact=1.0, k=10, alpha=0.7).fit(z)
    raw = sampler.base_.sample(200, random_state=0)
    corrected = sampler.sample(200, random_state=0)
    assert corrected.shape == (200, 16) and corrected.dtype == np.float32
    gaussian = LatentGaussian().fit(z)
    assert np.median(gaussian.mahalanobis(corrected)) < 0.8 * np.median(gaussian.mahalanobis(raw))
    np.testing.assert_array_equal(corrected, sampler.sample(200, random_state=0))


def test_knn_sampler_other_base_and_validation():
    z = cloud()
    sampler = KNNCorrectedSampler(k=3, alpha=0.2, base=ComponentGaussianSampler()).fit(z)
    assert isinstance(sampler.base_, ComponentGaussianSampler)
    assert sampler.sample(4, random_state=0).shape == (4, 16)
    with pytest.raises(ConfigError, match="alpha"):
        KNNCorrectedSampler(alpha=1.5).fit(z)
    with pytest.raises(ConfigError, match="alpha"):
        sampler.correct(z[:2], alpha=-0.1)


def test_the_neighbour_sentence_follows_distances_and_hubs():
    from aelatent.neighbours import neighbour_sentence

    medians = {"train": 8.0, "val": 8.5, "intervals": 20.0, "aligned": 9.0}
    said = neighbour_sentence(medians, {"intervals": 21, "aligned": 432}, 500, "train", "val")
    real, intervals, aligned = said.splitlines()
    assert "within 15 %" in real
    assert "in the empty space" in intervals and "only 21 distinct" in intervals
    assert "about as close as real faces" in aligned and "432 of 500 have" in aligned
    apart = neighbour_sentence({**medians, "val": 12.0}, {}, 500, "train", "val")
    assert "1.50 x: held-out faces lie farther" in apart


def test_the_correction_sentence_follows_the_table():
    import pandas as pd

    from aelatent.neighbours import correction_sentence

    table = pd.DataFrame({"median Mahalanobis": [95.0, 48.0, 24.0, 4.0],
                          "nearest CelebA distance median": [14.2, 9.2, 7.3, 6.5]},
                         index=[0.0, 0.5, 0.75, 1.0])
    said = correction_sentence(table, core_radius=25.1, spacing=14.95)
    assert "enters the core (radius 25.1) at alpha = 0.75" in said
    assert "as close as real faces are to each other (14.95) already at alpha = 0" in said
    later = correction_sentence(table, core_radius=25.1, spacing=8.0)
    assert "from alpha = 0.75 on" in later
    never = correction_sentence(table, core_radius=3.0, spacing=1.0)
    assert "stays outside the core" in never and "stays farther than real faces' spacing" in never
