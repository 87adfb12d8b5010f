"""Attribute directions, probes, factor regression, face arithmetic and morphing on planted data."""

import numpy as np
import pandas as pd
import pytest

from aelatent import directions
from aelatent.pca import PCAAlignment
from aelatent.errors import ConfigError, DataError
from aelatent.stats import LatentGaussian

N = 16


def correlated_cloud(n, seed):
    """Off-origin Gaussian cloud with strongly correlated components."""
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(N, N)) / np.sqrt(N) + np.eye(N)
    return rng.normal(size=(n, N)) @ mixing + 3.0


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(1)
    n = 3000
    z = correlated_cloud(n, seed=2)
    true = rng.normal(size=N)
    true /= np.linalg.norm(true)
    y = (rng.random(n) < 0.4).astype(int)
    z = z + 2.5 * y[:, None] * true           # the attribute shifts the z-points along `true`
    labels = pd.DataFrame({"planted": y, "random": (rng.random(n) < 0.5).astype(int)},
                          index=[f"img{i:05d}" for i in range(n)])
    return z, labels, true


def test_known_direction_is_recovered(planted):
    z, labels, true = planted
    d = directions.AttributeDirections().fit(z, labels)
    assert directions.cosine(d.direction("planted"), true) > 0.97
    assert d.summary_.loc["planted", "norm"] == pytest.approx(2.5, rel=0.08)
    assert d.summary_.loc["planted", "separation"] > 1.0
    # a label unrelated to z gives a short direction with no separation
    assert d.summary_.loc["random", "separation"] < 0.3
    assert d.summary_.loc["random", "norm"] < 0.2 * d.summary_.loc["planted", "norm"]
    assert np.linalg.norm(d.direction("planted", unit=True)) == pytest.approx(1.0)
    assert d.summary_.loc["planted", "relative_norm"] == pytest.approx(
        d.summary_.loc["planted", "norm"] / d.spread_)


def test_probe_accuracy_planted_vs_random_label(planted):
    z, labels, _ = planted
    table = directions.probe_attributes(z[:2000], labels.iloc[:2000], z[2000:], labels.iloc[2000:])
    assert table.loc["planted", "accuracy"] > 0.85
    assert table.loc["planted", "accuracy"] > table.loc["planted", "baseline"] + 0.2
    # a random label: chance accuracy
    assert table.loc["random", "accuracy"] == pytest.approx(0.5, abs=0.06)
    assert table.loc["random", "balanced_accuracy"] == pytest.approx(0.5, abs=0.06)
    assert table.loc["planted", "baseline"] == pytest.approx(
        1 - labels["planted"].iloc[2000:].mean())


def test_probe_skips_single_class_attribute(planted):
    z, labels, _ = planted
    labels = labels.assign(never=0)
    table = directions.probe_attributes(z[:2000], labels.iloc[:2000], z[2000:], labels.iloc[2000:])
    assert "never" not in table.index and "planted" in table.index


def test_factor_r2_linear_factor_high_noise_zero():
    rng = np.random.default_rng(3)
    z = correlated_cloud(2000, seed=4)
    w = rng.normal(size=N)
    factors = pd.DataFrame({"linear": z @ w + 0.1 * rng.normal(size=2000),
                            "noise": rng.normal(size=2000)})
    r2 = directions.factor_r2(z[:1500], factors.iloc[:1500], z[1500:], factors.iloc[1500:])
    assert r2["linear"] > 0.95
    assert abs(r2["noise"]) < 0.05


def test_factor_pc_correlations_find_the_axis():
    rng = np.random.default_rng(5)
    scales = 8.0 * 0.7 ** np.arange(N)
    z = rng.normal(size=(3000, N)) * scales      # principal axes = coordinate axes
    factors = pd.DataFrame({"first": z[:, 0], "third": -z[:, 2]})
    corr = directions.factor_pc_correlations(z, factors, n_components=4)
    assert corr.shape == (2, 4)
    assert abs(corr.loc["first", "PC1"]) > 0.99
    assert abs(corr.loc["third", "PC3"]) > 0.99
    assert abs(corr.loc["third", "PC1"]) < 0.1


def test_align_labels_orders_by_ids_and_rejects_unknown():
    table = pd.DataFrame({"a": [0, 1, 1]}, index=["x", "y", "z"])
    aligned = directions.align_labels(table, np.array(["z", "x"]))
    assert aligned["a"].tolist() == [1, 0]
    assert directions.align_labels(None, ["x"]) is None
    with pytest.raises(DataError, match="no labels"):
        directions.align_labels(table, ["x", "w"])


def test_binarize_keeps_binary_splits_continuous():
    table = pd.DataFrame({"glasses": [0.0, 1.0, 0.0, 1.0], "smile": [-0.5, 0.2, 0.9, -0.1]})
    out = directions.binarize(table)
    assert out["glasses"].tolist() == [0, 1, 0, 1]
    assert out["smile"].tolist() == [0, 1, 1, 0]


