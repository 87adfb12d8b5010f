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
:mod:`.mixture`        :class:`GMMSampler` (Gaussian mixture, RAE ex-post density),
                       :class:`PCAMixtureSampler` (mixture on the leading principal axes;
                       its trailing axes independent or conditional on them, scaled by tau),
                       :func:`mixture_selection` (the family by held-out likelihood)
:mod:`.kernel`         :class:`KDESampler` (kernel density, bandwidth cross-validated)
:mod:`.two_stage`      :class:`TwoStageVAESampler` (a small Keras VAE on the z-points)
:mod:`.flow`           :class:`RealNVPSampler` (a normalizing flow, exact likelihood)
:mod:`.diffusion`      :class:`DiffusionSampler` (a diffusion prior, DDIM sampling)
:mod:`.knn`            :class:`KNNCorrectedSampler` (pulled toward nearest z-points; XI),
                       :class:`NeighbourMixSampler` (part of the way toward a neighbour)
:mod:`.reencoded`      :class:`ReencodedSampler` (another sampler's vectors through the
                       autoencoder once more: z -> E(D(z)); XII)
=====================  ===========================================================

:data:`SAMPLERS` maps the keys of the sampler league table (notebook XII) to
factories, and :func:`make_sampler` builds a configured, unfitted sampler from
such a key. A new sampler is a subclass of :class:`LatentSampler` with
``_fit``/``_sample``/``_check_params`` and, for the league, one entry in
:data:`SAMPLERS`. Samplers with a density also derive from
:class:`DensityMixin` and implement ``_log_density``; they then have
``score_samples``/``score``, and :func:`held_out_log_likelihood` gives their
log-likelihood per dimension of held-out z-points (NaN for the others).
"""

from .base import DensityMixin, LatentSampler, held_out_log_likelihood
from .gaussian import MultivariateNormalSampler, PCAAlignedSampler
from .independent import (CommonIntervalSampler, ComponentGaussianSampler,
                          ComponentIntervalSampler, NormalSampler)
from .kernel import KDESampler
from .knn import KNNCorrectedSampler, NeighbourMixSampler
from .mixture import GMMSampler, PCAMixtureSampler, mixture_selection
from .diffusion import DiffusionSampler
from .flow import RealNVPSampler
from .reencoded import ReencodedSampler
from .registry import FAMILIES, SAMPLERS, make_sampler
from .two_stage import TwoStageVAESampler

__all__ = ["LatentSampler", "DensityMixin", "held_out_log_likelihood", "NormalSampler",
           "CommonIntervalSampler", "ComponentIntervalSampler", "ComponentGaussianSampler",
           "MultivariateNormalSampler", "PCAAlignedSampler", "GMMSampler", "PCAMixtureSampler",
           "mixture_selection", "KDESampler", "TwoStageVAESampler", "RealNVPSampler", "DiffusionSampler",
           "KNNCorrectedSampler",
           "NeighbourMixSampler", "ReencodedSampler",
           "SAMPLERS", "FAMILIES", "make_sampler"]
