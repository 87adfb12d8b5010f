"""The series runner: parameters handed to the notebooks, and errors before any work."""

import os
import re

import papermill
import pytest

from aelatent import runner
from aelatent.errors import DataError
from aelatent.progress import stage_line
from aelatent.run_request import RunRequest
from aelatent.runs import runs_dir


def test_relative_data_folder_reaches_the_notebooks_as_an_absolute_path(
        make_celeba_folder, tmp_path, monkeypatch):
    folder = make_celeba_folder(n=4)
    seen = []
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda src, out, parameters, **kw: seen.append(parameters))
    monkeypatch.chdir(tmp_path)
    runner.run_series(RunRequest("smoke", "celeba", "runner-relative", 0), notebooks=["01"], log=lambda *a: None)
    assert len(seen) == 1
    request = seen[0]["run_request"]
    assert request["data_dir"] == str(folder.resolve())
    assert os.path.isabs(request["data_dir"])
    assert request["run_name"] == "runner-relative" and request["profile"] == "smoke"


def test_synthetic_default_is_passed_as_empty_data_dir(monkeypatch):
    seen = []
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda src, out, parameters, **kw: seen.append(parameters))
    runner.run_series(RunRequest("smoke", "", "runner-synthetic", 0), notebooks=["01"], log=lambda *a: None)
    assert seen[0]["run_request"]["data_dir"] == ""


def test_missing_data_folder_fails_before_any_notebook_or_run_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(papermill, "execute_notebook",
                        lambda *a, **kw: pytest.fail("a notebook was started"))
    with pytest.raises(DataError, match="does not exist"):
        runner.run_series(RunRequest("smoke", str(tmp_path / "nowhere"), "runner-missing", 0),
                          log=lambda *a: None)
    assert not (runs_dir() / "runner-missing").exists()


def test_unknown_notebook_selection_is_a_clear_error():
    with pytest.raises(runner.AelatentError, match="no notebook matches"):
        runner.series(["99"])


def test_training_lines_pass_epochs_and_finished_loops_only():
    said = []
    sink = runner.TrainingLines(said.append)
    for chunk in ("3000 CelebA images from ...\nEpoch 1/2\n43/43 - 6s - 131ms/st", "ep - loss: 0.0739 - "
                  "val_loss: 0.0590\nEpoch 2/2\n", "43/43 - 5s - 121ms/step - loss: 0.0436\n",
                  "encoding z_train.npy: 6 steps in 1.3 s\nmean |z| = 35.11\n", "Epoch 3/3\n",
                  "43/43 - 7s - 1s/step - kl: 52.1 - loss: 151.2 - mse: 0.0081 - val_kl: 51.0 - "
                  "val_loss: 149.8 - val_mse: 0.0080\n",
                  "               gmm10: face rate 0.615, Frechet-ONet 1.2 [1.1, 1.3], KID-ONet 0.0021\n"
                  "fitted 3 mixtures\n", stage_line("fitting gmm100 ...") + "\n"):
        sink.write(chunk)
    assert said == ["    epoch 1/2: 6s, loss 0.0739, val_loss 0.0590",
                    "    epoch 2/2: 5s, loss 0.0436",
                    "    encoding z_train.npy: 6 steps in 1.3 s",
                    "    epoch 3/3: 7s, loss 151.2, val_loss 149.8",
                    "    gmm10: face rate 0.615, Frechet-ONet 1.2 [1.1, 1.3], KID-ONet 0.0021",
                    "    » fitting gmm100 ..."]


def test_a_quiet_notebook_gets_a_heartbeat_line_naming_its_last_stage():
    import time

    said = []
    sink = runner.TrainingLines(said.append, quiet_after=0.2, poll=0.02)
    with sink.heartbeat():
        sink.write(stage_line("fitting gmm100 ...") + "\n")
        time.sleep(0.5)
    assert said[0] == "    » fitting gmm100 ..."
    beats = said[1:]
    assert beats and all(b.startswith("    ... still working") for b in beats)
    assert "(last: » fitting gmm100 ...)" in beats[0]
    said.clear()
    time.sleep(0.3)                   # the heartbeat ends with its block
    assert said == []


def test_the_kernel_is_asked_to_keep_its_transport_warning_quiet(monkeypatch):
    seen = []
    monkeypatch.setattr(papermill, "execute_notebook", lambda src, out, **kw: seen.append(kw))
    runner.run_series(RunRequest("smoke", "", "runner-quiet", 0), notebooks=["01"], log=lambda *a: None,
                      record=False, progress=True)
    assert runner.QUIET_KERNEL in seen[0]["extra_arguments"]
    assert isinstance(seen[0]["stdout_file"], runner.TrainingLines)
    assert os.environ.get("AELATENT_PROGRESS") is None        # restored after the series


def test_progress_bar_prints_one_finished_line_under_the_runner(monkeypatch, capsys):
    from aelatent.progress import progress_bar

    monkeypatch.setenv("AELATENT_PROGRESS", "log")
    assert list(progress_bar(range(5), True, "drawing", total=5)) == [0, 1, 2, 3, 4]
    assert re.fullmatch(r"drawing: 5 steps in \d+\.\d s\n", capsys.readouterr().out)
    assert progress_bar([1], False, "off") == [1]


def test_the_kernels_own_stderr_goes_to_a_log_not_the_terminal(tmp_path, capfd):
    """TensorFlow's C++ runtime writes to the kernel process's stderr (file descriptor 2)."""
    import nbformat

    book = tmp_path / "99_stderr.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os\nos.write(2, b'I0000 oneDNN custom operations are on\\n')\nprint('cell output')")]),
        book)
    out = tmp_path / "executed" / "99_stderr.ipynb"
    out.parent.mkdir()
    runner._execute(book, out, {}, progress=False)
    captured = capfd.readouterr()
    assert "oneDNN" not in captured.err + captured.out
    assert "oneDNN custom operations" in runner.kernel_log(out).read_text()
    assert "cell output" in out.read_text()                 # the notebook keeps its own output


def test_leaving_trainings_out_reaches_parameters_the_notebooks_declare():
    """make run SECOND_CASE=0 SWEEPS=0: the parameters exist in the notebooks' parameter cells
    (papermill would pass an unknown name on silently, and nothing would be left out)."""
    import json

    from aelatent.cli import run_parameters
    from aelatent.runner import series

    assert run_parameters() is None
    assert run_parameters(no_second_case=True) == {"second_case": False}
    assert run_parameters(sweeps=True) == {"sweeps": True}
    extra = run_parameters(no_second_case=True, sweeps=False)
    assert extra == {"second_case": False, "sweeps": False}
    declared = set()
    for book in series():
        cells = json.loads(book.read_text())["cells"]
        for cell in cells:
            if "parameters" in cell.get("metadata", {}).get("tags", []):
                declared |= set(re.findall(r"^(\w+)\s*=", "".join(cell["source"]), re.M))
    assert set(extra) <= declared
