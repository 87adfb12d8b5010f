"""Planted changes for the regression tests (tests/test_planted_changes.py).

A papermill kernel started with this folder on ``PYTHONPATH`` imports this file
at start-up (Python's ``sitecustomize`` hook). When ``AELATENT_PLANT`` names a
change below, it patches the ``aelatent`` package in that kernel only, the way a
bug in the package would change it. Nothing outside the tests uses it.
"""

import os


def _halfwidth_as_sigma():
    """Half-widths computed as the standard deviation instead of half the FWHM."""
    from aelatent import stats

    stats.halfwidth = lambda z, bins=64: stats.check_sample(z).std(axis=0)


def _double_fact():
    """The per-component sampler draws from mu_j +- 2*fact*hw_j instead of fact*hw_j."""
    from aelatent.samplers import ComponentIntervalSampler as S

    S.low_ = property(lambda self: self.mean_ - 2 * self.fact * self.halfwidth_)
    S.high_ = property(lambda self: self.mean_ + 2 * self.fact * self.halfwidth_)


def _one_epoch_fewer():
    """Training stops one epoch before the configuration's number of epochs."""
    import dataclasses

    from aelatent import model

    train = model.train
    model.train = lambda config, *a, **k: train(
        dataclasses.replace(config, epochs=config.epochs - 1), *a, **k)


def _decoder_halved():
    """The decoder is fed 0.5 z instead of z (a scaling bug on the way to the decoder).

    (z + 0.5 was tried first: the smoke decoder's response to a uniform shift
    is flat -- reconstruction MSE 0.034463 against 0.034461 -- so it moves the
    decoded images less than another CPU does, and no tolerance can see it.)
    """
    from aelatent import model

    decode = model.decode
    model.decode = lambda decoder, z, batch_size=256: decode(decoder, 0.5 * z, batch_size)


PLANTS = {"halfwidth_sigma": _halfwidth_as_sigma, "double_fact": _double_fact,
          "one_epoch_fewer": _one_epoch_fewer, "decoder_halved": _decoder_halved}

_plant = os.environ.get("AELATENT_PLANT", "")
if _plant:
    PLANTS[_plant]()
