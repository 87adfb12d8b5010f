"""Paths in coordinate planes: in the plane, ordered, other components held as given."""

import numpy as np
import pytest

from aelatent.errors import ConfigError
from aelatent.latent_paths import (ellipse_path, image_change, line_path, path_table, paths_sentence,
                                   projected_ellipse, select_planes)
from aelatent.samplers import ComponentIntervalSampler
from aelatent.stats import LatentGaussian

N = 8


@pytest.fixture(scope="module")
def z():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, N)) * np.linspace(0.5, 2.0, N) + np.arange(N)
    x[:, 2] = 0.9 * x[:, 1] * 2.0 + 0.3 * rng.normal(size=3000)   # 1 and 2 strongly correlated
    x[:, 5] += 12.0                                                  # far off the origin
    return x.astype(np.float32)


@pytest.fixture(scope="module")
def gauss(z):
    return LatentGaussian().fit(z)


def test_projected_ellipse_matches_the_covariance_block(gauss):
    e = projected_ellipse(gauss, 1, 2)
    block = gauss.cov_[np.ix_([1, 2], [1, 2])]
    np.testing.assert_allclose(e.axes @ np.diag(e.sigmas ** 2) @ e.axes.T, block, rtol=1e-8)
    assert e.sigmas[0] >= e.sigmas[1]
    np.testing.assert_allclose(e.centre, gauss.mean_[[1, 2]])
    # strongly positively correlated pair: the main axis is tilted by about atan(1.8)
    assert e.angle_degrees == pytest.approx(np.degrees(np.arctan2(1.8, 1.0)), abs=3)