def test_move_along_steps():
    z0, d = np.zeros(4), np.array([1.0, 0, 0, 0])
    path = directions.move_along(z0, d, [-1, 0, 2])
    assert path.shape == (3, 4)
    np.testing.assert_allclose(path[:, 0], [-1, 0, 2])
    with pytest.raises(ConfigError):
        directions.move_along(z0, np.ones(3), [1])
    with pytest.raises(ConfigError):
        directions.move_along(z0, d, [])
    assert directions.first_exit([1, 2, 5, 1], 3) == 2
    assert directions.first_exit([1, 2], 3) is None


def test_linear_path_sags_whitened_path_keeps_the_shell():
    z = correlated_cloud(20000, seed=6)
    gaussian = LatentGaussian().fit(z)
    a, b = z[0], z[1]
    linear = directions.interpolate(a, b, 11, "linear")
    whitened = directions.interpolate(a, b, 11, "whitened", frame=PCAAlignment().fit(z))
    np.testing.assert_allclose(linear[[0, -1]], [a, b], atol=1e-9)
    np.testing.assert_allclose(whitened[[0, -1]], [a, b], atol=1e-6)
    m_lin, m_white = gaussian.mahalanobis(linear), gaussian.mahalanobis(whitened)
    ends = gaussian.mahalanobis(np.stack([a, b]))
    # the whitened path interpolates the Mahalanobis distance linearly between the ends
    np.testing.assert_allclose(m_white, np.linspace(ends[0], ends[1], 11), rtol=1e-3)
    # the straight line sags towards the centre in the middle
    assert m_lin[5] < 0.9 * min(ends)
    with pytest.raises(ConfigError, match="frame"):
        directions.interpolate(a, b, 5, "whitened")
    with pytest.raises(ConfigError, match="method"):
        directions.interpolate(a, b, 5, "spline")


def test_midpoints_of_random_pairs_sag_on_the_line_and_not_on_the_arc():
    z = correlated_cloud(5000, seed=7)
    gaussian, frame = LatentGaussian().fit(z), PCAAlignment().fit(z)
    mids = directions.midpoint_distances(z[:300], gaussian, frame, n_pairs=120, seed=0)
    assert list(mids.columns) == ["ends", "straight", "whitened"] and 100 < len(mids) <= 120
    ratio = mids[["straight", "whitened"]].div(mids["ends"], axis=0).mean()
    # in N = 16 two independent points' midpoint sits near 1/sqrt(2) of their distance;
    # the arc interpolates the length, so its midpoint is as far out as the ends
    assert 0.6 < ratio["straight"] < 0.85 and ratio["whitened"] == pytest.approx(1.0, abs=0.02)
    again = directions.midpoint_distances(z[:300], gaussian, frame, n_pairs=120, seed=0)
    pd.testing.assert_frame_equal(mids, again)


def test_the_morph_sentence_follows_the_numbers():
    z = correlated_cloud(5000, seed=7)
    gaussian, frame = LatentGaussian().fit(z), PCAAlignment().fit(z)
    mids = directions.midpoint_distances(z[:300], gaussian, frame, n_pairs=120, seed=0)
    top = gaussian.core_radius_
    # the share of straight midpoints below the band's low edge chooses the sentence
    shell = directions.morph_sentence(mids, (np.quantile(mids["straight"], 0.9), top))
    assert "fill a shell" in shell and f"{len(mids)} pairs" in shell
    dip = directions.morph_sentence(mids, (np.quantile(mids["straight"], 0.2), top))
    assert "dip toward the middle" in dip and "fill a shell" not in dip
    flat = directions.morph_sentence(mids, (0.0, top))          # a band that reaches the centre
    assert "stays where the z-points are" in flat and "shell, not" not in flat
    band = (0.0, top)
    # contrast: a middle image flatter than its ends is named; equal contrast is not
    ramp = np.linspace(0, 1, 48).reshape(1, 4, 4, 3)
    path = np.concatenate([ramp, 0.5 + 0.3 * (ramp - 0.5), ramp])
    assert directions.middle_contrast(path) == pytest.approx(0.3)
    said = directions.morph_sentence(mids, band, {"straight line": 0.3, "whitened arc": 1.0})
    assert "flatter, more average face" in said and "30%" in said
    same = directions.morph_sentence(mids, band, {"straight line": 0.98, "whitened arc": 1.0})
    assert "about the same contrast" in same
    with pytest.raises(ConfigError, match="at least 3"):
        directions.middle_contrast(path[:2])


def test_the_factor_sentence_names_the_highest_and_lowest_r2():
    r2 = pd.Series({"skin": 0.9, "smile": 0.05, "hair": 0.7, "nose": 0.2, "glasses": 0.5})
    said = directions.factor_sentence(r2, n=2)
    assert said == ("Closest to linear functions of z (held-out R²): skin (0.90), hair (0.70); "
                    "furthest: smile (0.05), nose (0.20).")


