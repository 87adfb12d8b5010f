"""The league's closing words (aelatent.verdict) on league tables made up for the case."""

import numpy as np
import pandas as pd

from aelatent.league import LEAGUE_COLUMNS, League
from aelatent.verdict import league_verdict, ranking_lines, separation_line, target_word


def league(rows):
    """A League of calibration rows and the given samplers: key -> (KID ratio, low, high, copy)."""
    recon_kid, real_nn = 0.01, 2.0
    data = {"real_vs_real": dict(kind="calibration", kid_onet=0.001, nn_train_reencoded=real_nn),
            "recon": dict(kind="calibration", kid_onet=recon_kid, nn_train_reencoded=1.5)}
    for key, (ratio, low, high, copy) in rows.items():
        data[key] = dict(kind="sampler", kid_onet=ratio * recon_kid, kid_onet_ratio=ratio,
                         kid_onet_ratio_low=low, kid_onet_ratio_high=high,
                         nn_train_reencoded=copy * real_nn)
    table = pd.DataFrame.from_dict(data, orient="index").reindex(columns=LEAGUE_COLUMNS)
    table[["face_rate", "frechet_onet", "frechet_onet_inf"]] = 1.0
    return League(table, {}, {}, {}, np.zeros((10, 4)))


def test_a_winner_is_named_only_where_the_intervals_separate():
    separated = league({"a": (1.2, 1.1, 1.3, 1.0), "b": (1.6, 1.4, 1.8, 1.0),
                        "copies": (1.0, 0.9, 1.1, 0.5)})
    assert "is the winner" in separation_line(separated.ratios(), "a")
    tied = league({"a": (1.2, 1.1, 1.3, 1.0), "b": (1.35, 1.25, 1.5, 1.0)})
    assert "not separated from b" in separation_line(tied.ratios(), "a")
    lines = league_verdict(separated, target_ratio=1.25)
    # the copying sampler scores best and is set aside; the verdict is about "a"
    assert any(line.startswith("\ncopies scores best but copies") for line in lines)
    assert any("not copying): a, 1.20 x the reconstructions' KID-ONet [1.10, 1.30]" in line
               for line in lines)
    assert any("KID-ONet undecided" in line for line in lines)          # 1.25 inside [1.1, 1.3]
    assert "1.20 x reconstructions [1.10, 1.30]" in ranking_lines(separated)[1]


def test_a_target_is_reached_or_missed_only_by_the_whole_interval():
    assert target_word(1.2, 1.1, 1.3, 1.35) == "reached"
    assert target_word(1.2, 1.1, 1.3, 1.25) == "undecided"
    assert target_word(1.2, 1.1, 1.3, 1.05) == "missed"
    assert target_word(1.2, np.nan, np.nan, 1.25) == "reached"       # no interval: the value
