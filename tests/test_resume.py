"""Interrupted work: killed training resumes, killed encoding is redone, one process per run folder.

Every test uses a tiny synthetic configuration (160 images of 16x16 pixels, 3 epochs of
9 batches) so that a training takes seconds. "Killed" means SIGKILL in a subprocess: no
``finally`` block, no Keras callback and no atomic-rename cleanup runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from aelatent.run_request import RunRequest
from aelatent.errors import RunBusyError
from aelatent.runs import Run, ensure_run, runs_dir
from aelatent.storage import folder_lock, remove_stale_temporaries

from tiny import tiny

#: 160 images and three epochs: there is an epoch 2 to kill, and ten batches to encode.
TINY = tiny(max_images=160, epochs=3, batch_size=16)


def tiny_run(name):
    return ensure_run("smoke", "", name, 0, verbose=0, **TINY)


@pytest.fixture(scope="module")
def uninterrupted():
    """The tiny run trained and encoded in one go: the state every resumed run must reach."""
    return tiny_run("resume-uninterrupted")


def assert_same_state(run, reference):
    """Same weights, same loss history and same z-points as the reference run."""
    for model in ("encoder", "decoder"):
        for a, b in zip(getattr(run, model).get_weights(), getattr(reference, model).get_weights()):
            np.testing.assert_array_equal(a, b, err_msg=f"{model} weights differ")
    assert run.history.to_dict("list") == reference.history.to_dict("list")
    np.testing.assert_array_equal(run.z_train, reference.z_train)
    np.testing.assert_array_equal(run.z_val, reference.z_val)
    np.testing.assert_array_equal(run.ids_train, reference.ids_train)


def run_killed(script, *args):
    """Run ``script`` in a fresh Python that kills itself with SIGKILL; return the process."""
    code = textwrap.dedent(script)
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=600)
    assert proc.returncode == -signal.SIGKILL, (
        f"the subprocess should have been killed, it ended with {proc.returncode}:\n"
        f"{proc.stderr[-2000:]}")
    return proc


KILL_IN_EPOCH_2 = """
    import json, os, signal, sys
    import keras
    import aelatent.model as model
    from aelatent.runs import ensure_run

    class Kill(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1 and batch == 3:        # mid-way through the second epoch
                os.kill(os.getpid(), signal.SIGKILL)

    train = model.train
    model.train = lambda *a, **k: train(*a, callbacks=[Kill()], **k)
    ensure_run("smoke", "", sys.argv[1], 0, verbose=0, **json.loads(sys.argv[2]))
"""


def test_training_killed_mid_epoch_resumes_to_the_uninterrupted_state(uninterrupted):
    name = "resume-killed-training"
    run_killed(KILL_IN_EPOCH_2, name, json.dumps(TINY))
    folder = runs_dir() / name
    # nothing that looks finished: no models, no z-points; the backup of epoch 1 is there
    assert not (folder / "encoder.keras").exists() and not (folder / "z_train.npy").exists()
    metadata = json.loads((folder / "training" / "backup" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 1
    # the lock of the killed process is gone, the call resumes at epoch 2 (index 1)
    resumed = tiny_run(name)
    assert len(resumed.history) == TINY["epochs"]
    assert not (folder / "training").exists()
    assert_same_state(resumed, uninterrupted)


def test_training_interrupted_by_an_exception_resumes_from_the_backup(uninterrupted, tmp_path):
    import keras

    from aelatent import model
    from aelatent.config import profile_config
    from aelatent.data import load_image_set

    class Interrupted(Exception):
        pass

    class Interrupt(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 2 and batch == 5:
                raise Interrupted

    config = profile_config("smoke", "", 0, **TINY)
    images = load_image_set(config, progress=False)
    with pytest.raises(Interrupted):
        model.train(config, images, tmp_path, verbose=0, callbacks=[Interrupt()])
    resumed_epochs = []

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            resumed_epochs.append(epoch)

    encoder, decoder = model.train(config, images, tmp_path, verbose=0, callbacks=[Record()])
    assert resumed_epochs == [2]                  # only the interrupted epoch is redone
    for a, b in zip(encoder.get_weights() + decoder.get_weights(),
                    uninterrupted.encoder.get_weights() + uninterrupted.decoder.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a further call finds the finished backup and trains no epoch at all
    resumed_epochs.clear()
    model.train(config, images, tmp_path, verbose=0, callbacks=[Record()])
    assert resumed_epochs == []


KILL_WHEN_ENCODED = """
    import json, os, signal, sys
    import aelatent.model as model
    from aelatent.runs import ensure_run

    def killing_progress(iterable, enabled, desc, total=None):
        yield from iterable
        if desc.startswith("encoding"):            # every batch written, not yet renamed
            os.kill(os.getpid(), signal.SIGKILL)

    model.progress_bar = killing_progress
    ensure_run("smoke", "", sys.argv[1], 0, verbose=0, **json.loads(sys.argv[2]))
"""


def test_encoding_killed_leaves_no_complete_looking_file_and_is_redone(uninterrupted):
    name = "resume-killed-encoding"
    run = tiny_run(name)
    z_path = run.path / "z_train.npy"
    z_path.unlink()                                 # the model stays, the z-points are missing
    run_killed(KILL_WHEN_ENCODED, name, json.dumps(TINY))
    assert not z_path.exists(), "a killed encoding must not leave z_train.npy"
    leftovers = list(run.path.glob(".z_train.npy.tmp-*"))
    assert len(leftovers) == 1                      # the partial file under its temporary name
    with pytest.raises(FileNotFoundError):
        Run(run.path, run.config).z_train           # later code does not find z-points
    again = tiny_run(name)
    assert not list(run.path.glob(".z_train.npy.tmp-*")), "the killed writer's file is cleaned"
    np.testing.assert_array_equal(again.z_train, uninterrupted.z_train)


def test_encoding_failing_midway_leaves_nothing_and_is_redone(uninterrupted, monkeypatch):
    from aelatent import model

    run = tiny_run("resume-failed-encoding")
    (run.path / "z_val.npy").unlink()
    calls = {"n": 0}
    original = model.encode_to_file

    def first_batch_then_fail(batches, *args, **kwargs):
        """The batches encode_to_file iterates over: the second one fails."""
        for k, batch in enumerate(batches):
            if k == 1:
                raise RuntimeError("disk full")
            yield batch

    def failing(encoder, images, index, path, batch_size=512, progress=True):
        calls["n"] += 1
        with monkeypatch.context() as patch:
            patch.setattr(model, "progress_bar", first_batch_then_fail)
            return original(encoder, images, index, path, batch_size=8, progress=False)

    monkeypatch.setattr(model, "encode_to_file", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        tiny_run("resume-failed-encoding")
    assert calls["n"] == 1
    assert not (run.path / "z_val.npy").exists()
    assert not list(run.path.glob(".*.tmp-*"))
    monkeypatch.undo()
    again = tiny_run("resume-failed-encoding")
    np.testing.assert_array_equal(again.z_val, uninterrupted.z_val)


HOLD_LOCK = """
    import sys
    from aelatent.storage import folder_lock
    with folder_lock(sys.argv[1]):
        print("locked", flush=True)
        sys.stdin.read()                            # hold the lock until the parent says so
"""


def test_second_process_on_the_same_run_folder_fails_clearly(uninterrupted):
    folder = uninterrupted.path
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(HOLD_LOCK), str(folder)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(RunBusyError, match="in use by another process") as info:
            tiny_run(folder.name)
        assert str(folder) in str(info.value)
    finally:
        holder.kill()                               # killed holders release the lock too
        holder.wait()
    assert tiny_run(folder.name).path == folder


def test_series_runner_refuses_a_run_folder_another_runner_uses():
    from aelatent.runner import run_series

    folder = runs_dir() / "resume-series-busy"
    with folder_lock(folder, name=".series.lock"):
        with pytest.raises(RunBusyError, match="in use by another process"):
            run_series(RunRequest("smoke", "", folder.name, 0), notebooks=["01"], log=lambda *a: None)
    assert not (folder / "notebooks" / "01_encoder_decoder_latent_space.ipynb").exists()


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / f".z_train.npy.tmp-{dead}").write_bytes(b"partial")
    (tmp_path / f".encoder.keras.tmp-{dead}.keras").write_bytes(b"partial")
    (tmp_path / f".z_val.npy.tmp-{os.getpid()}").write_bytes(b"being written")
    (tmp_path / "z_val.npy").write_bytes(b"final")
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted([f".z_train.npy.tmp-{dead}", f".encoder.keras.tmp-{dead}.keras"])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f".z_val.npy.tmp-{os.getpid()}", "z_val.npy"])
