"""Offline face quality measures (MTCNN face rate, ONet features, Frechet, precision/recall) on known answers."""

import types

import numpy as np
import pytest

from aelatent import distances, league as league_module, quality
from aelatent.config import DEFAULT_CROP
from aelatent.errors import ConfigError


@pytest.fixture(scope="module")
def real_faces(celeba_dir):
    """96 real CelebA faces (64x64) decoded at test time from the shared subset, never stored."""
    from aelatent.data import decoded_images, open_celeba

    if not celeba_dir:
        pytest.fail("the shared CelebA subset is needed; tests using real_faces are marked celeba")
    folder = open_celeba(celeba_dir)
    paths = [folder.image_dir / name for name in folder.names[-96:]]
    images = np.stack([img.numpy() for _, img in decoded_images(paths, 64, DEFAULT_CROP)])
    assert images.shape == (96, 64, 64, 3) and images.dtype == np.uint8
    return images


@pytest.fixture(scope="module")
def real_scores(real_faces):
    return quality.score_images(real_faces)


@pytest.mark.celeba
def test_real_faces_are_detected(real_scores):
    assert real_scores.face_rate >= 0.9
    assert real_scores.mean_onet_score >= 0.8
    assert real_scores.features.shape == (96, quality.FEATURE_DIM)
    assert np.isfinite(real_scores.features).all()


def test_noise_and_grey_are_not_faces():
    for images in (quality.noise_images(64, seed=1), quality.grey_images(64)):
        scores = quality.score_images(images)
        assert scores.face_rate <= 0.05
        assert scores.mean_onet_score < 0.1


@pytest.mark.celeba
def test_float_and_uint8_images_score_alike(real_faces):
    a = quality.onet_outputs(real_faces[:16])
    b = quality.onet_outputs(real_faces[:16].astype(np.float32) / 255.0)
    np.testing.assert_allclose(a[0], b[0], atol=1e-5)
    np.testing.assert_allclose(a[1], b[1], atol=1e-4)
    # batching does not change the answer
    c = quality.onet_outputs(real_faces[:16], batch_size=5)
    np.testing.assert_allclose(a[1], c[1], atol=1e-4)


@pytest.mark.celeba
def test_frechet_of_real_faces(real_faces, real_scores):
    feats = real_scores.features
    assert distances.frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)
    blurred = quality.score_images(quality.blurred_images(real_faces, sigma=3.0)).features
    half_vs_half = distances.frechet_distance(feats[:48], feats[48:])
    blurred_vs_real = distances.frechet_distance(feats[:48], blurred[48:])
    noise = quality.score_images(quality.noise_images(48, seed=2)).features
    assert 0 < half_vs_half < blurred_vs_real < distances.frechet_distance(feats[:48], noise)


def test_bad_parameters_raise_config_error():
    with pytest.raises(ConfigError, match="shape"):
        quality.score_images(np.zeros((4, 64, 64)))
    with pytest.raises(ConfigError, match="24x24"):
        quality.detect_faces(np.zeros((2, 16, 16, 3), np.uint8))
    with pytest.raises(ConfigError, match="NaN"):
        quality.onet_outputs(np.full((2, 64, 64, 3), np.nan, np.float32))
    with pytest.raises(ConfigError, match="fewer than the points"):
        distances.precision_recall(np.zeros((3, 2)), np.ones((3, 2)), k=3)
    with pytest.raises(ConfigError, match="dimension"):
        distances.frechet_distance(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ConfigError, match="profile"):
        league_module.league_defaults("huge")


