"""The notebooks' first and last cells: which run they open, and where their metrics go."""

import json

import papermill
import pytest

from aelatent import notebook, runner
from aelatent.errors import AelatentError, ConfigError
from aelatent.locations import current_run_file
from aelatent.run_request import RunRequest
from aelatent.runs import record_current_run


@pytest.fixture
def no_current_run(monkeypatch, tmp_path):
    monkeypatch.setenv("AELATENT_RUNS_DIR", str(tmp_path / "runs"))
    assert not current_run_file().exists()


RECORDED = RunRequest("default", "/data/celeba", "default-celeba-seed3", 3)


def test_the_run_request_wins(no_current_run):
    record_current_run(RECORDED)
    request, origin = notebook.resolve_request({"profile": "smoke"})
    assert (request.profile, request.data_dir, request.seed, request.model) == ("smoke", "", 0, "ae")
    assert "run_request" in origin
    request, _ = notebook.resolve_request({"run_name": "mine", "seed": 2, "model": "vae"})
    assert (request.run_name, request.seed, request.model) == ("mine", 2, "vae")


def test_an_empty_request_follows_the_recorded_run(no_current_run):
    record_current_run(RECORDED.replace(model="rae", options={"z_penalty": 0.01}))
    request, origin = notebook.resolve_request({})
    assert request == RECORDED.replace(model="rae", options={"z_penalty": 0.01})
    assert "make run" in origin and str(current_run_file()) in origin


def test_a_wrong_run_request_is_a_clear_error(no_current_run):
    with pytest.raises(ConfigError, match="unknown keys \\['profil'\\]"):
        notebook.resolve_request({"profil": "smoke"})
    with pytest.raises(ConfigError, match="must be a dict"):
        notebook.resolve_request("smoke")
    with pytest.raises(ConfigError, match="model must be one of"):
        RunRequest(model="gan").config()


def test_the_first_output_names_the_loss_of_every_kind(no_current_run):
    for request, loss in [(RunRequest(model="vae", options={"kl_weight": 0.25}), "kl_weight 0.25"),
                          (RunRequest(model="rae"), "z_penalty"),
                          (RunRequest(), "ae: mean squared error")]:
        text = notebook.NotebookRun("02_component_distributions", request, origin="a test").describe()
        assert f"loss {request.model}: " in text and loss in text, text


def test_without_a_record_the_smoke_default_says_how_to_make_a_run(no_current_run):
    request, origin = notebook.resolve_request()
    assert (request.profile, request.data_dir, request.seed) == ("smoke", "", 0)
    text = notebook.NotebookRun("07_component_interval_sampling", request, origin=origin).describe()
    assert "no run recorded yet" in text and "make run" in text


def test_a_damaged_record_is_a_clear_error(no_current_run):
    current_run_file().parent.mkdir(parents=True)
    current_run_file().write_text(json.dumps({"profile": "smoke"}))
    with pytest.raises(ConfigError, match="lacks"):
        notebook.resolve_request()


def test_make_run_records_the_run_and_regression_runs_do_not(no_current_run, monkeypatch):
    seen = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda *a, parameters, **kw: seen.append(parameters))
    request = RunRequest("smoke", "", "recorded", 4, "vae", {"kl_weight": 0.5})
    runner.run_series(request, notebooks=["01"], log=lambda *a: None, record=False)
    assert not current_run_file().exists()
    runner.run_series(request, notebooks=["01"], log=lambda *a: None)
    assert notebook.resolve_request()[0] == request
    # one papermill parameter carries the whole request, and reads back as it
    assert list(seen[0]) == ["run_request"] and RunRequest.from_parameter(seen[0]["run_request"]) == request


