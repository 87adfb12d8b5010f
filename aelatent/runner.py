"""Execute the notebook series with papermill, in order, for a profile and data folder."""

from __future__ import annotations

import contextlib
import re
import sys
import threading
import time
from pathlib import Path

from .data import open_celeba
from .errors import AelatentError
from .locations import notebooks_dir, runs_dir
from .machine import describe_machine, environment_variables
from .progress import MODE_VARIABLE, STAGE_PREFIX
from .runs import record_current_run
from .storage import folder_lock

#: Kernel option that keeps ipykernel's own warnings (e.g. "running over TCP without
#: encryption" -- the kernel listens on localhost only) out of the terminal.
QUIET_KERNEL = "--IPKernelApp.log_level=ERROR"


def series(selection=None):
    """The notebooks of the series in order (``NN_*.ipynb``), optionally only those named.

    Parameters
    ----------
    selection : list of str, optional
        Numbers (``"01"``) or file stems; default all.
    """
    books = sorted(p for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    if not selection:
        return books
    chosen = [p for p in books if p.stem in selection or p.stem[:2] in selection]
    unknown = set(selection) - {p.stem for p in chosen} - {p.stem[:2] for p in chosen}
    if unknown:
        raise AelatentError(f"no notebook matches {sorted(unknown)}; the series has "
                            f"{[p.stem for p in books]}.")
    return chosen


class NotebookFailed(AelatentError):
    """A notebook of the series raised an error; the message names it and the cell's error."""


class TrainingLines:
    """A file-like sink for a kernel's stdout that passes on what says how long work takes.

    Keras's epoch lines (``Epoch 3/20`` and ``43/43 - 35s - ... - loss: ... - val_loss: ...``)
    become one line per epoch; the finished-loop lines of
    :func:`aelatent.progress.progress_bar`, the training estimate of
    :func:`aelatent.runs.announce_training`, the league's line per scored row and
    every stage line (:func:`aelatent.progress.stage_line`: fitting a mixture or a
    sampler, a point of the frontier) pass as they are, so no notebook is silent for minutes. Everything else stays in
    the executed notebook only.
    """

    EPOCH = re.compile(r"^Epoch (\d+)/(\d+)$")
    STEPS = re.compile(r"^\d+/\d+ - (\d+s) .*?- loss: (\S+)")
    VAL_LOSS = re.compile(r" - val_loss: (\S+)")     # the VAE and RAE log more terms between
    FINISHED = re.compile(r": \d+(?: of \d+)? steps in [\d.]+ s$")
    ANNOUNCED = ("expected training time:", "that is long for a CPU")
    LEAGUE_ROW = re.compile(r"^\S+: face rate [\d.]+, ")     # a row of the league scored (XII)

    #: Seconds without a line passed on after which :meth:`heartbeat` says the notebook still works.
    QUIET_AFTER = 50.0

    def __init__(self, say, quiet_after=None, poll=1.0):
        self._say_line = say
        self.poll = poll                 # seconds between the heartbeat's looks at the clock
        self.pending = ""
        self.epoch = None
        self.quiet_after = self.QUIET_AFTER if quiet_after is None else quiet_after
        self.last_said, self.last_line = time.monotonic(), ""
        self._lock = threading.Lock()

    def say(self, line):
        """Pass ``line`` on (one at a time: the heartbeat speaks from its own thread)."""
        with self._lock:
            self._say_line(line)
            self.last_said = time.monotonic()

    @contextlib.contextmanager
    def heartbeat(self):
        """While the block runs, say after every ``quiet_after`` seconds without a line that the
        notebook is still working, and what it said last: no long cell leaves the terminal silent."""
        stop, started = threading.Event(), time.monotonic()

        def beat():
            while not stop.wait(self.poll):
                if time.monotonic() - self.last_said >= self.quiet_after:
                    last = f" (last: {self.last_line})" if self.last_line else ""
                    self.say(f"    ... still working, {time.monotonic() - started:.0f} s into "
                             f"the notebook{last}")

        thread = threading.Thread(target=beat, name="heartbeat", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

    def write(self, text):
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self._line(line.strip())

    def flush(self):
        pass

    def _line(self, line):
        epoch = self.EPOCH.match(line)
        if epoch:
            self.epoch = epoch.groups()
            return
        steps = self.STEPS.match(line)
        if steps and self.epoch:
            seconds, loss = steps.groups()
            val_loss = self.VAL_LOSS.search(line)
            val_loss = val_loss and val_loss.group(1)
            self.last_line = f"epoch {self.epoch[0]}/{self.epoch[1]}"
            self.say(f"    epoch {self.epoch[0]}/{self.epoch[1]}: {seconds}, loss {loss}"
                     + (f", val_loss {val_loss}" if val_loss else ""))
            self.epoch = None
        elif self.FINISHED.search(line) or line.startswith(self.ANNOUNCED) \
                or self.LEAGUE_ROW.match(line) or line.startswith(STAGE_PREFIX):
            self.last_line = line
            self.say(f"    {line}")


def kernel_log(executed):
    """Where the kernel of an executed notebook writes its own stderr: ``<stem>.kernel.log`` beside it."""
    return Path(executed).with_suffix(".kernel.log")


def quiet_kernel_manager(log_path):
    """A Jupyter kernel manager whose kernels write their process's stderr to ``log_path``.

    TensorFlow's C++ runtime logs to the kernel process's stderr at import
    (``oneDNN custom operations are on ...``, absl's ``WARNING: All log
    messages before absl::InitializeLog() ...``), below what
    ``TF_CPP_MIN_LOG_LEVEL`` reaches; a kernel started by papermill inherits the
    terminal's stderr, so those lines would reach the terminal. Cell output
    (``print``, warnings shown in the notebook) is not affected: it travels
    over the kernel's messages, not its stderr. ``_async_launch_kernel`` is
    jupyter_client's documented place to launch kernels differently.
    """
    from jupyter_client import AsyncKernelManager

    class QuietKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd, **kw):
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "wb") as log:      # Popen duplicates the descriptor
                kw["stderr"] = log
                return await super()._async_launch_kernel(kernel_cmd, **kw)

    return QuietKernelManager


