"""The league notebook's closing words (notebook XII), computed from its tables.

:func:`league_verdict` ranks the samplers by KID-ONet, states each one's
distance to the reconstructions with the joint interval of that ratio, names the
best sampler that does not copy training faces -- a winner only where its interval
separates from the others' -- against a target ratio, and -- given the quality-novelty
frontier -- the best non-copying point along the samplers' knobs.
"""

from __future__ import annotations

import numpy as np

from .copying import COPY_THRESHOLD, best_non_copying
from .league import RAE_PAPER_FID


def _interval(ratios, key, column):
    """`` [low, high]`` of a ratio column's joint interval, or "" where it has none."""
    low, high = ratios.loc[key, f"{column}_low"], ratios.loc[key, f"{column}_high"]
    return f" [{low:.2f}, {high:.2f}]" if low == low and high == high else ""


def ranking_lines(league):
    """One line per sampler, best KID-ONet first: its ratios to the reconstructions (KID with the
    joint 95 % interval of the ratio) and copy ratio."""
    table, ratios = league.table, league.ratios()
    real, recon = table.loc["real_vs_real"], table.loc["recon"]
    has_dlib = "dlib_kid_ratio_to_recon" in ratios
    lines = []
    for key, row in table.loc[league.samplers].sort_values("kid_onet").iterrows():
        gap = (row.kid_onet - recon.kid_onet) / max(recon.kid_onet - real.kid_onet, 1e-12)
        dlib = (f", KID-dlib {ratios.loc[key, 'dlib_kid_ratio_to_recon']:.2f} x"
                f"{_interval(ratios, key, 'dlib_kid_ratio')}" if has_dlib else "")
        lines.append(f"{key:>20}: face rate {row.face_rate:.2f}, KID-ONet {row.kid_onet:.4f} "
                     f"({row.kid_onet / recon.kid_onet:.2f} x reconstructions"
                     f"{_interval(ratios, key, 'kid_ratio')}, {gap:+.1f} recon-real "
                     f"gaps), Frechet-ONet {row.frechet_onet / recon.frechet_onet:.2f} x, "
                     f"extrapolated {row.frechet_onet_inf / recon.frechet_onet_inf:.2f} x{dlib}, "
                     f"copy ratio {ratios.loc[key, 'copy_ratio']:.2f}")
    return lines


def separation_line(ratios, best, threshold=COPY_THRESHOLD):
    """Whether ``best``'s KID-ONet ratio interval lies below every other non-copying sampler's."""
    fair = ratios[(ratios["copy_ratio"] >= threshold) & (ratios.index != best)]
    tied = fair.index[fair["kid_ratio_low"] <= ratios.loc[best, "kid_ratio_high"]].tolist()
    if not len(fair):
        return f"{best} is the only sampler that does not copy."
    if not tied:
        return (f"{best}'s interval lies below every other non-copying sampler's: it is the "
                "winner of this league in KID-ONet.")
    return (f"not separated from {', '.join(tied)} (their KID-ONet intervals overlap {best}'s): "
            "this league names no single winner among them.")


def target_word(ratio, low, high, target):
    """'reached' / 'missed' / 'undecided' for a ratio with its interval (NaN bounds: the value)."""
    low, high = (ratio, ratio) if low != low or high != high else (low, high)
    if high <= target:
        return "reached"
    return "missed" if low > target else "undecided"


def best_honest_sampler(league, threshold=COPY_THRESHOLD):
    """(best, best_overall): the lowest KID-ONet sampler with copy ratio >= ``threshold``, and overall."""
    kid = league.table.loc[league.samplers, "kid_onet"]
    best = best_non_copying(kid, league.ratios()["copy_ratio"], threshold)
    overall = kid.astype(float).idxmin()
    return (overall if best is None else best), overall


def league_verdict(league, target_ratio, frontier=None, threshold=COPY_THRESHOLD):
    """The verdict of notebook XII as lines of text.

    Parameters
    ----------
    league : aelatent.league.League
    target_ratio : float
        The ratio to the reconstructions a sampler should reach in every measure.
    frontier : aelatent.frontier.Frontier, optional
        When given, its best non-copying point is named too.
    threshold : float
        Copy ratio below which a sampler counts as copying training faces.

    Returns
    -------
    list of str
    """
    ratios = league.ratios()
    lines = ranking_lines(league)
    best, overall = best_honest_sampler(league, threshold)
    if best != overall:
        lines.append(f"\n{overall} scores best but copies (copy ratio "
                     f"{ratios.loc[overall, 'copy_ratio']:.2f}); the verdict is about the best that "
                     "does not.")
    measures = {"KID-ONet": ("kid_ratio_to_recon", "kid_ratio"),
                "Frechet-ONet": ("ratio_to_recon", None)}
    if "dlib_kid_ratio_to_recon" in ratios:
        measures["KID-dlib"] = ("dlib_kid_ratio_to_recon", "dlib_kid_ratio")
    paper = RAE_PAPER_FID["gmm10"] / RAE_PAPER_FID["recon"]
    lines.append(f"\nbest sampler of this run (by KID-ONet, not copying): {best}, "
                 + ", ".join(f"{ratios.loc[best, column]:.2f} x the reconstructions' {name}"
                             + (_interval(ratios, best, joint) if joint else "")
                             for name, (column, joint) in measures.items())
                 + f"; RAE paper, GMM-10 on CelebA: {paper:.2f} x their FID (brackets: 95 % "
                 "joint bootstrap intervals of the KID ratios themselves).")
    lines.append(separation_line(ratios, best, threshold))
    words = {}
    for name, (column, joint) in measures.items():
        bounds = ((ratios.loc[best, f"{joint}_low"], ratios.loc[best, f"{joint}_high"]) if joint
                  else (np.nan, np.nan))
        words[name] = target_word(ratios.loc[best, column], *bounds, target_ratio)
    lines.append(f"target {target_ratio:.2f} x in every measure: "
                 + "; ".join(f"{name} {word}" for name, word in words.items())
                 + " ('undecided': the target lies inside the interval).")
    copy = ratios.loc[best, "copy_ratio"]
    lines.append(f"its re-encoded images are {copy:.2f} x as far from the nearest training z-point "
                 "as real validation faces: " + ("no sign of copying." if copy >= threshold else
                                                 "closer than unseen faces -- it partly returns "
                                                 "training faces."))
    if frontier is not None:
        lines.append(frontier_line(frontier, ratios.loc[best, "kid_ratio_to_recon"], threshold))
    return lines


def frontier_line(frontier, league_best, threshold=COPY_THRESHOLD):
    """The frontier's best non-copying point, against the league's best ratio."""
    honest = frontier.table[frontier.table["copy_ratio"] >= threshold]
    if not len(honest):
        return f"frontier: every point copies (copy ratio < {threshold:g})."
    point = frontier.best(threshold)
    better = "better than" if point["kid_ratio"] < league_best else "not better than"
    return (f"frontier (read off the validation-scored curves, so an optimistic figure): best "
            f"non-copying point {point['sampler']} at {point['knob']} = {point['value']:g}, "
            f"{point['kid_ratio']:.2f} x [{point['kid_ratio_low']:.2f}, {point['kid_ratio_high']:.2f}] "
            f"the reconstructions' KID-ONet (copy ratio "
            f"{point['copy_ratio']:.2f}), {better} the league's best ({league_best:.2f} x).")
