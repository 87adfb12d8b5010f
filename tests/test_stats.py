"""aelatent.stats against data with known properties (small synthetic arrays, seconds)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import scipy.stats  # noqa: E402

from aelatent import stats  # noqa: E402
from aelatent.errors import ConfigError  # noqa: E402

N_DIMS = 6
N_POINTS = 60000


@pytest.fixture(scope="module")
def normal_cloud():
    """Samples of a known, correlated, off-origin multivariate normal."""
    rng = np.random.default_rng(42)
    a = rng.normal(size=(N_DIMS, N_DIMS))
    cov = a @ a.T + 0.5 * np.eye(N_DIMS)
    mean = np.array([3.0, -2.0, 0.1, 0.0, 5.0, -0.2])
    z = rng.multivariate_normal(mean, cov, size=N_POINTS)
    return mean, cov, z


def reference_halfwidth(z, bins=64):
    """The straightforward per-component loop the vectorised halfwidth replaced."""
    lo, hi = np.quantile(z, [0.001, 0.999], axis=0)
    out = np.empty(z.shape[1])
    for j in range(z.shape[1]):
        counts, edges = np.histogram(z[:, j], bins=bins, range=(lo[j], hi[j]))
        counts = np.convolve(counts, [0.25, 0.5, 0.25], mode="same")
        centres = 0.5 * (edges[:-1] + edges[1:])
        peak = int(np.argmax(counts))
        half = counts[peak] / 2
        left, right = peak, peak
        while left > 0 and counts[left] > half:
            left -= 1
        while right < bins - 1 and counts[right] > half:
            right += 1
        x_left = (np.interp(half, counts[left:left + 2], centres[left:left + 2])
                  if counts[left] <= half and left < peak else centres[left])
        x_right = (np.interp(half, counts[[right, right - 1]], centres[[right, right - 1]])
                   if counts[right] <= half and right > peak else centres[right])
        out[j] = 0.5 * (x_right - x_left)
    return out


# -- per-component statistics -------------------------------------------------------------------

def test_component_stats_recover_mean_std_and_gaussian_shape(normal_cloud):
    mean, cov, z = normal_cloud
    cs = stats.component_stats(z)
    sigma = np.sqrt(np.diag(cov))
    assert np.all(np.abs(cs.mean - mean) < 5 * sigma / np.sqrt(N_POINTS))
    np.testing.assert_allclose(cs.std, sigma, rtol=0.02)
    assert np.all(np.abs(cs.skewness) < 0.05) and np.all(np.abs(cs.kurtosis) < 0.1)
    assert cs.centre_radius == pytest.approx(np.linalg.norm(mean), rel=0.01)
    assert list(cs.to_frame().columns) == ["mean", "std", "halfwidth", "skewness", "kurtosis"]


def test_halfwidth_of_gaussian_is_sigma_sqrt_2_ln_2(normal_cloud):
    _, cov, z = normal_cloud
    expected = np.sqrt(np.diag(cov)) * np.sqrt(2 * np.log(2))
    assert stats.GAUSSIAN_HW_FACTOR == pytest.approx(1.17741, abs=1e-5)
    np.testing.assert_allclose(stats.halfwidth(z), expected, rtol=0.05)


def test_halfwidth_of_uniform_is_half_its_width():
    z = np.random.default_rng(1).uniform(-2.0, 2.0, size=(50000, 3))
    np.testing.assert_allclose(stats.halfwidth(z), 2.0, rtol=0.05)


def test_vectorised_halfwidth_matches_the_loop():
    rng = np.random.default_rng(3)
    z = np.column_stack([rng.normal(size=5000), rng.exponential(size=5000),
                         rng.uniform(size=5000), rng.standard_t(3, size=5000),
                         np.concatenate([rng.normal(-3, 1, 2500), rng.normal(3, 1, 2500)])])
    np.testing.assert_allclose(stats.halfwidth(z), reference_halfwidth(z), rtol=1e-10, atol=1e-12)


def test_component_histograms_match_numpy_histogram():
    z = np.random.default_rng(4).normal(size=(3000, 4)).astype(np.float32)
    counts, edges = stats.component_histograms(z, bins=20)
    assert counts.shape == (4, 20) and edges.shape == (4, 21)
    for j in range(4):
        ref, _ = np.histogram(z[:, j], bins=edges[j])
        assert abs(counts[j] - ref).max() <= 1       # float rounding at bin borders
        assert counts[j].sum() == ref.sum()


def test_gaussian_fit_tells_gaussian_from_uniform():
    rng = np.random.default_rng(5)
    z = np.column_stack([rng.normal(2.0, 3.0, 40000), rng.uniform(-1, 1, 40000)])
    fit = stats.gaussian_fit(z, seed=0)
    np.testing.assert_allclose(fit.mean, [2.0, 0.0], atol=0.05)
    np.testing.assert_allclose(fit.std, [3.0, 1 / np.sqrt(3)], rtol=0.02)
    assert fit.r2[0] > 0.98 and fit.ks[0] < 0.015
    assert fit.r2[1] < 0.9 and fit.ks[1] > 0.04
    assert fit.pdf(0, 2.0) == pytest.approx(1 / (3.0 * np.sqrt(2 * np.pi)), rel=0.02)


# -- centre, radii, uniform vectors -------------------------------------------------------------

def test_offorigin_components_ranked_by_mean_over_halfwidth():
    mean = np.array([0.5, -3.0, 2.0, 0.0, 1.5])
    hw = np.array([1.0, 1.0, 0.5, 1.0, 1.0])
    np.testing.assert_array_equal(stats.offorigin_components(mean, hw), [2, 1, 4])
    with pytest.raises(ConfigError):
        stats.offorigin_components(mean, hw[:3])


@pytest.mark.parametrize("b", [0.5, 2.0])
def test_uniform_radii_against_b_sqrt_n_over_3(b):
    u = stats.uniform_vectors(20000, 256, b, seed=7)
    assert u.shape == (20000, 256) and np.abs(u).max() <= b
    r = stats.radii(u)
    assert r.mean() == pytest.approx(stats.uniform_radius_mean(b, 256), rel=0.005)
    assert r.std() == pytest.approx(stats.uniform_radius_std(b), rel=0.05)
    np.testing.assert_array_equal(u, stats.uniform_vectors(20000, 256, b, seed=7))


def test_uniform_vectors_reject_bad_parameters():
    for kwargs in (dict(b=0.0), dict(b=-1.0), dict(n=0), dict(n_dims=0)):
        args = dict(n=10, n_dims=4, b=1.0) | kwargs
        with pytest.raises(ConfigError, match=list(kwargs)[0]):
            stats.uniform_vectors(**args)


def test_best_matching_b_inverts_the_mean_radius():
    radius = stats.uniform_radius_mean(1.7, 256)
    assert stats.best_matching_b(radius, 256) == pytest.approx(1.7)
    assert stats.best_matching_b(radius, 256, [0.5, 1.0, 1.5, 2.0, 5.0]) == 1.5


def test_angles_and_centre_coordinates():
    x = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 0.0], [-3.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    centre = np.array([2.0, 0.0, 0.0])
    np.testing.assert_allclose(stats.angles_to(x, centre), [0.0, 90.0, 180.0, 45.0], atol=1e-6)
    parallel, perpendicular = stats.centre_coordinates(x, centre)
    np.testing.assert_allclose(parallel, [1.0, 0.0, -3.0, 1.0])
    np.testing.assert_allclose(perpendicular, [0.0, 2.0, 0.0, 1.0])
    with pytest.raises(ConfigError):
        stats.angles_to(x, np.zeros(3))


def test_random_directions_are_nearly_orthogonal_to_the_centre():
    u = stats.uniform_vectors(5000, 256, 1.0, seed=0)
    angles = stats.angles_to(u, np.ones(256))
    assert abs(np.median(angles) - 90.0) < 0.5 and angles.std() < 5.0


# -- correlations ---------------------------------------------------------------------------

def test_correlations_recovered_and_strongest_pair_found(normal_cloud):
    _, cov, z = normal_cloud
    d = np.sqrt(np.diag(cov))
    true_corr = cov / np.outer(d, d)
    corr = stats.correlation_matrix(z)
    np.testing.assert_allclose(corr, true_corr, atol=0.02)
    pairs = stats.strongest_pairs(corr, k=3)
    iu = np.triu_indices(N_DIMS, 1)
    best = np.argmax(np.abs(true_corr[iu]))
    assert (pairs.i[0], pairs.j[0]) == (iu[0][best], iu[1][best])
    assert len(stats.offdiagonal(corr)) == N_DIMS * (N_DIMS - 1) // 2


def test_shuffled_baseline_keeps_marginals_and_kills_correlations(normal_cloud):
    _, _, z = normal_cloud
    shuffled = stats.shuffled_baseline(z, seed=0)
    np.testing.assert_array_equal(np.sort(shuffled, axis=0), np.sort(z, axis=0))
    real = stats.correlation_summary(stats.correlation_matrix(z))
    chance = stats.correlation_summary(stats.correlation_matrix(shuffled))
    assert chance["abs_max"] < 5 / np.sqrt(N_POINTS) and chance["n_pairs_above"] == 0
    assert real["abs_mean"] > 10 * chance["abs_mean"]


# -- the multivariate Gaussian ------------------------------------------------------------------

def test_latent_gaussian_recovers_mu_sigma_and_chi2_quantiles(normal_cloud):
    mean, cov, z = normal_cloud
    g = stats.LatentGaussian(core_quantile=0.99).fit(z)
    np.testing.assert_allclose(g.mean_, mean, atol=0.05)
    np.testing.assert_allclose(g.cov_, cov, atol=0.02 * np.diag(cov).max())
    d = g.mahalanobis(z)
    for q in (0.1, 0.5, 0.9, 0.99):
        assert np.quantile(d ** 2, q) == pytest.approx(scipy.stats.chi2.ppf(q, N_DIMS), rel=0.03)
    assert g.core_radius_ == pytest.approx(np.sqrt(scipy.stats.chi2.ppf(0.99, N_DIMS)), rel=0.02)
    assert g.inside_core(z).mean() == pytest.approx(0.99, abs=0.002)
    assert g.mahalanobis(mean[None])[0] == pytest.approx(0.0, abs=0.05)


def test_mahalanobis_is_euclidean_for_unit_covariance():
    z = np.random.default_rng(0).normal(size=(200000, 3))
    g = stats.LatentGaussian().fit(z)
    x = np.array([[3.0, 0.0, 0.0], [0.0, -2.0, 2.0]])
    np.testing.assert_allclose(g.mahalanobis(x), np.linalg.norm(x, axis=1), rtol=0.01)


# -- the second case's run name (used by notebook II) --------------------------------------------

def test_second_case_run_name():
    from aelatent.run_request import RunRequest
    from aelatent.runs import second_case_request

    def second_case_run_name(profile, data_dir, run_name, seed):
        return second_case_request(RunRequest(profile, data_dir, run_name, seed)).name()

    assert second_case_run_name("smoke", "", "", 0) == "smoke-synthetic-seed1"
    assert second_case_run_name("smoke", "", "smoke-synthetic-seed0", 0) == "smoke-synthetic-seed1"
    assert second_case_run_name("default", "", "", 4) == "default-synthetic-seed5"
    assert second_case_run_name("smoke", "", "mine", 0) == "mine-case2"


# -- the figures of notebooks II-IV draw what they say ---------------------------------------------

def test_distribution_plots_draw_every_component(normal_cloud):
    from aelatent import plots

    _, _, z = normal_cloud
    fit = stats.gaussian_fit(z[:5000])
    fig = plots.component_histogram_grid(fit, [0, 2, 4], ncols=2)
    np.testing.assert_allclose(fit.halfwidth, stats.halfwidth(z[:5000]))
    bar = fig.axes[0].collections[-1].get_segments()[0]
    np.testing.assert_allclose(bar[:, 0], [fit.halfmax_left[0], fit.halfmax_right[0]])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert len(titles) == 3 and titles[0].startswith("z[0]") and "R²" in titles[0]
    axes = plots.component_overview(stats.component_stats(z[:5000]))
    assert len(axes[1].collections[0].get_offsets()) == N_DIMS
    ax = plots.overlaid_histograms({"a": np.arange(1, 10.0), "b": np.arange(5, 20.0)},
                                   log_x=True, markers={"m": 3.0})
    assert ax.get_xscale() == "log" and len(ax.get_legend().get_texts()) == 3
    grid = plots.correlation_clustermap(stats.correlation_matrix(z))
    assert sorted(grid.dendrogram_row.reordered_ind) == list(range(N_DIMS))
    ax = plots.centre_plane({"cloud": z[:500]}, z.mean(axis=0))
    assert len(ax.collections) == 3


@pytest.mark.parametrize("shift, where", [(0.0, "inside the bulk"), (1.2, "at the border of the bulk"),
                                          (3.0, "outside the 99% core")])
def test_the_origins_place_is_said_from_the_numbers(shift, where):
    """A VAE-like cloud around the origin, a cloud with the origin at its border, an off-origin one."""
    from aelatent.stats import LatentGaussian, origin_position

    z = np.random.default_rng(0).normal(shift, 1.0, (2000, 16))
    sentence = origin_position(LatentGaussian().fit(z), z)
    assert sentence.startswith(f"the origin lies {where}")
    others = {"inside the bulk", "at the border of the bulk", "outside the 99% core"} - {where}
    assert not any(o in sentence for o in others)


def test_the_correlation_sentence_tells_correlated_components_from_chance():
    from aelatent import stats as stats_module
    rng = np.random.default_rng(0)
    base = rng.normal(size=(2000, 1))
    correlated = base + 0.3 * rng.normal(size=(2000, 6))         # one common factor
    independent = rng.normal(size=(2000, 6))
    shuffled = stats_module.correlation_summary(np.corrcoef(independent, rowvar=False), 0.5)
    text = stats_module.correlation_sentence(
        stats_module.correlation_summary(np.corrcoef(correlated, rowvar=False), 0.5), shuffled, 0.5)
    assert "15 pairs exceed" in text and "far beyond chance" in text
    text = stats_module.correlation_sentence(shuffled, shuffled, 0.5)
    assert "no pair stands out" in text


def test_a_cloud_around_the_origin_has_no_offorigin_component_but_a_most_offorigin_pair():
    # a VAE's cloud: every component's core holds 0, yet notebooks IV-VI draw its most off-origin plane
    mean, halfwidth = np.array([0.1, -0.5, 0.3, 0.0]), np.array([1.0, 1.0, 0.5, 0.0])
    assert stats.offorigin_components(mean, halfwidth).size == 0
    assert list(stats.most_offorigin(mean, halfwidth, 2)) == [2, 1]        # 0.6, then 0.5
    assert list(stats.offorigin_components(mean * 4, halfwidth)) == [2, 1]  # 2.4 and 2.0 > 1
    with pytest.raises(ConfigError, match="equal length"):
        stats.most_offorigin(mean, halfwidth[:3])


def test_the_sentence_on_decoded_statistical_vectors_follows_the_face_rates():
    # the blog's plain AE: no faces, nothing inside the core
    ae = stats.faces_outside_core_sentence({1.0: 0.01, 5.0: 0.02}, {1.0: 0.0, 5.0: 0.0})
    assert "rarely give faces" in ae and "1% at b = 1" in ae
    # a VAE: faces although no vector lies inside the core of its posterior means
    vae = stats.faces_outside_core_sentence({1.0: 0.98, 5.0: 0.05}, {1.0: 0.0, 5.0: 0.0})
    assert "rarely" not in vae and "for b = 1 this decoder makes faces of vectors outside" in vae
    inside = stats.faces_outside_core_sentence({0.5: 0.9}, {0.5: 0.6}, knob="fact")
    assert "enough of them land in the core" in inside and "fact = 0.5" in inside
