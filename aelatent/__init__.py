"""aelatent: a plain convolutional autoencoder on CelebA faces and its latent space.

The notebooks in ``notebooks/`` tell the story; this package holds the
mechanics they share:

- :mod:`aelatent.locations` -- where things live: project, runs, caches, references, shared subset
- :mod:`aelatent.config`    -- run configurations and the profiles smoke/default/full
- :mod:`aelatent.data`      -- CelebA folder reader, image caches, tf.data pipelines
- :mod:`aelatent.synthetic` -- procedural cartoon faces, the embedded default data
- :mod:`aelatent.model`     -- the Keras autoencoder: build, train, encode, decode
- :mod:`aelatent.runs`      -- run folders: train once, reuse everywhere; metrics
- :mod:`aelatent.storage`   -- atomic writes, pickle-free loading, run-folder locks
- :mod:`aelatent.stats`     -- component statistics, half-widths, covariance, Mahalanobis
- :mod:`aelatent.sampling`  -- samplers of latent vectors: fit on z-points, ``sample(n, seed)``
- :mod:`aelatent.paths`     -- paths through coordinate planes of the latent space
- :mod:`aelatent.pca`       -- multivariate normal fit, PCA alignment, aligned sampling
- :mod:`aelatent.neighbours`-- exact nearest CelebA z-points (faiss), kNN-corrected sampling
- :mod:`aelatent.directions`-- attribute and factor directions, probes, morphing
- :mod:`aelatent.quality`   -- offline face measures (MTCNN): face rate, Frechet-ONet, precision/recall
- :mod:`aelatent.plots`     -- image grids and strips, training curves, projections, ellipses
- :mod:`aelatent.widgets`   -- ipywidgets slider that re-samples and re-decodes live
- :mod:`aelatent.runner`    -- executes the notebook series with papermill
- :mod:`aelatent.regress`   -- regression runs: references with measured tolerances, comparison
- :mod:`aelatent.machine`   -- the CPU (model, AVX-512) and numeric environment numbers come from
- :mod:`aelatent.cli`       -- the command line ``python -m aelatent run | regress``
"""

from .config import PROFILES, RunConfig, profile_config
from .errors import AelatentError, ConfigError, DataError, RunBusyError

__version__ = "0.1.0"


def ensure_run(*args, **kwargs):
    """See :func:`aelatent.runs.ensure_run` (imported lazily: it loads TensorFlow)."""
    from .runs import ensure_run as _ensure_run
    return _ensure_run(*args, **kwargs)


__all__ = ["PROFILES", "RunConfig", "profile_config", "ensure_run", "AelatentError",
           "ConfigError", "DataError", "RunBusyError"]
