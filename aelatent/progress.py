"""Progress of long loops: a live tqdm bar where someone watches, one finished line in a record.

:func:`progress_bar` wraps an iterable. In a terminal or a live JupyterLab it
is a tqdm bar (``tqdm.auto``). While the series runs under papermill
(:func:`aelatent.runner.run_series` sets ``AELATENT_PROGRESS=log`` for its
kernels), a bar's widget would be stored in the executed notebook at 0 %, so
there it prints one line when the loop is done instead: what was done, how
many steps, how long it took.

:func:`stage_line` marks a line a long stage prints (``» fitting gmm100 ...``):
``make run`` passes such lines on to its terminal, so that no notebook is silent
for minutes while it fits or scores.
"""

from __future__ import annotations

import os
import time

#: Environment variable: ``log`` prints one line per finished loop instead of a live bar.
MODE_VARIABLE = "AELATENT_PROGRESS"

#: The mark of a stage line (:func:`stage_line`), which the runner passes on to the terminal.
STAGE_PREFIX = "» "


def stage_line(text):
    """``text`` marked as a stage line: what a long stage is doing, for ``make run``'s terminal."""
    return STAGE_PREFIX + text


def progress_bar(iterable, enabled=True, desc="", total=None):
    """``iterable``, reporting its progress.

    Parameters
    ----------
    iterable : iterable
    enabled : bool
        ``False`` returns ``iterable`` itself.
    desc : str
        What the loop does, e.g. ``"decoding images"``.
    total : int, optional
        Number of steps, when ``len(iterable)`` does not tell.
    """
    if not enabled:
        return iterable
    if os.environ.get(MODE_VARIABLE) == "log":
        return _finished_line(iterable, desc, total)
    from tqdm.auto import tqdm
    return tqdm(iterable, desc=desc, total=total, leave=False)


def _finished_line(iterable, desc, total):
    start = time.perf_counter()
    steps = 0
    for steps, item in enumerate(iterable, 1):
        yield item
    of = f" of {total}" if total is not None and total != steps else ""
    print(f"{desc}: {steps}{of} steps in {time.perf_counter() - start:.1f} s", flush=True)
