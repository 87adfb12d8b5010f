"""One registry of the sampler league: keys -> configured, unfitted samplers."""

from __future__ import annotations

from functools import partial

from ..errors import ConfigError
from .gaussian import MultivariateNormalSampler, PCAAlignedSampler
from .independent import (CommonIntervalSampler, ComponentGaussianSampler,
                          ComponentIntervalSampler, NormalSampler)
from .kernel import KDESampler
from .knn import KNNCorrectedSampler, NeighbourMixSampler
from .mixture import COVARIANCE_TYPES, GMMSampler, PCAMixtureSampler
from .diffusion import DiffusionSampler
from .flow import RealNVPSampler
from .reencoded import ReencodedSampler
from .two_stage import TwoStageVAESampler

#: League-table keys -> factories of configured, unfitted samplers, in table order.
SAMPLERS = {
    "normal": NormalSampler,
    "common_b1.5": partial(CommonIntervalSampler, b=1.5),
    "component_fact0.5": partial(ComponentIntervalSampler, fact=0.5),
    "component_fact1.0": partial(ComponentIntervalSampler, fact=1.0),
    "component_gauss": ComponentGaussianSampler,
    "gmm10": partial(GMMSampler, n_components=10),
    "mvn": MultivariateNormalSampler,
    "pca_aligned": partial(PCAAlignedSampler, restrict="ellipsoid", confidence=0.9),
    "knn_corrected": partial(KNNCorrectedSampler, fact=1.0, k=10, alpha=0.5),
    # the mixture spelled out as notebook XII's mixture family spells it, so that a row or
    # frontier point scored with the family's pca_gmm10 is the same key (and reused)
    "pca_gmm10": partial(PCAMixtureSampler, variance=0.9, mixture=GMMSampler(10)),
    "kde": KDESampler,
    "neighbour_mix": partial(NeighbourMixSampler, k=10, max_share=0.5),
    "two_stage_vae": TwoStageVAESampler,
    "realnvp": RealNVPSampler,
    "conditional_gmm10": partial(PCAMixtureSampler, variance=0.9, trailing="neighbours"),
    "diffusion": DiffusionSampler,
    # the diffusion prior on the leading principal axes only (far fewer dimensions than N: more
    # z-points per dimension), the trailing ones conditional on them
    "conditional_diffusion": partial(PCAMixtureSampler, variance=0.9, mixture=DiffusionSampler(),
                                     trailing="neighbours"),
    # a factor analysis of the trailing axes per component of the leading mixture
    "factors_gmm10": partial(PCAMixtureSampler, variance=0.9, trailing="factors"),
}

#: Key prefixes followed by one parameter value, e.g. ``common_b2.0`` or ``gmm5``; the
#: mixtures take a covariance type as an optional suffix (``gmm20_diag``, ``gmm10_tied``).
FAMILIES = {
    "common_b": (CommonIntervalSampler, "b", float),
    "component_fact": (ComponentIntervalSampler, "fact", float),
    "gmm": (GMMSampler, "n_components", int),
    "bgmm": (partial(GMMSampler, bayesian=True), "n_components", int),
    "pca_gmm": (lambda **mixture: PCAMixtureSampler(mixture=GMMSampler(**mixture)), "n_components",
                int),
    "trailing_tau": (PCAMixtureSampler, "trailing_scale", float),
    "conditional_tau": (partial(PCAMixtureSampler, trailing="neighbours"), "trailing_scale", float),
    "factors_tau": (partial(PCAMixtureSampler, trailing="factors"), "trailing_scale", float),
}

#: Suffix of a key whose vectors are re-encoded (:class:`ReencodedSampler`), once, e.g.
#: ``conditional_tau0.5_reencoded``, or as often as a number after it says
#: (``conditional_tau0.5_reencoded2``).
REENCODED = "_reencoded"


def split_reencoded(key):
    """``(base key, passes)`` of a re-encoded key (:data:`REENCODED`), ``(key, None)`` of any other:
    ``"mvn_reencoded"`` -> ``("mvn", 1)``, ``"mvn_reencoded2"`` -> ``("mvn", 2)``."""
    if isinstance(key, str):
        base, found, count = key.rpartition(REENCODED)
        if found and base and (count == "" or count.isdigit()):
            return base, int(count or 1)
    return key, None

#: Families whose keys may end in ``_<covariance type>``.
_COVARIANCE_SUFFIX = ("gmm", "bgmm", "pca_gmm")


def make_sampler(key, autoencoder=None):
    """A configured, unfitted sampler for a league-table key.

    Besides the keys of :data:`SAMPLERS`, every key of a family of
    :data:`FAMILIES` is understood: ``common_b<b>`` and ``component_fact<fact>``
    with any number, ``gmm<k>``, ``bgmm<k>`` (Bayesian) and ``pca_gmm<k>``
    (leading principal axes) with any count and an optional covariance type
    (e.g. ``common_b2.0``, ``component_fact0.7``, ``gmm5``, ``gmm20_diag``), and
    ``trailing_tau<tau>`` / ``conditional_tau<tau>`` / ``factors_tau<tau>``: ``pca_gmm10`` with
    its trailing axes' noise (independent), residuals (conditional on the leading axes) or
    deviations from their component's factor model scaled by tau (notebook XIV).
    Any of these keys followed by ``_reencoded`` passes the vectors once more through the
    ``autoencoder`` (:class:`ReencodedSampler`), followed by ``_reencoded<k>`` k times. The
    parameters are checked as soon as the sampler is made.

    Parameters
    ----------
    key : str
    autoencoder : aelatent.runs.Run, optional
        Needed by ``..._reencoded`` keys only.

    Raises
    ------
    ConfigError
        For an unknown key (the message lists the known ones), an out-of-range parameter in it,
        or a ``_reencoded`` key without an autoencoder.
    """
    base, passes = split_reencoded(key)
    if passes is not None:
        if autoencoder is None:
            raise ConfigError(f"{key!r} re-encodes its vectors: make_sampler needs the autoencoder "
                              "(e.g. make_sampler(key, autoencoder=run)).")
        sampler = ReencodedSampler(make_sampler(base), passes=passes)
        sampler._check_params()
        return sampler.bind(autoencoder)
    if key in SAMPLERS:
        return SAMPLERS[key]()
    for prefix, (build, name, kind) in FAMILIES.items():
        if isinstance(key, str) and key.startswith(prefix):
            value, _, covariance = key[len(prefix):].partition("_")
            options = {}
            if covariance and prefix in _COVARIANCE_SUFFIX and covariance in COVARIANCE_TYPES:
                options["covariance_type"] = covariance
            elif covariance:
                continue
            try:
                options[name] = kind(value)
            except ValueError:
                continue
            sampler = build(**options)
            sampler._check_params()
            return sampler
    raise ConfigError(f"unknown sampler key {key!r}; known keys: {', '.join(SAMPLERS)} "
                      f"(and {', '.join(p + '<value>' for p in FAMILIES)}; any of them + "
                      f"{REENCODED!r} or {REENCODED + '<passes>'!r}).")
