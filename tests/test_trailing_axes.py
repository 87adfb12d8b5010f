"""Notebook XIV's mechanics: the trailing principal axes, their conditional model, the frontier."""

import json
import types

import numpy as np
import pandas as pd
import pytest

from aelatent.errors import ConfigError
from aelatent.samplers import PCAMixtureSampler, held_out_log_likelihood, make_sampler
from aelatent.samplers.mixture import leave_one_out_residuals, trailing_regression
from aelatent.trailing_axes import (select_trailing_scale, split_coordinates,
                                    trailing_predictability, trailing_variants)


def planted(n, seed, dependent=True):
    """4 large axes and 3 small ones; two of the small ones follow the large ones (or do not)."""
    rng = np.random.default_rng(seed)
    lead = rng.normal(size=(n, 4)) * np.array([5.0, 4.0, 3.0, 2.5])
    source = lead if dependent else rng.normal(size=(n, 4)) * np.array([5.0, 4.0, 3.0, 2.5])
    trail = np.column_stack([np.sin(source[:, 0]), 0.8 * np.cos(source[:, 1]),
                             0.3 * rng.normal(size=n)])
    rotation = np.linalg.qr(np.random.default_rng(99).normal(size=(7, 7)))[0]
    return np.hstack([lead, trail]) @ rotation


def test_predictability_finds_a_planted_dependence_and_not_a_missing_one():
    dependent = trailing_predictability(planted(2500, 0), planted(500, 1), variance=0.9)
    assert dependent.n_leading == 4
    assert dependent.explained > 0.3 > 0.05 > dependent.explained_shuffled
    assert (dependent.table["r2"].iloc[:2] > 0.3).all()          # the two planted axes
    independent = trailing_predictability(planted(2500, 0, False), planted(500, 1, False), 0.9)
    assert independent.explained < 0.05


def test_leave_one_out_residuals_leave_each_point_out():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(60, 3)), rng.normal(size=(60, 2))
    regression = trailing_regression(k=4).fit(x, y)
    brute = []
    for i in range(len(x)):
        keep = np.arange(len(x)) != i
        brute.append(y[i] - trailing_regression(k=4).fit(x[keep], y[keep]).predict(x[i:i + 1])[0])
    assert np.allclose(leave_one_out_residuals(regression, y), brute)


def test_conditional_trailing_model_beats_independent_noise_on_held_out_points():
    z, z_val = planted(2500, 0), planted(500, 1)
    independent = PCAMixtureSampler(mixture=make_sampler("gmm3")).fit(z)
    conditional = PCAMixtureSampler(mixture=make_sampler("gmm3"), trailing="neighbours").fit(z)
    assert held_out_log_likelihood(conditional, z_val) > held_out_log_likelihood(independent, z_val) + 0.05
    # its residual scale is the unexplained part: below the axes' own standard deviations
    sigma = np.sqrt(conditional.alignment_.explained_variance_[conditional.n_leading_:])
    assert (conditional.rest_std_[:2] < 0.8 * sigma[:2]).all()


@pytest.mark.parametrize("trailing", ["independent", "neighbours"])
def test_tau_scales_only_what_the_trailing_axes_get_beyond_their_mean(trailing):
    z = planted(2000, 0)
    sampler = PCAMixtureSampler(mixture=make_sampler("gmm3"), trailing=trailing).fit(z)
    frame = {}
    for tau in (0.0, 0.5, 1.0):
        sampler.set_params(trailing_scale=tau)
        frame[tau] = split_coordinates(sampler.alignment_, sampler.sample(300, random_state=3),
                                       sampler.n_leading_)
    close = dict(rtol=1e-5, atol=1e-4)                  # sample() returns float32
    assert np.allclose(frame[0.0][0], frame[1.0][0], **close)
    assert np.allclose(frame[0.5][0], frame[1.0][0], **close)
    mean = sampler.trailing_mean(frame[1.0][0])
    assert np.allclose(frame[0.0][1], mean, **close)
    assert np.allclose(frame[0.5][1] - mean, 0.5 * (frame[1.0][1] - mean), **close)
    if trailing == "independent":
        assert np.allclose(mean, 0)
    with pytest.raises(ConfigError, match="trailing_scale"):
        sampler.set_params(trailing_scale=-0.1).sample(2)


