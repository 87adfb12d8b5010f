"""The notebooks' prose holds for every run: numbers a run can change are printed by code.

Markdown may state constants -- of mathematics, of the posts and papers it quotes, of the
configuration's defaults -- but not what one run measured: such a sentence is false for the next
run, model kind or data source. Every number in a markdown cell (code spans and formulas aside)
must be one of :data:`CONSTANTS`, each with the reason it holds for every run.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))

#: A decimal, a number with thousands separators or one of three digits or more (years aside).
NUMBER = re.compile(r"(?<![\w.])(?:\d+\.\d+|\d{1,3}(?:,\d{3})+|\d{3,})(?![\w.])")

#: number -> why it holds for every run.
CONSTANTS = {
    "256": "N's default (the blog's latent dimension) and the width of ONet's features",
    "128": "the width of dlib's face descriptors",
    "140": "CelebA's face box (the blog's crop), a fixed configuration",
    "178": "CelebA's aligned frame, 178 x 218",
    "218": "CelebA's aligned frame, 178 x 218",
    "1.18": "sqrt(2 ln 2): half-width over sigma of a Gaussian",
    "1.177": "sqrt(2 ln 2): half-width over sigma of a Gaussian",
    "180": "degrees in pi",
    "1.5": "the default b of notebook V (a parameter)",
    "1.0": "the reference value of a ratio",
    "0.5": "chance level of a balanced accuracy",
    "39.3": "mass of a 2-d normal inside its 1-sigma ellipse",
    "86.5": "mass of a 2-d normal inside its 2-sigma ellipse",
    "98.9": "mass of a 2-d normal inside its 3-sigma ellipse",
    "0.87": "median of the Kolmogorov distribution (times 1/sqrt(n))",
    "1.36": "5 % critical value of the Kolmogorov distribution (times 1/sqrt(n))",
    "127.85": "the RAE paper's FID of a plain AE sampled from N(0, I) (Ghosh et al. 2020)",
    "45.10": "the RAE paper's FID of a plain AE with a 10-component GMM (Ghosh et al. 2020)",
    "3.1": "the RAE paper's FID ratio 127.85 / 41",
    "1.1": "the RAE paper's FID ratio 45.10 / 41",
    "0.9": "the copy threshold (aelatent.copying.COPY_THRESHOLD)",
}


def markdown_numbers(path):
    """(cell index, number, context) of every number in the notebook's markdown prose."""
    for i, cell in enumerate(json.loads(path.read_text())["cells"]):
        if cell["cell_type"] != "markdown":
            continue
        text = re.sub(r"`[^`]*`|\$[^$]*\$", "", "".join(cell["source"]))
        for match in NUMBER.finditer(text):
            if not re.fullmatch(r"(19|20)\d\d", match.group(0)):
                yield i, match.group(0), text[max(0, match.start() - 60):match.end() + 20]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_markdown_states_no_number_a_run_can_change(path):
    typed = [f"cell {i}: {number!r} in ...{context!r}..." for i, number, context in
             markdown_numbers(path) if number not in CONSTANTS]
    assert not typed, (f"{path.name}: numbers typed into markdown -- print them from code, or add "
                       f"them to CONSTANTS with the reason they hold for every run:\n"
                       + "\n".join(typed))


def test_the_copy_threshold_in_the_prose_is_the_codes():
    from aelatent.copying import COPY_THRESHOLD

    assert f"{COPY_THRESHOLD:g}" == "0.9"


def test_the_check_finds_a_typed_result(tmp_path):
    notebook = {"cells": [{"cell_type": "markdown", "source": ["The median is 14.93 here; "
                                                                 "`n = 300` in code is fine."]}]}
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(notebook))
    assert [n for _, n, _ in markdown_numbers(path)] == ["14.93"]
