"""Benchmark 7 -- time to quality: today's training schedule against faster ones, side by side.

Trains the autoencoder of the ``default`` profile on the same data, in one run of
this script, once per schedule -- each in a fresh Python process, since later
trainings in a long-lived process ran up to 30 % slower per epoch here -- and
prints per schedule the wall and CPU seconds
it needs to reach the validation MSE that the reference schedule ends with
(within ``--within``, 2 % by default), its final validation MSE, and its time
ratio to the reference. The model is the blog's (Conv2D / Conv2DTranspose
stacks, LeakyReLU, Dense(256) latent layer); only the schedule changes:
learning rate and its schedule (``lr_schedule``, see
:func:`aelatent.model.learning_rate`), batch size and number of epochs.

    python benchmarks/bench_schedule.py [--data DIR] [--max-images N]

Defaults: the shared CelebA subset beside the project (its 8,100 training and
900 validation images at 64x64), else the synthetic faces.

Reaching the same reconstruction error is not all: the latent geometry the
series is about has to survive. A whole ``default`` series with the candidate
(2026-12-02, AMD EPYC, 2 cores, AVX-512) reconstructed as well (val MSE 0.0048)
but put the origin *inside* the z-point core (Mahalanobis 14.7 against a median
of 15.2, centre |mu| 2.6; the README's run with 20 epochs at 5e-4 had 47.1 against
15.2 and |mu| 6.4), so the profile keeps its schedule.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import SHARED_SUBSET, footer, header, table, verdict

#: name -> RunConfig overrides of the ``default`` profile. The first is the reference, the
#: profile's schedule (constant 5e-4, 20 epochs); the second the fastest that reaches its val
#: MSE. Tried as well (2026-12-02, AMD EPYC, 2 cores, AVX-512, shared subset;
#: final val MSE after the epochs given, reference 0.00476): constant 1e-3 / 10 epochs 0.00537,
#: constant 3e-3 / 10 epochs 0.00545, constant 2e-3 / 9 epochs 0.00526, cosine with one warm-up
#: epoch 1e-3 / 10 epochs 0.00653, 3e-3 / 10 epochs 0.00537, and batch 128 (fewer steps) cosine
#: 2e-3 / 10 epochs 0.00734, / 8 epochs 0.00852.
SCHEDULES = {
    "reference: constant 5e-4, batch 64, 20 epochs": dict(learning_rate=5e-4, epochs=20),
    "candidate: constant 2e-3, batch 64, 10 epochs": dict(learning_rate=2e-3, epochs=10),
    "cosine 2e-3 (1 warm-up epoch), batch 64, 10 epochs": dict(lr_schedule="cosine",
                                                               learning_rate=2e-3, epochs=10),
}


def epoch_log():
    """A Keras callback that records wall and CPU seconds and the validation loss of each epoch."""
    import keras

    class EpochLog(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.rows = []
            self._wall, self._cpu = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.rows.append(dict(epoch=epoch + 1, wall=time.perf_counter() - self._wall,
                                  cpu=time.process_time() - self._cpu,
                                  val_loss=float(logs["val_loss"])))

    return EpochLog()


def train_schedule(overrides, data_dir, max_images):
    from aelatent.config import profile_config
    from aelatent.data import load_image_set
    from aelatent.model import train

    config = profile_config("default", data_dir, 0, max_images=max_images, **overrides)
    image_set = load_image_set(config)
    log = epoch_log()
    with tempfile.TemporaryDirectory() as work:
        train(config, image_set, Path(work), verbose=0, callbacks=[log])
    return config, len(image_set.train_index), log.rows


def train_in_fresh_process(name, data_dir, max_images):
    """``train_schedule`` for one schedule in a new interpreter; returns (n_train, rows)."""
    out = subprocess.run([sys.executable, __file__, "--one", name, "--data", data_dir,
                          "--max-images", str(max_images)], check=True, capture_output=True,
                         text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["n_train"], result["rows"]


def first_reaching(rows, target):
    return next((r for r in rows if r["val_loss"] <= target), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED_SUBSET) if SHARED_SUBSET.is_dir() else "")
    parser.add_argument("--max-images", type=int, default=0)
    parser.add_argument("--within", type=float, default=0.02,
                        help="reach the reference's final val MSE within this share")
    parser.add_argument("--one", help=argparse.SUPPRESS)     # internal: train one schedule
    args = parser.parse_args()
    if args.one:
        _, n_train, rows = train_schedule(SCHEDULES[args.one], args.data, args.max_images)
        print(json.dumps({"n_train": n_train, "rows": rows}))
        return
    header("time to quality: training schedules of the default profile")
    print(f"   data: {args.data or 'synthetic faces'}")
    results = {}
    for name in SCHEDULES:
        n_train, rows = train_in_fresh_process(name, args.data, args.max_images)
        results[name] = rows
        print(f"   {name}: {n_train} training images, {len(rows)} epochs in {rows[-1]['wall']:.0f} s "
              f"({n_train * len(rows) / rows[-1]['wall']:.0f} images/s), final val MSE "
              f"{rows[-1]['val_loss']:.5f}", flush=True)
        print("     val MSE per epoch: " + " ".join(f"{r['val_loss']:.5f}" for r in rows))
    reference = next(iter(results.values()))
    target = reference[-1]["val_loss"] * (1 + args.within)
    ref_time = first_reaching(reference, target)["wall"]
    out = []
    for name, rows in results.items():
        hit = first_reaching(rows, target)
        out.append((name, rows[-1]["val_loss"], hit["epoch"] if hit else "-",
                    hit["wall"] if hit else float("nan"), hit["cpu"] if hit else float("nan"),
                    hit["wall"] / ref_time if hit else float("nan"), rows[-1]["wall"]))
    print(f"   target: the reference's final val MSE {reference[-1]['val_loss']:.5f} "
          f"+ {args.within:.0%} = {target:.5f}")
    table(out, ["schedule", "final val MSE", "epoch reached", "wall s", "CPU s", "ratio",
                "total wall s"])
    reached = [r for r in out[1:] if r[2] != "-"]
    if reached:
        best = min(reached, key=lambda r: r[6])
        print(f"   fastest complete schedule that reaches the target: {best[0]}")
        verdict("its total training time / the reference's", best[6] / reference[-1]["wall"],
                0.5, higher_is_better=False)
    footer()


if __name__ == "__main__":
    main()