def test_trailing_variants_keep_the_leading_coordinates():
    z = planted(1500, 0)
    sampler = PCAMixtureSampler(mixture=make_sampler("gmm3"), trailing="neighbours").fit(z)
    variants = trailing_variants(sampler, z[:20], scales=[0.5], seed=0)
    assert np.allclose(variants["data"], z[:20])
    lead = split_coordinates(sampler.alignment_, z[:20], sampler.n_leading_)[0]
    for name, v in variants.items():
        v_lead, v_rest = split_coordinates(sampler.alignment_, v, sampler.n_leading_)
        assert np.allclose(v_lead, lead), name
    rest = {name: split_coordinates(sampler.alignment_, v, sampler.n_leading_)[1]
            for name, v in variants.items()}
    assert np.allclose(rest["zero"], 0, atol=1e-9)
    assert np.allclose(rest["noise x 0.5"], 0.5 * rest["noise, full variance"])
    with pytest.raises(ConfigError, match="neighbours"):
        trailing_variants(PCAMixtureSampler(mixture=make_sampler("gmm3")).fit(z), z[:5])


def test_trailing_keys():
    assert make_sampler("trailing_tau0.5").get_params()["trailing_scale"] == 0.5
    conditional = make_sampler("conditional_tau0.25")
    assert (conditional.trailing, conditional.trailing_scale) == ("neighbours", 0.25)
    assert make_sampler("conditional_gmm10").trailing == "neighbours"
    with pytest.raises(ConfigError, match="trailing_scale"):
        make_sampler("trailing_tau-1")


@pytest.fixture(scope="module")
def small_run(isolated_folders):
    """A tiny run with 24 validation images, enough for the frontier's reference."""
    from aelatent.runs import ensure_run
    from tiny import tiny

    return ensure_run("smoke", "", "tiny-240", 0, verbose=0, **tiny(max_images=240))


