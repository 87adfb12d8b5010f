"""Train (with resume), encode, decode and save the autoencoder of a run.

The models themselves -- the blog series' plain AE, a VAE and a regularised AE,
each an encoder and a decoder that work alone -- are built by
:mod:`aelatent.models`; this module trains whichever kind a configuration
names and streams images through its encoder and decoder.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

from .config import RunConfig  # noqa: E402
from .errors import ConfigError, DataError  # noqa: E402
from .models.ae import build_decoder, build_encoder  # noqa: E402,F401  (their home; kept here)
from .progress import progress_bar  # noqa: E402


def build_autoencoder(config: RunConfig, steps_per_epoch=None):
    """Encoder, decoder and the compiled trainable model of ``config.model`` (:mod:`aelatent.models`).

    ``steps_per_epoch`` sets the length of the learning-rate schedule of
    ``config.lr_schedule`` (see :func:`learning_rate`); without it the rate is
    the constant ``config.learning_rate``. For the plain AE the trainable model
    chains encoder and decoder; further models a run saves (the VAE's
    posterior) come from :func:`build_parts`.
    """
    parts = build_parts(config, steps_per_epoch)
    return parts.encoder, parts.decoder, parts.trainer


class ModelParts:
    """What :func:`train` returns: the encoder, the decoder, the trainable model, and
    ``extra`` -- ``{name: model}`` a run saves beside them as ``<name>.keras`` (the VAE's
    ``posterior``). Unpacks as ``encoder, decoder``."""

    def __init__(self, encoder, decoder, trainer, extra):
        self.encoder, self.decoder, self.trainer, self.extra = encoder, decoder, trainer, extra

    def __iter__(self):
        return iter((self.encoder, self.decoder))


def build_parts(config: RunConfig, steps_per_epoch=None):
    """:class:`ModelParts` of ``config.model``, compiled with Adam at :func:`learning_rate`."""
    from . import models

    optimizer = keras.optimizers.Adam(learning_rate(config, steps_per_epoch))
    return ModelParts(*models.build(config, optimizer))


def learning_rate(config: RunConfig, steps_per_epoch=None):
    """Adam's learning rate for a configuration: a number or a Keras schedule.

    ``lr_schedule="cosine"`` with a known ``steps_per_epoch``: a linear warm-up
    from 0 to ``config.learning_rate`` over the first epoch, then cosine decay
    to 1 % of it at the last step (:class:`keras.optimizers.schedules.CosineDecay`).
    """
    if config.lr_schedule == "constant" or not steps_per_epoch:
        return config.learning_rate
    warmup = int(steps_per_epoch)
    total = warmup * config.epochs
    return keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=max(total - warmup, 1), alpha=0.01, warmup_target=config.learning_rate,
        warmup_steps=warmup)


def distribution_strategy(name="default"):
    """The ``tf.distribute`` strategy for training.

    ``"default"`` places work on the one GPU if there is one, else the CPU;
    ``"mirrored"`` replicates over all local GPUs (or the CPU alone);
    ``"multiworker"`` trains over several machines described by ``TF_CONFIG``.
    """
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ConfigError(f"unknown strategy {name!r}; use 'default', 'mirrored' or 'multiworker'.")


def seed_everything(seed):
    """Seed Python, NumPy and TensorFlow and make TensorFlow ops deterministic."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def train(config: RunConfig, image_set, work_dir, verbose=2, callbacks=()):
    """Train the autoencoder of ``config`` on an :class:`~aelatent.data.ImageSet`.

    Progress is backed up into ``work_dir`` after every epoch
    (``keras.callbacks.BackupAndRestore``): a run killed mid-training resumes
    from its last finished epoch when called again, and reaches the same
    weights as an uninterrupted run (each epoch's batch order depends only on
    seed and epoch). The backup is kept after the last epoch, so a call after a
    kill between training and saving returns at once; delete ``work_dir`` when
    the models are saved. Per-epoch losses are appended to ``work_dir/history.csv``.

    Parameters
    ----------
    callbacks : sequence of keras.callbacks.Callback
        Extra callbacks (progress reporting; tests interrupt training with one).

    Returns
    -------
    ModelParts
        Unpacks as ``encoder, decoder`` (keras.Model); ``extra`` holds further
        models to save (the VAE's posterior).
    """
    from .data import image_batches

    seed_everything(config.seed)
    steps_per_epoch = training_steps_per_epoch(config, image_set)
    with distribution_strategy(config.strategy).scope():
        parts = build_parts(config, steps_per_epoch)
    epoch = _EpochCounter()
    train_ds = image_batches(image_set.images, image_set.train_index, config.batch_size,
                             shuffle=True, seed=config.seed, pairs=True, epoch=epoch.current)
    val_ds = image_batches(image_set.images, image_set.val_index, config.batch_size, pairs=True)
    callbacks = [
        # the log first: killed between the two, an epoch is redone and logged twice
        # (the last row counts) rather than backed up and never logged
        keras.callbacks.CSVLogger(str(work_dir / "history.csv"), append=True),
        keras.callbacks.BackupAndRestore(str(work_dir / "backup"), double_checkpoint=True,
                                         delete_checkpoint=False),
        epoch,
        *callbacks,
    ]
    parts.trainer.fit(train_ds, validation_data=val_ds, epochs=config.epochs,
                      steps_per_epoch=steps_per_epoch,      # train_ds repeats without end
                      callbacks=callbacks, verbose=verbose, shuffle=False)  # shuffled by tf.data
    return parts


