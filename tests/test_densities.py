"""Ex-post densities: log densities, the Gaussian-mixture family, the kernel density, neighbour mixing."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from aelatent.errors import ConfigError
from aelatent.samplers import (SAMPLERS, CommonIntervalSampler, ComponentGaussianSampler,
                               GMMSampler, KDESampler, MultivariateNormalSampler,
                               NeighbourMixSampler, NormalSampler, PCAMixtureSampler,
                               held_out_log_likelihood, make_sampler, mixture_selection)


def planted_mixture(n, seed):
    """Three well-separated, differently shaped Gaussian clusters in 6 dimensions."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * 6, [8.0] + [0.0] * 5, [0.0, 8.0] + [0.0] * 4])
    which = rng.integers(3, size=n)
    scale = np.array([0.5, 1.0, 1.5])[which][:, None]
    return centres[which] + scale * rng.normal(size=(n, 6)), centres


def ring(n, rng):
    """A noisy ring of radius 3 in the first two of 4 axes (non-Gaussian)."""
    angle, r = rng.uniform(0, 2 * np.pi, n), 3 + 0.2 * rng.normal(size=n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle), 0.3 * rng.normal(size=(n, 2))])


def test_log_densities_match_scipy():
    rng = np.random.default_rng(0)
    z = rng.normal(2.0, [1.0, 2.0, 0.5], size=(500, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0],
                                                                     [0, 0.3, 1]])
    x = z[:20]
    assert np.allclose(NormalSampler().fit(z).score_samples(x),
                       scipy.stats.multivariate_normal(np.zeros(3)).logpdf(x))
    g = ComponentGaussianSampler().fit(z)
    assert np.allclose(g.score_samples(x), scipy.stats.norm.logpdf(x, g.mean_, g.std_).sum(axis=1))
    mvn = MultivariateNormalSampler().fit(z)
    assert np.allclose(mvn.score_samples(x),
                       scipy.stats.multivariate_normal(mvn.mean_, mvn.cov_).logpdf(x), atol=1e-4)
    box = CommonIntervalSampler(b=1.0).fit(z)
    inside = np.full((1, 3), 0.5)
    assert box.score_samples(inside)[0] == pytest.approx(-3 * np.log(2.0))
    assert box.score_samples(np.full((1, 3), 1.5))[0] == -np.inf
    assert held_out_log_likelihood(mvn, x) == pytest.approx(mvn.score(x) / 3)
    assert np.isnan(held_out_log_likelihood(make_sampler("knn_corrected").fit(z), x))


def test_mixture_family_recovers_a_planted_mixture():
    z_train, centres = planted_mixture(3000, 0)
    z_val, _ = planted_mixture(1000, 1)
    selection = mixture_selection(z_train, z_val, n_components=(1, 3, 6),
                                  covariance_types=("full", "diag"), tied=(3,), bayesian=(6,), pca=(3,))
    table = selection.table
    assert selection.best == table.index[0] and set(selection.samplers) == set(table.index)
    assert selection.samplers["gmm3"].score(z_val) / 6 == pytest.approx(table.loc["gmm3", "held_out_ll"])
    assert {"gmm1", "gmm3", "gmm6", "gmm3_diag", "gmm3_tied", "bgmm6", "pca_gmm3"} <= set(table.index)
    assert table["converged"].dtype == bool
    assert table.loc["gmm3", "held_out_ll"] > table.loc["gmm1", "held_out_ll"] + 0.3
    assert table["held_out_ll"].is_monotonic_decreasing          # sorted, best first
    best_by_bic = table["bic"].idxmin()
    assert best_by_bic in ("gmm3", "gmm3_diag")                   # BIC penalises the extra components
    fitted = GMMSampler(3, random_state=0).fit(z_train)
    found = fitted.mixture_.means_[np.argsort(fitted.mixture_.means_[:, 0] * 10
                                              + fitted.mixture_.means_[:, 1])]
    assert np.allclose(np.sort(found, axis=0), np.sort(centres, axis=0), atol=0.2)
    # samples of every type come from the fitted components
    for key in ("gmm3_diag", "gmm3_tied", "gmm3_spherical", "bgmm6", "pca_gmm3"):
        sampler = make_sampler(key).fit(z_train)
        x = sampler.sample(600, random_state=0)
        nearest = np.min(np.linalg.norm(x[:, None] - centres[None], axis=2), axis=1)
        assert np.median(nearest) < 4.0, key


