"""Runs: an autoencoder trained once and its z-points, reused by every notebook.

A run folder ``runs/<name>/`` holds::

    config.json              every parameter that affects the results
    encoder.keras            the trained encoder (loaded with safe_mode=True)
    decoder.keras            the trained decoder
    history.json             per-epoch training and validation loss
    z_train.npy, z_val.npy   z-points of the training and validation images
    ids_train.npy, ids_val.npy   their image ids, in the same order
    metrics/<notebook>.json  the named numbers each notebook reports
    notebooks/               executed notebooks written by the runner

:func:`ensure_run` returns the run for a request, training and encoding only
what is missing, and refuses a run folder made with other parameters.
"""

from __future__ import annotations

import datetime
import functools
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from .config import MODEL_OPTIONS, RunConfig, model_label
from .errors import ConfigError, DataError
from .locations import current_run_file, runs_dir
from .run_request import RunRequest
from .storage import (atomic_path, folder_lock, load_array, read_json, remove_stale_temporaries,
                      save_array, write_json)


class Run:
    """A trained run: its config, models, z-points and metrics.

    Large items (models, z-points, images) load on first use.
    """

    def __init__(self, path, config: RunConfig):
        self.path = Path(path)
        self.config = config

    def __repr__(self):
        return f"Run({self.name!r}, z_dim={self.config.z_dim}, image_size={self.config.image_size})"

    @property
    def name(self):
        return self.path.name

    # -- models ------------------------------------------------------------------
    @functools.cached_property
    def encoder(self):
        size = self.config.image_size
        return self._load_model("encoder.keras", (size, size, 3), (self.config.z_dim,))

    @functools.cached_property
    def decoder(self):
        size = self.config.image_size
        return self._load_model("decoder.keras", (self.config.z_dim,), (size, size, 3))

    @functools.cached_property
    def posterior(self):
        """The VAE's image -> ``[mean, log_var]`` model (other kinds have none)."""
        from .model import load_model
        if self.config.model != "vae":
            raise ConfigError(f"run {self.name} is a {self.config.model!r} model; only a VAE "
                              "has a posterior (its encoder gives the mean).")
        return load_model(self.path / "posterior.keras")

    def _load_model(self, filename, input_shape, output_shape):
        """Load a model of the run (safe mode) and check it fits the run's config."""
        from .model import load_model
        path = self.path / filename
        model = load_model(path)
        found = (tuple(model.input_shape[1:]), tuple(model.output_shape[1:]))
        if found != (input_shape, output_shape):
            raise DataError(f"{path} maps {found[0]} to {found[1]}, but the run's config "
                            f"(z_dim={self.config.z_dim}, image_size={self.config.image_size}) "
                            f"needs {input_shape} to {output_shape}; the file was replaced or "
                            "belongs to another run. Delete the run folder to train it anew.")
        return model

    def decode(self, z, batch_size=256):
        """Decode latent vectors with the run's decoder (float32 images in [0, 1])."""
        from .model import decode
        return decode(self.decoder, z, batch_size)

    def encode(self, images, batch_size=256):
        """Encode images with the run's encoder."""
        from .model import encode
        return encode(self.encoder, images, batch_size)

    # -- data --------------------------------------------------------------------
    @functools.cached_property
    def image_set(self):
        from .data import load_image_set
        return load_image_set(self.config)

    def _z(self, split):
        z = load_array(self.path / f"z_{split}.npy")
        ids = load_array(self.path / f"ids_{split}.npy")
        if z.ndim != 2 or z.shape[1] != self.config.z_dim or len(z) != len(ids):
            raise DataError(f"{self.path / f'z_{split}.npy'} has shape {z.shape} but the run's "
                            f"model has z_dim={self.config.z_dim} (and {len(ids)} ids); delete "
                            "the z_*.npy and ids_*.npy files so they are encoded anew.")
        if not np.isfinite(z).all():
            raise DataError(f"{self.path / f'z_{split}.npy'} contains NaN or inf; delete it so "
                            "the images are encoded anew (and check the training losses).")
        return z, ids

    @functools.cached_property
    def _points(self):
        """``{"train": (z, ids), "val": (z, ids)}``, read from the run folder on first use."""
        return {split: self._z(split) for split in ("train", "val")}

    z_train = property(lambda self: self._points["train"][0],
                       doc="z-points of the training images, shape (n_train, z_dim).")
    z_val = property(lambda self: self._points["val"][0],
                     doc="z-points of the validation images, shape (n_val, z_dim).")
    ids_train = property(lambda self: self._points["train"][1],
                         doc="Image ids of the training z-points, in the same order.")
    ids_val = property(lambda self: self._points["val"][1],
                       doc="Image ids of the validation z-points, in the same order.")

    @functools.cached_property
    def history(self):
        """Per-epoch ``loss`` and ``val_loss`` as a DataFrame."""
        return pd.DataFrame(read_json(self.path / "history.json"))

    def images_of(self, ids):
        """uint8 images of the given ids from the run's image cache."""
        image_set = self.image_set
        position = pd.Index(image_set.ids).get_indexer(np.asarray(ids))
        if (position < 0).any():
            raise DataError(f"{int((position < 0).sum())} ids are not in the run's images.")
        return image_set.images[np.sort(position)][np.argsort(np.argsort(position))]

    # -- metrics -----------------------------------------------------------------
    def write_metrics(self, notebook, metrics):
        """Write a flat JSON object of named numbers to ``metrics/<notebook>.json``.

        Raises
        ------
        ConfigError
            When a value is not a finite number.
        """
        clean = {}
        for key, value in metrics.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise ConfigError(f"metric {key!r} must be a number, got {value!r}.") from None
            if not math.isfinite(number):
                raise ConfigError(f"metric {key!r} is {number}; metrics must be finite numbers.")
            clean[str(key)] = int(number) if isinstance(value, (int, np.integer)) else number
        path = self.path / "metrics" / f"{Path(notebook).stem}.json"
        write_json(path, clean)
        return path

    def read_metrics(self, notebook):
        return read_json(self.path / "metrics" / f"{Path(notebook).stem}.json")

    def write_table(self, notebook, name, table):
        """Write a notebook's table (a pandas DataFrame) to ``metrics/<notebook>_<name>.csv``,
        atomically; the report reads it from there (e.g. notebook XII's league)."""
        if not name.isidentifier():
            raise ConfigError(f"table name {name!r} must be a plain word such as 'league'.")
        path = self.path / "metrics" / f"{Path(notebook).stem}_{name}.csv"
        with atomic_path(path) as tmp:
            table.to_csv(tmp)
        return path