def training_steps_per_epoch(config: RunConfig, image_set):
    """Batches of ``config.batch_size`` in one epoch over the image set's training images."""
    return math.ceil(len(image_set.train_index) / config.batch_size)


def gpu_count():
    """Number of GPUs TensorFlow sees (0 on a CPU-only machine or with tensorflow-cpu)."""
    return len(tf.config.list_physical_devices("GPU"))


def estimate_training_seconds(config: RunConfig, image_set, steps=4):
    """Expected wall seconds of :func:`train` for ``config`` on this machine, from a few timed steps.

    A throw-away copy of the model takes two untimed training steps (tracing,
    warm-up) and ``steps`` timed ones on real batches; validation is counted
    at a third of a training step per batch (forward pass only).

    Returns
    -------
    (seconds, seconds_per_step, steps_per_epoch)
    """
    from .data import image_batches

    steps_per_epoch = training_steps_per_epoch(config, image_set)
    val_steps = math.ceil(len(image_set.val_index) / config.batch_size)
    with distribution_strategy(config.strategy).scope():
        _, _, autoencoder = build_autoencoder(config, steps_per_epoch)
    batches = image_batches(image_set.images, image_set.train_index[:config.batch_size * (steps + 2)],
                            config.batch_size, pairs=True)
    durations = []
    for x, y in batches.take(steps + 2):
        start = time.perf_counter()
        autoencoder.train_on_batch(x, y)
        durations.append(time.perf_counter() - start)
    per_step = float(np.median(durations[2:] or durations))
    seconds = config.epochs * (steps_per_epoch + val_steps / 3) * per_step
    return seconds, per_step, steps_per_epoch


class _EpochCounter(keras.callbacks.Callback):
    """Tells the training pipeline the epoch its first pass belongs to (see
    ``image_batches(epoch=...)``): the one ``fit`` starts at, after a resume the restored one."""

    def __init__(self):
        super().__init__()
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def current(self):
        return self.epoch


