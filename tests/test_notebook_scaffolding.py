"""The notebooks' first and last cells: which run they open, and where their metrics go."""

import json

import papermill
import pytest

from aelatent import notebook, runner
from aelatent.errors import AelatentError, ConfigError
from aelatent.locations import current_run_file
from aelatent.runs import record_current_run


@pytest.fixture
def no_current_run(monkeypatch, tmp_path):
    monkeypatch.setenv("AELATENT_RUNS_DIR", str(tmp_path / "runs"))
    assert not current_run_file().exists()


def test_parameters_win(no_current_run):
    record_current_run("default", "/data/celeba", "default-celeba-seed3", 3)
    request = notebook.resolve_request("smoke", "", "", None)
    assert (request.profile, request.data_dir, request.seed) == ("smoke", "", 0)
    assert "parameters" in request.origin
    assert notebook.resolve_request("", "", "mine", 2).run_name == "mine"


def test_empty_parameters_follow_the_recorded_run(no_current_run):
    record_current_run("default", "/data/celeba", "default-celeba-seed3", 3)
    request = notebook.resolve_request("", "", "", None)
    assert (request.profile, request.data_dir, request.run_name, request.seed) == (
        "default", "/data/celeba", "default-celeba-seed3", 3)
    assert "make run" in request.origin and str(current_run_file()) in request.origin
    with pytest.raises(ConfigError, match="trained with seed 3"):
        notebook.resolve_request("", "", "", 0)


def test_without_a_record_the_smoke_default_says_how_to_make_a_run(no_current_run):
    request = notebook.resolve_request()
    assert (request.profile, request.data_dir, request.seed) == ("smoke", "", 0)
    text = notebook.NotebookRun("07_component_interval_sampling", request).describe()
    assert "no run recorded yet" in text and "make run" in text


def test_a_damaged_record_is_a_clear_error(no_current_run):
    current_run_file().parent.mkdir(parents=True)
    current_run_file().write_text(json.dumps({"profile": "smoke"}))
    with pytest.raises(ConfigError, match="lacks"):
        notebook.resolve_request()


def test_make_run_records_the_run_and_regression_runs_do_not(no_current_run, monkeypatch):
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, **kw: None)
    runner.run_series("smoke", "", "recorded", 4, notebooks=["01"], log=lambda *a: None,
                      record=False)
    assert not current_run_file().exists()
    runner.run_series("smoke", "", "recorded", 4, notebooks=["01"], log=lambda *a: None)
    request = notebook.resolve_request()
    assert (request.run_name, request.seed, request.profile) == ("recorded", 4, "smoke")


def test_notebook_numbers_name_the_metrics_file(tiny_copy):
    assert notebook.notebook_stem("07") == "07_component_interval_sampling"
    assert notebook.notebook_stem("07_component_interval_sampling") == \
        "07_component_interval_sampling"
    with pytest.raises(AelatentError, match="no notebook matches"):
        notebook.notebook_stem("99")
    request = notebook.RunRequest("smoke", "", "tiny", 0, "a test")
    opened = notebook.NotebookRun("03_component_correlations", request)
    assert opened.describe().startswith("run tiny (profile smoke, data the embedded")
    opened.__dict__["run"] = tiny_copy           # a copy of the session's tiny run stands in
    path = opened.write_metrics({"x": 1.5})
    assert path == tiny_copy.path / "metrics" / "03_component_correlations.json"
    assert json.loads(path.read_text()) == {"x": 1.5}
    assert opened.gaussian.n_features_in_ == tiny_copy.z_train.shape[1]
    text = opened.describe()
    assert tiny_copy.name in text and "trained 20" in text and "z-points" in text
