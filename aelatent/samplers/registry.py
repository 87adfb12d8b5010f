"""One registry of the sampler league: keys -> configured, unfitted samplers."""

from __future__ import annotations

from functools import partial

from ..errors import ConfigError
from .gaussian import MultivariateNormalSampler, PCAAlignedSampler
from .independent import (CommonIntervalSampler, ComponentGaussianSampler,
                          ComponentIntervalSampler, NormalSampler)
from .knn import KNNCorrectedSampler
from .mixture import GMMSampler

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
}

#: Key prefixes followed by one parameter value, e.g. ``common_b2.0`` or ``gmm5``.
FAMILIES = {
    "common_b": (CommonIntervalSampler, "b", float),
    "component_fact": (ComponentIntervalSampler, "fact", float),
    "gmm": (GMMSampler, "n_components", int),
}


def make_sampler(key):
    """A configured, unfitted sampler for a league-table key.

    Besides the keys of :data:`SAMPLERS`, every key of a family of
    :data:`FAMILIES` is understood: ``common_b<b>`` and ``component_fact<fact>``
    with any number, ``gmm<k>`` with any count (e.g. ``common_b2.0``,
    ``component_fact0.7``, ``gmm5``). The parameters are checked as soon as
    the sampler is made.

    Raises
    ------
    ConfigError
        For an unknown key (the message lists the known ones) or an
        out-of-range parameter in it.
    """
    if key in SAMPLERS:
        return SAMPLERS[key]()
    for prefix, (build, name, kind) in FAMILIES.items():
        if isinstance(key, str) and key.startswith(prefix):
            try:
                value = kind(key[len(prefix):])
            except ValueError:
                break
            sampler = build(**{name: value})
            sampler._check_params()
            return sampler
    raise ConfigError(f"unknown sampler key {key!r}; known keys: {', '.join(SAMPLERS)} "
                      f"(and {', '.join(p + '<value>' for p in FAMILIES)}).")
