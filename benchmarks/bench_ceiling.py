"""Benchmark 6 -- compute ceiling: model FLOPs per image and the machine's dense matmul rate.

The FLOPs of the autoencoder are counted analytically from its Keras layers
(Conv2D, Conv2DTranspose, Dense: 2 FLOPs per multiply-add; biases and
activations are counted too but are small). One training step costs about 3x
the forward pass: the backward pass computes the gradient with respect to each
layer's input and to its weights, each as costly as the forward product (the
first layer needs no input gradient). The machine's peak is taken as the
measured rate of a large float32 matrix product in NumPy and in TensorFlow, so
the training throughput can be stated as a fraction of it.

    python benchmarks/bench_ceiling.py [--profile smoke] [--size 2048]
"""

from __future__ import annotations

import argparse
import math
import os

from _common import Timer, epoch_timer, footer, header, median, table

import numpy as np


def layer_flops(layer):
    """Forward FLOPs per image of one Keras layer (0 for layers without weights)."""
    import keras

    if isinstance(layer, keras.layers.Conv2DTranspose):
        h, w, c_in = layer.input.shape[1:]
        k = math.prod(layer.kernel_size)
        c_out = layer.filters
        out_h, out_w = layer.output.shape[1:3]
        return 2 * h * w * k * c_in * c_out + out_h * out_w * c_out
    if isinstance(layer, keras.layers.Conv2D):
        out_h, out_w, c_out = layer.output.shape[1:]
        c_in = layer.input.shape[-1]
        k = math.prod(layer.kernel_size)
        return 2 * out_h * out_w * k * c_in * c_out + out_h * out_w * c_out
    if isinstance(layer, keras.layers.Dense):
        return 2 * layer.input.shape[-1] * layer.units + layer.units
    if isinstance(layer, (keras.layers.LeakyReLU, keras.layers.BatchNormalization)):
        return 2 * math.prod(layer.output.shape[1:])
    return 0


def model_flops(config):
    """Forward and training (forward + backward) FLOPs per image of the autoencoder.

    Returns
    -------
    dict with ``forward``, ``train``, ``encoder_forward`` and a per-layer list.
    """
    from aelatent.model import build_encoder, build_decoder

    encoder, decoder = build_encoder(config), build_decoder(config)
    rows, forward, backward, enc_forward = [], 0, 0, 0
    first = True
    for model in (encoder, decoder):
        for layer in model.layers:
            f = layer_flops(layer)
            if not f:
                continue
            weighted = bool(layer.weights) and not layer.name.endswith(("lrelu",))
            # backward: input gradient (skipped for the very first layer) + weight gradient
            b = (0 if first else f) + (f if weighted else 0)
            first = False
            rows.append((f"{model.name}/{layer.name}", f / 1e6, b / 1e6))
            forward += f
            backward += b
            if model is encoder:
                enc_forward += f
    return dict(forward=forward, train=forward + backward, encoder_forward=enc_forward,
                layers=rows, params=encoder.count_params() + decoder.count_params())


def profiler_flops(config):
    """Forward FLOPs per image as counted by TensorFlow's graph profiler (a cross-check)."""
    import tensorflow as tf
    from aelatent.model import build_autoencoder

    _, _, autoencoder = build_autoencoder(config)
    spec = tf.TensorSpec((1, config.image_size, config.image_size, 3), tf.float32)
    graph = tf.function(lambda x: autoencoder(x, training=False)).get_concrete_function(spec).graph
    tf.get_logger().setLevel("ERROR")               # the v1 profiler's deprecation notes
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=graph, options=opts)
    return info.total_float_ops


def matmul_rates(size=2048, repeat=5):
    """Measured float32 GFLOP/s of an n x n matrix product in NumPy and in TensorFlow.

    Wall-clock rates (median and best of ``repeat``) and rates per CPU second
    (``*_cpu``; the latter barely change when other processes share the cores).
    """
    import tensorflow as tf

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    flops = 2.0 * size ** 3
    np.dot(a, b)                                   # warm-up (threads, caches)
    walls, cpus = [], []
    for _ in range(repeat):
        with Timer() as t:
            np.dot(a, b)
        walls.append(t.wall)
        cpus.append(t.cpu)
    numpy_rate = flops / median(walls) / 1e9
    numpy_best = flops / min(walls) / 1e9
    numpy_cpu = flops / median(cpus) / 1e9

    ta, tb = tf.constant(a), tf.constant(b)
    matmul = tf.function(lambda x, y: tf.reduce_sum(tf.linalg.matmul(x, y)))
    matmul(ta, tb).numpy()
    walls, cpus = [], []
    for _ in range(repeat):
        with Timer() as t:
            matmul(ta, tb).numpy()
        walls.append(t.wall)
        cpus.append(t.cpu)
    tf_rate = flops / median(walls) / 1e9
    tf_best = flops / min(walls) / 1e9
    tf_cpu = flops / median(cpus) / 1e9
    return dict(numpy=numpy_rate, numpy_best=numpy_best, numpy_cpu=numpy_cpu,
                tf=tf_rate, tf_best=tf_best, tf_cpu=tf_cpu)


