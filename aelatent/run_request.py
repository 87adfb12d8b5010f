"""The one object that says which run is meant: :class:`RunRequest`.

It travels unchanged from the command line (``make run MODEL=vae``,
``python -m aelatent run --model vae``) through :func:`aelatent.runner.run_series`
to every notebook as **one** papermill parameter, ``run_request`` (a plain dict,
:meth:`RunRequest.to_parameter`), and from :func:`aelatent.notebook.open_run` to
:func:`aelatent.runs.ensure_run`. A new dimension of a run is a new field here
(and of :class:`~aelatent.config.RunConfig`); no notebook's parameters cell changes.
"""

from __future__ import annotations

import dataclasses

from .config import RunConfig, default_run_name, profile_config
from .errors import ConfigError


@dataclasses.dataclass(frozen=True)
class RunRequest:
    """Which run: profile, data, name, seed, model kind and single configuration changes.

    Parameters
    ----------
    profile : {"smoke", "default", "full"}
    data_dir : str
        Folder holding ``img_align_celeba/``; ``""`` for the embedded synthetic faces.
    run_name : str
        Run folder name; ``""`` derives it (:func:`aelatent.config.default_run_name`).
    seed : int
    model : {"ae", "vae", "rae"}
        The kind of autoencoder (:mod:`aelatent.models`).
    options : dict
        Changes to single :class:`~aelatent.config.RunConfig` fields, e.g.
        ``{"kl_weight": 0.1}`` or ``{"max_images": 20000}``.
    """

    profile: str = "smoke"
    data_dir: str = ""
    run_name: str = ""
    seed: int = 0
    model: str = "ae"
    options: tuple = ()

    def __post_init__(self):
        options = self.options.items() if isinstance(self.options, dict) else self.options
        # sequences as tuples here (the request stays hashable), as lists in the parameter
        object.__setattr__(self, "options", tuple(sorted(
            (key, tuple(value) if isinstance(value, list) else value)
            for key, value in dict(options).items())))
        if "model" in dict(self.options):
            raise ConfigError("give the model kind as model=..., not among the options.")

    @classmethod
    def from_parameter(cls, value):
        """The request of a notebook's ``run_request`` parameter (a dict; unknown keys are an error)."""
        if isinstance(value, RunRequest):
            return value
        if not isinstance(value, dict):
            raise ConfigError(f"run_request must be a dict such as {{'profile': 'default', "
                              f"'model': 'vae'}}, got {value!r}.")
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(value) - fields)
        if unknown:
            raise ConfigError(f"run_request has unknown keys {unknown}; it takes {sorted(fields)} "
                              "(RunConfig fields go into 'options').")
        return cls(**value)

    def to_parameter(self):
        """The plain dict notebooks receive (JSON-friendly; :meth:`from_parameter` reads it)."""
        values = dataclasses.asdict(self)
        # papermill writes a tuple as its string: the parameter holds lists
        values["options"] = {key: list(value) if isinstance(value, tuple) else value
                             for key, value in self.options}
        return values

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def config(self) -> RunConfig:
        """The :class:`~aelatent.config.RunConfig` this request trains (validated)."""
        return profile_config(self.profile, self.data_dir, self.seed, model=self.model,
                              **dict(self.options))

    def name(self):
        """The run folder's name: ``run_name``, or the one derived from the configuration."""
        return self.run_name or default_run_name(self.profile, self.config())

    def describe(self):
        data = self.data_dir or "the embedded synthetic faces"
        options = "".join(f", {k} {v}" for k, v in self.options)
        return f"model {self.model}, profile {self.profile}, data {data}, seed {self.seed}{options}"


__all__ = ["RunRequest"]