def check_latent(z, z_dim, what="latent vectors"):
    """Return ``z`` as float32 (n, z_dim) or raise a clear error on a wrong shape or NaN/inf."""
    try:
        z = np.asarray(z, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{what} must be an array of numbers of shape (n, {z_dim}) ({exc}).") \
            from None
    if z.ndim == 1:
        z = z[None, :]
    if z.ndim != 2 or z.shape[1] != z_dim:
        raise DataError(f"{what} must have shape (n, {z_dim}), got {z.shape}.")
    if not np.isfinite(z).all():
        bad = int((~np.isfinite(z)).any(axis=1).sum())
        raise DataError(f"{what}: {bad} of {len(z)} vectors contain NaN or inf; "
                        "check the sampler's parameters.")
    return z


def decode(decoder, z, batch_size=256):
    """Decode latent vectors in batches; returns float32 images in [0, 1]."""
    z = check_latent(z, decoder.input_shape[-1], "decoder input")
    out = np.empty((len(z),) + tuple(decoder.output_shape[1:]), np.float32)
    for start in range(0, len(z), batch_size):
        out[start:start + batch_size] = decoder.predict_on_batch(z[start:start + batch_size])
    return out


def encode(encoder, images, batch_size=256):
    """Encode images (uint8 or float in [0, 1]) in batches; returns float32 (n, z_dim)."""
    images = np.asarray(images)
    expected = tuple(encoder.input_shape[1:])
    if images.ndim == 3:
        images = images[None]
    if tuple(images.shape[1:]) != expected:
        raise DataError(f"images must have shape (n, {', '.join(map(str, expected))}) for this "
                        f"encoder, got {images.shape}.")
    out = np.empty((len(images), encoder.output_shape[-1]), np.float32)
    for start in range(0, len(images), batch_size):
        batch = images[start:start + batch_size]
        if batch.dtype == np.uint8:
            batch = batch.astype(np.float32) / 255.0
        elif not np.isfinite(batch).all():
            raise DataError(f"images {start}..{start + len(batch) - 1} contain NaN or inf; "
                            "the encoder needs uint8 images or floats in [0, 1].")
        out[start:start + batch_size] = encoder.predict_on_batch(batch)
    return out


def encode_to_file(encoder, images, index, path, batch_size=512, progress=True):
    """Encode ``images[index]`` straight into a ``.npy`` file, batch by batch.

    The z-points go to a memory-mapped file under a temporary name that is
    renamed to ``path`` only when every batch is written. The encoder runs as
    one traced ``tf.function`` on the batches that ``tf.data`` prefetches;
    ``predict_on_batch``'s per-call Python work left the second core idle for
    about a fifth of the time (benchmarks/bench_encode.py).
    """
    from .data import image_batches
    from .storage import atomic_path

    z_dim = encoder.output_shape[-1]
    forward = tf.function(lambda x: encoder(x, training=False), input_signature=[
        tf.TensorSpec((None,) + tuple(encoder.input_shape[1:]), tf.float32)])
    with atomic_path(path) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32,
                                        shape=(len(index), z_dim))
        pos = 0
        ds = image_batches(images, index, batch_size)
        for batch in progress_bar(ds, progress, f"encoding {path.name}",
                               total=-(-len(index) // batch_size)):
            z = forward(batch).numpy()
            out[pos:pos + len(z)] = z
            pos += len(z)
        out.flush()
        del out
    return path


def load_model(path):
    """Load a ``.keras`` model with ``safe_mode=True``; a broken file is a clear error."""
    try:
        return keras.saving.load_model(str(path), safe_mode=True, compile=False)
    except Exception as exc:  # Keras raises many types for foreign or damaged files
        raise DataError(f"cannot load the model {path} ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0][:200] if str(exc) else ''}). It may be damaged "
                        "or not written by aelatent; delete the run folder to train it anew.") from None


def save_model(model, path):
    """Save a model atomically (temporary ``.keras`` file, then rename)."""
    from .storage import atomic_path

    with atomic_path(path) as tmp:
        real = tmp.with_name(tmp.name + ".keras")
        model.save(str(real))
        os.replace(real, tmp)


def reconstruction_mse(encoder, decoder, images, index=None, batch_size=256):
    """Mean squared error per pixel between images and their reconstructions (streamed)."""
    from .data import image_batches

    total, count = 0.0, 0
    for batch in image_batches(images, index, batch_size):
        recon = decoder.predict_on_batch(encoder.predict_on_batch(batch))
        total += float(np.sum((np.asarray(recon) - batch.numpy()) ** 2))
        count += int(np.prod(batch.shape))
    return total / count