def test_the_mixture_family_fits_the_same_mixtures_one_or_two_at_a_time():
    z_train, _ = planted_mixture(1500, 0)
    z_val, _ = planted_mixture(500, 1)
    settings = dict(n_components=(1, 3), covariance_types=("full", "diag"), tied=(3,), bayesian=(3,),
                    pca=(3,))
    lines, filters = [], list(warnings.filters)
    alone = mixture_selection(z_train, z_val, n_jobs=1, **settings)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        paired = mixture_selection(z_train, z_val, n_jobs=2, say=lines.append, **settings)
    # the fits' warning filter held across the pool: nothing leaks from a fit, nothing stays
    assert not [w for w in caught if "converge" in str(w.message)] and warnings.filters == filters
    columns = ["held_out_ll", "train_ll", "bic", "converged"]
    pd.testing.assert_frame_equal(paired.table[columns], alone.table[columns])
    for key, sampler in alone.samplers.items():       # one BLAS thread in both: bit for bit
        assert np.array_equal(paired.samplers[key].sample(50, random_state=3),
                              sampler.sample(50, random_state=3)), key
    # one line per mixture, in the family's order, after the one that announces the fits
    assert "2 at a time" in lines[0] and [line.split(":")[0][2:] for line in lines[1:]] == [
        "gmm1", "gmm1_diag", "gmm3", "gmm3_diag", "gmm3_tied", "bgmm3", "pca_gmm3"]
    with pytest.raises(ConfigError, match="n_jobs"):
        mixture_selection(z_train, z_val, n_jobs=0, **settings)


def test_a_stored_mixture_family_is_read_not_fitted_and_a_code_change_refits_it(tmp_path, monkeypatch):
    from aelatent import result_store

    z_train, _ = planted_mixture(1200, 0)
    z_val, _ = planted_mixture(400, 1)
    settings = dict(n_components=(1, 3), covariance_types=("full",), tied=(), bayesian=(), pca=(3,),
                    folder=tmp_path / "mixtures")
    result_store.TALLY.clear()
    first = mixture_selection(z_train, z_val, **settings)
    assert not first.reused and all(hasattr(s, "n_features_in_") for s in first.samplers.values())
    lines = []
    again = mixture_selection(z_train, z_val, say=lines.append, **settings)
    assert result_store.TALLY["mixture families"] == {"computed": 1, "reused": 1}
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.reused and again.best == first.best and "reused" in lines[0]
    # reused, the samplers are configured as fitted before but not fitted: the league fits one
    # only when its row must be computed
    assert not any(hasattr(s, "n_features_in_") for s in again.samplers.values())
    assert again.samplers["gmm3"].get_params() == first.samplers["gmm3"].get_params()
    # other z-points, or other code, are other entries
    assert not mixture_selection(z_train[:-1], z_val, **settings).reused
    monkeypatch.setattr(result_store, "code_fingerprint", lambda *modules: "edited")
    assert not mixture_selection(z_train, z_val, **settings).reused


