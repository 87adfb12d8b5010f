"""The runs that, with the reference run, make the references: float and seed variants."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..machine import environment_variables
from ..storage import read_json

#: The file describing where a reference folder's values came from.
SOURCE_FILE = "_source.json"


@dataclasses.dataclass(frozen=True)
class Variant:
    """A run that, with the reference run, makes the references.

    Parameters
    ----------
    name : str
        Short name, also the suffix of its run folder (``regress-<ref>+<name>``).
    env : dict of str -> str
        Environment of the notebooks' kernels (e.g. ``TF_NUM_INTRAOP_THREADS``).
    seed_offset : int
        0 for a float variant (the reference seed in another numeric
        environment); k > 0 for a seed variant trained with seed + k.
    """

    name: str
    env: dict = dataclasses.field(default_factory=dict)
    seed_offset: int = 0

    @property
    def is_seed_variant(self):
        return self.seed_offset != 0

    def to_dict(self):
        return {"name": self.name, "env": dict(self.env), "seed_offset": self.seed_offset}


#: The reference run itself: the environment the command was started in, the given seed.
REFERENCE_RUN = Variant("reference")


def default_variants(environ=None):
    """The variants ``make regress-update`` runs besides the reference run.

    Two float variants -- another intra-op thread count (1, or 2 when the
    reference run uses 1) and TensorFlow's oneDNN kernels switched over (off,
    or on when they are off) -- and two seed variants (seed + 1, seed + 2).
    On a CPU where TensorFlow uses no oneDNN kernels the oneDNN variant equals
    the reference run; it is run anyway, because that is not known beforehand.
    """
    environ = os.environ if environ is None else environ
    threads = "2" if environ.get("TF_NUM_INTRAOP_THREADS", "").strip() == "1" else "1"
    onednn = "1" if environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() == "0" else "0"
    return (Variant(f"threads{threads}", {"TF_NUM_INTRAOP_THREADS": threads}),
            Variant(f"onednn{onednn}", {"TF_ENABLE_ONEDNN_OPTS": onednn}),
            Variant("seed+1", seed_offset=1),
            Variant("seed+2", seed_offset=2))


def changed_numeric_environment(references_folder):
    """Another intra-op thread count than the one a reference folder was made with.

    The environment that ``make test`` runs its series in: a run there stands
    for "another machine" on the machine that wrote the references too.
    """
    source = Path(references_folder) / SOURCE_FILE
    made_in = {}
    if source.exists():
        made_in = (read_json(source).get("machine") or {}).get("environment") or {}
    return default_variants(made_in)[0].env


#: Set a variant's numeric environment for the kernels started inside a ``with`` block.
numeric_environment = environment_variables
