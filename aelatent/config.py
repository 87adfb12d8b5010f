"""Run configurations and the three profiles ``smoke``, ``default`` and ``full``.

A :class:`RunConfig` holds every parameter that affects the results of a run:
the data, the crop, the model's layer lists, the training schedule and the
seed. It is stored as ``config.json`` in the run folder, and a later request
for the same run is compared with it key by key.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
import os
from pathlib import Path

from .errors import ConfigError

#: The 140x140 face crop at (x=19, y=39) of CelebA's aligned 178x218 images.
CELEBA_ORIGINAL_SIZE = (178, 218)
DEFAULT_CROP = (19, 39, 140, 140)

#: The kinds of model a run can train (:mod:`aelatent.models`) and, per kind, the
#: configuration fields that only it uses (named in its run names when not the default).
MODEL_NAMES = ("ae", "vae", "rae")
MODEL_OPTIONS = {"ae": ("latent_noise",), "vae": ("kl_weight",),
                 "rae": ("z_penalty", "decoder_regularizer", "decoder_l2", "gradient_penalty")}

#: The RAE's ways of smoothing its decoder (``RunConfig.decoder_regularizer``).
DECODER_REGULARIZERS = ("l2", "spectral", "gradient")

#: Where ``data_dir = ""`` points: the embedded synthetic faces.
SYNTHETIC = "synthetic"


@dataclasses.dataclass(frozen=True)
class RunConfig:
    """Every parameter that affects what a run trains and encodes.

    Parameters
    ----------
    data_dir : str
        A folder holding ``img_align_celeba/`` (absolute path), or
        ``"synthetic"`` for the embedded procedural faces.
    max_images : int
        Use at most this many images (the first ones by CelebA number);
        0 means all of them. For synthetic data, the number generated.
    val_fraction : float
        Share of images held out for validation when the folder's partition
        file does not provide a validation split.
    image_size : int
        Side of the square images fed to the network, in pixels.
    crop : tuple of int
        ``(x, y, width, height)`` of the face crop in the coordinates of the
        original 178x218 CelebA image; scaled to the actual image size.
    z_dim : int
        Dimension N of the latent space.
    encoder_filters, encoder_kernels, encoder_strides : tuple of int
        One entry per Conv2D layer of the encoder.
    decoder_filters, decoder_kernels, decoder_strides : tuple of int
        One entry per Conv2DTranspose layer of the decoder; the last layer's
        filters must be 3 (RGB).
    batch_norm : bool
        BatchNormalization after every convolution.
    loss : {"mse", "bce"}
        Reconstruction loss.
    learning_rate, epochs, batch_size : float, int, int
        Adam learning rate (the peak rate of a schedule) and the training schedule.
    lr_schedule : {"constant", "cosine"}
        ``"cosine"``: the rate rises linearly from 0 to ``learning_rate`` in the
        first epoch, then falls along a cosine to 1 % of it at the last step
        (benchmarks/bench_schedule.py compares it with a constant rate).
    seed : int
        Seed of weights, shuffling, data split and synthetic faces.
    strategy : {"default", "mirrored", "multiworker"}
        ``tf.distribute`` strategy used for training.
    model : {"ae", "vae", "rae"}
        The kind of autoencoder (:mod:`aelatent.models`): the plain AE of the
        blog series, a variational AE, or a regularised AE (Ghosh et al. 2020).
    kl_weight : float
        VAE only: beta of ``summed squared error + beta * KL`` (KL in nats per image).
    latent_noise : float in [0, 1)
        Plain AE only: in training, the decoder gets ``z + noise`` with Gaussian noise whose
        standard deviation is this share of each latent axis's spread in the batch, so it
        has seen vectors just off the z-points (0: none, the blog's AE).
    z_penalty : float
        RAE only: beta of ``beta * ||z||^2 / 2`` per image.
    decoder_regularizer : {"l2", "spectral", "gradient"}
        RAE only: L2 weight decay of the decoder's kernels, spectral normalisation, or the
        gradient penalty of the RAE paper (RAE-GP): the squared norm of the gradient of the
        decoder's output (summed over the pixels) with respect to z, at the batch's z-points.
    decoder_l2 : float
        RAE only: the weight of the decoder's L2 penalty.
    gradient_penalty : float
        RAE only: the weight of the gradient penalty per image (``decoder_regularizer="gradient"``).
    """

    data_dir: str = SYNTHETIC
    max_images: int = 0
    val_fraction: float = 0.1
    image_size: int = 64
    crop: tuple = DEFAULT_CROP
    z_dim: int = 256
    encoder_filters: tuple = (32, 64, 128, 256)
    encoder_kernels: tuple = (3, 3, 3, 3)
    encoder_strides: tuple = (2, 2, 2, 2)
    decoder_filters: tuple = (128, 64, 32, 3)
    decoder_kernels: tuple = (3, 3, 3, 3)
    decoder_strides: tuple = (2, 2, 2, 2)
    batch_norm: bool = False
    loss: str = "mse"
    learning_rate: float = 5e-4
    lr_schedule: str = "constant"
    epochs: int = 20
    batch_size: int = 64
    seed: int = 0
    strategy: str = "default"
    model: str = "ae"
    kl_weight: float = 1.0
    latent_noise: float = 0.0
    z_penalty: float = 1e-4
    decoder_regularizer: str = "l2"
    decoder_l2: float = 1e-7
    gradient_penalty: float = 1e-3

    def __post_init__(self):
        for name in ("crop", "encoder_filters", "encoder_kernels", "encoder_strides",
                     "decoder_filters", "decoder_kernels", "decoder_strides"):
            value = getattr(self, name)
            try:
                object.__setattr__(self, name, tuple(_as_int(v) for v in value))
            except (TypeError, ValueError, OverflowError):
                raise ConfigError(f"{name} must be a list of integers, got {value!r}.") from None
        for name in ("kl_weight", "latent_noise", "z_penalty", "decoder_l2"):   # 1 and 1.0: one run
            value = getattr(self, name)
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        for name in _INT_FIELDS:        # NumPy integers (e.g. from a sweep) become int
            value = getattr(self, name)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                object.__setattr__(self, name, int(value))
        self.validate()

    # -- validation --------------------------------------------------------------
    def validate(self):
        """Raise :class:`ConfigError` naming the first parameter out of range."""
        def need(ok, message):
            if not ok:
                raise ConfigError(message)

        for name in _INT_FIELDS:
            value = getattr(self, name)
            need(isinstance(value, int) and not isinstance(value, bool),
                 f"{name} must be an integer, got {value!r}.")
        for name in ("val_fraction", "learning_rate", "kl_weight", "latent_noise", "z_penalty",
                     "decoder_l2"):
            value = getattr(self, name)
            need(isinstance(value, numbers.Real) and not isinstance(value, bool)
                 and math.isfinite(value), f"{name} must be a finite number, got {value!r}.")
        need(isinstance(self.batch_norm, bool),
             f"batch_norm must be True or False, got {self.batch_norm!r}.")
        need(isinstance(self.data_dir, str) and self.data_dir != "",
             f"data_dir must be a folder path or {SYNTHETIC!r}, got {self.data_dir!r}.")
        need(isinstance(self.z_dim, int) and self.z_dim > 0,
             f"z_dim must be a positive integer, got {self.z_dim!r}.")
        need(isinstance(self.image_size, int) and self.image_size >= 8,
             f"image_size must be an integer >= 8, got {self.image_size!r}.")
        need(self.max_images >= 0, f"max_images must be >= 0 (0 = all), got {self.max_images}.")
        need(0.0 < self.val_fraction < 0.5,
             f"val_fraction must lie in (0, 0.5), got {self.val_fraction}.")
        need(self.epochs >= 1, f"epochs must be >= 1, got {self.epochs}.")
        need(self.batch_size >= 1, f"batch_size must be >= 1, got {self.batch_size}.")
        need(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}.")
        need(self.loss in ("mse", "bce"), f"loss must be 'mse' or 'bce', got {self.loss!r}.")
        need(self.lr_schedule in ("constant", "cosine"),
             f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}.")
        need(self.strategy in ("default", "mirrored", "multiworker"),
             f"strategy must be 'default', 'mirrored' or 'multiworker', got {self.strategy!r}.")
        need(self.model in MODEL_NAMES,
             f"model must be one of {list(MODEL_NAMES)}, got {self.model!r}.")
        need(self.kl_weight > 0, f"kl_weight must be > 0, got {self.kl_weight}.")
        need(0 <= self.latent_noise < 1, "latent_noise is the noise's standard deviation as a "
             f"share of each latent axis's spread, in [0, 1); got {self.latent_noise}.")
        need(min(self.z_penalty, self.decoder_l2, self.gradient_penalty) >= 0,
             "z_penalty, decoder_l2 and gradient_penalty must be >= 0, got "
             f"{self.z_penalty}, {self.decoder_l2} and {self.gradient_penalty}.")
        need(self.decoder_regularizer in DECODER_REGULARIZERS,
             f"decoder_regularizer must be one of {list(DECODER_REGULARIZERS)}, got "
             f"{self.decoder_regularizer!r}.")
        defaults = {f.name: f.default for f in dataclasses.fields(RunConfig)}
        foreign = [name for kind, names in MODEL_OPTIONS.items() if kind != self.model
                   for name in names if getattr(self, name) != defaults[name]]
        need(not foreign, f"{foreign} do not apply to model {self.model!r} (they are options of "
                          f"{[k for k, v in MODEL_OPTIONS.items() if set(foreign) & set(v)]}); "
                          "drop them or choose that model.")
        need(self.model == "ae" or self.loss == "mse",
             f"loss {self.loss!r} applies to the plain AE only: the {self.model.upper()}'s loss is "
             "its summed squared error plus its own term; drop loss or use model='ae'.")
        ow, oh = CELEBA_ORIGINAL_SIZE
        need(len(self.crop) == 4, f"crop must be four integers (x, y, width, height), got "
                                  f"{list(self.crop)}.")
        x, y, w, h = self.crop
        need(w > 0 and h > 0 and x >= 0 and y >= 0 and x + w <= ow and y + h <= oh,
             f"crop {self.crop} must be (x, y, width, height) inside the original "
             f"{ow}x{oh} CelebA frame.")
        enc = (self.encoder_filters, self.encoder_kernels, self.encoder_strides)
        dec = (self.decoder_filters, self.decoder_kernels, self.decoder_strides)
        need(len({len(v) for v in enc}) == 1 and len(enc[0]) >= 1,
             "encoder_filters, encoder_kernels and encoder_strides need one entry per "
             f"layer and the same length; got {[len(v) for v in enc]}.")
        need(len({len(v) for v in dec}) == 1 and len(dec[0]) >= 1,
             "decoder_filters, decoder_kernels and decoder_strides need one entry per "
             f"layer and the same length; got {[len(v) for v in dec]}.")
        need(self.decoder_filters[-1] == 3,
             f"the decoder's last layer must have 3 filters (RGB), got {self.decoder_filters[-1]}.")
        need(all(v > 0 for lists in enc + dec for v in lists),
             "layer filters, kernels and strides must all be positive.")
        enc_stride = _product(self.encoder_strides)
        dec_stride = _product(self.decoder_strides)
        need(self.image_size % enc_stride == 0,
             f"image_size {self.image_size} is not divisible by the encoder's total stride "
             f"{enc_stride} (= product of {self.encoder_strides}); choose an image_size that "
             f"is a multiple of {enc_stride}, e.g. {max(enc_stride, self.image_size // enc_stride * enc_stride)}.")
        need(enc_stride == dec_stride,
             f"the decoder's total stride {dec_stride} must equal the encoder's {enc_stride} "
             "so that the output has the input's size.")

    # -- (de)serialisation ---------------------------------------------------------
    def to_dict(self):
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}

    @classmethod
    def from_dict(cls, values):
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown configuration keys {unknown}; known keys: {sorted(known)}.")
        return cls(**values)

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def differing_keys(self, other):
        """Names of the keys whose values differ between two configurations."""
        a, b = self.to_dict(), other.to_dict()
        return sorted(k for k in a if a[k] != b.get(k))

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    @property
    def is_synthetic(self):
        return self.data_dir == SYNTHETIC


#: Fields that must be plain integers.
_INT_FIELDS = ("max_images", "image_size", "z_dim", "epochs", "batch_size", "seed")


def _as_int(value):
    """``int(value)`` for integers and integral floats; anything else is a ValueError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or int(value) != value:
        raise ValueError(value)
    return int(value)


def _product(values):
    result = 1
    for v in values:
        result *= v
    return result


#: Per-profile settings. ``smoke`` is for CI (minutes on 2 CPU cores),
#: ``default`` a useful CPU run, ``full`` all of CelebA at 96x96 on a GPU.
PROFILES = {
    "smoke": dict(max_images=3000, image_size=64, epochs=2, batch_size=64),
    # 10 epochs at learning_rate=2e-3 reach the same val MSE in half the time, but give a smaller
    # cloud with the origin inside its core (benchmarks/bench_schedule.py); not adopted
    # a quarter of the images held out where the folder has no validation split (the shared subset,
    # the synthetic faces): 1,125 images per half of the league's validation split on the subset
    # instead of 450, so the ratio of a sampler's KID to the reconstructions' can be told from 1.1
    # (issue Q); the autoencoder trains on 6,750 images instead of 8,100
    "default": dict(max_images=0, image_size=64, epochs=20, batch_size=64, val_fraction=0.25),
    "full": dict(max_images=0, image_size=96, epochs=30, batch_size=128,
                 encoder_filters=(32, 64, 128, 256, 256), encoder_kernels=(3, 3, 3, 3, 3),
                 encoder_strides=(2, 2, 2, 2, 1),
                 decoder_filters=(256, 128, 64, 32, 3), decoder_kernels=(3, 3, 3, 3, 3),
                 decoder_strides=(1, 2, 2, 2, 2)),
}

#: Number of synthetic faces generated when ``max_images`` is 0.
SYNTHETIC_DEFAULT_IMAGES = 12000


def resolve_data_dir(data_dir):
    """Map a user's ``data_dir`` ("" or None = embedded default) to the stored form."""
    if data_dir is None or str(data_dir).strip() in ("", SYNTHETIC):
        env = os.environ.get("AELATENT_DATA", "").strip()
        if env and data_dir is None:
            return resolve_data_dir(env)
        return SYNTHETIC
    return str(Path(data_dir).expanduser().resolve())


def profile_config(profile="smoke", data_dir="", seed=0, **overrides):
    """The :class:`RunConfig` of a profile, for a data folder and seed.

    Parameters
    ----------
    profile : {"smoke", "default", "full"}
    data_dir : str
        Folder holding ``img_align_celeba/``; ``""`` for the embedded synthetic faces.
    seed : int
    **overrides
        Any :class:`RunConfig` field, to change one knob of the profile.

    The environment variable ``AELATENT_STRATEGY`` (``mirrored`` or
    ``multiworker``) sets ``strategy`` unless it is overridden, so a whole
    series -- every notebook asks for the same configuration -- trains on
    several GPUs or workers: ``AELATENT_STRATEGY=mirrored make run PROFILE=full``.
    """
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}.")
    if not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}.")
    values = dict(PROFILES[profile])
    values.update(data_dir=resolve_data_dir(data_dir), seed=seed)
    strategy = os.environ.get("AELATENT_STRATEGY", "").strip()
    if strategy:
        values["strategy"] = strategy
    values.update(overrides)
    return RunConfig.from_dict(values)


def model_label(config):
    """The model kind and its non-default options, as run names show them: ``""`` for the plain
    AE (the blog's), ``"ae-latent_noise0.1"``, ``"vae"``, ``"vae-kl_weight0.1"``, ``"rae-spectral"``."""
    defaults = RunConfig()
    options = "".join(f"-{name}{value:g}" if isinstance(value, float) else f"-{value}"
                      for name in MODEL_OPTIONS[config.model]
                      for value in [getattr(config, name)] if value != getattr(defaults, name))
    return "" if config.model == "ae" and not options else config.model + options


def default_run_name(profile, config):
    """A run name that says which profile, model kind, data and seed made it.

    The plain AE keeps the names it always had (``default-celeba_subset-seed0``);
    another kind is named with :func:`model_label` after the profile
    (``default-vae-celeba_subset-seed0``, ``default-vae-kl_weight0.1-celeba_subset-seed0``).
    """
    data = SYNTHETIC if config.is_synthetic else Path(config.data_dir).name or "data"
    label = model_label(config)
    return f"{profile}-{label + '-' if label else ''}{data}-seed{config.seed}"
