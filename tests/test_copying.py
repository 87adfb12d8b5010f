"""The copy rule: one threshold, one ratio, one choice of the best sampler that does not copy."""

import numpy as np
import pandas as pd

from aelatent.copying import COPY_THRESHOLD, best_non_copying, copy_ratio


def test_the_best_is_the_lowest_score_among_those_that_do_not_copy():
    scores = pd.Series({"copier": 0.5, "good": 1.2, "better": 1.1, "nan": np.nan})
    copies = pd.Series({"copier": 0.3, "good": 1.0, "better": COPY_THRESHOLD, "nan": 1.0})
    assert best_non_copying(scores, copies) == "better"          # the threshold itself counts
    assert best_non_copying(scores, copies, threshold=0.95) == "good"
    assert best_non_copying(scores, copies * 0.5) is None         # every one copies


def test_the_copy_ratio_is_relative_to_unseen_real_faces():
    assert copy_ratio(3.0, 4.0) == 0.75
    ratios = copy_ratio(pd.Series({"a": 2.0, "b": 6.0}), 4.0)
    assert ratios.to_dict() == {"a": 0.5, "b": 1.5}
