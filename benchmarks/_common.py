"""Shared bits of the benchmark scripts: machine line, contention, timers, tables, memory.

Every benchmark prints a header naming the machine, the date and the load
average when it started, so a figure taken while other processes shared the
CPU says so. Wall-clock rates are reported next to CPU seconds per item: the
latter barely change under contention, the former do.
"""

from __future__ import annotations

import datetime
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
if str(PROJECT) not in sys.path:          # run as `python benchmarks/bench_x.py`
    sys.path.insert(0, str(PROJECT))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from aelatent.locations import SHARED_SUBSET  # noqa: E402,F401  (the real CelebA subset beside the project)
from aelatent.machine import describe_machine  # noqa: E402


def memory_gb():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        return float("nan")


def load_note():
    """``'load 3.1 on 2 cores (contended)'`` -- the 1-minute load average against the cores."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    state = "contended" if load > cores * 0.75 + 0.5 else "quiet"
    return f"load {load:.1f} on {cores} cores ({state})"


def header(title):
    """Print the benchmark's title, machine, date and current load."""
    print(f"== {title}")
    print(f"   machine: {describe_machine()}, {memory_gb():.0f} GB RAM, "
          f"Python {platform.python_version()}")
    print(f"   date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}, {load_note()} at start")


def footer():
    print(f"   {load_note()} at end; peak RSS of this process {peak_rss_gb():.2f} GB")


def run_in_temporary_folder(title, prefix, run, args, parent=None):
    """Print the header, call ``run(args, folder)`` in a fresh temporary folder, clean up, footer."""
    import shutil
    import tempfile

    header(title)
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    footer()


def peak_rss_gb():
    """Peak resident set size of this process in GB (``ru_maxrss`` is in kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


class Timer:
    """Wall-clock and process CPU seconds of a ``with`` block."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        return False


def epoch_timer():
    """A Keras callback timing each epoch up to its last training batch (wall and CPU)."""
    import keras

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.walls, self.cpus = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._start = (time.perf_counter(), time.process_time())
            self._last = self._start

        def on_train_batch_end(self, batch, logs=None):
            self._last = (time.perf_counter(), time.process_time())

        def on_epoch_end(self, epoch, logs=None):
            self.walls.append(self._last[0] - self._start[0])
            self.cpus.append(self._last[1] - self._start[1])

    return EpochTimer()


def timed(function, *args, repeat=1, **kwargs):
    """Run ``function`` ``repeat`` times; return (last result, median wall s, median CPU s)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        with Timer() as t:
            result = function(*args, **kwargs)
        walls.append(t.wall)
        cpus.append(t.cpu)
    return result, statistics.median(walls), statistics.median(cpus)


def median(values):
    return statistics.median(values)


def table(rows, headers):
    """Print a plain-text table (first column left-aligned, the rest right-aligned)."""
    cells = [[str(h) for h in headers]] + [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        line = "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths)))
        print("   " + line)
        if n == 0:
            print("   " + "  ".join("-" * w for w in widths))


def _fmt(value):
    if isinstance(value, float):
        if value != value:
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def verdict(name, value, target, unit="", higher_is_better=True):
    """Print ``target met/missed`` for one figure and return whether it was met."""
    ok = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    print(f"   target {name} {sign} {target}{unit}: measured {_fmt(float(value))}{unit} -> "
          f"{'MET' if ok else 'NOT MET'}")
    return ok
