"""The kinds of autoencoder a run can train, one module each, and their registry.

==========  ==============================================  ============================
kind        loss                                            module
==========  ==============================================  ============================
``"ae"``    MSE per pixel (the blog series' plain AE)       :mod:`aelatent.models.ae`
``"vae"``   summed squared error + beta KL (nats/image)     :mod:`aelatent.models.vae`
``"rae"``   summed squared error + beta ||z||^2/2 + decoder :mod:`aelatent.models.rae`
            L2 (or spectral normalisation, or the gradient
            penalty)
==========  ==============================================  ============================

:func:`build` returns, for a :class:`~aelatent.config.RunConfig`, the encoder
(image -> the z-point the notebooks analyse; for the VAE the posterior mean),
the decoder, the compiled trainable model whose history reports every loss
term, and further models a run saves beside them (the VAE's ``posterior``).
Every layer is a built-in Keras layer, so runs load with ``safe_mode=True``.
"""

from __future__ import annotations

from . import ae, rae, vae

#: kind -> (module, what its loss is), in the order notebooks show them.
MODEL_KINDS = {
    "ae": (ae, "mean squared error per pixel"),
    "vae": (vae, "summed squared error per image + kl_weight x KL divergence (nats per image)"),
    "rae": (rae, "summed squared error per image + z_penalty x ||z||^2/2 + the decoder's "
                 "regulariser"),
}

#: The loss terms each kind reports in its history besides ``loss``.
LOSS_TERMS = {"ae": (), "vae": ("mse", "kl"), "rae": ("mse", "z_penalty", "decoder_penalty")}


def build(config, optimizer):
    """``(encoder, decoder, trainable model, {name: further model to save})`` of ``config.model``."""
    return MODEL_KINDS[config.model][0].build(config, optimizer)


def describe_loss(config):
    """One line naming the loss of a run's model kind and its weights."""
    decoder = {"l2": f"L2 {config.decoder_l2:g}", "spectral": "spectral normalisation",
               "gradient": f"gradient penalty {config.gradient_penalty:g}"}
    options = {"vae": f" (kl_weight {config.kl_weight:g})",
               "rae": f" (z_penalty {config.z_penalty:g}, decoder "
                      f"{decoder[config.decoder_regularizer]})"}
    return f"{config.model}: {MODEL_KINDS[config.model][1]}{options.get(config.model, '')}"


__all__ = ["MODEL_KINDS", "LOSS_TERMS", "build", "describe_loss"]
