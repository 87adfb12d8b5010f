"""The notebook series runs end to end under papermill and writes its metrics."""

import json
import re

import numpy as np
import pytest


def read_metrics(folder, stem):
    path = folder / "metrics" / f"{stem}.json"
    assert path.exists(), f"{stem} wrote no metrics file"
    return json.loads(path.read_text())


def test_notebook_01_metrics(series_run):
    m = read_metrics(series_run, "01_encoder_decoder_latent_space")
    assert m["z_dim"] == 256 and m["image_size"] == 64
    assert m["n_train_images"] == 2700 and m["n_val_images"] == 300
    assert 1_000_000 < m["params_total"] < 10_000_000
    # the autoencoder learned something: the reconstruction error is far below
    # the ~0.06-0.08 of predicting the mean image
    assert m["val_recon_mse"] < 0.05
    assert m["final_val_loss"] == pytest.approx(m["val_recon_mse"], rel=0.05)


B_VALUES = ("0.5", "1.0", "1.5", "2.0", "5.0")


def test_notebook_02_metrics(series_run):
    m = read_metrics(series_run, "02_component_distributions")
    for suffix in ("", "_case2"):
        # an off-origin cloud: a clearly non-zero centre carried by some components
        assert m[f"centre_radius{suffix}"] > 0
        assert m[f"n_offorigin_components{suffix}"] >= 1
        assert 0 < m[f"z_radius_std{suffix}"] < m[f"z_radius_mean{suffix}"]
        assert m[f"centre_radius{suffix}"] < m[f"z_radius_mean{suffix}"]
        assert m[f"best_matching_b{suffix}"] > 0
    assert m["halfwidth_median"] > 0
    # uniform [-b, b] vectors: mean radius b*sqrt(N/3) with N = 256
    for b in B_VALUES:
        assert m[f"uniform_radius_mean_b{b}"] == pytest.approx(float(b) * (256 / 3) ** 0.5, rel=0.01)
    # the best-matching b lies between the b values whose *sampled* uniform vectors have radii
    # just below and just above the z-points' mean radius
    below = [float(b) for b in B_VALUES if m[f"uniform_radius_mean_b{b}"] <= m["z_radius_mean"]]
    above = [float(b) for b in B_VALUES if m[f"uniform_radius_mean_b{b}"] >= m["z_radius_mean"]]
    assert max(below, default=0.0) <= m["best_matching_b"] <= min(above, default=np.inf)
    # components are roughly Gaussian
    assert m["gaussian_fit_r2_median"] > 0.8
    assert 0.9 < m["hw_over_sigma_median"] < 1.5


def test_notebook_03_metrics(series_run):
    m = read_metrics(series_run, "03_component_correlations")
    assert 0 <= m["corr_abs_mean_offdiag_shuffled"] < 0.05
    assert m["corr_abs_mean_offdiag"] > 2 * m["corr_abs_mean_offdiag_shuffled"]
    assert m["corr_abs_max_offdiag"] > 0.5 > m["corr_abs_max_offdiag_shuffled"]
    assert m["n_pairs_abs_corr_gt_0.5"] >= 1


def test_notebook_04_metrics(series_run):
    m = read_metrics(series_run, "04_origin_vicinity")
    # the origin is farther out than a typical CelebA z-point
    assert m["origin_mahalanobis"] > m["celeba_mahalanobis_median"]
    assert 0 < m["celeba_mahalanobis_median"] < m["celeba_mahalanobis_q99"]
    medians = [m[f"uniform_mahalanobis_median_b{b}"] for b in B_VALUES]
    assert medians == sorted(medians)              # farther out as b grows
    # statistical vectors miss the CelebA core; for large b entirely
    assert m["uniform_inside_core_fraction_b5.0"] < 0.01
    assert m["uniform_inside_core_fraction_b2.0"] < 0.05
    assert m["uniform_mahalanobis_median_b5.0"] > m["celeba_mahalanobis_q99"]