def test_a_request_with_sequence_options_survives_the_papermill_parameter():
    # papermill writes a tuple as its string ("(8, 16)"), which RunConfig then refuses: the
    # parameter carries lists, and the request read back equals the one sent
    from papermill.translators import PythonTranslator
    from tiny import TINY

    request = RunRequest("smoke", "", "tiny", 0, "vae", TINY)
    namespace = {}
    exec(PythonTranslator.codify({"run_request": request.to_parameter()}), namespace)
    assert RunRequest.from_parameter(namespace["run_request"]) == request
    assert namespace["run_request"]["options"]["encoder_filters"] == [8, 16]
    assert RunRequest.from_parameter(namespace["run_request"]).config().encoder_filters == \
        request.config().encoder_filters


def test_run_names_say_the_model_kind_and_the_plain_ae_keeps_its_names():
    assert RunRequest("default", "", "", 0).name() == "default-synthetic-seed0"
    assert RunRequest("default", "", "", 0, "vae").name() == "default-vae-synthetic-seed0"
    assert RunRequest("smoke", "", "", 1, "vae", {"kl_weight": 0.01}).name() == \
        "smoke-vae-kl_weight0.01-synthetic-seed1"
    assert RunRequest("smoke", "", "", 0, "rae", {"decoder_regularizer": "spectral"}).name() == \
        "smoke-rae-spectral-synthetic-seed0"


def test_siblings_of_a_named_run_are_its_own_and_of_a_derived_run_derived():
    from aelatent.runs import sibling_request
    derived = RunRequest("default", "", "", 0)
    assert sibling_request(derived, model="vae").name() == "default-vae-synthetic-seed0"
    named = RunRequest("smoke", "", "regress-x", 0)
    assert sibling_request(named, model="vae", options={"kl_weight": 0.1}).name() == \
        "regress-x--vae-kl_weight0.1"
    assert sibling_request(named, model="ae") == named
    vae = RunRequest("default", "", "", 0, "vae")
    assert sibling_request(vae, model="ae").name() == "default-synthetic-seed0"


def test_sibling_options_compose_with_the_requests_own():
    from aelatent.runs import sibling_request
    mine = RunRequest("smoke", "", "mine", 0, "ae", {"max_images": 2000})
    vae = sibling_request(mine, model="vae", options={"kl_weight": 0.1})
    assert dict(vae.options) == {"max_images": 2000, "kl_weight": 0.1}
    assert vae.config().max_images == 2000 and vae.config().kl_weight == 0.1
    # back to the AE: the VAE's option goes, the request's own stays
    back = sibling_request(vae, model="ae")
    assert dict(back.options) == {"max_images": 2000}
    # a named run's AE sibling with options of its own is named by them, never "mine--ae-"
    other = sibling_request(RunRequest("smoke", "", "mine", 0), model="ae", options={"max_images": 500})
    assert other.name() == "mine--ae-max_images500"


def test_notebook_numbers_name_the_metrics_file(tiny_copy):
    assert notebook.notebook_stem("07") == "07_component_interval_sampling"
    assert notebook.notebook_stem("07_component_interval_sampling") == \
        "07_component_interval_sampling"
    with pytest.raises(AelatentError, match="no notebook matches"):
        notebook.notebook_stem("99")
    request = RunRequest("smoke", "", "tiny", 0)
    opened = notebook.NotebookRun("03_component_correlations", request, origin="a test")
    assert opened.describe().startswith("run tiny (model ae, profile smoke, data the embedded")
    opened.__dict__["run"] = tiny_copy           # a copy of the session's tiny run stands in
    path = opened.write_metrics({"x": 1.5})
    assert path == tiny_copy.path / "metrics" / "03_component_correlations.json"
    assert json.loads(path.read_text()) == {"x": 1.5}
    assert opened.gaussian.n_features_in_ == tiny_copy.z_train.shape[1]
    text = opened.describe()
    assert tiny_copy.name in text and "trained 20" in text and "z-points" in text
    # the first output counts what earlier executions stored, of every kind
    from aelatent.result_store import ResultStore
    for folder, kind in notebook.STORED_RESULTS:
        ResultStore(tiny_copy.path / "results" / folder, kind).save({"planted": folder}, {}, {})
    text = opened.describe()
    assert all(f"1 {kind}" in text for _, kind in notebook.STORED_RESULTS), text