def test_factor_axes_are_described_by_their_strongest_factors():
    pcs = pd.DataFrame({"PC1": [0.9, -0.2, 0.1], "PC2": [0.1, 0.3, -0.8]},
                       index=["skin", "hair", "glasses"])
    lines = directions.describe_factor_axes(pcs, n_axes=2).splitlines()
    assert lines == ["PC1: mostly skin (r = +0.90), then hair (-0.20)",
                     "PC2: mostly glasses (r = -0.80), then hair (+0.30)"]


def test_project_to_core_pulls_outside_points_onto_the_ball():
    z = correlated_cloud(5000, seed=7)
    gaussian = LatentGaussian().fit(z)
    far = gaussian.mean_ + 10 * (z[:3] - gaussian.mean_)
    projected = directions.project_to_core(np.vstack([z[:3], far]), gaussian)
    distances = gaussian.mahalanobis(projected)
    assert (distances <= gaussian.core_radius_ * (1 + 1e-9)).all()
    np.testing.assert_allclose(distances[3:], gaussian.core_radius_, rtol=1e-6)
    inside = gaussian.inside_core(z[:3])
    np.testing.assert_allclose(projected[:3][inside], z[:3][inside])


def test_bad_inputs_raise_config_errors(planted):
    z, labels, _ = planted
    with pytest.raises(ConfigError, match="rows"):
        directions.AttributeDirections().fit(z[:10], labels)
    with pytest.raises(ConfigError, match="0 and 1"):
        directions.AttributeDirections().fit(z, pd.DataFrame({"c": np.linspace(0, 1, len(z))}))
    with pytest.raises(ConfigError, match="^C "):
        directions.probe_attributes(z, labels, z, labels, C=0)
    d = directions.AttributeDirections().fit(z, labels)
    with pytest.raises(ConfigError, match="no direction"):
        d.direction("Smiling")


def test_mahalanobis_norm_of_direction():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(20000, 3)) * [4.0, 1.0, 1.0]
    y = (rng.random(20000) < 0.5).astype(int)
    z[:, 0] += 4.0 * y          # 4 along an axis of std 4 (+ the shift's own spread)
    z[:, 1] += 1.0 * y          # 1 along an axis of std 1
    d = directions.AttributeDirections().fit(z, pd.DataFrame({"a": y}))
    cov = np.cov(z, rowvar=False)
    step = d.direction("a")
    assert d.summary_.loc["a", "mahalanobis_norm"] == pytest.approx(
        np.sqrt(step @ np.linalg.solve(cov, step)), rel=1e-4)


def test_direction_cosines(planted):
    z, labels, _ = planted
    d = directions.AttributeDirections().fit(z, labels.assign(inverse=1 - labels["planted"]))
    cos = directions.direction_cosines(d)
    assert cos.loc["planted", "inverse"] == pytest.approx(-1.0)
    assert cos.loc["planted", "planted"] == pytest.approx(1.0)
    assert directions.direction_cosines(d, ["random"]).shape == (1, 1)


def test_whitened_cosines_undo_a_shared_high_variance_axis():
    # two attributes that shift along different low-variance axes plus a common
    # high-variance one: Euclidean cosine high, whitened cosine near 0
    rng = np.random.default_rng(9)
    n = 20000
    z = rng.normal(size=(n, 3)) * [10.0, 1.0, 1.0]
    a, b = (rng.random(n) < 0.5).astype(int), (rng.random(n) < 0.5).astype(int)
    z[:, 0] += 5.0 * (a + b)
    z[:, 1] += 1.0 * a
    z[:, 2] += 1.0 * b
    d = directions.AttributeDirections().fit(z, pd.DataFrame({"a": a, "b": b}))
    assert directions.direction_cosines(d).loc["a", "b"] > 0.9
    assert abs(directions.direction_cosines(d, whitened=True).loc["a", "b"]) < 0.5


def test_the_direction_sentence_follows_the_table():
    summary = pd.DataFrame({"relative_norm": [0.45, 0.2, 0.1, 0.05],
                            "separation": [1.9, 1.5, 0.4, 0.3],
                            "mahalanobis_norm": [3.0, 1.5, 1.0, 0.9]},
                           index=["Hat", "Smiling", "Lips", "Nose"])
    said = directions.direction_sentence(summary, n=2)
    assert "Longest step relative to the cloud: Hat (0.45" in said and "inside the one region" in said
    assert "Hat (1.90), Smiling (1.50); worst: Nose (0.30), Lips (0.40); 2 of 4 exceed 1" in said
    assert "largest: Nose (3.0), Lips (2.5); smallest: Smiling (1.0), Hat (1.6)" in said
    wide = directions.direction_sentence(summary.assign(relative_norm=[1.2, 0.2, 0.1, 0.05]))
    assert "as far as the cloud is wide" in wide
