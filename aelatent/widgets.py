"""Interactive controls for the notebooks (ipywidgets).

:class:`SamplerExplorer` shows decoded images of vectors drawn by a sampler,
with a slider for one of the sampler's parameters, a seed and a
number-of-images control; every change re-samples and re-decodes. The grid
lives in an :class:`ipywidgets.Image` (PNG bytes), so an explorer works -- and
can be tested -- without a browser front end; under papermill,
:meth:`SamplerExplorer.show` also renders the grid for the initial values as an
ordinary static figure. :func:`fact_explorer` is post VII's slider for the
per-component intervals mu_j +- fact*hw_j; notebook X's confidence slider
:func:`confidence_explorer` is the same explorer on the PCA-aligned sampler, and
notebook XIV's :func:`trailing_explorer` on the trailing axes' scale tau.
"""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np

from .errors import ConfigError
from .samplers import ComponentIntervalSampler, PCAAlignedSampler, PCAMixtureSampler
from .validation import check_int, check_option, check_real


class SamplerExplorer:
    """Live grid of decoded samples, with a slider for one parameter of the sampler.

    Parameters
    ----------
    z : array, shape (n, N)
        z-points the sampler is fitted on (e.g. ``run.z_train``).
    decode : callable
        Latent vectors (n, N) -> images (n, h, w, 3) in [0, 1], e.g. ``run.decode``.
    sampler : aelatent.samplers.LatentSampler
        Unfitted sampler; the slider sets ``sampler.<parameter>``.
    parameter : str
        Name of the sampler parameter the slider controls (e.g. ``"fact"``).
    value, low, high, step : float
        Initial value and range of the slider.
    seed : int
        Initial seed.
    n_images : int
        Initial number of images (1 to 10 rows).
    ncols : int
        Images per row.
    gaussian : fitted :class:`aelatent.stats.LatentGaussian`, optional
        When given, the caption reports the median Mahalanobis distance and the
        share of vectors inside the core.
    title : str
        What the grid shows, for its title.

    Attributes
    ----------
    widget : ipywidgets.VBox
        Controls, caption and image; display it in a notebook.
    slider, seed, n_images : ipywidgets controls
    images : ndarray
        The images decoded at the last update.
    vectors : ndarray
        The latent vectors of the last update.
    updates : int
        How often the grid was redrawn.
    """

    def __init__(self, z, decode, sampler, parameter, value, low, high, step=0.05, seed=0,
                 n_images=21, ncols=7, gaussian=None, title="samples"):
        import ipywidgets as w

        if not np.isfinite(value) or not low <= value <= high:
            raise ConfigError(f"{parameter} must lie in [{low}, {high}] (the slider's range), "
                              f"got {value!r}.")
        ncols = check_int(ncols, "ncols", what="images per row")
        check_int(n_images, "n_images", maximum=10 * ncols, what="at most ten rows")
        self.decode = decode
        self.gaussian = gaussian
        self.parameter = parameter
        self.title = title
        self.ncols = int(ncols)
        self.sampler = sampler.set_params(**{parameter: value}).fit(z)
        self.slider = w.FloatSlider(value=value, min=low, max=high, step=step,
                                    description=parameter, continuous_update=False,
                                    readout_format=".2f")
        self.seed = w.IntText(value=int(seed), description="seed")
        self.n_images = w.IntSlider(value=int(n_images), min=1, max=10 * self.ncols, step=1,
                                    description="images", continuous_update=False)
        self.caption = w.HTML()
        self.image = w.Image(format="png")
        self.widget = w.VBox([w.HBox([self.slider, self.seed, self.n_images]), self.caption,
                              self.image])
        self.updates = 0
        self.update()
        for control in (self.slider, self.seed, self.n_images):
            control.observe(self._on_change, names="value")

    def _on_change(self, _change):
        self.update()

    def sample(self):
        """Latent vectors for the current control values."""
        self.sampler.set_params(**{self.parameter: float(self.slider.value)})
        return self.sampler.sample(int(self.n_images.value), random_state=int(self.seed.value))

    def figure(self):
        """A matplotlib figure of the current images (closed by the caller)."""
        from .plots import image_grid

        return image_grid(self.images, ncols=min(self.ncols, len(self.images)),
                          title=f"{self.title}, {self.parameter} = {self.slider.value:.2f}, "
                                f"seed = {self.seed.value}")

    def update(self):
        """Re-sample, re-decode and redraw for the current control values."""
        self.vectors = self.sample()
        self.images = np.asarray(self.decode(self.vectors))
        text = f"{self.parameter} = {self.slider.value:.2f}: {len(self.vectors)} vectors"
        if self.gaussian is not None:
            distance = self.gaussian.mahalanobis(self.vectors)
            inside = float(np.mean(distance <= self.gaussian.core_radius_))
            text += (f"; median Mahalanobis distance {np.median(distance):.1f} "
                     f"(core radius {self.gaussian.core_radius_:.1f}), "
                     f"{100 * inside:.0f} % inside the core")
        fig = self.figure()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=80)
        plt.close(fig)
        self.image.value = buffer.getvalue()
        self.caption.value = text
        self.updates += 1

    def show(self, static=True):
        """Display the controls; with ``static``, also the current grid as a plain figure.

        The static figure is what an executed notebook (papermill, nbconvert,
        GitHub) shows; in a live JupyterLab the image above it follows the
        controls.
        """
        from IPython.display import display

        display(self.widget)
        if static:
            fig = self.figure()
            display(fig)
            plt.close(fig)


