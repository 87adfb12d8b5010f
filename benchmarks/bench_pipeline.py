"""Benchmark 1 -- input pipeline efficiency: does feeding the images slow down training?

The same autoencoder (64x64, the smoke/default model) is trained on the same
images four ways, side by side in one process:

- **no input**: one float32 batch held in memory and repeated -- pure compute;
- **compute-bound**: all training images as a uint8 tensor already in memory;
  ``tf.data`` shuffles row numbers, gathers each batch from the tensor and
  casts it to float32 (the reference rate);
- **aelatent**: the project's real path -- the JPEG folder decoded once by a
  parallel ``tf.data`` pipeline into the uint8 cache on disk
  (``load_image_set``), then ``aelatent.model.train``, which streams batches
  from the cache with ``image_batches`` (seeded per-epoch shuffle, rows read
  in file order, float conversion in ``tf.data``, prefetch) and runs
  ``model.fit`` with the run's callbacks;
- **naive**: every JPEG loaded with PIL into one float32 NumPy array, then
  ``model.fit(x, x)`` (what the blog's code does; needs 4 bytes per pixel in RAM).

Each variant trains ``--rounds`` times for two epochs, interleaved, and the
second epoch is timed up to its last training batch (validation excluded), so
tracing and warm-up do not count and the variants share whatever load the
machine has. Printed: images/s (median), CPU ms per image, and the ratio to
the compute-bound rate; plus the one-time decode cost.

    python benchmarks/bench_pipeline.py [--images 4000] [--rounds 3] [--data DIR]
"""

from __future__ import annotations

import argparse

from _common import (SHARED_SUBSET, Timer, epoch_timer, median, run_in_temporary_folder, table,
                     verdict)

import numpy as np


def naive_load(folder, names, config):
    """Load JPEGs one by one with PIL into a float32 array in [0, 1] (crop, resize)."""
    from PIL import Image

    from aelatent.data import crop_box

    size = config.image_size
    x = np.empty((len(names), size, size, 3), np.float32)
    for i, name in enumerate(names):
        with Image.open(folder / name) as img:
            img = img.convert("RGB")
            left, top, w, h = crop_box(img.width, img.height, config.crop)
            img = img.crop((left, top, left + w, top + h)).resize((size, size), Image.BILINEAR)
            x[i] = np.asarray(img, dtype=np.float32) / 255.0
    return x


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(SHARED_SUBSET), help="folder with img_align_celeba/")
    parser.add_argument("--images", type=int, default=4000, help="images used (first by number)")
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs per variant")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)

    run_in_temporary_folder(f"Benchmark 1: input pipeline efficiency ({args.images:,} images, "
                            f"64x64, batch {args.batch_size})", "aelatent-bench-pipeline-", run, args)


