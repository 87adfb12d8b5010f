"""League tables made up for the case: the verdicts' tests need no trained model."""

import numpy as np
import pandas as pd

from aelatent.league import LEAGUE_COLUMNS, League


def made_up_league(rows, recon_kid=0.01, face_rates=None):
    """A League of the calibration rows and samplers ``key -> (KID ratio, low, high, copy ratio)``.

    A sampler's KID is its ratio times ``recon_kid`` (the reconstructions'), its KID interval the
    ratio's interval times the same; ``face_rates`` (key -> rate) default 1.
    """
    real_nn = 2.0
    data = {"real_vs_real": dict(kind="calibration", kid_onet=0.001, nn_train_reencoded=0.0),
            "recon": dict(kind="calibration", kid_onet=recon_kid, kid_onet_low=0.9 * recon_kid,
                          kid_onet_high=1.1 * recon_kid, nn_train_reencoded=1.5)}
    for key, (ratio, low, high, copy) in rows.items():
        data[key] = dict(kind="sampler", kid_onet=ratio * recon_kid, kid_onet_low=low * recon_kid,
                         kid_onet_high=high * recon_kid, kid_onet_ratio=ratio,
                         kid_onet_ratio_low=low, kid_onet_ratio_high=high,
                         nn_train_reencoded=copy * real_nn)
    table = pd.DataFrame.from_dict(data, orient="index").reindex(columns=LEAGUE_COLUMNS)
    table[["face_rate", "frechet_onet", "frechet_onet_inf"]] = 1.0
    for key, rate in (face_rates or {}).items():
        table.loc[key, "face_rate"] = rate
    return League(table, {}, {}, {}, np.zeros((10, 4)), real_nn)