def _execute(book, out, parameters, progress):
    """One notebook with papermill; with ``progress`` a bar over its cells and its training lines.

    The kernel's own stderr goes to :func:`kernel_log` of ``out``, not to the terminal.
    """
    import papermill as pm

    kwargs = dict(parameters=parameters, cwd=str(book.parent), kernel_name="python3",
                  extra_arguments=[QUIET_KERNEL], progress_bar=False,
                  kernel_manager_class=quiet_kernel_manager(kernel_log(out)))
    heartbeat = contextlib.nullcontext()
    if progress:
        from tqdm.auto import tqdm
        kwargs["stdout_file"] = TrainingLines(tqdm.write)
        heartbeat = kwargs["stdout_file"].heartbeat()
        if sys.stderr.isatty():             # a bar over the cells where someone watches
            kwargs["progress_bar"] = {"desc": f"  {book.stem[:2]} cells", "leave": False}
    try:
        with heartbeat:
            pm.execute_notebook(str(book), str(out), **kwargs)
    except pm.PapermillExecutionError as exc:
        raise NotebookFailed(
            f"{book.name} failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n"
            f"The executed notebook with the full traceback is {out}; the kernel's own log "
            f"(e.g. TensorFlow's C++ messages) is {kernel_log(out)}") from None


def run_series(request, notebooks=None, log=print, record=True, progress=False, report=False,
               extra_parameters=None):
    """Run the notebooks in order; stop at the first failure.

    Parameters
    ----------
    request : aelatent.run_request.RunRequest
        The run (see :func:`aelatent.runs.ensure_run`); every notebook gets it as
        its one papermill parameter ``run_request``, with the run name filled in.
    notebooks : list of str, optional
        Numbers or stems of the notebooks to run (default all).
    log : callable
        Receives one line per step (``print`` for the terminal).
    record : bool
        Make this run the one that notebooks opened with empty parameters follow
        (:func:`aelatent.runs.record_current_run`).
    progress : bool
        Report each training epoch and finished loop of the notebooks, with a bar over
        each notebook's cells when stderr is a terminal (``make run``).
    report : bool
        Write the HTML report of the run at the end, also after a failure
        (:func:`aelatent.report.write_report`).
    extra_parameters : dict, optional
        More papermill parameters for every notebook, e.g. ``{"second_case": False}``
        (notebooks without such a parameter ignore it).

    Returns
    -------
    (run_folder, list of (notebook stem, seconds))

    Raises
    ------
    NotebookFailed
        When a notebook raises; the message names the cell and the executed copy.
    RunBusyError
        When another runner executes notebooks into the same run folder.
    """
    config = request.config()     # validates the parameters up front
    if not config.is_synthetic:
        open_celeba(config.data_dir)     # a wrong data folder fails here, not in notebook I
    name = request.name()
    # the notebooks run in notebooks/: hand them the data folder as an absolute path
    request = request.replace(run_name=name,
                              data_dir="" if config.is_synthetic else config.data_dir)
    out_dir = runs_dir() / name / "notebooks"
    out_dir.mkdir(parents=True, exist_ok=True)
    parameters = dict(run_request=request.to_parameter(), **(extra_parameters or {}))
    data = "embedded synthetic faces" if config.is_synthetic else config.data_dir
    log(f"aelatent: model {config.model!r}, profile {request.profile!r}, data {data}, run {name!r}")
    books = series(notebooks)
    if record:
        record_current_run(request)
    timings = []
    started = time.perf_counter()
    # one runner per run folder: a second one fails clearly instead of interleaving writes
    with folder_lock(out_dir.parent, name=".series.lock"), environment_variables({MODE_VARIABLE: "log"}):
        try:
            for book in books:
                log(f"  running {book.name} ...")
                start = time.perf_counter()
                _execute(book, out_dir / book.name, parameters, progress)
                seconds = time.perf_counter() - start
                timings.append((book.stem, seconds))
                log(f"  {book.name} done in {seconds:.0f} s")
        finally:
            if report and any(out_dir.glob("*.ipynb")):
                from .report import write_report
                write_report(out_dir.parent, log=log)
    log(f"{len(timings)} notebooks in {time.perf_counter() - started:.0f} s on {describe_machine()}"
        f"\nexecuted notebooks: {out_dir}\nmetrics: {out_dir.parent / 'metrics'}")
    return out_dir.parent, timings