def test_samplers_with_the_same_leading_mixture_fit_it_once(monkeypatch):
    # pca_gmm10, conditional_gmm10 and factors_gmm10 differ only in the trailing axes: the second
    # and third copy the first one's fitted mixture, and sample exactly what a fresh fit samples
    from sklearn import mixture as sk_mixture

    from aelatent.result_store import DerivedValues
    from aelatent.samplers import mixture

    monkeypatch.setattr(mixture, "LEADING_FITS", DerivedValues(8, weigh=lambda fitted: 1))
    fits, real_fit = [], sk_mixture.GaussianMixture.fit
    monkeypatch.setattr(sk_mixture.GaussianMixture, "fit",
                        lambda self, x, y=None: fits.append(len(x)) or real_fit(self, x))
    rng = np.random.default_rng(3)
    z = rng.normal(size=(400, 12)) @ rng.normal(size=(12, 12))
    kept = [PCAMixtureSampler(mixture=GMMSampler(3), trailing=trailing).fit(z)
            for trailing in ("independent", "neighbours", "factors")]
    assert len(fits) == 1
    mixture.LEADING_FITS.clear()
    fresh = PCAMixtureSampler(mixture=GMMSampler(3), trailing="neighbours").fit(z)
    assert len(fits) == 2
    np.testing.assert_array_equal(fresh.sample(50, random_state=1), kept[1].sample(50, random_state=1))
    PCAMixtureSampler(mixture=GMMSampler(4)).fit(z)                 # other parameters: fitted
    PCAMixtureSampler(mixture=GMMSampler(3)).fit(2.0 * z)          # other points: fitted
    assert len(fits) == 4
    assert kept[0].leading_ is not kept[1].leading_                # copies, never shared


def test_pca_mixture_with_one_component_is_the_multivariate_normal():
    z_train, _ = planted_mixture(2000, 2)
    x = z_train[:50]
    one = PCAMixtureSampler(variance=0.5, mixture=GMMSampler(1, reg_covar=1e-9)).fit(z_train)
    assert 1 <= one.n_leading_ < 6
    mvn = MultivariateNormalSampler().fit(z_train)
    assert np.allclose(one.score_samples(x), mvn.score_samples(x), atol=1e-3)


def test_kernel_density_beats_a_gaussian_on_a_non_gaussian_cloud():
    rng = np.random.default_rng(5)
    z_train, z_val = ring(2000, rng), ring(1000, rng)
    kde = KDESampler(random_state=0).fit(z_train)
    assert 0.1 <= kde.bandwidth_ <= 1.5 and len(kde.cv_results_) == 12
    gauss = MultivariateNormalSampler().fit(z_train)
    assert held_out_log_likelihood(kde, z_val) > held_out_log_likelihood(gauss, z_val) + 0.1
    x = kde.sample(500, random_state=0)
    radius = np.linalg.norm(x[:, :2], axis=1)
    assert np.median(np.abs(radius - 3)) < 0.6           # samples stay on the ring
    assert np.array_equal(x, kde.sample(500, random_state=0))
    with pytest.raises(ConfigError, match="bandwidth"):
        KDESampler(bandwidth=-1.0).fit(z_train)


def test_kde_cross_validation_agrees_with_grid_search():
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.neighbors import KernelDensity

    from aelatent.samplers.kernel import cross_validated_log_likelihood
    w = np.random.default_rng(6).standard_t(4, size=(300, 5))
    grid = [0.2, 0.4, 0.8, 1.6]
    ours = cross_validated_log_likelihood(w, grid, cv=3, random_state=1, chunk=64)
    search = GridSearchCV(KernelDensity(), {"bandwidth": grid},
                          cv=KFold(3, shuffle=True, random_state=1)).fit(w)
    # GridSearchCV scores the total log-likelihood per fold (folds of 100 points). Its tree
    # approximates the far tails at small bandwidths (one point: -34.1 against the exact
    # -35.5 at h = 0.2), so it agrees to 1e-6 from h = 0.8 on, and picks the same bandwidth
    assert np.allclose(ours["log_likelihood"].to_numpy()[2:],
                       search.cv_results_["mean_test_score"][2:] / 100, rtol=1e-6)
    assert ours["log_likelihood"].idxmax() == search.best_params_["bandwidth"]
    # exact: brute-force Gaussian kernel sums
    from scipy.special import logsumexp
    total = np.zeros(len(grid))
    for train, test in KFold(3, shuffle=True, random_state=1).split(w):
        d2 = ((w[test][:, None] - w[train][None]) ** 2).sum(axis=2)
        for i, h in enumerate(grid):
            total[i] += np.sum(logsumexp(-d2 / (2 * h * h), axis=1) - np.log(len(train))
                               - 2.5 * np.log(2 * np.pi * h * h))
    assert np.allclose(ours["log_likelihood"].to_numpy(), total / 300, rtol=1e-9)


