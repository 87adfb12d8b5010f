"""The league's closing words (aelatent.verdict) on league tables made up for the case."""

import numpy as np

from aelatent.verdict import league_verdict, ranking_lines, separation_line, target_word
from made_up import made_up_league as league


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