def test_notebook_12_sampler_league(series_run):
    m = read_metrics(series_run, "12_sampler_comparison")
    assert m["n_images_per_sampler"] == 200          # the smoke profile's default
    # all 300 validation images are the reference; the calibration rows: 200 training images
    assert m["n_compared"] == 200 and m["n_reference_images"] == 300
    # the calibration scale: real faces closest, reconstructions next, N(0, I) as far as noise
    assert m["real_vs_real_frechet_onet"] < m["recon_frechet_onet"] < m["normal_frechet_onet"]
    assert m["gmm10_frechet_onet"] < m["normal_frechet_onet"]
    assert m["gmm10_face_rate"] >= m["normal_face_rate"]
    assert m["grey_face_rate"] <= 0.05 and m["noise_face_rate"] <= 0.05
    # sampled vectors: real z-points have median Mahalanobis ~ sqrt(256); N(0, I) lies far outside
    assert 10 < m["gmm10_mahalanobis_median"] < m["normal_mahalanobis_median"]
    # KID with intervals: real training faces' interval holds 0, N(0, I) lies beyond the reconstructions'
    assert m["real_vs_real_kid_onet_low"] <= 0 <= m["real_vs_real_kid_onet_high"]
    assert m["recon_kid_onet_high"] < m["normal_kid_onet_low"]
    assert m["real_vs_real_frechet_onet_inf"] < m["real_vs_real_frechet_onet"]   # bias removed
    # held-out likelihood: a density fitted to the z-points beats N(0, I) by far
    assert m["mvn_log_likelihood"] > m["normal_log_likelihood"] + 1
    assert m["mixture_gmm1_held_out_ll"] > m["normal_log_likelihood"] + 1
    # memorisation: the unseen faces are the yardstick; nothing here copies exactly, while the
    # real training faces of the calibration rows are their own nearest training points
    for key in ("gmm10", "kde", "neighbour_mix"):
        assert m[f"{key}_nn_train_reencoded"] > 0.3 * m["unseen_nn_train"]
    assert m["real_vs_real_nn_train_reencoded"] < 0.1 * m["unseen_nn_train"]


def test_notebook_12_new_samplers_the_density_alone_and_the_frontier(series_run):
    m = read_metrics(series_run, "12_sampler_comparison")
    for key in ("conditional_gmm10", "diffusion", "trailing_tuned", "conditional_tuned",
                "conditional_diffusion", "conditional_diffusion_tuned", "factors_gmm10",
                "factors_tuned", "reencoded_tuned", "reencoded2_tuned"):
        assert np.isfinite(m[f"{key}_kid_onet"]) and m[f"{key}_nn_train_reencoded"] > 0, key
    # a diffusion prior on the leading axes has no density; its tau is chosen like the others'
    assert "conditional_diffusion_log_likelihood" not in m
    assert m["conditional_diffusion_tuned_tau"] in TAUS
    # the density alone: reconstructions of training faces are closer to those of the validation
    # faces than N(0, I)'s images are
    assert m["recon_kid_onet_recon"] < m["normal_kid_onet_recon"]
    assert m["trailing_tuned_tau"] in TAUS and m["conditional_tuned_tau"] in TAUS
    assert m["factors_tuned_tau"] in TAUS and m["reencoded_tuned_tau"] in TAUS
    assert m["reencoded2_tuned_tau"] in TAUS
    # the factor model of the trailing axes has a density, and it beats noise too
    assert m["factors_gmm10_log_likelihood"] > m["normal_log_likelihood"]
    # the conditional sampler's density explains held-out z-points at least as well as noise
    assert m["conditional_gmm10_log_likelihood"] > m["normal_log_likelihood"]
    curve = {k for k in m if k.startswith("frontier_")}
    assert len(curve) == 2 * (2 * len(TAUS) + 5 + 3)       # 2 samplers over tau, mixing, diffusion


TAUS = (0.0, 0.25, 0.5, 0.75, 1.0)


def test_notebook_14_micro_correlations(series_run):
    m = read_metrics(series_run, "14_micro_correlations")
    assert 1 <= m["n_leading"] < 256
    # the regression from the leading axes knows more than chance (randomly paired rows)
    assert m["trailing_explained"] > m["trailing_explained_shuffled"]
    # the decoder's output moves more the more noise the trailing axes get
    assert m["pixel_error_noise,_full_variance"] > m["pixel_error_noise_x_0.5"] > 0
    for key in ("pca_gmm10", "conditional_gmm10"):
        assert m[f"{key}_chosen_tau"] in TAUS
        assert all(m[f"{key}_tau{t:g}_copy_ratio"] > 0 for t in TAUS)
    # the frontier's scale is the league's own: its ratios divide by the league's recon row
    league = read_metrics(series_run, "12_sampler_comparison")
    assert m["recon_kid_onet"] == pytest.approx(league["recon_kid_onet"], rel=1e-6)