def test_two_stage_vae_beats_a_gaussian_on_a_non_gaussian_cloud():
    from aelatent.samplers import TwoStageVAESampler
    rng = np.random.default_rng(5)
    z_train, z_val = ring(2000, rng), ring(1000, rng)
    vae = TwoStageVAESampler(latent_dim=4, hidden=64, epochs=100, batch_size=64).fit(z_train)
    gauss = MultivariateNormalSampler().fit(z_train)
    assert held_out_log_likelihood(vae, z_val) > held_out_log_likelihood(gauss, z_val) + 0.05
    x = vae.sample(500, random_state=0)
    assert np.median(np.abs(np.linalg.norm(x[:, :2], axis=1) - 3)) < 0.8     # Gaussian: ~1.0
    assert np.array_equal(x, vae.sample(500, random_state=0))
    assert len(vae.history_["loss"]) == 100


def test_realnvp_flow_beats_a_gaussian_on_a_non_gaussian_cloud():
    from aelatent.samplers import RealNVPSampler
    rng = np.random.default_rng(5)
    z_train, z_val = ring(2000, rng), ring(1000, rng)
    flow = RealNVPSampler(hidden=64, epochs=100, batch_size=64).fit(z_train)
    gauss = MultivariateNormalSampler().fit(z_train)
    assert held_out_log_likelihood(flow, z_val) > held_out_log_likelihood(gauss, z_val) + 0.1
    x = flow.sample(500, random_state=0)
    assert np.median(np.abs(np.linalg.norm(x[:, :2], axis=1) - 3)) < 0.4    # on the ring
    assert np.array_equal(x, flow.sample(500, random_state=0))
    # the flow is invertible: sampled vectors map to base points and back
    w = flow.alignment_.whiten(x[:50]).astype(np.float32)
    u, _ = flow.flow_.to_base(w)
    assert np.allclose(np.asarray(flow.flow_.from_base(u)), w, atol=1e-3)
    assert len(flow.history_["val_loss"]) == len(flow.history_["loss"]) <= 100


def test_diffusion_prior_learns_a_non_gaussian_cloud_and_starts_as_the_gaussian():
    from aelatent.samplers import DiffusionSampler
    rng = np.random.default_rng(0)
    z_train = ring(2000, rng)
    diffusion = DiffusionSampler(hidden=128, epochs=200).fit(z_train)
    x = diffusion.sample(1000, random_state=0)
    assert np.median(np.abs(np.linalg.norm(x[:, :2], axis=1) - 3)) < 0.4    # Gaussian: ~1.1
    assert np.array_equal(x, diffusion.sample(1000, random_state=0))
    assert min(diffusion.history_["val_loss"]) < diffusion.history_["val_loss"][0] - 0.01


def test_untrained_diffusion_prior_spreads_like_the_multivariate_normal():
    # with its correction at zero the denoiser is the Gaussian's: sampled to the end of the
    # schedule, the whitened samples have unit spread within 2 % (ending at signal rate 0.95, as
    # keras-io's example does, gave 0.93; 50 DDIM steps 0.976)
    from aelatent.samplers import DiffusionSampler
    from aelatent.samplers.diffusion import _rates
    assert np.allclose(_rates(np.zeros(1)), ([0.0], [1.0]))      # time 0 is the data itself
    gaussian = DiffusionSampler(hidden=16, epochs=1).fit(ring(2000, np.random.default_rng(0)))
    correction = gaussian.denoiser_.get_layer("correction")
    correction.set_weights([np.zeros_like(w) for w in correction.get_weights()])
    w = gaussian.alignment_.whiten(gaussian.sample(20000, random_state=1))
    assert abs(w.std(axis=0).mean() - 1) < 0.02 and np.allclose(w.mean(axis=0), 0, atol=0.03)
    # fewer steps contract further, as cos(step angle) per step predicts
    few = gaussian.alignment_.whiten(gaussian.set_params(n_steps=10).sample(20000, random_state=1))
    expected = np.cos(np.arccos(0.02) / 10) ** 10
    assert abs(few.std(axis=0).mean() - expected) < 0.01