def ensure_run(request="smoke", data_dir="", run_name="", seed=0, verbose=2, **overrides):
    """The run for a request: reused when it exists, trained and encoded when not.

    Parameters
    ----------
    request : RunRequest or str
        A :class:`~aelatent.run_request.RunRequest`, or its profile with the
        other fields given as the next arguments (``ensure_run("smoke", "", "tiny", 0,
        model="vae", epochs=1)``).
    data_dir, run_name, seed
        As for :func:`aelatent.config.profile_config`; ``run_name`` ``""``
        derives the name from profile, model kind, data and seed.
    verbose : int
        Keras ``fit`` verbosity while training.
    **overrides
        ``model=...`` and changes to single :class:`~aelatent.config.RunConfig` fields.

    Raises
    ------
    ConfigError
        When the run folder exists with a different configuration (the message
        names the differing keys) or a parameter is out of range.
    RunBusyError
        When another process is working on the same run folder.
    """
    if not isinstance(request, RunRequest):
        model = overrides.pop("model", "ae")
        request = RunRequest(request, data_dir, run_name, seed, model, overrides)
    elif data_dir or run_name or seed or overrides:
        raise ConfigError("ensure_run takes a RunRequest or its fields, not both.")
    config = request.config()
    name = request.name()
    path = runs_dir() / name
    if not config.is_synthetic and not (path / "config.json").exists():
        from .data import open_celeba
        open_celeba(config.data_dir)     # a bad data folder fails before a run folder is made
    with folder_lock(path):
        stored_path = path / "config.json"
        if stored_path.exists():
            stored = read_json(stored_path)
            try:
                stored_config = RunConfig.from_dict(stored)
            except (ConfigError, TypeError) as exc:
                raise ConfigError(f"{stored_path} is not a valid run configuration ({exc}); "
                                  "delete the run folder or choose another run name.") from None
            differing = stored_config.differing_keys(config)
            if differing:
                detail = "; ".join(f"{k}: stored {stored.get(k)!r}, requested {config.to_dict()[k]!r}"
                                   for k in differing)
                raise ConfigError(f"run folder {path} was made with other parameters ({detail}). "
                                  "Use another run_name, or delete the folder to start over.")
        else:
            write_json(stored_path, config.to_dict())
        remove_stale_temporaries(path)   # partial files of a killed process
        run = Run(path, config)
        _train_if_missing(run, verbose)
        _encode_if_missing(run)
    return run


#: Trainings of at least this many steps are timed first and their duration announced.
ESTIMATE_MIN_STEPS = 1000
#: Announced trainings longer than this (seconds) on a CPU come with the faster choices.
LONG_TRAINING = 30 * 60


def announce_training(config, image_set, say=print):
    """Time a few steps and say how long the training of ``config`` will take here.

    Returns the expected seconds, or None for a short training (fewer than
    :data:`ESTIMATE_MIN_STEPS` steps), which is not timed.
    """
    from .machine import describe_machine
    from .model import estimate_training_seconds, gpu_count, training_steps_per_epoch

    total_steps = config.epochs * training_steps_per_epoch(config, image_set)
    if total_steps < ESTIMATE_MIN_STEPS:
        return None
    seconds, per_step, per_epoch = estimate_training_seconds(config, image_set)
    where = f"{gpu_count()} GPU(s)" if gpu_count() else describe_machine()
    say(f"expected training time: about {seconds / 60:.0f} min ({config.epochs} epochs x "
        f"{per_epoch} steps of {config.batch_size} images, {per_step:.2f} s per step on {where})")
    if seconds > LONG_TRAINING and not gpu_count():
        say("  that is long for a CPU; faster choices: PROFILE=smoke (a few minutes), a part of the "
            "data (max_images=20000), or a GPU (pip install 'tensorflow[and-cuda]'). Notebook II "
            "trains a second autoencoder as long unless its parameter second_case = False "
            "(make run SECOND_CASE=0), notebook XV two more (five with its sweeps: make run "
            "SWEEPS=1, the smoke and full profiles' choice).")
    return seconds


