"""The fact, confidence and tau sliders re-sample and re-decode when their controls change (no front end needed)."""

import numpy as np
import pytest
import scipy.stats

from aelatent.errors import ConfigError
from aelatent.stats import LatentGaussian
from aelatent.widgets import confidence_explorer, fact_explorer, trailing_explorer

N = 6


@pytest.fixture(scope="module")
def z():
    rng = np.random.default_rng(0)
    return (rng.normal(size=(400, N)) + 3.0).astype(np.float32)


def fake_decode(vectors):
    """A stand-in decoder: a 4x4 image whose colour encodes the first three components."""
    colour = 1 / (1 + np.exp(-(np.asarray(vectors)[:, :3] - 3.0)))
    return np.broadcast_to(colour[:, None, None, :], (len(vectors), 4, 4, 3)).copy()


def test_explorer_initial_state(z):
    ex = fact_explorer(z, fake_decode, fact=0.4, seed=1, n_images=6, ncols=3,
                      gaussian=LatentGaussian().fit(z))
    assert ex.updates == 1
    assert ex.images.shape == (6, 4, 4, 3) and ex.vectors.shape == (6, N)
    assert ex.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "fact = 0.40" in ex.caption.value and "inside the core" in ex.caption.value
    # within the per-component intervals of fact 0.4
    s = ex.sampler
    assert (ex.vectors >= s.mean_ - 0.4 * s.halfwidth_ - 1e-5).all()
    assert (ex.vectors <= s.mean_ + 0.4 * s.halfwidth_ + 1e-5).all()


def test_setting_controls_resamples_and_redraws(z):
    ex = fact_explorer(z, fake_decode, fact=0.2, seed=0, n_images=6, ncols=3)
    png, images, caption = ex.image.value, ex.images.copy(), ex.caption.value
    ex.slider.value = 1.5                      # what dragging the slider does
    assert ex.updates == 2
    assert ex.image.value != png
    assert "fact = 1.50" in ex.caption.value and ex.caption.value != caption
    assert not np.allclose(ex.images, images)
    spread_small = np.ptp(images, axis=0).max()
    assert np.ptp(ex.images, axis=0).max() > spread_small        # wider intervals, more variety
    before = ex.vectors.copy()
    ex.seed.value = 7
    assert ex.updates == 3 and not np.allclose(ex.vectors, before)
    ex.n_images.value = 9
    assert ex.updates == 4 and ex.images.shape[0] == 9
    # same controls, same images: seeded
    again = fact_explorer(z, fake_decode, fact=1.5, seed=7, n_images=9, ncols=3)
    np.testing.assert_array_equal(again.vectors, ex.vectors)


def test_show_renders_a_static_figure(z, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    ex = fact_explorer(z, fake_decode, n_images=3, ncols=3)
    ex.show()
    assert shown[0] is ex.widget
    assert type(shown[1]).__name__ == "Figure"


@pytest.mark.parametrize("kwargs, match", [(dict(fact=-0.1), "fact"), (dict(fact=3.0), "fact_max"),
                                           (dict(n_images=0), "n_images"), (dict(ncols=0), "ncols")])
def test_explorer_validation(z, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        fact_explorer(z, fake_decode, **kwargs)


def test_confidence_explorer_resamples_on_slider_change():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(2000, N)) @ (np.eye(N) + 0.3 * rng.normal(size=(N, N))) + 3.0
    decode = lambda v: np.clip(np.tile(v[:, :3, None, None], (1, 1, 4, 4)).transpose(0, 2, 3, 1)
                               / 10, 0, 1)
    gaussian = LatentGaussian().fit(z)
    explorer = confidence_explorer(z, decode, confidence=0.5, n_images=6, ncols=3,
                                   gaussian=gaussian)
    assert explorer.slider.description == "confidence" and explorer.caption.value.startswith(
        "confidence = 0.50")
    first = explorer.vectors.copy()
    assert np.max(gaussian.mahalanobis(first) ** 2) <= scipy.stats.chi2(N).ppf(0.5) * 1.02
    explorer.slider.value = 0.95                      # what moving the slider does
    assert explorer.updates == 2 and explorer.sampler.confidence == 0.95
    assert not np.array_equal(first, explorer.vectors)
    assert explorer.caption.value.startswith("confidence = 0.95")
    with pytest.raises(ConfigError, match="confidence"):
        confidence_explorer(z, decode, confidence=1.0)


@pytest.mark.parametrize("trailing", ["independent", "neighbours"])
def test_trailing_explorer_scales_only_the_trailing_axes(trailing):
    rng = np.random.default_rng(0)
    z = rng.normal(size=(600, N)) * np.array([6, 5, 4, 0.6, 0.5, 0.4]) + 3.0
    explorer = trailing_explorer(z, fake_decode, trailing, tau=0.0, n_images=6, ncols=3)
    s = explorer.sampler
    assert explorer.caption.value.startswith("trailing_scale = 0.00")
    lead, rest = np.hsplit(s.alignment_.transform(explorer.vectors), [s.n_leading_])
    assert np.allclose(rest, s.trailing_mean(lead), atol=1e-6)       # tau = 0: the mean alone
    explorer.slider.value = 1.0
    assert explorer.updates == 2 and s.trailing_scale == 1.0
    lead_1, rest_1 = np.hsplit(s.alignment_.transform(explorer.vectors), [s.n_leading_])
    assert np.allclose(lead_1, lead) and not np.allclose(rest_1, s.trailing_mean(lead_1))
    with pytest.raises(ConfigError, match="tau_max"):
        trailing_explorer(z, fake_decode, tau=2.0)
    with pytest.raises(ConfigError, match="trailing"):
        trailing_explorer(z, fake_decode, trailing="shuffled")