def test_notebook_15_model_comparison(series_run):
    m = read_metrics(series_run, "15_model_comparison")
    for kind in ("ae", "vae", "rae"):
        assert 0 < m[f"{kind}_val_mse"] < 0.05
        assert 0 < m[f"{kind}_normal_kid_onet_low"] <= m[f"{kind}_normal_kid_onet_high"]
    # the loss terms are each kind's own: KL for the VAE, the z penalty for the RAE
    assert m["vae_val_kl"] > 0 and m["rae_val_z_penalty"] > 0 and "ae_val_kl" not in m
    # the KL term pulls the VAE's posterior means towards the origin (even after two epochs)
    assert m["vae_radius_mean"] < 0.5 * m["ae_radius_mean"]
    # a smaller KL weight buys a larger KL divergence (the sweep's ends)
    assert m["vae_beta0.001_val_kl"] > m["vae_beta1_val_kl"]
    # one scale: every kind's rows against the plain AE's reconstructions, beside its own
    for kind in ("vae", "rae"):
        assert m[f"{kind}_gmm10_ratio_ae_recon"] / m[f"{kind}_gmm10_ratio_own_recon"] == \
            pytest.approx(m[f"{kind}_recon_kid_onet"] / m["ae_recon_kid_onet"], rel=1e-6)
    league = read_metrics(series_run, "12_sampler_comparison")
    assert m["ae_recon_kid_onet"] == pytest.approx(league["recon_kid_onet"], rel=1e-6)
    # every kind is judged by notebook XII's best samplers too, with tau chosen on its own images
    for kind in ("ae", "vae", "rae"):
        assert m[f"{kind}_conditional_tuned_tau"] in TAUS and m[f"{kind}_reencoded_tuned_tau"] in TAUS
        ratio = m[f"{kind}_conditional_tuned_ratio_own_recon"]
        assert (m[f"{kind}_conditional_tuned_ratio_own_recon_low"] < ratio
                < m[f"{kind}_conditional_tuned_ratio_own_recon_high"])
        assert f"{kind}_pca_gmm10_kid_onet" in m
    # the plain AE trained with noisy z: its reconstruction cost and its league rows, like a kind's
    assert 0 < m["ae-noise0.1_val_mse"] < 0.05 and "ae-noise0.1_conditional_tuned_kid_onet" in m


@pytest.mark.celeba
def test_notebook_12_face_rates_of_photographs(series_run):
    """MTCNN recognises real photographs (not the synthetic cartoon faces)."""
    m = read_metrics(series_run, "12_sampler_comparison")
    assert m["real_vs_real_face_rate"] >= 0.9
    assert m["recon_face_rate"] >= 0.5
    assert m["component_fact0.5_face_rate"] > m["normal_face_rate"]


def test_notebook_05_common_interval(series_run):
    m = read_metrics(series_run, "05_common_interval_sampling")
    bs = ("1.0", "1.5", "2.0", "5.0")
    medians = [m[f"mahalanobis_median_b{b}"] for b in bs]
    assert medians == sorted(medians)              # farther out as b grows
    # every median vector lies outside the core that holds 99 % of the training z-points
    assert min(medians) > m["core_radius"] > m["val_mahalanobis_median"]
    assert m["inside_core_fraction_b5.0"] == 0
    assert all(0 <= m[f"inside_core_fraction_b{b}"] <= 0.05 for b in bs)
    # the thin shell: radii b * sqrt(N / 3)
    for b in bs:
        assert m[f"radius_mean_b{b}"] == pytest.approx(float(b) * (256 / 3) ** 0.5, rel=0.02)


def test_notebook_06_paths(series_run):
    m = read_metrics(series_run, "06_path_sampling")
    # lines through the centre (odd n_points): the middle point is the centre itself
    for k in (1, 3, 5, 6):
        assert m[f"path{k}_mahalanobis_middle"] < 1e-3
        assert m[f"path{k}_mahalanobis_first"] == pytest.approx(m[f"path{k}_mahalanobis_last"], rel=1e-3)
    # holding the other components at the centre leaves the core; following the
    # correlations (conditional mean) keeps the same plane coordinates inside (4 sigma)
    assert m["path5_mahalanobis_last"] > m["core_radius"]
    assert m["path6_mahalanobis_last"] == pytest.approx(4.0, rel=1e-3)
    assert m["path6_inside_core_fraction"] == 1.0 and m["path7_inside_core_fraction"] == 1.0
    assert m["path5_inside_core_fraction"] < m["path6_inside_core_fraction"]
    # ... and its decoded images change far more: faces vary along collective directions
    assert m["path6_image_change"] > 2 * m["path5_image_change"]


