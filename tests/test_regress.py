"""Regression runs: comparison with references, their refresh, determinism, and the series check."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from aelatent.regression.references import (compare_source, environment_warnings, read_references,
                                            reference_dir)
from aelatent.regression.variants import SOURCE_FILE, Variant, changed_numeric_environment
from aelatent import locations, regress
from aelatent.config import profile_config
from aelatent.errors import ConfigError
from aelatent.regression.comparison import Row, compare, compare_metrics
from aelatent.regression.tolerances import derive_entry, derive_references
from tiny import tiny

NB = "01_encoder_decoder_latent_space"


# --------------------------------------------------------------------------- pure comparison
def statuses(rows):
    return {r.key: r.status for r in rows}


def test_equal_and_within_tolerance_pass():
    reference = {"loss": {"value": 0.030, "rel": 0.1}, "n": {"value": 2700, "abs": 0}}
    rows = compare_metrics(NB, {"loss": 0.032, "n": 2700}, reference)   # +6.7 % of 10 % allowed
    assert statuses(rows) == {"loss": "moved", "n": "same"}
    assert not any(r.failed for r in rows)


def test_moved_outside_tolerance_fails_with_its_numbers():
    rows = compare_metrics(NB, {"loss": 0.034}, {"loss": {"value": 0.030, "rel": 0.1}})
    (row,) = rows
    assert row.status == "outside" and row.failed
    assert row.reference == 0.030 and row.now == 0.034
    assert row.allowed == pytest.approx(0.003)
    assert row.change == "+13.33%"


def test_integer_counts_must_match_exactly():
    rows = compare_metrics(NB, {"n": 2701}, {"n": {"value": 2700, "abs": 0}})
    assert statuses(rows) == {"n": "outside"}


def test_abs_and_rel_add_up_like_numpy_isclose():
    spec = {"value": 2.0, "rel": 0.1, "abs": 0.05}
    assert statuses(compare_metrics(NB, {"x": 2.25}, {"x": spec})) == {"x": "moved"}
    assert statuses(compare_metrics(NB, {"x": 2.26}, {"x": spec})) == {"x": "outside"}
    assert bool(np.isclose(2.25, 2.0, rtol=0.1, atol=0.05))


def test_missing_key_fails_and_new_key_is_reported_without_failing():
    reference = {"a": {"value": 1.0, "rel": 0.05}, "gone": {"value": 3, "abs": 0}}
    rows = compare_metrics(NB, {"a": 1.0, "added": 0.5}, reference)
    assert statuses(rows) == {"a": "same", "gone": "missing", "added": "new"}
    assert [r.key for r in rows if r.failed] == ["gone"]


def test_notebook_without_references_or_without_metrics_fails():
    references = {"01_x": {"a": {"value": 1, "abs": 0}}, "02_y": {"b": {"value": 1, "abs": 0}}}
    result = compare({"01_x": {"a": 1}, "03_z": {"c": 2.0}}, references,
                     expected=["01_x", "02_y", "03_z"])
    by_notebook = {(r.notebook, r.status) for r in result.rows}
    assert ("03_z", "no reference") in by_notebook
    assert ("02_y", "not run") in by_notebook
    assert ("01_x", "same") in by_notebook
    assert not result.passed
    # a notebook that was not selected for this run is not "not run"
    assert compare({"01_x": {"a": 1}}, references, expected=["01_x"]).passed


def test_table_shows_only_keys_that_moved_and_says_why():
    references = {NB: {"loss": {"value": 0.03, "rel": 0.1}, "n": {"value": 5, "abs": 0},
                       "mse": {"value": 0.02, "rel": 0.1}}}
    result = compare({NB: {"loss": 0.05, "n": 5, "mse": 0.021}}, references, [NB])
    table = result.table()
    assert "loss" in table and "OUTSIDE" in table and "mse" in table and "moved" in table
    assert "\nn " not in table and " n  " not in table          # unchanged keys are not listed
    assert result.summary().startswith("regression FAILED: 1 same, 1 moved, 1 outside")


@pytest.mark.parametrize("spec", [{"value": 1.0}, {"value": "x", "rel": 0.1},
                                  {"value": 1.0, "rel": -0.1}, {"value": 1.0, "tol": 0.1},
                                  {"value": 1.0, "regressed": False},
                                  {"value": 1.0, "abs": 0.1, "spread": -1.0}, 3.0])
def test_malformed_reference_entries_are_clear_errors(spec):
    with pytest.raises(ConfigError, match=f"{NB}/k"):
        compare_metrics(NB, {"k": 1.0}, {"k": spec})


def test_tolerance_from_float_spread_seed_spread_and_a_floor_per_kind():
    entry = derive_entry("final_val_loss", 0.0300, [0.0301, 0.02995])
    assert entry["spread"] == pytest.approx(1e-4) and "seed_spread" not in entry
    assert entry["abs"] == pytest.approx(4e-4) and "4 x spread" in entry["derived"]
    # never less than half of what another training seed moves the key
    entry = derive_entry("final_val_loss", 0.0300, [0.0301, 0.02995], [0.0330, 0.0280])
    assert entry["seed_spread"] == pytest.approx(0.003)
    assert entry["abs"] == pytest.approx(0.0015) and "0.5 x seed spread" in entry["derived"]
    # variants that agree exactly still get a floor: 0.1 % of a float ...
    assert derive_entry("mean_norm", 12.5, [12.5])["abs"] == pytest.approx(0.0125 + 1e-4)
    # ... 0.02 for a fraction, and at least one for a count at a threshold
    assert derive_entry("face_rate_b1.0", 0.5, [0.5])["abs"] == 0.02
    count = derive_entry("n_offorigin_components", 44, [44, 44])
    assert count["abs"] == 1 and "floor for a count" in count["derived"]
    assert derive_entry("n_pairs_abs_corr_gt_0.5", 18887, [18911])["abs"] == 96
    # counts are whole numbers: half a seed spread of 17 allows 9
    assert derive_entry("n_offorigin_components", 44, [44, 45], [61, 30])["abs"] == 9


def test_only_true_invariants_stay_exact():
    assert derive_entry("z_dim", 256, [256], [256])["abs"] == 0
    assert derive_entry("n_train_images", 2700, [2700], [2700])["derived"].startswith("invariant")
    # a count named like an invariant that moved is a count like any other
    assert derive_entry("n_points", 13, [14], [13])["abs"] == 4
    # counts of things found at a threshold are never exact
    assert derive_entry("n_components_90pct", 4, [4], [4])["abs"] == 1


def test_keys_that_float_rounding_moves_like_a_new_seed_are_reported_not_regressed():
    entry = derive_entry("path5_mahalanobis_first", 500.3, [548.6, 470.0], [430.0, 560.0])
    assert entry["regressed"] is False and "abs" not in entry
    assert "measures noise" in entry["reason"] and "another training seed" in entry["reason"]
    rows = compare_metrics(NB, {"path5_mahalanobis_first": 9999.0},
                           {"path5_mahalanobis_first": entry})
    assert [(r.status, r.failed) for r in rows] == [("reported", False)]
    # without seed variants nothing is called noise
    assert "abs" in derive_entry("path5_mahalanobis_first", 500.3, [548.6])


def test_derive_references_leaves_keys_a_variant_did_not_write_out_of_its_spread():
    refs = derive_references({NB: {"a": 1.0, "b": 2.0}}, [{NB: {"a": 1.5}}, {}])
    assert refs[NB]["a"]["spread"] == 0.5 and refs[NB]["b"]["spread"] == 0


def test_two_verdicts_identical_and_within_tolerance():
    references = {NB: {"loss": {"value": 0.03, "abs": 0.001}}}
    same = compare({NB: {"loss": 0.03}}, references, [NB])
    assert same.identical and "identical to the references" in same.summary()
    moved = compare({NB: {"loss": 0.0305}}, references, [NB])
    assert moved.passed and not moved.identical
    assert "PASSED, within tolerance" in moved.summary()


def test_failing_table_names_key_tolerance_and_its_derivation():
    entry = derive_entry("final_val_loss", 0.0300, [0.0301], [0.0330])
    result = compare({NB: {"final_val_loss": 0.0350}}, {NB: {"final_val_loss": entry}}, [NB])
    table = result.table()
    assert "final_val_loss" in table and "OUTSIDE" in table
    assert "±0.0015" in table and "0.5 x seed spread 0.003" in table


def test_environment_differences_are_warned_not_failed():
    ref = {"versions": {"tensorflow": "2.21.0"},
           "machine": {"cpu_model": "AMD EPYC", "cores": 2, "avx512f": True, "avx2": True}}
    now = {"versions": {"tensorflow": "2.22.0"},
           "machine": {"cpu_model": "AMD EPYC", "cores": 2, "avx512f": False, "avx2": True}}
    lines = environment_warnings(now, ref)
    assert any("tensorflow 2.21.0" in line and "2.22.0" in line for line in lines)
    assert any("AVX-512: yes" in line and "AVX-512: no" in line for line in lines)
    assert environment_warnings(ref, ref) == []


def test_default_variants_change_the_numeric_environment_and_the_seed():
    variants = regress.default_variants({})
    envs = [v.env for v in variants if not v.is_seed_variant]
    assert {"TF_NUM_INTRAOP_THREADS": "1"} in envs and {"TF_ENABLE_ONEDNN_OPTS": "0"} in envs
    assert sorted(v.seed_offset for v in variants if v.is_seed_variant) == [1, 2]
    # a reference run that already uses one thread is varied with two
    one = regress.default_variants({"TF_NUM_INTRAOP_THREADS": "1"})
    assert {"TF_NUM_INTRAOP_THREADS": "2"} in [v.env for v in one]


def test_make_test_changes_the_thread_count_the_references_were_made_with(tmp_path):
    assert changed_numeric_environment(tmp_path) == {"TF_NUM_INTRAOP_THREADS": "1"}
    (tmp_path / SOURCE_FILE).write_text(json.dumps(
        {"machine": {"environment": {"TF_NUM_INTRAOP_THREADS": "1"}}}))
    assert changed_numeric_environment(tmp_path) == {"TF_NUM_INTRAOP_THREADS": "2"}


def test_numeric_environment_is_restored(monkeypatch):
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    import os
    with regress.numeric_environment({"TF_NUM_INTRAOP_THREADS": "1"}):
        assert os.environ["TF_NUM_INTRAOP_THREADS"] == "1"
    assert "TF_NUM_INTRAOP_THREADS" not in os.environ


def test_row_change_near_zero_reference_is_absolute():
    assert Row(NB, "k", "moved", 0.0, 0.002).change == "+0.002"


# --------------------------------------------------------------------------- files and command
def fake_run(folder, metrics, seed=0, n_train=5):
    """A run folder with config, ids and metrics, as the series writes them (no training)."""
    from aelatent.storage import save_array, write_json

    write_json(folder / "config.json", profile_config("smoke", "", seed).to_dict())
    save_array(folder / "ids_train.npy", np.array([f"synthetic_{i:06d}" for i in range(n_train)]))
    save_array(folder / "ids_val.npy", np.array(["synthetic_999999"]))
    write_json(folder / "metrics" / f"{NB}.json", metrics)
    return folder


def fake_variants(tmp_path, reference_metrics, float_metrics, seed_metrics):
    """A reference run and one float and one seed variant, as ``write_references`` takes them."""
    run = fake_run(tmp_path / "run", reference_metrics)
    variants = [(Variant("threads1", {"TF_NUM_INTRAOP_THREADS": "1"}),
                 fake_run(tmp_path / "threads1", float_metrics)),
                (Variant("seed+1", seed_offset=1),
                 fake_run(tmp_path / "seed1", seed_metrics, seed=1))]
    return run, variants


def test_update_derives_tolerances_from_the_variants_and_records_how(tmp_path):
    run, variants = fake_variants(tmp_path, {"n_train_images": 5, "final_val_loss": 0.03},
                                  {"n_train_images": 5, "final_val_loss": 0.0301},
                                  {"n_train_images": 5, "final_val_loss": 0.035})
    refs = tmp_path / "refs"
    regress.write_references(run, variants, refs, "smoke", [NB])
    stored = json.loads((refs / f"{NB}.json").read_text())
    assert stored["n_train_images"]["abs"] == 0
    assert stored["final_val_loss"]["value"] == 0.03
    assert stored["final_val_loss"]["abs"] == pytest.approx(0.0025)
    assert stored["final_val_loss"]["seed_spread"] == pytest.approx(0.005)
    source = json.loads((refs / SOURCE_FILE).read_text())
    assert source["data"] == "synthetic" and source["seed"] == 0 and source["profile"] == "smoke"
    assert source["config"]["data_dir"] == "synthetic" and source["config"]["epochs"] == 2
    assert [v["name"] for v in source["variants"]] == ["threads1", "seed+1"]
    assert {"cpu_model", "avx512f", "cores"} <= set(source["machine"])
    assert "spread" in source["tolerance_rule"]
    # refreshed again for this notebook alone: what made the others' references is kept
    regress.write_references(run, variants[:1], refs, "smoke", [NB])
    again = json.loads((refs / SOURCE_FILE).read_text())
    assert again["notebooks"] == [NB] and [v["name"] for v in again["variants"]] == ["threads1"]
    assert [v["name"] for v in again["other_notebooks"]["variants"]] == ["threads1", "seed+1"]
    assert NB not in again["other_notebooks"]["notebooks"] and again["other_notebooks"]["notebooks"]
    regress.write_references(run, variants, refs, "smoke", [NB])
    assert regress.check_run(run, refs, "smoke", [NB]).identical
    assert regress.check_run(variants[0][1], refs, "smoke", [NB]).passed
    # another seed's value is far outside
    seed_run = variants[1][1]
    fake_run(seed_run, {"n_train_images": 5, "final_val_loss": 0.035})
    assert [r.key for r in regress.check_run(seed_run, refs, "smoke", [NB]).failures
            if r.status == "outside"] == ["final_val_loss"]


def test_update_needs_a_float_variant(tmp_path):
    run, variants = fake_variants(tmp_path, {"a": 1.0}, {"a": 1.0}, {"a": 2.0})
    with pytest.raises(ConfigError, match="float variant"):
        regress.write_references(run, variants[1:], tmp_path / "refs", "smoke", [NB])


def test_references_of_other_data_or_config_fail_clearly(tmp_path):
    run, variants = fake_variants(tmp_path, {"n_train_images": 5}, {"n_train_images": 5},
                                  {"n_train_images": 5})
    refs = tmp_path / "refs"
    regress.write_references(run, variants, refs, "smoke", [NB])
    other = fake_run(tmp_path / "other", {"n_train_images": 5}, n_train=6)
    result = regress.check_run(other, refs, "smoke", [NB])
    assert [(r.key, r.status) for r in result.failures] == [("image_ids_sha256", "source")]
    source = json.loads((refs / SOURCE_FILE).read_text())
    source["config"]["epochs"] = 3
    (refs / SOURCE_FILE).write_text(json.dumps(source))
    result = regress.check_run(run, refs, "smoke", [NB])
    assert [r.key for r in result.failures] == ["config.epochs"]
    assert "regress-update" in result.failures[0].note


def test_command_fails_on_a_moved_key_and_passes_within_tolerance(tmp_path, capsys, monkeypatch):
    from aelatent.cli import main

    monkeypatch.setattr(locations, "REFERENCE_ROOT", tmp_path / "refs")
    run, variants = fake_variants(tmp_path, {"n_train_images": 5, "final_val_loss": 0.03},
                                  {"n_train_images": 5, "final_val_loss": 0.0301},
                                  {"n_train_images": 5, "final_val_loss": 0.035})
    assert main(["regress", "--use-run", str(run), "--only", "01"]) == 1   # no references yet
    assert "no reference" in capsys.readouterr().out
    # one run cannot measure tolerances: --update with --use-run is refused clearly
    assert main(["regress", "--use-run", str(run), "--only", "01", "--update"]) == 1
    assert "--use-run" in capsys.readouterr().err
    regress.write_references(run, variants, tmp_path / "refs" / "smoke-synthetic-seed0",
                             "smoke", [NB])
    assert main(["regress", "--use-run", str(run), "--only", "01"]) == 0
    assert "identical to the references" in capsys.readouterr().out
    fake_run(run, {"n_train_images": 5, "final_val_loss": 0.0302})
    assert main(["regress", "--use-run", str(run), "--only", "01"]) == 0
    assert "within tolerance" in capsys.readouterr().out
    fake_run(run, {"n_train_images": 5, "final_val_loss": 0.05})
    assert main(["regress", "--use-run", str(run), "--only", "01"]) == 1
    captured = capsys.readouterr()
    assert "final_val_loss" in captured.out and "OUTSIDE" in captured.out
    assert "0.5 x seed spread" in captured.out
    assert "regress-update" in captured.err


def test_widening_folds_another_machines_run_into_the_tolerances(tmp_path, capsys, monkeypatch):
    """What another CPU moves, measured once, widens the stored spreads by the same rule."""
    from aelatent.cli import main

    monkeypatch.setattr(locations, "REFERENCE_ROOT", tmp_path / "refs")
    run, variants = fake_variants(tmp_path, {"n_train_images": 5, "final_val_loss": 0.03,
                                             "recon_face_rate": 0.5},
                                  {"n_train_images": 5, "final_val_loss": 0.0301,
                                   "recon_face_rate": 0.5},
                                  {"n_train_images": 5, "final_val_loss": 0.035,
                                   "recon_face_rate": 0.6})
    refs = tmp_path / "refs" / "smoke-synthetic-seed0"
    regress.write_references(run, variants, refs, "smoke", [NB])
    other_cpu = fake_run(tmp_path / "avx2", {"n_train_images": 5, "final_val_loss": 0.031,
                                             "recon_face_rate": 0.56})
    before = regress.check_run(other_cpu, refs, "smoke", [NB])
    assert [r.key for r in before.failures] == ["recon_face_rate"]          # beyond half a seed
    assert main(["regress", "--widen", "avx2-threads1", "--use-run", str(other_cpu),
                 "--only", "01"]) == 0
    assert "avx2-threads1: 1 tolerances widened, 1 keys now reported" in capsys.readouterr().out
    stored = json.loads((refs / f"{NB}.json").read_text())
    assert stored["final_val_loss"]["spread"] == pytest.approx(0.001)
    assert stored["final_val_loss"]["abs"] == pytest.approx(0.004)        # 4 x the new spread
    assert stored["final_val_loss"]["seed_spread"] == pytest.approx(0.005)
    assert stored["recon_face_rate"]["regressed"] is False                 # 0.06 of a seed's 0.1
    assert stored["n_train_images"]["abs"] == 0                            # invariants stay exact
    source = json.loads((refs / SOURCE_FILE).read_text())
    assert source["variants"][-1]["name"] == "avx2-threads1" and source["variants"][-1]["widened"]
    assert source["variants"][-1]["env"]["ONEDNN_MAX_CPU_ISA"] == "AVX2"
    assert regress.check_run(other_cpu, refs, "smoke", [NB]).passed
    # a planted change is still far outside
    fake_run(other_cpu, {"n_train_images": 5, "final_val_loss": 0.04, "recon_face_rate": 0.56})
    assert not regress.check_run(other_cpu, refs, "smoke", [NB]).passed


def test_the_avx2_variant_is_run_on_avx512_cpus_only():
    names = [v.name for v in regress.default_variants({}, {"avx512f": True})]
    assert names == ["threads1", "onednn0", "avx2-threads1", "seed+1", "seed+2"]
    assert [v.name for v in regress.default_variants({}, {"avx512f": False})] == \
        ["threads1", "onednn0", "seed+1", "seed+2"]
    with pytest.raises(ConfigError, match="unknown variant"):
        regress.extra_variant("avx3")


def test_use_run_of_another_profile_is_refused(tmp_path):
    run = fake_run(tmp_path / "run", {"n_train_images": 5})
    with pytest.raises(ConfigError, match="not a 'default' run"):
        regress.regress("default", use_run=run, log=lambda *a: None)


def test_reference_folder_names_the_data_source():
    assert reference_dir("smoke", "", 0).name == "smoke-synthetic-seed0"
    assert reference_dir("smoke", "/data/celeba_subset", 1).name == \
        "smoke-celeba_subset-seed1"
    assert regress.resolve_data("") == ""
    assert regress.resolve_data("auto") in ("", str(regress.SHARED_SUBSET))


def test_committed_references_are_well_formed():
    """Every committed reference entry has a value and a valid tolerance."""
    folders = [p for p in locations.REFERENCE_ROOT.iterdir() if p.is_dir()]
    assert folders, f"no reference folders in {locations.REFERENCE_ROOT}"
    for folder in folders:
        source = json.loads((folder / SOURCE_FILE).read_text())
        assert folder.name == f"{source['profile']}-{source['data']}-seed{source['seed']}"
        for notebook, entries in read_references(folder).items():
            assert entries, f"{folder.name}/{notebook} is empty"
            compare_metrics(notebook, {k: e["value"] for k, e in entries.items()}, entries)


# --------------------------------------------------------------------------- determinism
#: Two epochs of 128 images: enough steps for nondeterminism to show if there were any.
TINY = tiny(max_images=128, epochs=2, batch_size=16)


def test_same_seed_and_parameters_give_identical_weights_and_z_points():
    from aelatent.runs import ensure_run

    a = ensure_run("smoke", "", "determinism-a", 0, verbose=0, **TINY)
    b = ensure_run("smoke", "", "determinism-b", 0, verbose=0, **TINY)
    assert a.path != b.path
    for wa, wb in zip(a.encoder.get_weights() + a.decoder.get_weights(),
                      b.encoder.get_weights() + b.decoder.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    np.testing.assert_array_equal(a.z_train, b.z_train)
    assert a.history.to_dict("list") == b.history.to_dict("list")
    c = ensure_run("smoke", "", "determinism-c", 1, verbose=0, **TINY)
    assert not np.array_equal(a.z_train, c.z_train), "another seed must give other z-points"


# --------------------------------------------------------------------------- the series
def test_series_metrics_match_the_references(series_run, celeba_dir):
    """The smoke series' metrics (one run per test session) against tests/reference/.

    The series ran with another intra-op thread count than the references were
    made with, which moves float rounding the way another CPU does (conftest).

    Fails when a key moved beyond its tolerance, a key is missing, or a notebook
    that ran has no references: refresh with ``make regress-update`` after an
    intended change and commit the reference files with it.
    """
    references = reference_dir("smoke", celeba_dir, 0)
    data = celeba_dir or '""'
    assert references.is_dir(), (
        f"no references for this data source: {references} is missing. Write them with "
        f"{regress.REFRESH} (REGRESS_DATA={data}).")
    result = regress.check_run(series_run, references, "smoke")
    assert result.passed, f"the series' metrics moved:\n{result.report()}"
    # the series ran with another thread count than the references (conftest): had the
    # change not reached the kernels, every key would be identical and this check void
    assert not result.identical, "the series ran in the references' own numeric environment"


def test_fresh_regression_run_never_wipes_a_folder_in_use():
    from aelatent.errors import RunBusyError
    from aelatent.runs import runs_dir
    from aelatent.storage import folder_lock

    folder = runs_dir() / "regress-smoke-synthetic-seed0"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text("{}")
    with folder_lock(folder, name=".series.lock"):
        with pytest.raises(RunBusyError):
            regress.regress("smoke", data="", log=lambda *a: None)
    assert (folder / "config.json").exists()


def test_a_configuration_key_added_later_counts_with_its_default():
    """References made before a RunConfig field existed still hold while the field keeps its default."""
    now = {"data": "d", "seed": 0, "config": {"epochs": 2, "lr_schedule": "constant"}}
    before = {"data": "d", "seed": 0, "config": {"epochs": 2}}
    assert compare_source(now, before) == []
    changed = {"data": "d", "seed": 0, "config": {"epochs": 2, "lr_schedule": "cosine"}}
    (row,) = compare_source(changed, before)
    assert row.key == "config.lr_schedule" and row.status == "source"
    (row,) = compare_source(now, {"data": "d", "seed": 0, "config": {"epochs": 3}})
    assert row.key == "config.epochs"


def series_that_records(profile, data_dir, seed, notebooks, keep, variant, log):
    """Stands in for regress.fresh_series: records the process and seed a variant ran with."""
    if variant.name == "broken":
        raise ConfigError("the broken variant")
    folder = os.path.join(data_dir, variant.name)
    os.makedirs(folder)
    with open(os.path.join(folder, "ran.json"), "w") as f:
        json.dump({"pid": os.getpid(), "seed": seed + variant.seed_offset}, f)
    log(f"ran {variant.name}")
    return folder


@pytest.mark.parametrize("parallel", [1, 2])
def test_variants_run_side_by_side_each_on_one_thread(tmp_path, parallel):
    variants = [Variant("threads2", {"TF_NUM_INTRAOP_THREADS": "2"}),
                Variant("onednn0", {"TF_ENABLE_ONEDNN_OPTS": "0"}), Variant("seed+1", seed_offset=1)]
    before = dict(os.environ)
    runs = regress.run_variants("smoke", str(tmp_path), 0, variants, parallel=parallel,
                                series=series_that_records, log=lambda line: None)
    assert [v.name for v, _ in runs] == ["threads2", "onednn0", "seed+1"]        # order kept
    assert dict(os.environ) == before                                            # ours untouched
    threads, onednn, seed = (v.env for v, _ in runs)
    assert threads["TF_NUM_INTRAOP_THREADS"] == "2" and threads["OMP_NUM_THREADS"] == "1"
    assert onednn == {**regress.ONE_THREAD, "TF_ENABLE_ONEDNN_OPTS": "0"}
    assert seed == regress.ONE_THREAD                                            # recorded as run
    ran = [json.loads((folder / "ran.json").read_text()) for _, folder in runs]
    assert [r["seed"] for r in ran] == [0, 0, 1]
    assert all((r["pid"] == os.getpid()) == (parallel == 1) for r in ran)   # workers when parallel


def test_a_failing_variant_fails_the_update(tmp_path):
    with pytest.raises(ConfigError, match="the broken variant"):
        regress.run_variants("smoke", str(tmp_path), 0, [Variant("seed+1", seed_offset=1),
                                                          Variant("broken")],
                             parallel=2, series=series_that_records, log=lambda line: None)
