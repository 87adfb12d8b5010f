"""aelatent: a plain convolutional autoencoder on CelebA faces and its latent space (and a VAE's and an RAE's).

The notebooks in ``notebooks/`` tell the story; this package holds the
mechanics they share, in the order of the story -- data, model, run,
statistics, samplers, quality and the league, plots and widgets, notebooks:

- :mod:`aelatent.config`      -- run configurations and the profiles smoke/default/full
- :mod:`aelatent.data`        -- CelebA folder reader, image caches, tf.data pipelines
- :mod:`aelatent.synthetic`   -- procedural cartoon faces, the embedded default data
- :mod:`aelatent.models`      -- the kinds of autoencoder, one file each: ae (the blog's), vae, rae
- :mod:`aelatent.model`       -- train (with resume), encode, decode, save whichever kind a run names
- :mod:`aelatent.runs`        -- run folders: train once, reuse everywhere; metrics; the current run
- :mod:`aelatent.stats`       -- component statistics, half-widths, correlations, LatentGaussian
- :mod:`aelatent.pca`         -- multivariate normal tests, PCAAlignment (the one principal-axis frame)
- :mod:`aelatent.latent_paths`-- paths through coordinate planes of the latent space (notebook VI)
- :mod:`aelatent.neighbours`  -- exact nearest CelebA z-points (faiss or scikit-learn)
- :mod:`aelatent.directions`  -- attribute and factor directions, probes, morphing
- :mod:`aelatent.samplers`    -- every sampler (``fit(z)``, ``sample(n_samples, random_state)``)
  and the league registry :data:`~aelatent.samplers.SAMPLERS`
- :mod:`aelatent.quality`     -- offline measures of single images (MTCNN): face rate, ONet features
- :mod:`aelatent.face_descriptors` -- dlib's face-recognition descriptor, a second feature space
- :mod:`aelatent.distances`   -- two-sample distances: Frechet (bootstrap, n -> infinity), KID, precision/recall
- :mod:`aelatent.league`      -- the sampler league: every sampler and calibration set scored, copy check
- :mod:`aelatent.league_scoring` -- how one set of images is scored: reference, calibration rows, copy check
- :mod:`aelatent.copying`     -- the one copy rule: copy ratio, threshold, best non-copying row
- :mod:`aelatent.trailing_axes` -- the small principal axes: predictability, tau, where they act (XIV)
- :mod:`aelatent.frontier`    -- quality against copying along each sampler's knob
- :mod:`aelatent.verdict`     -- the league's closing sentences, winners only where intervals separate
- :mod:`aelatent.model_comparison` -- AE, VAE and RAE measured the same way (notebook XV)
- :mod:`aelatent.plots`       -- image grids, training curves, projections, ellipses, histograms
- :mod:`aelatent.widgets`     -- ipywidgets sliders (fact, confidence) that re-sample and re-decode
- :mod:`aelatent.notebook`    -- what every notebook does first and last: open_run, write_metrics

Beside them:

- :mod:`aelatent.run_request` -- RunRequest: which run, from the command line to every notebook
- :mod:`aelatent.locations`   -- where things live: project, runs, caches, references, shared subset
- :mod:`aelatent.validation`  -- parameter checks and NotFittedError, shared by every estimator
- :mod:`aelatent.errors`      -- the errors the package raises on purpose
- :mod:`aelatent.storage`     -- atomic writes, pickle-free loading, run-folder locks
- :mod:`aelatent.progress`    -- progress bars, and finished lines in executed notebooks
- :mod:`aelatent.machine`     -- the CPU (model, AVX-512) and numeric environment numbers come from
- :mod:`aelatent.runner`      -- executes the notebook series with papermill
- :mod:`aelatent.report`      -- a run's executed notebooks as offline HTML pages and an index
- :mod:`aelatent.result_store` -- expensive results kept under a run, keyed by what determines them
- :mod:`aelatent.regress`     -- regression runs: references with measured tolerances, comparison
- :mod:`aelatent.cli`         -- the command line ``python -m aelatent run | regress``
"""

from .config import PROFILES, RunConfig, profile_config
from .errors import AelatentError, ConfigError, DataError, NotFittedError, RunBusyError

__version__ = "0.1.0"


def ensure_run(*args, **kwargs):
    """See :func:`aelatent.runs.ensure_run` (imported lazily: it loads TensorFlow)."""
    from .runs import ensure_run as _ensure_run
    return _ensure_run(*args, **kwargs)


__all__ = ["PROFILES", "RunConfig", "profile_config", "ensure_run", "AelatentError",
           "ConfigError", "DataError", "NotFittedError", "RunBusyError"]