def test_notebook_07_component_intervals(series_run):
    m = read_metrics(series_run, "07_component_interval_sampling")
    facts = ("0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0")
    medians = [m[f"mahalanobis_median_fact{f}"] for f in facts]
    assert medians == sorted(medians)
    # same seed, scaled intervals: the distance is proportional to fact
    assert m["mahalanobis_median_fact1.0"] == pytest.approx(2.5 * m["mahalanobis_median_fact0.4"], rel=1e-3)
    assert m["inside_core_fraction_fact0.4"] >= m["inside_core_fraction_fact1.0"]
    # the fact where the median reaches the core radius sits between the sampled facts whose
    # medians lie below and above it
    for f, median in zip(facts, medians):
        assert (float(f) <= m["fact_at_core_radius"]) == (median <= m["core_radius"] * (1 + 1e-9))
    # ignoring correlations: independent Gaussians with the right variances lie farther out than
    # any real validation z-point's median, and the samples move far less along the main axis
    assert m["component_gauss_mahalanobis_median"] > m["core_radius"] > m["val_mahalanobis_median"]
    assert m["main_axis_spread_fact1.0"] < 0.5
    assert 0 < m["image_variety_fact0.4"] <= m["image_variety_fact1.0"] * 1.05


def test_notebook_08_multivariate_normal(series_run):
    m = read_metrics(series_run, "08_multivariate_normal")
    # the z-points are not exactly multivariate normal: d^2 departs clearly from chi2(N)
    assert 0.05 < m["mahalanobis_vs_chi2_ks"] <= 1
    assert 0.3 < m["frac_within_chi2_q99"] < 0.99
    # ... but samples of the fitted N(mu, Sigma) land inside the core, at about sqrt(N)
    assert m["mvn_inside_core_fraction"] > 0.95
    assert 12 < m["mvn_mahalanobis_median"] < 20
    assert m["ellipse_coverage_max_abs_diff"] < 0.15


def test_notebook_09_pca_alignment(series_run):
    m = read_metrics(series_run, "09_pca_alignment")
    assert 1 <= m["n_components_90pct"] < m["n_components_99pct"] <= 256
    assert m["max_abs_corr_after_pca"] < 0.05 < m["max_abs_corr_before_pca"]
    # an elongated cloud: the first principal axis carries far more than its equal share 1/N
    assert m["first_axis_variance_ratio"] > 25 / 256


def test_notebook_10_aligned_sampling(series_run):
    m = read_metrics(series_run, "10_aligned_sampling")
    assert m["aligned_inside_core_fraction"] > 0.95
    assert m["aligned_mahalanobis_median"] < m["component_mahalanobis_median"]
    assert m["intervals_q0.5_mahalanobis_median"] < m["aligned_mahalanobis_median"]


def test_notebook_11_nearest_neighbours(series_run):
    m = read_metrics(series_run, "11_nearest_neighbours")
    assert m["knn_backend_faiss"] == 1
    assert m["nn_distance_median_celeba"] < m["nn_distance_median_artificial"]
    assert m["nn_distance_median_aligned"] < m["nn_distance_median_artificial"]
    assert m["knn_corrected_mahalanobis_median"] < m["knn_uncorrected_mahalanobis_median"]
    assert m["nn_distinct_fraction_artificial"] < m["nn_distinct_fraction_aligned"]