def test_league_defaults_take_a_notebooks_values_and_refuse_bad_ones():
    """None keeps the profile's setting; a value replaces it; a typo or a bad value is refused."""
    smoke = league_module.league_defaults("smoke")
    kept = league_module.league_defaults("smoke", n_images=None, mixture_components=None)
    assert kept == smoke
    mine = league_module.league_defaults("default", n_images=60, n_descriptors=0,
                                         mixture_components=[3])
    assert (mine["n_images"], mine["n_descriptors"], mine["mixture_components"]) == (60, 0, [3])
    assert mine["n_boot"] == league_module.LEAGUE_DEFAULTS["default"]["n_boot"]
    assert league_module.league_defaults("smoke", n_frontier=None)["n_frontier"] < mine["n_frontier"]
    assert league_module.league_defaults("default", n_frontier=90)["n_frontier"] == 90
    with pytest.raises(ConfigError, match="n_frontier"):
        league_module.league_defaults("smoke", n_frontier=0)
    # default's tau selections are as precise as its league rows; smoke's as its frontier points
    assert mine["n_selection"] == league_module.LEAGUE_DEFAULTS["default"]["n_images"]
    assert smoke["n_selection"] == smoke["n_frontier"]
    assert league_module.league_defaults("default", n_selection=300)["n_selection"] == 300
    with pytest.raises(ConfigError, match="unknown league setting"):
        league_module.league_defaults("smoke", n_image=10)
    with pytest.raises(ConfigError, match="n_images"):
        league_module.league_defaults("smoke", n_images=0)
    with pytest.raises(ConfigError, match="empty"):
        league_module.league_defaults("smoke", mixture_components=[])


def test_weights_come_from_the_installed_wheel(tmp_path, monkeypatch):
    """A file called onet.lz4 in the working folder must not replace the wheel's weights."""
    import mtcnn

    path = quality._weights("onet.lz4")
    assert path.startswith(str(mtcnn.__path__[0]))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "onet.lz4").write_bytes(b"not weights")
    quality.onet.cache_clear()
    quality._onet_forward.cache_clear()
    try:
        score, _ = quality.onet_outputs(quality.grey_images(2))
        assert score.shape == (2,) and (score < 0.1).all()
    finally:
        quality.onet.cache_clear()
        quality._onet_forward.cache_clear()


