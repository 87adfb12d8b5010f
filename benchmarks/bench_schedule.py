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
series is about has to survive, so every schedule's training z-points are
encoded and the script prints where the origin lies: its Mahalanobis distance
against the points' median and core radius d99, the share of points farther
out, the centre's length and the mean radius. A schedule qualifies if it
reaches the target *and* keeps the origin outside the core (fewer than 1 % of
the points farther out). Measured 2026-12-02 (AMD EPYC, 2 cores, AVX-512; see
benchmarks/README.md): every schedule that reached the target within half the
time shrank the cloud and moved the origin into it, and every one that kept the
geometry missed the target; the profile keeps its schedule.
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

#: name -> RunConfig overrides of the ``default`` profile (``epoch_rates``: a rate per epoch, set
#: by a Keras callback). The first is the reference, the profile's schedule (constant 5e-4, 20
#: epochs). Tried as well (2026-12-02, AMD EPYC, 2 cores, AVX-512, shared subset; final val
#: MSE after the epochs given, reference 0.00476): constant 1e-3 / 10 epochs 0.00537,
#: constant 3e-3 / 10 epochs 0.00545, constant 2e-3 / 9 epochs 0.00526, cosine with one warm-up
#: epoch 1e-3 / 10 epochs 0.00653, 3e-3 / 10 epochs 0.00537, and batch 128 (fewer steps) cosine
#: 2e-3 / 10 epochs 0.00734, / 8 epochs 0.00852. Pass --only to train a subset.
SCHEDULES = {
    "reference: constant 5e-4, batch 64, 20 epochs": dict(learning_rate=5e-4, epochs=20),
    "constant 2e-3, batch 64, 10 epochs": dict(learning_rate=2e-3, epochs=10),
    "step 2e-3 x5, 5e-4 x5": dict(learning_rate=2e-3, epochs=10,
                                  epoch_rates=(2e-3,) * 5 + (5e-4,) * 5),
    "step 2e-3 x3, 1e-3 x3, 5e-4 x4": dict(learning_rate=2e-3, epochs=10,
                                           epoch_rates=(2e-3,) * 3 + (1e-3,) * 3 + (5e-4,) * 4),
    "step 1e-3 x6, 5e-4 x4": dict(learning_rate=1e-3, epochs=10,
                                  epoch_rates=(1e-3,) * 6 + (5e-4,) * 4),
    "batch 32, constant 5e-4, 10 epochs": dict(learning_rate=5e-4, epochs=10, batch_size=32),
    "batch 32, constant 7e-4, 10 epochs": dict(learning_rate=7e-4, epochs=10, batch_size=32),
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


def epoch_rates(rates):
    """A Keras callback that sets Adam's rate per epoch (schedules tried before one is adopted)."""
    import keras

    return keras.callbacks.LearningRateScheduler(lambda epoch, rate: float(rates[epoch]))


def latent_geometry(encoder, image_set, work):
    """Where the training z-points lie relative to the origin (what notebooks II-IV report)."""
    import numpy as np

    from aelatent.model import encode_to_file
    from aelatent.stats import LatentGaussian

    path = encode_to_file(encoder, image_set.images, image_set.train_index, Path(work) / "z.npy",
                          progress=False)
    z = np.load(path)
    gaussian = LatentGaussian().fit(z)
    d = gaussian.mahalanobis(z)
    d_origin = float(gaussian.mahalanobis(np.zeros(z.shape[1]))[0])
    return dict(origin_mahalanobis=d_origin, median_mahalanobis=float(np.median(d)),
                core_radius=gaussian.core_radius_, farther_than_origin=float(np.mean(d > d_origin)),
                centre_norm=float(np.linalg.norm(gaussian.mean_)),
                mean_radius=float(np.mean(np.linalg.norm(z, axis=1))))


def train_schedule(overrides, data_dir, max_images, seed=0):
    from aelatent.config import profile_config
    from aelatent.data import load_image_set
    from aelatent.model import train

    overrides = dict(overrides)
    rates = overrides.pop("epoch_rates", None)
    config = profile_config("default", data_dir, seed, max_images=max_images, **overrides)
    image_set = load_image_set(config)
    log = epoch_log()
    with tempfile.TemporaryDirectory() as work:
        encoder, _ = train(config, image_set, Path(work), verbose=0,
                           callbacks=[log] + ([epoch_rates(rates)] if rates else []))
        geometry = latent_geometry(encoder, image_set, work)
    return config, len(image_set.train_index), log.rows, geometry


def train_in_fresh_process(name, data_dir, max_images, seed):
    """``train_schedule`` for one schedule in a new interpreter; returns (n_train, rows, geometry)."""
    out = subprocess.run([sys.executable, __file__, "--one", name, "--data", data_dir,
                          "--max-images", str(max_images), "--seed", str(seed)], check=True,
                         capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["n_train"], result["rows"], result["geometry"]


def first_reaching(rows, target):
    return next((r for r in rows if r["val_loss"] <= target), None)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED_SUBSET) if SHARED_SUBSET.is_dir() else "")
    parser.add_argument("--max-images", type=int, default=0)
    parser.add_argument("--within", type=float, default=0.02,
                        help="reach the reference's final val MSE within this share")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", type=int,
                        help="train only these schedules (0-based positions; 0 is the reference)")
    parser.add_argument("--one", help=argparse.SUPPRESS)     # internal: train one schedule
    args = parser.parse_args()
    if args.one:
        _, n_train, rows, geometry = train_schedule(SCHEDULES[args.one], args.data,
                                                    args.max_images, args.seed)
        print(json.dumps({"n_train": n_train, "rows": rows, "geometry": geometry}))
        return
    header("time to quality: training schedules of the default profile")
    print(f"   data: {args.data or 'synthetic faces'}")
    results, geometries = {}, {}
    names = list(SCHEDULES)
    for name in [names[i] for i in sorted(set(args.only or range(len(names))) | {0})]:
        n_train, rows, geometries[name] = train_in_fresh_process(name, args.data, args.max_images,
                                                                 args.seed)
        results[name] = rows
        print(f"   {name}: {n_train} training images, {len(rows)} epochs in {rows[-1]['wall']:.0f} s "
              f"({n_train * len(rows) / rows[-1]['wall']:.0f} images/s), final val MSE "
              f"{rows[-1]['val_loss']:.5f}", flush=True)
        print("     val MSE per epoch: " + " ".join(f"{r['val_loss']:.5f}" for r in rows))
        print("     geometry: " + ", ".join(f"{k} {v:.3g}" for k, v in geometries[name].items()),
              flush=True)
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
    print("   latent geometry (training z-points; notebooks II-IV): the origin's Mahalanobis "
          "distance against the points' median and core radius d99")
    table([(name, g["origin_mahalanobis"], g["median_mahalanobis"], g["core_radius"],
            g["farther_than_origin"], g["centre_norm"], g["mean_radius"])
           for name, g in geometries.items()],
          ["schedule", "origin d", "median d", "d99", "share farther", "|mu|", "mean |z|"])
    keeps = {name: g["origin_mahalanobis"] > g["core_radius"] and g["farther_than_origin"] < 0.01
             for name, g in geometries.items()}
    reached = [r for r in out[1:] if r[2] != "-" and keeps[r[0]]]
    print("   a schedule qualifies if it reaches the target AND keeps the geometry the series is "
          "about: origin outside the core d99, fewer than 1 % of the z-points farther out")
    for name in results:
        print(f"     {name}: target {'reached' if first_reaching(results[name], target) else 'missed'}, "
              f"geometry {'kept' if keeps[name] else 'lost'}")
    if reached:
        best = min(reached, key=lambda r: r[6])
        print(f"   fastest qualifying schedule: {best[0]}")
        verdict("its total training time / the reference's", best[6] / reference[-1]["wall"],
                0.5, higher_is_better=False)
    else:
        print("   no schedule qualifies: the reference stays")
    footer()


if __name__ == "__main__":
    main()