class CycleRun:
    """A run stand-in whose decoder and encoder invert each other (up to uint8 rounding).

    A latent vector of 8 components in [0, 6] becomes an image of 8 flat blocks; encoding
    averages the blocks back. So decoded training z-points re-encode onto themselves.
    """

    def __init__(self, n_train=300, n_val=200, seed=0):
        rng = np.random.default_rng(seed)
        self.z_train = rng.uniform(1, 5, size=(n_train, 8))
        self.z_val = rng.uniform(1, 5, size=(n_val, 8))
        self.image_set = types.SimpleNamespace(images=self.decode(np.vstack([self.z_val, self.z_train])),
                                               val_index=np.arange(n_val),
                                               train_index=n_val + np.arange(n_train))

    def decode(self, z):
        values = np.clip(np.asarray(z) / 6.0 * 255.0, 0, 255).round().astype(np.uint8)
        return np.repeat(values, 64 * 64 * 3 // 8, axis=1).reshape(len(values), 64, 64, 3)

    def encode(self, images):
        return np.asarray(images, np.float32).reshape(len(images), 8, -1).mean(axis=2) / 255.0 * 6.0


def test_frontier_reference_is_the_leagues_and_sees_copies():
    from aelatent.frontier import FrontierReference
    from aelatent.league import league_sets

    run = CycleRun()
    reference = FrontierReference(run, seed=0, n_images=450)
    sets = league_sets(run, 450, 0)
    # every validation image is the reference; the ceiling: as many training images as there are
    assert reference.n_compared == len(sets.ceiling_pos) == 300
    assert len(reference.features_) == len(sets.reference_pos) == 200
    assert reference.real_nn_ == sets.unseen_nn_train > 0
    ceiling = reference.score(run.z_train[sets.ceiling_pos])   # the ceiling's own vectors
    assert ceiling["kid_ratio"] == pytest.approx(1.0) and ceiling["copy_ratio"] < 0.1
    fresh = reference.score(np.random.default_rng(5).uniform(1, 5, size=(300, 8)))
    assert 0.8 < fresh["copy_ratio"] < 1.25                    # new points lie as far as unseen ones
    assert len(league_sets(run, 50, 0).ceiling_pos) == 50
    # fewer vectors per point against the league's own ceiling (n_ceiling = the league's n_images)
    light = FrontierReference(run, seed=0, n_images=50, n_ceiling=450)
    assert light.n_compared == 50 and len(light.recon_features_) == 300
    assert light.recon_kid_ == reference.recon_kid_
    assert len(FrontierReference(run, seed=0, n_images=50).recon_features_) == 50
    assert not np.array_equal(league_sets(run, 50, 0).ceiling_pos, league_sets(run, 50, 1).ceiling_pos)


def test_frontier_restores_the_knob_and_reads_its_best_point(small_run):
    from aelatent.frontier import quality_novelty_frontier

    mix = make_sampler("neighbour_mix").fit(small_run.z_train)
    curve = quality_novelty_frontier(small_run, {"neighbour_mix": ("max_share", [0.1, 1.0])},
                                     fitted={"neighbour_mix": mix}, n_images=40, seed=0)
    assert mix.max_share == 0.5                                  # restored
    assert list(curve.table["value"]) == [0.1, 1.0]
    # executed again, the points are read from the run's folder: nothing is fitted or scored
    from aelatent import result_store
    result_store.TALLY.clear()
    again = quality_novelty_frontier(small_run, {"neighbour_mix": ("max_share", [0.1, 1.0])},
                                     n_images=40, seed=0)
    assert result_store.TALLY["frontier points"] == {"reused": 2}
    assert again.table.equals(curve.table)
    # another ceiling is another denominator: those points are computed, not read
    result_store.TALLY.clear()
    quality_novelty_frontier(small_run, {"neighbour_mix": ("max_share", [0.1])}, n_images=40,
                             seed=0, n_ceiling=60)
    assert result_store.TALLY["frontier points"] == {"computed": 1}
    assert curve.table["copies"].tolist() == (curve.table["copy_ratio"] < 0.9).tolist()
    # every point carries the joint interval of its ratio, around it (or none, where the
    # reconstructions' KID is not positive and there is no ratio)
    t = curve.table
    assert (((t["kid_ratio_low"] <= t["kid_ratio"]) & (t["kid_ratio"] <= t["kid_ratio_high"]))
            | (t["kid_ratio_low"].isna() & (curve.recon_kid <= 0))).all()
    honest = curve.table[~curve.table["copies"]]
    if len(honest):
        assert curve.best()["kid_ratio"] == honest["kid_ratio"].min()
    else:
        with pytest.raises(ConfigError, match="copies"):
            curve.best()


def test_trailing_scale_is_chosen_on_training_images_and_leaves_the_sampler_alone(small_run):
    sampler = make_sampler("pca_gmm3").fit(small_run.z_train)
    selection = select_trailing_scale(small_run, sampler, scales=(0.0, 1.0), n_images=30, seed=0)
    assert selection.best in (0.0, 1.0)
    assert selection.best == selection.table["kid_to_train_recon"].idxmin()
    assert selection.sampler.trailing_scale == selection.best and selection.sampler is not sampler
    assert sampler.trailing_scale == 1.0
    with pytest.raises(ConfigError, match="PCAMixtureSampler"):
        select_trailing_scale(small_run, make_sampler("mvn"), n_images=30)
    # a diffusion prior on the leading axes is tuned the same way (its Keras model is not copied)
    from aelatent.samplers import DiffusionSampler, PCAMixtureSampler
    diffusion = PCAMixtureSampler(0.9, mixture=DiffusionSampler(hidden=16, epochs=10),
                                  trailing="neighbours").fit(small_run.z_train)
    chosen = select_trailing_scale(small_run, diffusion, scales=(0.0, 1.0), n_images=30, seed=0)
    assert chosen.best in (0.0, 1.0) and diffusion.trailing_scale == 1.0
    # a re-encoded sampler is tuned by its re-encoded images; it shares its inner sampler's fit
    from aelatent.samplers import ReencodedSampler
    reencoded = ReencodedSampler(make_sampler("pca_gmm3")).bind(small_run)
    chosen = select_trailing_scale(small_run, reencoded, scales=(0.0, 1.0), n_images=30, seed=0)
    assert hasattr(reencoded.sampler, "n_features_in_") and reencoded.sampler.trailing_scale == 1.0
    assert chosen.sampler.sampler.trailing_scale == chosen.best
    assert chosen.sampler.autoencoder_ is small_run
    assert not np.allclose(chosen.table["kid_to_train_recon"], selection.table["kid_to_train_recon"])


def test_a_stored_tau_selection_is_read_not_fitted_and_a_code_change_recomputes_it(small_run,
                                                                                   monkeypatch):
    from aelatent import result_store

    settings = dict(scales=(0.0, 0.5, 1.0), n_images=30, seed=3)
    unfitted = make_sampler("pca_gmm3")
    first = select_trailing_scale(small_run, unfitted, **settings)
    assert not first.reused and hasattr(unfitted, "n_features_in_")    # fitted in place, shared
    # planted: a stored table is read as it is (so the reused selection is the stored one)
    for path in (small_run.path / "results" / "trailing_scale").glob("*.json"):
        record = json.loads(path.read_text())
        record["values"]["kid"] = [[tau, -1.0 if tau == 0.5 else 1.0] for tau, _ in record["values"]["kid"]]
        path.write_text(json.dumps(record))
    result_store.TALLY.clear()
    fresh = make_sampler("pca_gmm3")
    again = select_trailing_scale(small_run, fresh, **settings)
    assert result_store.TALLY["tau selections"] == {"reused": 1}
    assert again.reused and again.best == 0.5 and not hasattr(fresh, "n_features_in_")
    assert again.sampler.trailing_scale == 0.5 and fresh.trailing_scale == 1.0
    assert not hasattr(again.sampler, "n_features_in_")    # the league fits it if it must
    # another scale grid, or other code, is another entry: computed, never the planted one
    assert not select_trailing_scale(small_run, fresh, scales=(0.0, 1.0), n_images=30, seed=3).reused
    import aelatent.trailing_axes as module
    monkeypatch.setattr(result_store, "code_fingerprint", lambda *modules: "edited")
    recomputed = module.select_trailing_scale(small_run, make_sampler("pca_gmm3"), **settings)
    assert not recomputed.reused
    pd.testing.assert_frame_equal(recomputed.table, first.table)


def test_gap_summary_says_so_when_every_point_copies():
    import pandas as pd

    from aelatent.frontier import Frontier
    from aelatent.trailing_axes import trailing_gap_summary

    table = pd.DataFrame({"sampler": ["pca_gmm10"] * 2 + ["conditional_gmm10"] * 2,
                          "knob": "trailing_scale", "value": [0.5, 1.0] * 2,
                          "kid_onet": 0.01, "kid_ratio": [1.3, 2.0, 1.2, 1.9],
                          "copy_ratio": [0.85, 0.88, 0.86, 0.89]})
    table["kid_ratio_low"], table["kid_ratio_high"] = table["kid_ratio"] - 0.1, table["kid_ratio"] + 0.1
    table["copies"] = table["copy_ratio"] < 0.9
    curve = Frontier(table, recon_kid=0.005)
    text, numbers = trailing_gap_summary(curve, 0.5)
    assert "Every point of the curve copies" in text
    assert np.isnan(numbers["best"]) and numbers["baseline"] == 2.0 and numbers["chosen"] == 1.2
    table.loc[2, "copy_ratio"] = 0.95                      # one honest point: a share again
    text, numbers = trailing_gap_summary(Frontier(table.assign(copies=table["copy_ratio"] < 0.9),
                                                  0.005), 0.5)
    assert numbers["best"] == 1.2 and numbers["share"] == pytest.approx(0.8)
    assert "80%" in text
    # the scale alone and the conditional mean at the same tau, each with its interval
    table.loc[0, "copy_ratio"] = 0.95
    text, _ = trailing_gap_summary(Frontier(table.assign(copies=table["copy_ratio"] < 0.9), 0.005),
                                   0.5)
    assert "The scale alone: at tau = 0.5 the same sampler reaches 1.30 x [1.20, 1.40]" in text
    assert "conditional_gmm10 1.20 x [1.10, 1.30], inside the same intervals" in text
    table.loc[2, ["kid_ratio", "kid_ratio_low", "kid_ratio_high"]] = [0.9, 0.85, 0.95]
    text, _ = trailing_gap_summary(Frontier(table.assign(copies=table["copy_ratio"] < 0.9), 0.005),
                                   0.5)
    assert "0.90 x [0.85, 0.95], better beyond the intervals" in text
    # without tau = 1 on the curve there is no baseline: the summary says so instead of failing
    text, numbers = trailing_gap_summary(Frontier(table[table["value"] != 1.0], 0.005), 0.5)
    assert "no point pca_gmm10 at tau = 1" in text and np.isnan(numbers["baseline"])


def test_the_predictability_sentence_reads_the_numbers():
    import pandas as pd

    from aelatent.trailing_axes import TrailingPredictability

    def sentence(explained, shuffled):
        return TrailingPredictability(pd.DataFrame(), 4, explained, shuffled).sentence()

    assert "none of it in this run" in sentence(-0.016, -0.142)
    assert "no more than chance" in sentence(0.05, 0.045)
    assert "96% of the trailing variance is independent" in sentence(0.036, -0.077)
    assert "follow mostly from the leading ones" in sentence(0.7, 0.0)


def two_regions(n, seed):
    """Two clusters in 3 large axes; in the 4 small ones, axes 3 and 4 correlate +0.9 in one
    cluster and -0.9 in the other (pooled, they are nearly uncorrelated)."""
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 2, n)
    lead = rng.normal(size=(n, 3)) * [2.0, 5.0, 4.0] + np.where(side, 9.0, -9.0)[:, None] * [1, 0, 0]
    sign = np.where(side, 0.9, -0.9)
    a, b = rng.normal(size=(2, n))
    trail = 0.5 * np.column_stack([a, sign * a + np.sqrt(1 - 0.81) * b, rng.normal(size=(n, 2))])
    return np.hstack([lead, trail])


