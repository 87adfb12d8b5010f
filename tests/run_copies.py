"""Copies of trained runs under other names, for tests that execute notebooks on them."""

import shutil


def copy_run(source, name, data_dir):
    """A copy of a trained smoke run (and its second autoencoder) under another run name."""
    from aelatent.runs import runs_dir, second_case_run_name

    target = runs_dir() / name
    shutil.rmtree(target, ignore_errors=True)
    ignore = shutil.ignore_patterns(".lock", ".series.lock", "metrics", "notebooks")
    shutil.copytree(source, target, ignore=ignore)
    case2 = runs_dir() / second_case_run_name("smoke", data_dir, source.name, 0)
    if case2.is_dir():
        shutil.rmtree(runs_dir() / f"{name}-case2", ignore_errors=True)
        shutil.copytree(case2, runs_dir() / f"{name}-case2", ignore=ignore)
    return target
