"""The one tiny run configuration of the tests: trains in seconds on 2 cores.

``TINY`` are :func:`aelatent.runs.ensure_run` overrides of the smoke profile:
64 synthetic 32x32 faces, two convolutions each way, z_dim 16. Tests that need
more epochs or images (resumption, determinism) change single keys with
:func:`tiny`.
"""

TINY = dict(max_images=64, epochs=1, image_size=32, z_dim=16, batch_size=32,
            encoder_filters=(8, 16), encoder_kernels=(3, 3), encoder_strides=(2, 2),
            decoder_filters=(8, 3), decoder_kernels=(3, 3), decoder_strides=(2, 2))


def tiny(**changes):
    """``TINY`` with some keys changed."""
    unknown = set(changes) - set(TINY)
    assert not unknown, f"not keys of TINY: {sorted(unknown)}"
    return {**TINY, **changes}