def test_factor_trailing_model_learns_each_regions_own_trailing_correlations():
    z, z_val = two_regions(3000, 0), two_regions(600, 1)
    independent = PCAMixtureSampler(0.99, mixture=make_sampler("gmm2")).fit(z)
    factors = PCAMixtureSampler(0.99, mixture=make_sampler("gmm2"), trailing="factors",
                                n_factors=2).fit(z)
    assert factors.n_leading_ == 3 and len(factors.factors_) == 2
    # a correlation of 0.9 carries -log(1 - 0.81) / 2 = 0.83 nats per point, 0.119 per dimension
    gain = held_out_log_likelihood(factors, z_val) - held_out_log_likelihood(independent, z_val)
    assert 0.09 < gain < 0.15
    for sampler, low, high in ((factors, 0.7, 1.0), (independent, -0.3, 0.3)):
        s = sampler.sample(4000, random_state=2)
        right, left = s[s[:, 0] > 0], s[s[:, 0] < 0]
        assert low < np.corrcoef(right[:, 3], right[:, 4])[0, 1] < high
        assert -high < np.corrcoef(left[:, 3], left[:, 4])[0, 1] < -low


def test_factor_trailing_density_is_the_mixture_of_the_components_joint_gaussians():
    from scipy.special import logsumexp
    from scipy.stats import multivariate_normal

    z = two_regions(1500, 0)
    sampler = PCAMixtureSampler(0.99, mixture=make_sampler("gmm2"), trailing="factors",
                                n_factors=2, trailing_scale=0.7).fit(z)
    y = sampler.alignment_.transform(z[:50])
    lead, rest = y[:, :3], y[:, 3:]
    gmm = sampler.leading_.mixture_
    terms = [np.log(gmm.weights_[c]) + multivariate_normal(gmm.means_[c], gmm.covariances_[c]).logpdf(lead)
             + multivariate_normal(fa.mean_, 0.49 * fa.get_covariance()).logpdf(rest)
             for c, fa in enumerate(sampler.factors_)]
    assert np.allclose(sampler.score_samples(z[:50]), logsumexp(terms, axis=0), atol=1e-6)


