"""The regression comparison catches real changes: planted bugs must fail it.

Each test runs a few notebooks of the smoke series in a kernel whose ``aelatent``
carries one planted change (``tests/planted/sitecustomize.py``), then compares
their metrics with the committed references. A tolerance so loose that a planted
change passes is as wrong as one so tight that another CPU fails; the control
runs the same notebooks without a plant and must pass.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aelatent.regression.references import reference_dir
from aelatent.run_request import RunRequest
from aelatent import regress
from run_copies import copy_run

PLANTED = Path(__file__).parent / "planted"

#: plant -> (notebooks run, notebook and keys of which at least one must be outside)
CASES = {
    "halfwidth_sigma": (["02"], "02_component_distributions",
                        {"halfwidth_median", "hw_over_sigma_median"}),
    "double_fact": (["07"], "07_component_interval_sampling",
                    {"mahalanobis_median_fact1.0", "image_variety_fact1.0"}),
    "decoder_halved": (["07"], "07_component_interval_sampling",
                       {"image_variety_fact1.0", "image_variety_fact0.4"}),
    "one_epoch_fewer": (["01"], "01_encoder_decoder_latent_space",
                        {"final_val_loss", "val_recon_mse"}),
}


def run_planted(plant, notebooks, trained_smoke_run, celeba_dir, monkeypatch):
    from aelatent.runner import run_series, series

    name = f"planted-{plant or 'none'}"
    if notebooks != ["01"]:                  # reuse the trained model; 01 trains anew
        copy_run(trained_smoke_run, name, celeba_dir)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(PLANTED)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    monkeypatch.setenv("AELATENT_PLANT", plant)
    folder, _ = run_series(RunRequest("smoke", celeba_dir, name, 0), notebooks, log=lambda *a: None)
    references = reference_dir("smoke", celeba_dir, 0)
    stems = [p.stem for p in series(notebooks)]
    return regress.check_run(folder, references, "smoke", stems)


@pytest.mark.parametrize("plant", sorted(CASES))
def test_planted_change_fails_the_comparison(plant, trained_smoke_run, celeba_dir, monkeypatch):
    notebooks, notebook, keys = CASES[plant]
    result = run_planted(plant, notebooks, trained_smoke_run, celeba_dir, monkeypatch)
    outside = {r.key for r in result.failures if r.status == "outside" and r.notebook == notebook}
    assert not result.passed, f"planted change {plant!r} passed the comparison:\n{result.report()}"
    assert outside & keys, (f"planted change {plant!r}: expected one of {sorted(keys)} outside, "
                            f"got {sorted(outside)}:\n{result.report()}")


def test_control_without_a_plant_passes(trained_smoke_run, celeba_dir, monkeypatch):
    result = run_planted("", ["07"], trained_smoke_run, celeba_dir, monkeypatch)
    assert result.passed, result.report()
