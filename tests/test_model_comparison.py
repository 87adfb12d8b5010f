"""Notebook XV's closing words (aelatent.model_comparison) on comparisons made up for the case."""

import numpy as np
import pandas as pd

from aelatent import model_comparison as mc
from made_up import made_up_league


def comparison(best):
    """AE, VAE, RAE: N(0, I) rows as a plain AE, a VAE and an RAE give them; ``best`` is each
    kind's best fair sampler as (ratio, low, high)."""
    normal = {"ae": (50, 45, 55), "vae": (3, 2.5, 3.5), "rae": (40, 35, 45)}
    faces = {"ae": 0.0, "vae": 0.9, "rae": 0.1}
    leagues = {kind: made_up_league({"normal": (*normal[kind], 1.0),
                                     "conditional_tuned": (*best[kind], 1.0),
                                     "neighbour_copy": (0.5, 0.4, 0.6, 0.3)},
                                    face_rates={"normal": faces[kind]}) for kind in normal}
    geometry = pd.DataFrame({"val_mse": [0.010, 0.014, 0.011], "origin_inside_core": [0, 1, 0]},
                            index=["ae", "vae", "rae"])
    return mc.KindComparison({}, geometry, leagues)


def test_a_kind_is_called_best_only_where_its_interval_separates():
    verdict = mc.comparison_verdict(comparison(
        {"ae": (1.3, 1.2, 1.4), "vae": (2.0, 1.8, 2.2), "rae": (1.35, 1.25, 1.45)}))
    # the copying row scores best in every kind and never counts
    assert "neighbour_copy" not in verdict
    assert "the AE with `conditional_tuned`: 1.30x" in verdict
    assert "not separated from RAE" in verdict
    assert "**From N(0, I)** the VAE generates best" in verdict
    assert "its KID-ONet interval lies below the others'" in verdict      # VAE from N(0, I)
    assert "Should a reader just use a VAE? No:" in verdict
    assert "The origin** lies inside the 99 % core of VAE; outside it for AE, RAE" in verdict


def test_a_vae_that_wins_inside_overlapping_intervals_is_not_recommended():
    verdict = mc.comparison_verdict(comparison(
        {"ae": (1.35, 1.25, 1.45), "vae": (1.3, 1.2, 1.4), "rae": (2.0, 1.8, 2.2)}))
    assert "the VAE with `conditional_tuned`" in verdict and "not separated from AE" in verdict
    assert "Should a reader just use a VAE? Not on this evidence" in verdict
    separated = mc.comparison_verdict(comparison(
        {"ae": (1.8, 1.7, 1.9), "vae": (1.3, 1.2, 1.4), "rae": (2.0, 1.8, 2.2)}))
    assert "Should a reader just use a VAE? In this run, yes" in separated


def test_the_sweep_sentence_says_whether_a_small_kl_weight_acts_like_a_plain_ae():
    def row(inside, rate):
        return dict(val_mse=0.01, val_kl=5.0, origin_mahalanobis=10.0 if inside else 40.0,
                    core_radius=25.0, origin_inside_core=int(inside), prior_inside_core=0.5,
                    active_units=30, normal_face_rate=rate)
    sweep = pd.DataFrame({0.001: row(False, 0.1), 1.0: row(True, 0.9)}).T
    text = mc.sweep_summary(sweep)
    assert text.startswith("KL weight 0.001: origin at Mahalanobis distance 40.0, outside")
    assert "does place the z-points off the origin, as a plain AE does" in text
    sweep.loc[0.001] = pd.Series(row(True, 0.8))
    assert "still keeps the origin inside the core" in mc.sweep_summary(sweep)
    assert mc.sweep_summary(sweep.iloc[:0]) == "No KL weights were swept."
    assert mc.plot_sweep(sweep.iloc[:0]) is None
    fig = mc.plot_sweep(sweep)
    assert len(fig.axes) == 3 and np.allclose(fig.axes[0].lines[0].get_ydata(), [10 / 25, 10 / 25])


def test_loss_terms_name_the_loss_a_plain_ae_was_trained_with():
    import types
    history = pd.DataFrame({"loss": [0.5, 0.4], "val_loss": [0.45, 0.41]})
    for loss in ("mse", "bce"):
        run = types.SimpleNamespace(history=history, config=types.SimpleNamespace(loss=loss))
        assert mc.loss_terms(run) == {f"val_{loss}": 0.41}
    history["val_mse"] = [0.02, 0.015]          # a BCE AE logs the MSE as a metric
    run = types.SimpleNamespace(history=history, config=types.SimpleNamespace(loss="bce"))
    assert mc.loss_terms(run) == {"val_mse": 0.015}