def test_notebook_13_latent_directions(series_run, celeba_dir):
    m = read_metrics(series_run, "13_latent_directions")
    # morphing: the straight line's midpoint sags to ~1/sqrt(2) of the ends' Mahalanobis
    # distance; the arc in the whitened frame keeps the shell of the z-points
    assert 0.6 < m["morph_linear_mid_ratio"] < 0.8
    assert m["morph_whitened_mid_ratio"] == pytest.approx(1.0, abs=0.05)
    probes = [k for k in m if k.startswith("probe_accuracy_")]
    factors = [k for k in m if k.startswith("factor_r2_")]
    if celeba_dir:
        # all 40 CelebA attributes probed, each with its majority-class baseline
        assert len(probes) == m["n_attributes"] == 40
        assert all(f"probe_baseline_{k[len('probe_accuracy_'):]}" in m for k in probes)
        # z carries sex and smile linearly: far above guessing the majority class
        for attribute in ("Male", "Smiling"):
            assert m[f"probe_accuracy_{attribute}"] > m[f"probe_baseline_{attribute}"] + 0.1
        for attribute in ("Smiling", "Eyeglasses", "Blond_Hair", "Male"):
            assert m[f"attribute_direction_norm_{attribute}"] > 0
        assert not factors            # no known factors for photographs
    else:
        assert not probes and m["n_attributes"] == 0
        assert len(factors) == 19
        # skin tone changes most pixels: an almost linear function of z
        assert m["factor_r2_skin_tone"] > 0.8
        for factor in ("glasses", "smile", "hair_length", "skin_tone"):
            assert m[f"attribute_direction_norm_{factor}"] > 0


@pytest.mark.celeba
def test_face_rates_of_notebooks_05_and_07(series_run):
    """MTCNN recognises real photographs, not the synthetic cartoon faces."""
    common = read_metrics(series_run, "05_common_interval_sampling")
    component = read_metrics(series_run, "07_component_interval_sampling")
    # common-interval vectors decode to non-faces, vectors around the centre to faces
    assert common["face_rate_b5.0"] <= 0.1
    assert component["face_rate_fact0.4"] > common["face_rate_b1.5"] + 0.3


def test_executed_notebooks_show_finished_progress_lines_not_frozen_bars(series_run):
    """Long loops inside the notebooks print one finished line under papermill (AELATENT_PROGRESS=log)."""
    import nbformat

    nb = nbformat.read(str(series_run / "notebooks" / "01_encoder_decoder_latent_space.ipynb"), 4)
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.outputs if o.output_type == "stream")
    assert re.search(r"encoding z_train\.npy: \d+ steps in [\d.]+ s", streams)
    widgets = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert not widgets, "a tqdm widget was stored in the executed notebook"


def test_report_of_the_executed_series_opens_offline(series_run):
    from aelatent.report import write_report
    from aelatent.runner import series

    index = write_report(series_run, log=lambda *a: None)
    text = index.read_text()
    pages = list(dict.fromkeys(re.findall(r'<a href="(\d\d_\w+\.html)">', text)))  # title, thumbnail
    n_notebooks = len(series())
    assert len(pages) == n_notebooks and all((index.parent / p).is_file() for p in pages)
    assert "Sampler league" in text and "gmm10" in text and "AVX-512" in text
    assert text.count(">ok</td>") == n_notebooks
    # every notebook's row shows its key figure; the league comes from the table XII wrote
    assert text.count('alt="key figure of') == n_notebooks
    assert (series_run / "metrics" / "12_sampler_comparison_league.csv").is_file()
    assert 'alt="the sampler league"' in text
    for page in [index] + [index.parent / p for p in pages]:
        html = page.read_text()
        external = re.findall(r'(?:src|href)=["\']https?://|import[^;\n]*["\']https?://', html)
        assert not external, f"{page.name} fetches from the network: {external[:3]}"
    assert "data:image/png;base64" in (index.parent / pages[6]).read_text()   # figures embedded


def test_notebook_02_can_skip_its_second_autoencoder(series_run, celeba_dir):
    """second_case = False (make run SECOND_CASE=0): no second training, no *_case2 metrics."""
    import shutil

    import nbformat

    from aelatent.run_request import RunRequest
    from aelatent.runner import run_series
    from aelatent.runs import runs_dir
    from run_copies import copy_run

    copy = copy_run(series_run, "without-second-case", celeba_dir)
    shutil.rmtree(runs_dir() / "without-second-case-case2", ignore_errors=True)
    folder, _ = run_series(RunRequest("smoke", celeba_dir, copy.name, 0), ["02"], log=lambda *a: None,
                           record=False, extra_parameters={"second_case": False})
    m = read_metrics(folder, "02_component_distributions")
    assert "z_radius_mean" in m and not [k for k in m if k.endswith("_case2")]
    assert not (runs_dir() / "without-second-case-case2").exists()
    nb = nbformat.read(str(folder / "notebooks" / "02_component_distributions.ipynb"), 4)
    assert "no second autoencoder is trained" in "".join(
        o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