def test_neighbour_mix_stays_between_neighbours():
    z_train, centres = planted_mixture(1500, 3)
    sampler = NeighbourMixSampler(k=5, max_share=0.5).fit(z_train)
    x = sampler.sample(400, random_state=0)
    # every vector lies on a segment from a fitted point toward one of its 5 nearest neighbours,
    # at most half-way: within half the 5th-neighbour distance of some fitted point
    from aelatent.neighbours import NearestNeighbours
    points = z_train.astype(np.float32)
    fifth = NearestNeighbours(k=5).fit(points).self_neighbours(points)[0][:, -1]
    gap = np.linalg.norm(x[:, None] - points[None], axis=2) - 0.5 * fifth[None]
    assert np.all(gap.min(axis=1) <= 1e-4)
    assert np.mean(gap.min(axis=1) < -0.05) > 0.5         # ... and not all of them at its limit
    # never in the empty space between the clusters
    assert np.min(np.linalg.norm(x[:, None] - centres[None], axis=2), axis=1).max() < 7.0
    assert np.array_equal(x, sampler.sample(400, random_state=0))
    with pytest.raises(ConfigError, match="max_share"):
        NeighbourMixSampler(max_share=0.0).fit(z_train)


def test_mixture_keys():
    assert {"pca_gmm10", "kde", "neighbour_mix", "two_stage_vae", "realnvp", "diffusion",
            "conditional_gmm10"} <= set(SAMPLERS)
    assert make_sampler("gmm20_diag").get_params()["covariance_type"] == "diag"
    assert make_sampler("bgmm5").get_params()["bayesian"] is True
    assert make_sampler("pca_gmm4_tied").get_params()["mixture__n_components"] == 4
    assert make_sampler("pca_gmm4_tied").get_params()["mixture__covariance_type"] == "tied"
    for bad in ("gmm10_bogus", "gmmx", "kde2"):
        with pytest.raises(ConfigError, match="unknown sampler key"):
            make_sampler(bad)


def test_a_diffusion_prior_on_the_leading_axes_samples_but_has_no_density():
    from aelatent.samplers import DiffusionSampler, PCAMixtureSampler, held_out_log_likelihood
    z_train, _ = planted_mixture(600, 3)
    sampler = PCAMixtureSampler(0.9, mixture=DiffusionSampler(hidden=16, epochs=10),
                                trailing="neighbours", trailing_scale=0.5).fit(z_train)
    x = sampler.sample(200, random_state=0)
    assert x.shape == (200, z_train.shape[1]) and np.isfinite(x).all()
    assert np.array_equal(x, sampler.sample(200, random_state=0))
    assert not sampler.has_density and np.isnan(held_out_log_likelihood(sampler, z_train[:50]))
    with pytest.raises(ConfigError, match="no log density"):
        sampler.score_samples(z_train[:5])
    assert "conditional_diffusion" in SAMPLERS


@pytest.mark.parametrize("key, options, exact", [
    ("two_stage_vae", {"latent_dim": 2, "hidden": 16}, True),
    ("realnvp", {"n_couplings": 2, "hidden": 16}, True),
    # the denoiser's sinusoidal embedding rounds differently inside a multi-step loop
    ("diffusion", {"hidden": 16, "n_steps": 10}, False)])
def test_several_batches_per_training_call_train_the_same_density(key, options, exact, monkeypatch):
    # the Keras densities run STEPS_PER_CALL batches per call of their training function: a
    # speed-up only -- the same losses and samples as one batch per call (the diffusion prior's
    # up to float32 rounding)
    from aelatent.samplers import base
    z = ring(700, np.random.default_rng(1))
    fits = {}
    for steps in (1, 7):
        monkeypatch.setattr(base, "STEPS_PER_CALL", steps)
        sampler = make_sampler(key).set_params(epochs=10, batch_size=64, **options).fit(z)
        fits[steps] = (np.array(sampler.history_["loss"]), sampler.sample(300, random_state=0))
    tolerance = {"rtol": 0, "atol": 0} if exact else {"rtol": 1e-4, "atol": 1e-5}
    assert np.allclose(fits[1][0], fits[7][0], **tolerance)
    assert np.allclose(fits[1][1], fits[7][1], **tolerance)