class _StubRun:
    """A run stand-in: real faces as images, 8-d "latent vectors" that decode to real faces or noise."""

    def __init__(self, faces):
        n = len(faces)
        self.config = types.SimpleNamespace(image_size=64)
        is_val = np.zeros(n, bool)
        is_val[n // 2:] = True
        # 200 "training images" (the first half's faces repeated) for the calibration rows
        self.image_set = types.SimpleNamespace(images=faces, val_index=np.flatnonzero(is_val),
                                               train_index=np.resize(np.flatnonzero(~is_val), 200))
        rng = np.random.default_rng(0)
        self.z_train = rng.normal(3.0, 1.0, size=(200, 8))
        self.z_val = self.encode(faces[is_val])

    def encode(self, images):
        images = np.asarray(images, np.float32)
        return images.reshape(len(images), 8, -1).mean(axis=2) / 255.0 * 6.0

    def decode(self, z):
        # vectors near the z-point region (components around 3) decode to a real face, others to noise
        z = np.asarray(z)
        faces = self.image_set.images
        near = np.abs(z.mean(axis=1) - 3.0) < 1.0
        out = quality.noise_images(len(z), 64, seed=3)
        out[near] = faces[np.arange(len(z))[near] % len(faces)]
        return out


@pytest.mark.celeba
def test_sampler_league_on_a_stub_run(real_faces, monkeypatch):
    from aelatent import league_scoring

    detected, detect = [], league_scoring.detect_faces
    monkeypatch.setattr(league_scoring, "detect_faces", lambda x: detected.append(len(x)) or detect(x))
    monkeypatch.setattr(league_scoring, "FACE_IMAGES", 40)
    run = _StubRun(real_faces)
    league = league_module.sampler_league(run, keys=["normal", "component_gauss"], n_images=60, seed=0,
                                          n_descriptors=12, progress=False)
    t = league.table
    assert list(t.index) == list(league_module.CALIBRATION_ROWS) + ["normal", "component_gauss"]
    # every validation image is the reference; the calibration rows: 60 training images
    assert league.n_reference == 48 and (t["n_compared"] == 60).all()
    assert t.loc["normal", "n_images"] == 60
    # face detection on the first FACE_IMAGES images of each row (the reference: all of it)
    assert detected and max(detected[1:]) == 40 and detected[0] == 48
    # N(0, I) lies off the stub's z-region -> noise; the per-component Gaussian hits it -> faces
    assert t.loc["normal", "face_rate"] <= 0.05 and t.loc["component_gauss", "face_rate"] >= 0.9
    assert t.loc["real_vs_real", "frechet_onet"] < t.loc["noise", "frechet_onet"]
    assert t.loc["normal", "mahalanobis_median"] > t.loc["component_gauss", "mahalanobis_median"]
    m = league.metrics()
    for key in ("normal_face_rate", "normal_onet_score", "normal_frechet_onet", "normal_precision",
                "normal_recall", "normal_mahalanobis_median", "real_vs_real_frechet_onet",
                "recon_frechet_onet", "recon_face_rate", "n_images_per_sampler"):
        assert key in m and np.isfinite(m[key])
    assert m["n_images_per_sampler"] == 60
    assert set(league.examples) == set(t.index) == set(league.nearest_training)
    # kernel distance and intervals: the negatives far above real vs real; intervals hold the value
    assert t.loc["real_vs_real", "kid_onet"] < t.loc["noise", "kid_onet"]
    assert t.loc["real_vs_real", "kid_onet_high"] < t.loc["noise", "kid_onet_low"]
    for column in ("frechet_onet_low", "frechet_onet_high", "frechet_onet_inf", "kid_onet_low"):
        assert t[column].notna().all(), column
    assert (t["kid_onet_low"] <= t["kid_onet_high"]).all()
    # the density alone: against the reference's reconstructions, those of training faces are the floor
    assert t.loc["recon", "kid_onet_recon"] < t.loc["noise", "kid_onet_recon"]
    assert t.loc["recon", "kid_onet_recon"] < t.loc["normal", "kid_onet_recon"]
    assert league.density_table().index[0] == "recon"
    assert set(league.fitted) == {"normal", "component_gauss"}
    # held-out likelihood: both have a density; the per-component Gaussian fits the z-points far better
    assert t.loc["component_gauss", "log_likelihood"] > t.loc["normal", "log_likelihood"]
    assert np.isnan(t.loc["real_vs_real", "log_likelihood"])
    # memorisation: the stub decodes near-region vectors to copies of real validation faces,
    # whose re-encodings are the validation z-points; N(0, I) vectors are far from the training points
    assert t.loc["normal", "nn_train_z"] > t.loc["component_gauss", "nn_train_z"]
    assert t.loc["component_gauss", "nn_train_reencoded"] == pytest.approx(
        league.unseen_nn_train, rel=0.5)
    assert m["unseen_nn_train"] == league.unseen_nn_train > 0
    nearest = league.nearest_training["component_gauss"]
    assert nearest.shape == (len(league.examples["component_gauss"]),) and nearest.max() < 200
    # the second feature space: dlib descriptors of the first 12 images of every row
    assert (t["n_descriptors"] == 12).all()
    assert t.loc["real_vs_real", "kid_dlib"] < t.loc["noise", "kid_dlib"]
    assert t.loc["component_gauss", "kid_dlib"] < t.loc["normal", "kid_dlib"]
    fig, summary = league.plot_feature_spaces()
    # four rows: both samplers, the reconstructions and the blurred copies, in both panels
    assert "over 4 rows" in summary and len(fig.axes[0].collections[0].get_offsets()) == 4
    ratios = league.ratios()
    assert {"ratio_to_recon", "kid_ratio_to_recon", "inf_ratio_to_recon", "copy_ratio",
            "dlib_kid_ratio_to_recon"} <= set(ratios)
    for key in ("normal_kid_onet", "normal_frechet_onet_inf", "normal_nn_train_z",
                "component_gauss_log_likelihood", "real_vs_real_kid_onet_high"):
        assert key in m and np.isfinite(m[key]), key
    # the ratios to the reconstructions carry the joint interval of the ratio itself; the stub's
    # "reconstructions" are real faces, whose KID can be <= 0: then there is no ratio
    defined = 0
    for space in ("onet", "dlib"):
        recon = t.loc["recon", f"kid_{space}"]
        ratio = t.loc["normal", f"kid_{space}"] / recon
        low, high = t.loc["normal", [f"kid_{space}_ratio_low", f"kid_{space}_ratio_high"]]
        if recon > 0:
            defined += 1
            assert t.loc["normal", f"kid_{space}_ratio"] == pytest.approx(ratio, rel=1e-9)
            assert low < ratio < high
        else:
            assert np.isnan([t.loc["normal", f"kid_{space}_ratio"], low, high]).all()
        assert np.isnan(t.loc["recon", f"kid_{space}_ratio"])
    assert defined >= 1, "the stub's reconstructions scored <= 0 in both spaces"
    assert "recon_kid_onet_ratio" not in m


def test_the_league_reads_its_table_on_the_synthetic_faces():
    """Metrics, ratios, the density table and the two feature spaces' plot need no CelebA."""
    import matplotlib

    matplotlib.use("Agg")
    from aelatent.runs import ensure_run
    from tiny import tiny

    run = ensure_run("smoke", "", "tiny-league-synthetic", 0, verbose=0, **tiny(max_images=400))
    league = league_module.sampler_league(run, ["normal", "gmm10"], n_images=30, n_boot=10, seed=0,
                                          n_descriptors=8, progress=False)
    t, m, ratios = league.table, league.metrics(), league.ratios()
    assert list(ratios.index) == league.samplers == ["normal", "gmm10"]
    # metric keys are named by row and column, whatever the columns' order
    assert m["n_images_per_sampler"] == 30
    for row in t.index:
        for column in ("kid_onet", "frechet_onet", "mahalanobis_median"):
            if np.isfinite(t.loc[row, column]):
                assert m[f"{row}_{column}"] == t.loc[row, column]
    for key in league.samplers:
        assert ratios.loc[key, "kid_ratio_to_recon"] == pytest.approx(
            t.loc[key, "kid_onet"] / t.loc["recon", "kid_onet"])
        assert ratios.loc[key, "copy_ratio"] == pytest.approx(
            t.loc[key, "nn_train_reencoded"] / league.unseen_nn_train)
    assert t.loc["gmm10", "mahalanobis_median"] < t.loc["normal", "mahalanobis_median"]
    assert league.density_table().index[0] == "recon"
    fig, summary = league.plot_feature_spaces()
    assert "over 4 rows" in summary and len(fig.axes[0].collections[0].get_offsets()) == 4
    matplotlib.pyplot.close("all")


def test_a_league_scores_only_the_calibration_rows_asked_for(tmp_path, monkeypatch):
    """Notebook XV's leagues skip the negatives: the rows they keep are the same numbers."""
    import shutil

    from aelatent.errors import ConfigError
    from aelatent.runs import ensure_run
    from tiny import tiny

    monkeypatch.setenv("AELATENT_CACHE_DIR", str(tmp_path / "cache"))
    run = ensure_run("smoke", "", "tiny-league-synthetic", 0, verbose=0, **tiny(max_images=400))
    settings = dict(n_images=30, n_boot=10, seed=0, progress=False)
    every = league_module.sampler_league(run, ["normal"], **settings).table
    shutil.rmtree(run.path / "results" / "league")          # computed again, not read
    shown = league_module.sampler_league(run, ["normal"], calibration=["real_vs_real"],
                                         **settings).table
    assert list(shown.index) == ["real_vs_real", "recon", "normal"]      # the ceiling always
    assert list(every.index) == [*league_module.CALIBRATION_ROWS, "normal"]
    assert shown.equals(every.loc[shown.index])
    with pytest.raises(ConfigError, match="unknown calibration rows \\['blurry'\\]"):
        league_module.sampler_league(run, ["normal"], calibration=["blurry"], **settings)


def test_float_images_become_the_nearest_uint8_values():
    rng = np.random.default_rng(0)
    images = rng.uniform(-0.1, 1.1, size=(5, 32, 32, 3))
    images[0, 0, 0] = [0.5 / 255, 2.5 / 255, 254.5 / 255]          # halves round to even
    for given in (images, images.astype(np.float32)):
        expected = np.clip(np.round(given.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
        assert np.array_equal(quality.as_uint8_images(given), expected)
    assert quality.as_uint8_images(images)[0, 0, 0].tolist() == [0, 2, 254]
    untouched = images.copy()
    quality.as_uint8_images(images)
    assert np.array_equal(images, untouched)                          # the input is not changed
    images[1, 2, 3, 0] = np.nan
    with pytest.raises(ConfigError, match="NaN or inf"):
        quality.as_uint8_images(images)