def run(args, work):
    import tensorflow as tf

    from aelatent.config import profile_config
    from aelatent.data import load_image_set
    from aelatent.model import build_autoencoder, seed_everything, train

    config = profile_config("default", args.data, max_images=args.images, epochs=2,
                            batch_size=args.batch_size)
    with Timer() as decode:
        image_set = load_image_set(config, cache_dir=work / "cache", progress=False)
    index = image_set.train_index
    n = len(index)
    print(f"   {image_set.source}")

    from aelatent.data import open_celeba
    folder = open_celeba(args.data)
    with Timer() as naive_time:
        x_float = naive_load(folder.image_dir, [str(i) for i in image_set.ids[index]], config)

    seed_everything(config.seed)
    x_uint8 = tf.constant(np.asarray(image_set.images[np.sort(index)]))
    bs = config.batch_size

    def to_pair(x):
        x = tf.cast(x, tf.float32) / 255.0
        return x, x

    def fit_in_memory(model, timer):
        # shuffled row numbers, batched, then one vectorised gather from the tensor in memory
        # (slicing the tensor into single images and batching them again is much slower)
        ds = (tf.data.Dataset.range(n).shuffle(n, seed=0).batch(bs)
              .map(lambda rows: to_pair(tf.gather(x_uint8, rows)),
                   num_parallel_calls=tf.data.AUTOTUNE)
              .prefetch(tf.data.AUTOTUNE))
        model.fit(ds, epochs=2, verbose=0, shuffle=False, callbacks=[timer])

    one = np.asarray(image_set.images[:bs], np.float32) / 255.0
    repeated = tf.data.Dataset.from_tensors((one, one)).repeat(-(-n // bs))

    def fit_no_input(model, timer):
        model.fit(repeated, epochs=2, verbose=0, shuffle=False, callbacks=[timer])

    def fit_naive(model, timer):
        model.fit(x_float, x_float, batch_size=bs, epochs=2, verbose=0, shuffle=True,
                  callbacks=[timer])

    round_dirs = iter(range(10_000))

    def fit_aelatent(model, timer):
        folder = work / f"train{next(round_dirs)}"
        folder.mkdir()
        train(config, image_set, folder, verbose=0, callbacks=[timer])

    variants = {
        "no input (one batch repeated)": fit_no_input,
        "compute-bound (uint8 tensor in memory)": fit_in_memory,
        "aelatent (JPEG -> cache -> image_batches)": fit_aelatent,
        "naive (float32 NumPy array, fit(x, x))": fit_naive,
    }
    models = {name: (None if fn is fit_aelatent else build_autoencoder(config)[2])
              for name, fn in variants.items()}
    timers = {name: epoch_timer() for name in variants}
    for _ in range(args.rounds):
        for name, fit in variants.items():
            fit(models[name], timers[name])

    rates, best, cpus = {}, {}, {}
    for name, timer in timers.items():
        second = timer.walls[1::2]             # the second epoch of every fit
        rates[name] = median([n / w for w in second])
        best[name] = max(n / w for w in second)
        cpus[name] = median([c / n * 1e3 for c in timer.cpus[1::2]])
    ref = "compute-bound (uint8 tensor in memory)"
    reference, ref_cpu = rates[ref], cpus[ref]
    table([[name, rates[name], rates[name] / reference, best[name], best[name] / best[ref],
            cpus[name], ref_cpu / cpus[name]] for name in variants],
          ["variant", "images/s", "ratio", "best images/s", "best ratio", "CPU ms/image",
           "CPU ratio"])
    print(f"   ({args.rounds} timed epochs of {n:,} images per variant, medians; 'best' = the "
          "fastest epoch, i.e. the one least disturbed by other processes; 'CPU ratio' = CPU "
          "time per image of the compute-bound variant / this variant's)")
    print(f"   one-time decode of {len(image_set.ids):,} JPEGs into the uint8 cache: "
          f"{decode.wall:.1f} s ({len(image_set.ids) / decode.wall:.0f} images/s, "
          f"{decode.cpu / len(image_set.ids) * 1e3:.2f} CPU ms/image); naive PIL load of {n:,}: "
          f"{naive_time.wall:.1f} s ({n / naive_time.wall:.0f} images/s)")
    full = 202_599 * 64 * 64 * 3
    print(f"   memory: uint8 cache {image_set.images.nbytes / 1e6:.0f} MB on disk, read a batch at "
          f"a time; naive float32 array {x_float.nbytes / 1e6:.0f} MB in RAM (all of CelebA: "
          f"{full / 1e9:.1f} GB uint8 on disk vs {4 * full / 1e9:.1f} GB float32 in RAM)")
    epochs = 20
    amortised = epochs * n / (decode.wall * n / len(image_set.ids) + epochs * n
                              / rates["aelatent (JPEG -> cache -> image_batches)"])
    print(f"   with the one-time decode spread over the default profile's {epochs} epochs the "
          f"real path runs at {amortised / reference:.2f} x the compute-bound rate")
    print(f"   against no input at all: aelatent "
          f"{rates['aelatent (JPEG -> cache -> image_batches)'] / rates['no input (one batch repeated)']:.2f}"
          f" x, compute-bound {reference / rates['no input (one batch repeated)']:.2f} x")
    real = "aelatent (JPEG -> cache -> image_batches)"
    print(f"   median ratio {rates[real] / reference:.2f} (meaningful only on an idle machine: "
          "a median mixes in other processes' load, see the 'no input' row)")
    verdict("aelatent pipeline / compute-bound rate, fastest epochs", best[real] / best[ref], 0.95)
    verdict("aelatent pipeline / compute-bound, CPU time per image", ref_cpu / cpus[real], 0.95)


if __name__ == "__main__":
    main()
