"""What machine numbers were measured on: CPU model, cores, vector extensions, numeric settings.

Float rounding -- and so the last digits of every trained number -- depends on the
CPU's vector extensions (AVX-512 or not: TensorFlow's oneDNN kernels pick other
code paths) and on TensorFlow's thread count. Timings and regression references
therefore name the machine with :func:`describe_machine`. Imports nothing of
TensorFlow.
"""

from __future__ import annotations

import contextlib
import os
import platform

#: Environment variables that change TensorFlow's float rounding on one machine.
NUMERIC_ENVIRONMENT = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                       "TF_ENABLE_ONEDNN_OPTS", "ONEDNN_MAX_CPU_ISA", "OPENBLAS_CORETYPE",
                       "FAISS_OPT_LEVEL", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _cpuinfo():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def machine_description():
    """The CPU and numeric environment of this machine, as a dictionary.

    Returns
    -------
    dict
        ``cpu_model`` (``/proc/cpuinfo``'s model name, else
        :func:`platform.processor`), ``cores`` (:func:`os.cpu_count`),
        ``avx2`` and ``avx512f`` (bool, from the CPU flags; ``None`` where they
        cannot be read), ``machine`` (e.g. ``x86_64``) and ``environment``
        (the variables of :data:`NUMERIC_ENVIRONMENT` that are set).
    """
    info = _cpuinfo()
    model, flags = "", None
    for line in info.splitlines():
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "model name" and not model:
            model = value.strip()
        elif name in ("flags", "features") and flags is None:
            flags = set(value.split())
    return {
        "cpu_model": model or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "avx2": None if flags is None else "avx2" in flags,
        "avx512f": None if flags is None else "avx512f" in flags,
        "machine": platform.machine(),
        "environment": {k: os.environ[k] for k in NUMERIC_ENVIRONMENT if k in os.environ},
    }


def describe_machine(description=None):
    """One line naming the CPU, e.g. ``AMD EPYC, 2 cores, AVX-512: yes``.

    Parameters
    ----------
    description : dict, optional
        A :func:`machine_description` (default: this machine's).
    """
    d = machine_description() if description is None else description

    def yes_no(flag):
        return "unknown" if flag is None else ("yes" if flag else "no")

    line = f"{d.get('cpu_model', 'unknown')}, {d.get('cores', '?')} cores, " \
           f"AVX-512: {yes_no(d.get('avx512f'))}"
    env = d.get("environment") or {}
    if env:
        line += ", " + " ".join(f"{k}={v}" for k, v in sorted(env.items()))
    return line


@contextlib.contextmanager
def environment_variables(values):
    """Set environment variables inside the block, then restore them.

    Processes started inside the block -- papermill's kernels -- inherit them.
    """
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