def test_line_path_in_plane_ordered_others_at_centre(gauss):
    p = line_path(gauss, 1, 2, n_points=9, extent=3.0)
    assert p.points.shape == (9, N) and p.points.dtype == np.float32 and len(p) == 9
    others = [k for k in range(N) if k not in (1, 2)]
    np.testing.assert_allclose(p.points[:, others], np.broadcast_to(gauss.mean_[others], (9, N - 2)),
                               rtol=1e-6)
    # ordered: equal steps along one direction, through the centre in the middle
    steps = np.diff(p.plane_coords, axis=0)
    np.testing.assert_allclose(steps, np.broadcast_to(steps[0], steps.shape), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(p.plane_coords[4], gauss.mean_[[1, 2]], rtol=1e-6)
    np.testing.assert_allclose(p.t, np.linspace(-3, 3, 9))
    e = projected_ellipse(gauss, 1, 2)
    # the ends lie 3 sigma_1 from the centre along the main axis
    np.testing.assert_allclose(np.linalg.norm(p.plane_coords[-1] - e.centre), 3 * e.sigmas[0], rtol=1e-5)
    direction = steps[0] / np.linalg.norm(steps[0])
    assert abs(direction @ e.axes[:, 0]) == pytest.approx(1.0, abs=1e-5)
    # the Mahalanobis distance grows from the middle outwards
    d = gauss.mahalanobis(p.points)
    assert d[4] < 1e-3 and (np.diff(d[4:]) > 0).all() and (np.diff(d[:5]) < 0).all()


def test_ellipse_path_at_k_sigma_ordered(gauss):
    p = ellipse_path(gauss, 1, 2, k=2.0, n_points=12)
    assert p.points.shape == (12, N)
    block = gauss.cov_[np.ix_([1, 2], [1, 2])]
    diff = p.plane_coords.astype(np.float64) - gauss.mean_[[1, 2]]
    radius2d = np.sqrt(np.einsum("ni,ij,nj->n", diff, np.linalg.inv(block), diff))
    np.testing.assert_allclose(radius2d, 2.0, rtol=1e-4)
    assert (np.diff(p.t) > 0).all() and p.t[0] == 0 and p.t[-1] < 2 * np.pi
    others = [k for k in range(N) if k not in (1, 2)]
    np.testing.assert_allclose(p.points[:, others], np.broadcast_to(gauss.mean_[others], (12, N - 2)),
                               rtol=1e-6)
    # consecutive points are neighbours: the angle in the axes' frame grows in equal steps
    e = projected_ellipse(gauss, 1, 2)
    local = (diff @ e.axes) / e.sigmas
    angles = np.unwrap(np.arctan2(local[:, 1], local[:, 0]))
    np.testing.assert_allclose(np.diff(angles), 2 * np.pi / 12, rtol=1e-4)


def test_others_held_at_given_values(gauss, z):
    background = ComponentIntervalSampler(0.5).fit(z).sample(1, random_state=3)[0]
    p = line_path(gauss, 0, 5, n_points=7, others=background)
    others = [k for k in range(N) if k not in (0, 5)]
    np.testing.assert_allclose(p.points[:, others], np.broadcast_to(background[others], (7, N - 2)))
    # one background vector per point
    per_point = ComponentIntervalSampler(0.5).fit(z).sample(7, random_state=4)
    q = ellipse_path(gauss, 0, 5, n_points=7, others=per_point)
    np.testing.assert_allclose(q.points[:, others], per_point[:, others])
    np.testing.assert_allclose(q.plane_coords, ellipse_path(gauss, 0, 5, n_points=7).plane_coords,
                               rtol=1e-6)
    assert "given values" in p.label
    assert line_path(gauss, 0, 5, others=background, label="my path").label == "my path"
    with pytest.raises(ConfigError, match="others must have shape"):
        line_path(gauss, 0, 5, n_points=7, others=np.zeros(N + 1))


@pytest.mark.parametrize("kwargs, match", [
    (dict(i=1, j=1), "two different"), (dict(i=-1, j=2), "^i "),
    (dict(i=0, j=N), "^j "), (dict(i=0, j=1, n_points=1), "n_points"),
    (dict(i=0, j=1, extent=0), "extent")])
def test_line_path_validation(gauss, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        line_path(gauss, **kwargs)


def test_ellipse_path_validation(gauss):
    with pytest.raises(ConfigError, match="k "):
        ellipse_path(gauss, 0, 1, k=-1)
    with pytest.raises(ConfigError, match="fitted"):
        ellipse_path(LatentGaussian(), 0, 1)


def test_select_planes(gauss):
    planes = {p.name: p for p in select_planes(gauss)}
    assert set(planes) == {"off_origin", "largest_variance", "most_correlated"}
    assert {planes["most_correlated"].i, planes["most_correlated"].j} == {1, 2}
    assert 5 in (planes["off_origin"].i, planes["off_origin"].j)
    assert (planes["largest_variance"].i, planes["largest_variance"].j) == (7, 6)   # std 2.0, 1.79
    for p in planes.values():
        assert p.i != p.j and p.reason


def test_conditional_others_follow_the_correlations(gauss):
    p = line_path(gauss, 1, 2, n_points=7, extent=3.0, others="conditional")
    centre = line_path(gauss, 1, 2, n_points=7, extent=3.0)
    # same plane coordinates, but the other components move with them
    np.testing.assert_allclose(p.plane_coords, centre.plane_coords, rtol=1e-6)
    assert np.ptp(p.points[:, 0]) > 0.1 or np.ptp(p.points[:, 7]) > 0.1
    # under the normal law, the full Mahalanobis distance equals the 2-d one, |t|,
    # while holding the others at the centre is much further out
    d = gauss.mahalanobis(p.points)
    np.testing.assert_allclose(d, np.abs(p.t), atol=1e-3)
    assert (gauss.mahalanobis(centre.points)[[0, -1]] > d[[0, -1]]).all()
    assert "conditional" in p.label and "centre" in centre.label
    with pytest.raises(ConfigError, match="others must be"):
        line_path(gauss, 1, 2, others="random")


def test_path_table_measures_each_path_and_its_images(gauss):
    paths = {"line": line_path(gauss, 1, 2, n_points=9, extent=3.0),
             "conditional": line_path(gauss, 1, 2, n_points=9, extent=3.0, others="conditional")}
    still = np.zeros((9, 4, 4, 3))
    ramp = np.linspace(0, 1, 9)[:, None, None, None] * np.ones((9, 4, 4, 3))
    table = path_table(gauss, paths, {"line": still, "conditional": ramp})
    assert list(table.index) == ["line", "conditional"]
    # the middle point is the centre (distance 0); the ends leave it; the conditional path stays nearer
    assert table.loc["line", "middle"] == pytest.approx(0, abs=1e-3)
    assert table.loc["line", "last"] > table.loc["conditional", "last"] > 0
    assert table.loc["conditional", "inside core"] >= table.loc["line", "inside core"]
    # image change: none for identical images, the full 0 -> 1 ramp for the ramp
    assert table.loc["line", "image change"] == 0
    assert table.loc["conditional", "image change"] == pytest.approx(1.0)
    with pytest.raises(ConfigError, match="at least 2 images"):
        image_change(still[:1])


def test_the_paths_sentence_reads_the_table():
    import pandas as pd
    table = pd.DataFrame({"last": [37.1, 18.0, 132.9, 137.9, 131.0, 4.0, 2.0],
                          "inside core": [0.692, 1.0, 0.231, 0.0, 0.231, 1.0, 1.0],
                          "image change": [0.04, 0.04, 0.2, 0.2, 0.197, 0.699, 0.9]},
                         index=range(1, 8))
    said = paths_sentence(table, extent=4.0)
    assert "distance 37.1 to 132.9, 9.3 to 33.2 per marginal sigma" in said
    assert "23% to 69% of their points lie in the core" in said
    assert "ends at 4.0 with 100% in the core" in said and "change 3.5 times as much as path 5" in said
    assert "(path 4) puts 0% of its points" in said