def test_factor_trailing_tau_scales_the_deviation_from_the_components_mean():
    z = two_regions(1500, 0)
    sampler = PCAMixtureSampler(0.99, mixture=make_sampler("gmm2"), trailing="factors",
                                n_factors=2).fit(z)
    frame = {}
    for tau in (0.0, 0.5, 1.0):
        sampler.set_params(trailing_scale=tau)
        frame[tau] = split_coordinates(sampler.alignment_, sampler.sample(200, random_state=3), 3)
    close = dict(rtol=1e-5, atol=1e-4)                  # sample() returns float32
    assert np.allclose(frame[0.0][0], frame[1.0][0], **close)
    means = np.stack([fa.mean_ for fa in sampler.factors_])
    assert np.abs(frame[0.0][1][:, None, :] - means[None]).max(axis=2).min(axis=1).max() < 1e-4
    assert np.allclose(frame[0.5][1] - frame[0.0][1], 0.5 * (frame[1.0][1] - frame[0.0][1]), **close)
    assert sampler.score_samples(z[:3]).tolist() != [-np.inf] * 3
    assert np.isneginf(sampler.set_params(trailing_scale=0.0).score_samples(z[:3])).all()


def test_factor_trailing_model_needs_a_gaussian_mixture_on_the_leading_axes():
    from aelatent.samplers import DiffusionSampler

    with pytest.raises(ConfigError, match="GMMSampler"):
        PCAMixtureSampler(mixture=DiffusionSampler(), trailing="factors").fit(planted(200, 0))
    assert make_sampler("factors_tau0.5").trailing_scale == 0.5
    assert make_sampler("factors_gmm10").trailing == "factors"


