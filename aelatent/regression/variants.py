"""The runs that, with the reference run, make the references: float and seed variants."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..machine import environment_variables, machine_description
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


#: The kernels an AVX2 CPU runs, chosen on a CPU with AVX-512: oneDNN's (TensorFlow's convolutions
#: and matrix products), OpenBLAS's (NumPy, SciPy, scikit-learn) and faiss's. They round as an AVX2
#: CPU does, so a machine with AVX-512 can measure what the other CPU type moves.
AVX2_KERNELS = {"ONEDNN_MAX_CPU_ISA": "AVX2", "OPENBLAS_CORETYPE": "Haswell",
                "FAISS_OPT_LEVEL": "avx2"}


def default_variants(environ=None, machine=None):
    """The variants ``make regress-update`` runs besides the reference run.

    Float variants -- another intra-op thread count (1, or 2 when the
    reference run uses 1), TensorFlow's oneDNN kernels switched over (off, or
    on when they are off) and, on a CPU with AVX-512, the AVX2 kernels
    (:data:`AVX2_KERNELS`) with one thread, which is what ``make test`` does on
    an AVX2 CPU -- and two seed variants (seed + 1, seed + 2). On a CPU where
    TensorFlow uses no oneDNN kernels the oneDNN variant equals the reference
    run; it is run anyway, because that is not known beforehand.
    """
    environ = os.environ if environ is None else environ
    machine = machine_description() if machine is None else machine
    threads = "2" if environ.get("TF_NUM_INTRAOP_THREADS", "").strip() == "1" else "1"
    onednn = "1" if environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip() == "0" else "0"
    floats = [Variant(f"threads{threads}", {"TF_NUM_INTRAOP_THREADS": threads}),
              Variant(f"onednn{onednn}", {"TF_ENABLE_ONEDNN_OPTS": onednn})]
    if machine.get("avx512f"):
        floats.append(Variant(f"avx2-threads{threads}",
                              {**AVX2_KERNELS, "TF_NUM_INTRAOP_THREADS": threads}))
    return (*floats, Variant("seed+1", seed_offset=1), Variant("seed+2", seed_offset=2))


def extra_variant(name):
    """A float variant by name, for widening existing references (``regress --widen NAME``).

    ``threads<k>`` (k intra-op threads), ``onednn0``/``onednn1``, ``avx2`` (the
    AVX2 kernels) and ``avx2-threads<k>`` (both).
    """
    from ..errors import ConfigError

    env = {}
    rest = name
    if rest.startswith("avx2"):
        env.update(AVX2_KERNELS)
        rest = rest[len("avx2"):].lstrip("-")
    if rest.startswith("threads") and rest[len("threads"):].isdigit():
        env["TF_NUM_INTRAOP_THREADS"] = rest[len("threads"):]
    elif rest in ("onednn0", "onednn1"):
        env["TF_ENABLE_ONEDNN_OPTS"] = rest[-1]
    elif rest:
        raise ConfigError(f"unknown variant {name!r}: use threads<k>, onednn0, onednn1, avx2 or "
                          "avx2-threads<k>.")
    return Variant(name, env)


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
