"""Copies of trained runs under other names, for tests that execute notebooks on them."""

import shutil


def copy_run(source, name, data_dir):
    """A copy of a trained smoke run (and its second autoencoder) under another run name."""
    from aelatent.run_request import RunRequest
    from aelatent.runs import runs_dir, second_case_request

    target = runs_dir() / name
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns(".lock", ".series.lock", "metrics", "notebooks")
    shutil.copytree(source, target, ignore=ignore)
    case2 = runs_dir() / second_case_request(RunRequest("smoke", data_dir, source.name, 0)).name()
    if case2.is_dir():
        shutil.rmtree(runs_dir() / f"{name}-case2", ignore_errors=True)
        shutil.copytree(case2, runs_dir() / f"{name}-case2", ignore=ignore)
    return target
