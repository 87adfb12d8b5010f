"""The report's index page on a hand-made run folder: thumbnails, declared headlines, the league
from its CSV, three significant digits (the full series' report is tested in test_notebooks)."""

import base64
import io
import json
import re

import nbformat
import numpy as np
import pandas as pd
from PIL import Image

from aelatent.report import _number, key_figure, write_report


def _png(width, height, colour):
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _executed(title, headlines, outputs):
    """An executed notebook: a title, and one code cell per (tags, png) pair."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["aelatent"] = {"headlines": headlines}
    nb.cells.append(nbformat.v4.new_markdown_cell(f"# {title}"))
    for tags, png in outputs:
        cell = nbformat.v4.new_code_cell("plot()", metadata={"tags": tags})
        cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
        nb.cells.append(cell)
    return nb


def test_index_shows_key_figures_declared_numbers_and_the_league_csv(tmp_path):
    run = tmp_path / "run"
    (run / "notebooks").mkdir(parents=True)
    (run / "metrics").mkdir()
    red, blue = _png(800, 400, "red"), _png(600, 300, "blue")
    nbformat.write(_executed("II -- components", ["centre_radius", "not_in_metrics"],
                             [([], red), (["key-figure"], blue)]),
                   str(run / "notebooks" / "02_component_distributions.ipynb"))
    nbformat.write(_executed("XII -- league", [], [([], red)]),
                   str(run / "notebooks" / "12_sampler_comparison.ipynb"))
    (run / "metrics" / "02_component_distributions.json").write_text(
        json.dumps({"centre_radius": 12.3456, "z_radius_mean": 3.0}))
    league = pd.DataFrame({"kind": ["sampler", "calibration"], "n_compared": [40, 40],
                           "kid_onet": [0.00512345, 0.0000532], "face_rate": [0.5, np.nan]},
                          index=["gmm10", "recon"])
    league.to_csv(run / "metrics" / "12_sampler_comparison_league.csv")

    text = write_report(run, log=lambda *a: None).read_text()
    thumbnail = Image.open(run / "report" / "figures" / "02_component_distributions.png")
    # the tagged figure (blue), scaled to the thumbnail width, not the first one (red)
    assert thumbnail.size == (240, 120) and thumbnail.getpixel((5, 5))[:3] == (0, 0, 255)
    assert 'src="figures/12_sampler_comparison_full.png"' in text
    # headlines: the declared key the run has, with three significant digits; no other key
    assert "centre_radius = 12.3" in text and "z_radius_mean" not in text
    assert "not_in_metrics" not in text
    # the league from its CSV, sorted by KID-ONet, its figure above its table
    league_html = text[text.index("Sampler league"):]
    assert league_html.index("<img") < league_html.index("<table>")
    rows = re.findall(r"<tr><td>(\w+)</td>", league_html)
    assert rows == ["recon", "gmm10"]
    assert "5.32×10<sup>-5</sup>" in league_html and "0.00512" in league_html


def test_numbers_have_three_significant_digits():
    values = (0.0005158, 5.32e-05, 1234.5678, 0.0, 2700, 123456.0, 0.5, 99.96, -0.0123456,
              float("inf"), float("nan"))
    assert [_number(v) for v in values] == [
        "5.16×10<sup>-4</sup>", "5.32×10<sup>-5</sup>", "1,230", "0", "2,700",
        "1.23×10<sup>5</sup>", "0.500", "100", "-0.0123", "∞", "–"]


def test_a_notebook_without_figures_has_no_key_figure():
    assert key_figure(_executed("I", [], [])) is None
