"""The copy rule, in one place: when generated faces count as copies of training faces.

A sampler that returns training z-points scores like the reconstructions, so
every quality ranking of the series is taken among samplers that do not copy.
The league (notebook XII), the quality-novelty frontier, the verdict and the
comparison of model kinds (notebook XV) all ask this module.

The measure: re-encode the generated images and take the median distance to
the nearest *training* z-point, divided by the same for real validation
images (unseen faces). Below :data:`COPY_THRESHOLD` a sampler's faces lie
closer to training faces than unseen real faces do.
"""

from __future__ import annotations

import numpy as np

#: A sampler counts as not copying when its copy ratio is at least this.
COPY_THRESHOLD = 0.9


def copy_ratio(nn_distance, real_nn_distance):
    """Median nearest-training distance of the generated images over that of real unseen images.

    Works on numbers and on aligned pandas Series alike.
    """
    return nn_distance / real_nn_distance


def best_non_copying(scores, copy_ratios, threshold=COPY_THRESHOLD):
    """The label of the lowest score among those whose copy ratio is at least ``threshold``.

    Parameters
    ----------
    scores : pandas.Series
        Lower is better (e.g. KID-ONet, or its ratio to the reconstructions).
    copy_ratios : pandas.Series
        Aligned with ``scores`` by label.
    threshold : float

    Returns
    -------
    label or None
        None when every one copies (or has no score).
    """
    import pandas as pd

    scores = pd.to_numeric(pd.Series(scores), errors="coerce")
    copies = pd.to_numeric(pd.Series(copy_ratios), errors="coerce").reindex(scores.index)
    fair = scores[(copies >= threshold).to_numpy() & np.isfinite(scores.to_numpy())]
    return None if fair.empty else fair.idxmin()
