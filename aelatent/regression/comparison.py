"""A run's metrics against the references: one row per key, and the report."""

from __future__ import annotations

import dataclasses

from . import REFRESH
from .tolerances import allowed_deviation, _check_spec

#: Statuses of a compared key; those in FAILING make a regression run fail.
FAILING = ("outside", "missing", "no reference", "not run", "source")


@dataclasses.dataclass(frozen=True)
class Row:
    """One compared key.

    ``status`` is one of ``"same"`` (equal to the reference, bit for bit),
    ``"moved"`` (different but within tolerance), ``"reported"`` (a key that is
    not regressed and moved), ``"outside"`` (beyond tolerance), ``"missing"``
    (in the reference, not in the metrics), ``"new"`` (in the metrics, not in
    the reference), ``"no reference"`` (a notebook that ran has no reference
    file), ``"not run"`` (a notebook with references wrote no metrics) or
    ``"source"`` (the references were made from other data or another
    configuration). ``how`` says how the tolerance was derived.
    """

    notebook: str
    key: str
    status: str
    reference: float | None = None
    now: float | None = None
    allowed: float | None = None
    note: str = ""
    how: str = ""

    @property
    def failed(self):
        return self.status in FAILING

    @property
    def change(self):
        """The change as text: relative when the reference is not zero."""
        if self.reference is None or self.now is None:
            return ""
        diff = self.now - self.reference
        if self.reference != 0:
            return f"{diff / abs(self.reference):+.2%}"
        return f"{diff:+.3g}"


@dataclasses.dataclass
class Comparison:
    """The outcome of a regression check: one :class:`Row` per key, and warnings."""

    rows: list
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def failures(self):
        return [r for r in self.rows if r.failed]

    @property
    def passed(self):
        return not self.failures

    @property
    def identical(self):
        """Every key equals its reference bit for bit (and nothing is new)."""
        return bool(self.rows) and all(r.status == "same" for r in self.rows)

    def changed(self):
        """Rows worth showing: every key that is not exactly the reference."""
        return [r for r in self.rows if r.status != "same"]

    def verdict(self):
        """``FAILED``, ``PASSED, identical to the references`` or ``PASSED, within tolerance``."""
        if not self.passed:
            return "FAILED"
        if self.identical:
            return "PASSED, identical to the references (bit for bit)"
        return "PASSED, within tolerance"

    def summary(self):
        counts = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        order = ("same", "moved", "reported", "new", "outside", "missing", "no reference",
                 "not run", "source")
        parts = [f"{counts[s]} {s}" for s in order if s in counts]
        return f"regression {self.verdict()}: " + (", ".join(parts) or "nothing compared")

    def table(self, rows=None):
        """A plain-text table of ``rows`` (default: the keys that are not exactly the same)."""
        rows = self.changed() if rows is None else rows
        if not rows:
            return "every key equals its reference."
        header = ("notebook", "key", "reference", "now", "change", "allowed", "status",
                  "tolerance from")
        lines = [(r.notebook, r.key, _fmt(r.reference), _fmt(r.now), r.change,
                  "not regressed" if r.status == "reported" else
                  ("" if r.allowed is None else f"±{r.allowed:.3g}"),
                  r.status.upper() if r.failed else r.status, r.how) for r in rows]
        widths = [max(len(str(x)) for x in column) for column in zip(header, *lines)]
        out = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip(),
               "  ".join("-" * w for w in widths)]
        out += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip()
                for line in lines]
        notes = [f"  {r.notebook}/{r.key}: {r.note}" for r in rows if r.note]
        return "\n".join(out + (["notes:"] + notes if notes else []))

    def report(self):
        warnings = [f"warning: {w}" for w in self.warnings]
        return "\n".join(warnings + [self.table(), self.summary()])


def _fmt(value):
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.6g}"


def _compare_key(notebook, key, now, spec):
    ref = spec["value"]
    if not spec.get("regressed", True):
        status = "same" if now == ref else "reported"
        return Row(notebook, key, status, ref, now, None, note=spec["reason"],
                   how="not regressed")
    allowed = allowed_deviation(spec)
    if now == ref:
        status = "same"
    elif abs(float(now) - float(ref)) <= allowed * (1 + 1e-9):   # a change of exactly the
        status = "moved"                                          # tolerance is within it
    else:
        status = "outside"
    return Row(notebook, key, status, ref, now, allowed, how=spec.get("derived", "declared"))


def compare_metrics(notebook, metrics, reference):
    """Compare one notebook's metrics with its reference entries.

    Parameters
    ----------
    notebook : str
    metrics : dict of str -> number
        What the notebook wrote.
    reference : dict of str -> entry
        ``{"value": v, "abs": a, ...}`` (see the module docstring).

    Returns
    -------
    list of Row
        One per key of either dictionary, sorted by key.
    """
    rows = []
    for key in sorted(set(metrics) | set(reference)):
        if key not in reference:
            rows.append(Row(notebook, key, "new", None, metrics[key],
                            note="not in the references; refresh them to record it"))
            continue
        spec = reference[key]
        _check_spec(notebook, key, spec)
        if key not in metrics:
            rows.append(Row(notebook, key, "missing", spec["value"], None,
                            note="the notebook no longer writes this key"))
            continue
        rows.append(_compare_key(notebook, key, metrics[key], spec))
    return rows


def compare(metrics, references, expected=()):
    """Compare the metrics of several notebooks with their references.

    Parameters
    ----------
    metrics : dict of notebook -> dict of key -> number
        What the run wrote.
    references : dict of notebook -> dict of key -> reference entry
    expected : iterable of str
        Notebooks that should have run: one with references but without
        metrics is ``"not run"``. A notebook with metrics but without
        references is always ``"no reference"``.

    Returns
    -------
    Comparison
    """
    rows = []
    for notebook in sorted(set(metrics) | (set(references) & set(expected))):
        if notebook not in references:
            rows.append(Row(notebook, "*", "no reference",
                            note=f"no reference file; write one with {REFRESH}"))
        elif notebook not in metrics:
            rows.append(Row(notebook, "*", "not run",
                            note="references exist but the notebook wrote no metrics"))
        else:
            rows.extend(compare_metrics(notebook, metrics[notebook], references[notebook]))
    return Comparison(rows)
