"""Results that are expensive and deterministic, computed once and reused: a pickle-free store.

An entry is a JSON dictionary and a set of NumPy arrays, filed under the hash
of everything that determines it -- the inputs (or their content hash), the
parameters, and the *source code* of the modules that compute it
(:func:`code_fingerprint`). A changed parameter, input or line of that code
gives another key, so a stale entry is never read; it just lies unused.

Two stores use it (and :class:`DerivedValues` keeps derived values in memory for the rest of a
process):

- image features (MTCNN face flags, ONet scores and features, dlib
  descriptors) keyed by the images' content, shared by every run under
  ``cache_dir()/features`` -- the real validation halves of notebook XV's three
  kinds are one set of images, scored once;
- league rows, per run under ``runs/<run>/results/league`` -- re-executing
  notebook XII, or notebook XV asking for the plain AE's rows that XII scored,
  reuses them; changing one sampler's parameter recomputes that row only.

:data:`TALLY` counts what was reused and computed in this process, and
:func:`reuse_summary` says it in a line for the notebooks' output.
"""

from __future__ import annotations

import collections
import hashlib
import importlib
import importlib.util
import json
from pathlib import Path

import numpy as np

from .errors import DataError
from .storage import atomic_path, read_json

#: kind -> {"reused": n, "computed": n} in this process.
TALLY = collections.defaultdict(collections.Counter)

_FINGERPRINTS = {}


def module_dependencies(*modules, package="aelatent"):
    """The named modules and every module of ``package`` they import, directly or through each
    other -- also inside functions (the package imports heavy libraries lazily) -- sorted.

    Read from the modules' source files with :mod:`ast`, nothing is imported or executed: what a
    stored result depends on is derived, not kept by hand. Results are cached per call.
    """
    if (modules, package) in _DEPENDENCIES:
        return _DEPENDENCIES[modules, package]
    import ast
    import importlib.util

    def exists(name):
        try:
            return importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            return False

    seen, todo = set(), list(modules)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        spec = importlib.util.find_spec(name)
        is_package = spec.submodule_search_locations is not None
        with open(spec.origin, encoding="utf-8") as source:      # read, not imported
            tree = ast.parse(source.read())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.rsplit(".", node.level - (1 if is_package else 0))[0] \
                        if node.level - (1 if is_package else 0) else name
                    target = f"{base}.{node.module}" if node.module else base
                else:
                    target = node.module or ""
                found = [target] + [f"{target}.{alias.name}" for alias in node.names]
            else:
                continue
            todo += [f for f in found if (f == package or f.startswith(package + "."))
                     and f not in seen and exists(f)]
    _DEPENDENCIES[modules, package] = tuple(sorted(seen))
    return _DEPENDENCIES[modules, package]


_DEPENDENCIES = {}


def code_fingerprint(*modules):
    """A hash of the source of the named modules (e.g. ``"aelatent.quality"``): the version of a
    computation. Any edit to them changes it."""
    if modules not in _FINGERPRINTS:
        digest = hashlib.sha256()
        for name in modules:
            digest.update(name.encode())
            with open(importlib.util.find_spec(name).origin, "rb") as source:   # not imported
                digest.update(source.read())
        _FINGERPRINTS[modules] = digest.hexdigest()[:16]
    return _FINGERPRINTS[modules]


def content_hash(*arrays):
    """A hash of arrays' shapes, dtypes and bytes (the images a feature set is computed from)."""
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype.str}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def _nbytes(value):
    """Bytes of an array, or of a tuple of arrays and numbers."""
    return sum(np.asarray(v).nbytes for v in (value if isinstance(value, tuple) else (value,)))


