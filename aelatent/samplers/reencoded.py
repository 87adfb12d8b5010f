"""Vectors of another sampler passed once more through the autoencoder: z -> E(D(z))."""

from __future__ import annotations

from ..errors import ConfigError
from ..validation import check_int
from .base import LatentSampler


class ReencodedSampler(LatentSampler):
    """Draws from ``sampler``, decodes the vectors and encodes the decoded images again.

    Decoding the re-encoded vector gives the autoencoder's *reconstruction* of the generated face,
    made the way the league's ceiling row (the reconstructions of real faces) is made: the
    encoder maps the image back onto the z-points it produces for images, so what the sampler
    put into directions the decoder never saw (notebook XIV's patches) is replaced by what the
    encoder reads from the face. It is one step, without the corruption, of the chain by which
    Bengio et al. (2013, "Generalized denoising auto-encoders as generative models") sample from
    a denoising autoencoder. Each pass costs one decoding and one encoding per vector.

    Parameters
    ----------
    sampler : LatentSampler
        Fitted in place by :meth:`fit` unless it is fitted already (so a tau selection and the
        league share one fit).
    passes : int
        How often z -> E(D(z)) is applied, >= 1.

    Notes
    -----
    The autoencoder is given with :meth:`bind`, not as a parameter: stored results are keyed by
    the parameters and by the run's model files (:func:`aelatent.league.run_fingerprint`).

    Examples
    --------
    >>> sampler = ReencodedSampler(make_sampler("conditional_tau0.5")).bind(run).fit(run.z_train)
    >>> images = run.decode(sampler.sample(16, random_state=0))     # doctest: +SKIP
    """

    def __init__(self, sampler=None, passes=1):
        self.sampler = sampler
        self.passes = passes

    def _check_params(self):
        if not isinstance(self.sampler, LatentSampler):
            raise ConfigError("ReencodedSampler needs the sampler whose vectors it re-encodes, got "
                              f"{type(self.sampler).__name__}.")
        check_int(self.passes, "passes", minimum=1, what="passes through the autoencoder")

    def bind(self, autoencoder):
        """Use ``autoencoder`` (an object with ``encode(images)`` and ``decode(z)``, e.g. a
        :class:`aelatent.runs.Run`) for the passes; returns self."""
        if not (callable(getattr(autoencoder, "encode", None))
                and callable(getattr(autoencoder, "decode", None))):
            raise ConfigError("bind() takes the autoencoder (e.g. the run) whose encode() and "
                              f"decode() make the passes, got {type(autoencoder).__name__}.")
        self.autoencoder_ = autoencoder
        return self

    def _fit(self, z):
        if not hasattr(self.sampler, "n_features_in_"):
            self.sampler.fit(z)

    def _sample(self, n_samples, rng):
        autoencoder = getattr(self, "autoencoder_", None)
        if autoencoder is None:
            raise ConfigError("a ReencodedSampler decodes and encodes its vectors: give it the "
                              "autoencoder first, sampler.bind(run).")
        z = self.sampler.sample(n_samples, random_state=rng)
        for _ in range(self.passes):
            z = autoencoder.encode(autoencoder.decode(z))
        return z
