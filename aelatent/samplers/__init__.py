"""Statistical latent vectors: samplers fitted on z-points, then asked for new vectors.

Every sampler follows the same small, scikit-learn-like interface::

    sampler = ComponentIntervalSampler(fact=0.5).fit(run.z_train)
    z_new = sampler.sample(512, random_state=0)   # float32 array (512, N)
    images = run.decode(z_new)

One module per family:

=====================  ===========================================================
:mod:`.independent`    :class:`NormalSampler` (N(0, I), the RAE paper's baseline),
                       :class:`CommonIntervalSampler` (iid uniform on [-b, b], post V),
                       :class:`ComponentIntervalSampler` (mu_j +- fact*hw_j, post VII),
                       :class:`ComponentGaussianSampler` (N(mu_j, sigma_j^2) per component)
:mod:`.gaussian`       :class:`MultivariateNormalSampler` (notebook VIII),
                       :class:`PCAAlignedSampler` (principal axes, restricted; X)
:mod:`.mixture`        :class:`GMMSampler` (full-covariance mixture, RAE ex-post density)
:mod:`.knn`            :class:`KNNCorrectedSampler` (pulled toward nearest z-points; XI)
=====================  ===========================================================

:data:`SAMPLERS` maps the keys of the sampler league table (notebook XII) to
factories, and :func:`make_sampler` builds a configured, unfitted sampler from
such a key. A new sampler is a subclass of :class:`LatentSampler` with
``_fit``/``_sample``/``_check_params`` and, for the league, one entry in
:data:`SAMPLERS`.
"""

from .base import LatentSampler
from .gaussian import MultivariateNormalSampler, PCAAlignedSampler
from .independent import (CommonIntervalSampler, ComponentGaussianSampler,
                          ComponentIntervalSampler, NormalSampler)
from .knn import KNNCorrectedSampler
from .mixture import GMMSampler
from .registry import FAMILIES, SAMPLERS, make_sampler

__all__ = ["LatentSampler", "NormalSampler", "CommonIntervalSampler", "ComponentIntervalSampler",
           "ComponentGaussianSampler", "MultivariateNormalSampler", "PCAAlignedSampler",
           "GMMSampler", "KNNCorrectedSampler", "SAMPLERS", "FAMILIES", "make_sampler"]