class DerivedValues:
    """Values derived from arrays, kept in memory until their weight reaches ``capacity`` (least
    recently used out): the in-process companion of :class:`ResultStore`.

    Keys are built from the *content* of the arrays (:func:`content_hash`), never from their
    identity, so a changed array never reads another's entry; a value is computed by exactly
    the code that computes it without the store, so a kept value equals a fresh one bit for bit.

    Parameters
    ----------
    capacity : int
        Largest total weight kept.
    weigh : callable, optional
        Weight of a value; default its bytes (arrays, or tuples of arrays and numbers).
        ``lambda value: 1`` keeps ``capacity`` values of any kind.
    """

    def __init__(self, capacity, weigh=_nbytes):
        self.capacity = int(capacity)
        self.weigh = weigh
        self._values = collections.OrderedDict()
        self._weight = 0
        self.hits = self.misses = 0

    @staticmethod
    def key(*parts):
        """A key of strings and arrays (arrays by content; None stays None)."""
        return tuple(p if p is None or isinstance(p, str) else content_hash(p) for p in parts)

    def get(self, key, compute):
        """The value under ``key``, computed by ``compute()`` and kept if not held."""
        if key in self._values:
            self.hits += 1
            self._values.move_to_end(key)
            return self._values[key][0]
        self.misses += 1
        value = compute()
        weight = self.weigh(value)
        if weight <= self.capacity:
            self._values[key] = (value, weight)
            self._weight += weight
            while self._weight > self.capacity:
                self._weight -= self._values.popitem(last=False)[1][1]
        return value

    def clear(self):
        self._values.clear()
        self._weight = 0


def file_fingerprint(*paths):
    """A hash of files' names and bytes (a run's trained model and z-points); missing files count
    as missing."""
    digest = hashlib.sha256()
    for path in paths:
        path = Path(path)
        digest.update(path.name.encode())
        if path.exists():
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        else:
            digest.update(b"(missing)")
    return digest.hexdigest()[:32]


def _plain(value):
    """NumPy scalars as Python numbers, for JSON."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value.item() if isinstance(value, np.generic) else value


def entry_key(key):
    """The file name of an entry: the hash of its key dictionary (JSON, sorted)."""
    text = json.dumps(_plain(key), sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class ResultStore:
    """Entries of one kind of result under a folder.

    Parameters
    ----------
    folder : path
    kind : str
        What the entries hold, for :data:`TALLY` (e.g. ``"league rows"``).
    """

    def __init__(self, folder, kind):
        self.folder = Path(folder)
        self.kind = kind

    def _paths(self, key):
        name = entry_key(key)
        return self.folder / f"{name}.json", self.folder / f"{name}.npz"

    def load(self, key):
        """``(values, arrays)`` of the entry, or None when there is none (or it is damaged)."""
        meta, data = self._paths(key)
        if not (meta.exists() and data.exists()):
            return None
        try:
            record = read_json(meta)
            with np.load(data, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in npz.files}
        except (DataError, ValueError, OSError, EOFError):
            return None                     # a damaged entry is computed again, and rewritten
        if record.get("key") != json.loads(json.dumps(_plain(key), sort_keys=True, default=repr)):
            return None
        return record["values"], arrays

    def save(self, key, values, arrays):
        """Write an entry atomically: arrays first, then the JSON that makes it visible."""
        meta, data = self._paths(key)
        with atomic_path(data) as tmp:
            with open(tmp, "wb") as fh:
                np.savez(fh, **{name: np.asarray(a) for name, a in arrays.items()})
        with atomic_path(meta) as tmp:
            tmp.write_text(json.dumps({"key": _plain(key), "values": _plain(values)},
                                      sort_keys=True, default=repr) + "\n")

    def get_or_compute(self, key, compute):
        """The stored ``(values, arrays)`` for ``key``, else ``compute()``'s, stored."""
        found = self.load(key)
        if found is not None:
            self.tally("reused")
            return found
        values, arrays = compute()
        self.save(key, values, arrays)
        self.tally("computed")
        return values, arrays

    def tally(self, word):
        """Count one entry of this kind as ``"reused"`` or ``"computed"`` (:func:`reuse_summary`);
        for callers that load and save themselves, as :class:`aelatent.league.LeagueRows` does."""
        TALLY[self.kind][word] += 1

    def count(self):
        """How many entries the folder holds."""
        return len(list(self.folder.glob("*.json"))) if self.folder.exists() else 0


def reuse_summary(reset=True):
    """``"reused 24 league rows, 5 image feature sets; computed 2 league rows"`` for this
    process (and, with ``reset``, start counting anew)."""
    def part(word):
        items = [f"{c[word]} {kind}" for kind, c in sorted(TALLY.items()) if c[word]]
        return f"{word} " + ", ".join(items) if items else ""

    text = "; ".join(p for p in (part("reused"), part("computed")) if p) or "nothing stored or reused"
    if reset:
        TALLY.clear()
    return text