def training_rate(config, steps=30, rounds=3):
    """Compute-bound training: images/s (median, best) and images per CPU second.

    One float batch held in memory is repeated, so there is no input work. One
    ``fit`` of ``rounds + 1`` epochs of ``steps`` on a dataset without end, each
    epoch a round (the first traces and warms up): a ``fit`` per round would
    destroy its ``tf.data`` iterator at the end, which can stall the process for
    seconds (benchmarks/README.md, 2026-12-04 evening).
    """
    import tensorflow as tf
    from aelatent.model import build_autoencoder, seed_everything

    seed_everything(config.seed)
    _, _, autoencoder = build_autoencoder(config)
    rng = np.random.default_rng(0)
    batch = rng.random((config.batch_size, config.image_size, config.image_size, 3),
                       dtype=np.float32)
    ds = tf.data.Dataset.from_tensors((batch, batch)).repeat()
    timer = epoch_timer()
    autoencoder.fit(ds, epochs=rounds + 1, steps_per_epoch=steps, verbose=0, shuffle=False,
                    callbacks=[timer])
    images = steps * config.batch_size      # the first epoch traces and warms up: not counted
    rates = [images / wall for wall in timer.walls[1:]]
    cpus = [images / cpu for cpu in timer.cpus[1:]]
    return median(rates), max(rates), median(cpus)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="smoke",
                        help="profile whose model is counted (smoke/default: 64x64, full: 96x96)")
    parser.add_argument("--size", type=int, default=2048, help="matrix side for the matmul rate")
    parser.add_argument("--steps", type=int, default=30, help="training steps per timing round")
    args = parser.parse_args(argv)

    from aelatent.config import profile_config

    header("Benchmark 6: compute ceiling")
    config = profile_config(args.profile)
    counts = model_flops(config)
    print(f"   model of profile {args.profile!r}: {config.image_size}x{config.image_size}, "
          f"z_dim {config.z_dim}, {counts['params']:,} parameters")
    table(counts["layers"], ["layer", "forward MFLOP/img", "backward MFLOP/img"])
    try:
        prof = profiler_flops(config)
        check = f"TF profiler counts {prof / 1e6:.1f} MFLOP forward (batch 1)"
    except Exception as exc:                       # the v1 profiler is best effort
        check = f"TF profiler unavailable ({type(exc).__name__})"
    print(f"   forward {counts['forward'] / 1e6:.1f} MFLOP/image ({check}); "
          f"encoder alone {counts['encoder_forward'] / 1e6:.1f} MFLOP/image")
    print(f"   training (forward + backward) {counts['train'] / 1e6:.1f} MFLOP/image")

    rates = matmul_rates(args.size)
    print(f"   dense float32 matmul {args.size}x{args.size}: NumPy {rates['numpy']:.1f} GFLOP/s "
          f"(best {rates['numpy_best']:.1f}), TensorFlow {rates['tf']:.1f} GFLOP/s "
          f"(best {rates['tf_best']:.1f})")
    print(f"   per CPU second (robust to other processes): NumPy {rates['numpy_cpu']:.1f}, "
          f"TensorFlow {rates['tf_cpu']:.1f} GFLOP per CPU-s")
    peak = max(rates["numpy_best"], rates["tf_best"])
    rate, best, per_cpu = training_rate(config, args.steps)
    achieved = rate * counts["train"] / 1e9
    achieved_best = best * counts["train"] / 1e9
    print(f"   compute-bound training: {rate:.0f} images/s median (best {best:.0f}) = "
          f"{achieved:.1f} GFLOP/s median, {achieved_best:.1f} best; {per_cpu:.0f} images "
          f"per CPU-s = {per_cpu * counts['train'] / 1e9:.1f} GFLOP per CPU-s")
    print(f"   training uses {achieved_best / peak:.0%} of the best measured matmul rate "
          f"({peak:.1f} GFLOP/s), median {achieved / peak:.0%} (wall clock, shared cores)")
    cores = os.cpu_count() or 1
    per_cpu_peak = max(rates["tf_cpu"], rates["numpy_cpu"])
    print(f"   machine peak from CPU time: {per_cpu_peak:.0f} GFLOP per CPU-s x {cores} cores = "
          f"{per_cpu_peak * cores:.0f} GFLOP/s; training reaches "
          f"{per_cpu * counts['train'] / 1e9 / per_cpu_peak:.0%} of it "
          f"(= {per_cpu * cores:.0f} images/s on {cores} idle cores)")
    footer()


if __name__ == "__main__":
    main()