def fact_explorer(z, decode, fact=0.5, seed=0, n_images=21, ncols=7, gaussian=None,
                  fact_max=2.0):
    """Post VII's slider: per-component intervals mu_j +- fact*hw_j, live.

    Parameters are those of :class:`SamplerExplorer`; ``fact`` (>= 0) is the
    slider's initial value and ``fact_max`` its upper end.
    """
    check_real(fact, "fact", low=0)
    if fact > fact_max:
        raise ConfigError(f"fact = {fact} is above the slider's end fact_max = {fact_max}; "
                          "raise fact_max.")
    return SamplerExplorer(z, decode, ComponentIntervalSampler(), "fact", fact, 0.0, fact_max,
                           seed=seed, n_images=n_images, ncols=ncols, gaussian=gaussian,
                           title="per-component intervals")


def confidence_explorer(z, decode, restrict="ellipsoid", confidence=0.9, seed=0, n_images=21,
                        ncols=7, gaussian=None):
    """Notebook X's slider: PCA-aligned samples with a slider for the confidence level.

    The same machinery and conventions as post VII's ``fact`` slider
    (:func:`fact_explorer`) on :class:`aelatent.samplers.PCAAlignedSampler`.

    Parameters
    ----------
    restrict : {"ellipsoid", "intervals"}
        The restriction of the sampler the slider controls.
    confidence : float in (0, 1)
        Initial confidence level.

    Other parameters are those of :class:`SamplerExplorer`.
    """
    check_option(restrict, "restrict", ("ellipsoid", "intervals"))
    return SamplerExplorer(z, decode, PCAAlignedSampler(restrict=restrict), "confidence",
                           confidence, 0.05, 0.99, seed=seed, n_images=n_images, ncols=ncols,
                           gaussian=gaussian, title=f"PCA-aligned, {restrict}")


def trailing_explorer(z, decode, trailing="independent", tau=0.5, seed=0, n_images=21, ncols=7,
                      gaussian=None, tau_max=1.5):
    """Notebook XIV's slider: the scale tau of the trailing principal axes, live.

    The same explorer as post VII's ``fact`` slider (:func:`fact_explorer`) on
    :class:`aelatent.samplers.PCAMixtureSampler`: a mixture on the leading axes
    (90 % of the variance); the trailing axes get independent noise of their
    variance (``trailing="independent"``) or the mean of the nearest training
    points' plus residual noise (``"neighbours"``), scaled by tau.

    Parameters
    ----------
    trailing : {"independent", "neighbours"}
    tau : float >= 0
        Initial value; ``tau_max`` is the slider's upper end.

    Other parameters are those of :class:`SamplerExplorer`.
    """
    from .samplers.mixture import TRAILING_MODELS

    check_option(trailing, "trailing", TRAILING_MODELS)
    check_real(tau, "tau", low=0)
    if tau > tau_max:
        raise ConfigError(f"tau = {tau} is above the slider's end tau_max = {tau_max}; "
                          "raise tau_max.")
    return SamplerExplorer(z, decode, PCAMixtureSampler(trailing=trailing), "trailing_scale", tau,
                           0.0, tau_max, seed=seed, n_images=n_images, ncols=ncols,
                           gaussian=gaussian, title=f"trailing axes: {trailing}")
