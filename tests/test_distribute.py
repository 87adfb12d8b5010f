"""The tf.distribute path of training: the strategies build and train on a CPU.

A one-device ``MirroredStrategy`` works without a GPU, so the code path used on
one or several GPUs (``strategy="mirrored"``) is exercised here on the CPU; so
is ``MultiWorkerMirroredStrategy``, which without ``TF_CONFIG`` is a single
worker (in a subprocess: collective ops must be configured before TensorFlow
runs anything else).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from aelatent.config import profile_config
from aelatent.errors import ConfigError
from tiny import tiny

# 64 synthetic faces, 58 for training: one step per epoch with batch_size 64
TINY = tiny(batch_size=64)


def test_strategy_names():
    import tensorflow as tf

    from aelatent.model import distribution_strategy

    assert distribution_strategy("default") is tf.distribute.get_strategy()
    with pytest.raises(ConfigError, match="strategy"):
        distribution_strategy("tpu")
    with pytest.raises(ConfigError, match="strategy"):
        profile_config("smoke", "", 0, strategy="parameter_server")


def test_mirrored_strategy_builds_and_trains_one_step_on_cpu(tmp_path, monkeypatch):
    import aelatent.model as model
    from aelatent.data import load_image_set

    created = []
    original = model.distribution_strategy

    def spy(name):
        strategy = original(name)
        created.append(strategy)
        return strategy

    monkeypatch.setattr(model, "distribution_strategy", spy)
    config = profile_config("smoke", "", 0, strategy="mirrored", **TINY)
    image_set = load_image_set(config, cache_dir=tmp_path / "cache", progress=False)
    assert len(image_set.train_index) <= config.batch_size       # exactly one training step
    work = tmp_path / "work"
    work.mkdir()
    initial = model.build_encoder(config).get_weights()
    encoder, decoder = model.train(config, image_set, work, verbose=0)

    (strategy,) = created
    assert type(strategy).__name__ == "MirroredStrategy"
    assert strategy.num_replicas_in_sync == 1
    # the models' variables live in the strategy (mirrored), not outside it
    for layer_model in (encoder, decoder):
        for weight in layer_model.weights:
            assert strategy.extended.variable_created_in_scope(weight.value)
    history = (work / "history.csv").read_text().splitlines()
    assert history[0].split(",")[:2] == ["epoch", "loss"] and len(history) == 2
    loss = float(history[1].split(",")[1])
    assert np.isfinite(loss) and 0 < loss < 0.5
    # one optimiser step moved the weights away from the seeded initial ones
    trained = encoder.get_weights()
    assert any(not np.allclose(a, b) for a, b in zip(initial, trained))
    z = model.encode(encoder, image_set.images[:4])
    assert z.shape == (4, 16) and np.isfinite(z).all()


def test_multiworker_strategy_trains_as_one_worker_without_tf_config(tmp_path):
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from aelatent.config import profile_config
        from aelatent.data import load_image_set
        from aelatent.model import train
        config = profile_config("smoke", "", 0, strategy="multiworker", **{TINY!r})
        root = Path({str(tmp_path)!r})
        image_set = load_image_set(config, cache_dir=root / "cache", progress=False)
        (root / "work").mkdir()
        train(config, image_set, root / "work", verbose=0)
    """)
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    project = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", script], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    history = (tmp_path / "work" / "history.csv").read_text().splitlines()
    assert len(history) == 2 and np.isfinite(float(history[1].split(",")[1]))


def test_strategy_from_the_environment(monkeypatch):
    monkeypatch.setenv("AELATENT_STRATEGY", "mirrored")
    assert profile_config("full", "", 0).strategy == "mirrored"
    assert profile_config("full", "", 0, strategy="default").strategy == "default"  # override wins
    monkeypatch.setenv("AELATENT_STRATEGY", "gpu")
    with pytest.raises(ConfigError, match="strategy"):
        profile_config("full", "", 0)
    monkeypatch.delenv("AELATENT_STRATEGY")
    assert profile_config("full", "", 0).strategy == "default"