def test_image_regions_are_disjoint_and_cover_the_image():
    from aelatent.trailing_axes import image_regions

    regions = image_regions(64, 64)
    stacked = np.stack(list(regions.values())).astype(int)
    assert (stacked.sum(axis=0) == 1).all()
    assert regions["face"][35, 32] and regions["border"][0, 0] and regions["band"][12, 32]


@pytest.mark.parametrize("where", ["band", "border"])
def test_the_effect_map_finds_where_a_planted_change_acts(where):
    from aelatent.trailing_axes import REGION_NAMES, image_regions, trailing_effect_map

    rng = np.random.default_rng(0)
    base = rng.uniform(0.2, 0.8, (60, 64, 64, 3))
    changed = base + rng.normal(0, 0.01, base.shape)            # a little everywhere
    changed[:, image_regions(64, 64)[where]] += rng.uniform(0.05, 0.1, (60, 1, 1))
    effect = trailing_effect_map(changed, base, seed=0)
    assert effect.table["mean_change"].idxmax() == where
    assert f"change {REGION_NAMES[where]} most" in effect.sentence()
    assert effect.table["change_share"].sum() == pytest.approx(1)
    assert effect.heat.shape == (64, 64)
    assert set(effect.metrics()) == {f"trailing_effect_{r}_{c}" for r in ("face", "band", "border")
                                     for c in ("mean_change", "change_share")}


def test_the_axis_sentence_names_where_each_path_changes_the_image():
    from aelatent.trailing_axes import axis_regions_sentence, image_regions

    regions = image_regions(32, 32)
    paths = []
    for where in ("border", "band", "face"):
        end = np.full((32, 32, 3), 0.5)
        end[regions[where]] += 0.3
        paths.append(np.stack([np.full((32, 32, 3), 0.5), end]))
    said = axis_regions_sentence(paths, ["first", "second", "third"])
    assert "first 0.000 / 0.000 / 0.300" in said and "third 0.300 / 0.000 / 0.000" in said
    assert "1 of 3 axes change the face most: most of them change the surroundings" in said
    assert "most of them change the face itself" in axis_regions_sentence(paths[2:])


def test_the_effect_map_names_no_region_when_the_change_is_everywhere_alike():
    from aelatent.trailing_axes import trailing_effect_map

    rng = np.random.default_rng(1)
    base = rng.uniform(0.2, 0.8, (40, 32, 32, 3))
    effect = trailing_effect_map(base + rng.normal(0, 0.05, base.shape), base, seed=0)
    assert "no region stands out" in effect.sentence()
    with pytest.raises(ConfigError, match="one shape"):
        trailing_effect_map(base, base[:, :16])


def test_the_tau_selections_of_a_run_share_their_decoded_images(small_run, monkeypatch):
    # the reference reconstructions are decoded once per run, and a re-encoded sampler's
    # selection finds its base's vectors (same seed, same tau) decoded already
    from aelatent import trailing_axes
    from aelatent.samplers import ReencodedSampler
    base = make_sampler("pca_gmm3").fit(small_run.z_train)
    reencoded = ReencodedSampler(base).bind(small_run)
    decoded, decode = [], small_run.decode
    monkeypatch.setattr(small_run, "decode", lambda z: decoded.append(len(z)) or decode(z))
    trailing_axes.DECODED.clear()
    trailing_axes._kid_by_scale(small_run, base, (0.0, 1.0), 30, 0)
    assert len(decoded) == 3                      # the reference, then one set per tau
    kept = trailing_axes._kid_by_scale(small_run, reencoded, (0.0, 1.0), 30, 0)
    assert len(decoded) == 5                      # only the re-encoded vectors are new
    trailing_axes.DECODED.clear()
    assert trailing_axes._kid_by_scale(small_run, reencoded, (0.0, 1.0), 30, 0) == kept
    assert len(decoded) == 10                     # nothing kept: reference, base and re-encoded
    assert reencoded.autoencoder_ is small_run    # the copies were bound, not the sampler given
