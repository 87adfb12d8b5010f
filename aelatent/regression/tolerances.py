"""Each key's tolerance, derived from how far float and seed variants moved it."""

from __future__ import annotations

import math
import re

from ..errors import ConfigError

#: Tolerance = TOLERANCE_FACTOR x the largest deviation seen among the float variants.
TOLERANCE_FACTOR = 4.0
#: A key whose float spread reaches this share of its seed spread measures noise.
NOISE_RATIO = 0.25
#: ... and a regressed key's tolerance is at least this share of its seed spread.
SEED_SHARE = 0.5

_FRACTION = re.compile(r"frac|share|ratio_inside|accuracy|(^|_)p_|prob|rate|precision|recall|"
                       r"baseline")
#: Keys that are fixed by the configuration and the data, never by training.
_INVARIANT = re.compile(r"^(z_dim|image_size|params_total|n_(train|val|reference)_images|"
                        r"n_images_per_sampler|n_compared|n_vectors|n_points|n_attributes|"
                        r"knn_backend_\w+)$")


def kind_of(key, value):
    """``"invariant"``, ``"count"``, ``"fraction"`` or ``"float"``: which floor a key gets."""
    if isinstance(value, bool) or isinstance(value, int):
        return "invariant" if _INVARIANT.match(key) else "count"
    if _FRACTION.search(key.lower()) and 0.0 <= value <= 1.0:
        return "fraction"
    return "float"


def tolerance_floor(kind, value):
    """The smallest tolerance of a key, whatever its measured spread.

    - ``count``: 1, or 0.2 % of the count when that is larger;
    - ``fraction`` (rates, shares, accuracies in [0, 1]): 0.02;
    - ``float``: 0.1 % of the value plus 1e-4 (values that are zero but for
      rounding, such as the distance of the centre from itself, move by 1e-5);
    - ``invariant``: 0.

    The floors only matter where the variants happened to agree; they sit far
    below what a change of training or sampling moves (see the seed spreads).
    """
    if kind == "invariant":
        return 0.0
    if kind == "count":
        return float(max(1, math.ceil(0.002 * abs(value))))
    if kind == "fraction":
        return 0.02
    return 1e-3 * abs(value) + 1e-4


def _spread(value, others):
    return max((abs(float(v) - float(value)) for v in others), default=0.0)


def derive_entry(key, value, float_values, seed_values=()):
    """The reference entry of one key from the values of the variants.

    Parameters
    ----------
    key : str
    value : number
        The reference run's value.
    float_values : sequence of numbers
        The key in the float variants (same seed, other numeric environment).
    seed_values : sequence of numbers
        The key in the seed variants (other training seeds); may be empty.

    Returns
    -------
    dict
        ``{"value", "abs", "spread", "seed_spread", "derived"}`` for a regressed
        key, ``{"value", "regressed": False, "reason", "spread", "seed_spread"}``
        for a key that measures noise.
    """
    kind = kind_of(key, value)
    spread = _spread(value, float_values)
    seed_spread = _spread(value, seed_values) if len(seed_values) else None
    entry = {"value": value, "spread": spread}
    if seed_spread is not None:
        entry["seed_spread"] = seed_spread
    if kind == "invariant":
        if spread == 0 and not seed_spread:
            return {**entry, "abs": 0, "derived": "invariant: fixed by configuration and data"}
        kind = "count"                           # it moved after all: a count like any other
    floor = tolerance_floor(kind, value)
    candidates = {f"{TOLERANCE_FACTOR:g} x spread {spread:.3g}": TOLERANCE_FACTOR * spread,
                  f"floor for a {kind} (spread {spread:.3g})": floor}
    if seed_spread:
        if spread >= NOISE_RATIO * seed_spread and TOLERANCE_FACTOR * spread > floor:
            return {**entry, "regressed": False,
                    "reason": f"measures noise: float rounding alone moves it by {spread:.3g}, "
                              f"{spread / seed_spread:.0%} of what another training seed does "
                              f"({seed_spread:.3g})"}
        candidates[f"{SEED_SHARE:g} x seed spread {seed_spread:.3g}"] = SEED_SHARE * seed_spread
    derived, tolerance = max(candidates.items(), key=lambda item: item[1])
    if kind == "count":
        tolerance = float(math.ceil(tolerance))
    return {**entry, "abs": tolerance, "derived": derived}


def derive_references(reference, float_runs, seed_runs=()):
    """Reference entries of every key of the reference run.

    Parameters
    ----------
    reference : dict of notebook -> dict of key -> number
        The reference run's metrics.
    float_runs, seed_runs : sequence of such dictionaries
        The metrics of the float and seed variants. A key a variant did not
        write is left out of that variant's spread.

    Returns
    -------
    dict of notebook -> dict of key -> entry
    """
    def values(runs, notebook, key):
        return [r[notebook][key] for r in runs if key in r.get(notebook, {})]

    return {notebook: {key: derive_entry(key, value, values(float_runs, notebook, key),
                                         values(seed_runs, notebook, key))
                       for key, value in sorted(metrics.items())}
            for notebook, metrics in sorted(reference.items())}


def allowed_deviation(spec):
    """``abs + rel * |value|`` of a reference entry."""
    return float(spec.get("abs", 0.0)) + float(spec.get("rel", 0.0)) * abs(float(spec["value"]))


_ENTRY_KEYS = {"value", "rel", "abs", "spread", "seed_spread", "derived", "regressed", "reason"}


def _check_spec(notebook, key, spec):
    where = f"reference {notebook}/{key}"
    if not isinstance(spec, dict) or "value" not in spec:
        raise ConfigError(f"{where} must be an object with 'value' and 'rel' and/or 'abs', "
                          f"got {spec!r}.")
    unknown = set(spec) - _ENTRY_KEYS
    regressed = spec.get("regressed", True)
    if unknown or (regressed and not ({"rel", "abs"} & set(spec))):
        raise ConfigError(f"{where}: expected keys 'value' and 'rel' and/or 'abs' (or "
                          f"'regressed': false with a 'reason'), got {sorted(spec)}.")
    if not isinstance(regressed, bool) or (not regressed and not spec.get("reason")):
        raise ConfigError(f"{where}: 'regressed' must be true or false, and false needs a "
                          f"'reason', got {spec!r}.")
    for name in ("value", "rel", "abs", "spread", "seed_spread"):
        if name in spec and (isinstance(spec[name], bool)
                             or not isinstance(spec[name], (int, float))
                             or not math.isfinite(spec[name]) or (name != "value" and spec[name] < 0)):
            raise ConfigError(f"{where}: {name!r} must be a finite "
                              f"{'number' if name == 'value' else 'number >= 0'}, got {spec[name]!r}.")
