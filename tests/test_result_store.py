"""Results computed once and reused: image features by content, league rows per run."""

import json

import numpy as np
import pandas as pd
import pytest

from aelatent import league as league_module
from aelatent import result_store
from aelatent.league_scoring import image_features
from aelatent.result_store import ResultStore, code_fingerprint
from aelatent.samplers import make_sampler
from tiny import tiny

SETTINGS = dict(n_images=30, n_boot=10, seed=0, progress=False)


@pytest.fixture(scope="module")
def league_run(isolated_folders):
    """A tiny run with 40 validation images (the league's reference), and its league scored once."""
    from aelatent.runs import ensure_run

    run = ensure_run("smoke", "", "tiny-league", 0, verbose=0, **tiny(max_images=400))
    result_store.TALLY.clear()
    first = league_module.sampler_league(run, ["normal", "gmm10"], **SETTINGS)
    return run, first


def _row_files(run):
    return sorted((run.path / "results" / "league").glob("*.json"))


def test_a_second_league_reuses_every_row_and_gives_the_same_table(league_run):
    run, first = league_run
    result_store.TALLY.clear()
    again = league_module.sampler_league(run, ["normal", "gmm10"], **SETTINGS)
    pd.testing.assert_frame_equal(first.table, again.table)
    for key in first.table.index:
        np.testing.assert_array_equal(first.features[key], again.features[key])
        np.testing.assert_array_equal(first.examples[key], again.examples[key])
    assert result_store.TALLY["league rows"] == {"reused": 7}
    summary = result_store.reuse_summary()
    assert summary.startswith("reused") and "7 league rows" in summary and "computed" not in summary


def test_a_changed_sampler_parameter_recomputes_that_row_only(league_run):
    run, first = league_run
    result_store.TALLY.clear()
    other = make_sampler("gmm10").set_params(n_components=3).fit(run.z_train)
    changed = league_module.sampler_league(run, ["normal", "gmm10"], fitted={"gmm10": other},
                                           **SETTINGS)
    assert result_store.TALLY["league rows"] == {"reused": 6, "computed": 1}
    assert changed.table.loc["normal", "kid_onet"] == first.table.loc["normal", "kid_onet"]
    assert set(changed.fitted) == {"gmm10"}        # a reused row has no fitted sampler unless given
    assert changed.table.loc["gmm10", "log_likelihood"] != first.table.loc["gmm10", "log_likelihood"]


def test_a_stale_entry_is_never_read_after_the_code_changed(league_run, monkeypatch):
    run, first = league_run
    # plant a false value in every stored row: reading a stored row shows it
    for path in _row_files(run):
        record = json.loads(path.read_text())
        record["values"]["face_rate"] = -1.0
        path.write_text(json.dumps(record))
    planted = league_module.sampler_league(run, ["normal", "gmm10"], **SETTINGS)
    assert (planted.table["face_rate"] == -1.0).all()          # same code: the stored rows are read
    real = code_fingerprint
    monkeypatch.setattr(league_module, "code_fingerprint",
                        lambda *modules: real(*modules) + "-edited")
    result_store.TALLY.clear()
    fresh = league_module.sampler_league(run, ["normal", "gmm10"], **SETTINGS)
    assert result_store.TALLY["league rows"] == {"computed": 7}
    assert (fresh.table["face_rate"] >= 0).all()
    pd.testing.assert_frame_equal(fresh.table, first.table)


def test_a_retrained_model_is_another_key(league_run, tmp_path):
    run, _ = league_run
    rows = league_module.LeagueRows(run, seed=0, n_images=30, k=3, n_examples=16, n_boot=10,
                                    n_descriptors=0)
    z = run.path / "z_val.npy"
    saved = z.read_bytes()
    try:
        np.save(z, np.load(z) + 1.0)
        moved = league_module.LeagueRows(run, seed=0, n_images=30, k=3, n_examples=16, n_boot=10,
                                         n_descriptors=0)
    finally:
        z.write_bytes(saved)
    assert rows.common["run"] != moved.common["run"]


def test_image_features_are_scored_once_per_content(isolated_folders, monkeypatch):
    from aelatent import league_scoring
    from aelatent.quality import noise_images

    calls = []
    real = league_scoring.onet_outputs
    monkeypatch.setattr(league_scoring, "onet_outputs", lambda images: calls.append(1) or real(images))
    images = noise_images(6, 32, seed=11)
    a, _ = image_features(images, faces=False)
    b, _ = image_features(images.copy(), faces=False)
    c, _ = image_features(noise_images(6, 32, seed=12), faces=False)
    assert len(calls) == 2                         # the copy has the same content: not scored again
    np.testing.assert_array_equal(a.features, b.features)
    assert not np.array_equal(a.features, c.features)


def test_face_detection_of_the_first_images_is_kept_apart_from_all(isolated_folders, monkeypatch):
    from aelatent import league_scoring
    from aelatent.quality import noise_images

    seen, real = [], league_scoring.detect_faces
    monkeypatch.setattr(league_scoring, "detect_faces", lambda images: seen.append(len(images)) or real(images))
    images = noise_images(6, 32, seed=13)
    first, _ = image_features(images, faces=3)
    every, _ = image_features(images)
    assert seen == [3, 6] and len(first.face) == 3 and len(first) == len(every) == 6
    np.testing.assert_array_equal(first.face, every.face[:3])
    image_features(images, faces=10)                  # more than there are: all, already kept
    assert seen == [3, 6]


def test_a_damaged_entry_is_computed_again(tmp_path):
    store = ResultStore(tmp_path, "things")
    key = {"x": 1}
    store.save(key, {"v": 1.5}, {"a": np.arange(3)})
    assert store.load(key)[0] == {"v": 1.5}
    (tmp_path / (result_store.entry_key(key) + ".npz")).write_bytes(b"not an npz")
    assert store.load(key) is None
    values, arrays = store.get_or_compute(key, lambda: ({"v": 2.5}, {"a": np.arange(2)}))
    assert values == {"v": 2.5} and store.load(key)[0] == {"v": 2.5}


def test_the_code_fingerprint_follows_the_source(tmp_path, monkeypatch):
    module = tmp_path / "fingerprinted_module.py"
    module.write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    first = code_fingerprint("fingerprinted_module")
    module.write_text("X = 2\n")
    import importlib
    import sys
    sys.modules.pop("fingerprinted_module", None)       # read from its file, never imported
    importlib.invalidate_caches()
    result_store._FINGERPRINTS.clear()
    assert code_fingerprint("fingerprinted_module") != first


def test_a_results_code_is_every_module_it_imports_even_inside_functions(tmp_path, monkeypatch):
    from aelatent.result_store import module_dependencies
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("import numpy\n\ndef f():\n    from .b import g\n    return g\n")
    (package / "b.py").write_text("from . import c\n\ndef g():\n    return c\n")
    (package / "c.py").write_text("X = 1\n")
    (package / "unrelated.py").write_text("X = 2\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert module_dependencies("pkg.a", package="pkg") == ("pkg", "pkg.a", "pkg.b", "pkg.c")
    # the league's rows: the samplers it fits inside sampler_league, and what they build on
    # (the principal axes of aelatent.pca, missing from the hand-kept list this replaced)
    league_code = module_dependencies(*league_module.LEAGUE_CODE)
    assert {"aelatent.samplers.diffusion", "aelatent.pca", "aelatent.distances"} <= set(league_code)