def _saved_models(config):
    """The ``.keras`` files of a trained run of ``config``'s model kind."""
    return ["encoder", "decoder"] + (["posterior"] if config.model == "vae" else [])


def _train_if_missing(run, verbose):
    if all((run.path / f"{name}.keras").exists() for name in _saved_models(run.config)) \
            and (run.path / "history.json").exists():
        return
    from .model import save_model, train

    if verbose:
        announce_training(run.config, run.image_set)

    for split in ("train", "val"):       # z-points of an older model are stale
        (run.path / f"z_{split}.npy").unlink(missing_ok=True)
    work = run.path / "training"
    work.mkdir(exist_ok=True)
    parts = train(run.config, run.image_set, work, verbose=verbose)
    history = (pd.read_csv(work / "history.csv").drop_duplicates("epoch", keep="last")
               .sort_values("epoch"))
    for name, model in {**parts.extra, "encoder": parts.encoder, "decoder": parts.decoder}.items():
        save_model(model, run.path / f"{name}.keras")
    write_json(run.path / "history.json", {k: history[k].tolist() for k in history.columns})
    shutil.rmtree(work, ignore_errors=True)
    for name in _saved_models(run.config):
        run.__dict__.pop(name, None)


def _encode_if_missing(run):
    from .model import encode_to_file

    image_set = run.image_set
    for split, index in (("train", image_set.train_index), ("val", image_set.val_index)):
        z_path = run.path / f"z_{split}.npy"
        if z_path.exists() and (run.path / f"ids_{split}.npy").exists():
            continue
        save_array(run.path / f"ids_{split}.npy", image_set.ids[index])
        encode_to_file(run.encoder, image_set.images, index, z_path)


def second_case_request(request, seed_offset=1):
    """The request of a second case: the same configuration trained with seed ``seed + seed_offset``.

    When the request's run name is empty or the default name of the first case,
    the second case gets its own default name (e.g. ``smoke-celeba_subset-seed1``
    next to ``smoke-celeba_subset-seed0``), so it is shared with a series run
    for that seed; otherwise ``run_name + "-case2"``.
    """
    second = request.replace(seed=request.seed + seed_offset)
    if not request.run_name or request.run_name == request.replace(run_name="").name():
        return second.replace(run_name="")
    return second.replace(run_name=f"{request.run_name}-case2")


#: Between a run's explicit name and the model label of its siblings (``regress-x--vae``).
SIBLING_SEPARATOR = "--"


def sibling_request(request, **changes):
    """The request of a run like ``request``'s with ``changes`` (model kind, options; notebook XV).

    A run with a derived name has siblings with derived names too
    (``default-celeba_subset-seed0`` -> ``default-vae-celeba_subset-seed0``, the
    run ``make run MODEL=vae`` makes); a run with a name of its own has
    ``<name>--<model label>`` (``regress-smoke-synthetic-seed0--vae``), so a
    regression run trains its own siblings. A change back to the plain AE with
    the same options is the run itself.
    """
    model = changes.get("model", request.model)
    own = MODEL_OPTIONS[model] if model in MODEL_OPTIONS else ()
    others = {name for names in MODEL_OPTIONS.values() for name in names} - set(own)
    # options compose: the request's own (less the other kinds'), then the changes' on top
    changes["options"] = {**{k: v for k, v in request.options if k not in others},
                          **dict(changes.get("options") or {})}
    sibling = request.replace(run_name="", **changes)
    if not request.run_name or request.run_name == request.replace(run_name="").name():
        return sibling
    if sibling.config() == request.replace(run_name="").config():
        return request
    label = model_label(sibling.config()) or "-".join(
        ["ae", *(f"{k}{v}" for k, v in sibling.options)])
    return sibling.replace(run_name=f"{request.run_name}{SIBLING_SEPARATOR}{label}")


def record_current_run(request):
    """Record the run the notebooks follow when their ``run_request`` is left empty."""
    write_json(current_run_file(), {
        **request.to_parameter(),
        "recorded": datetime.datetime.now().isoformat(timespec="seconds")})


def current_run():
    """The recorded :class:`~aelatent.run_request.RunRequest` (see :func:`record_current_run`), or None."""
    path = current_run_file()
    if not path.exists():
        return None
    record = read_json(path)
    missing = {"profile", "data_dir", "run_name", "seed"} - set(record)
    if missing:
        raise ConfigError(f"{path} lacks {sorted(missing)}; delete it (make run writes it anew).")
    record.pop("recorded", None)
    try:
        return RunRequest.from_parameter(record)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc} Delete it (make run writes it anew).") from None
