"""Safe loading: Keras models in safe mode, arrays without pickle, tampered files are clear errors."""

import ast
import json
import re
import zipfile
from pathlib import Path

import keras
import numpy as np
import pytest

from aelatent.data import load_image_set
from aelatent.errors import DataError
from aelatent.model import load_model, save_model
from aelatent.storage import load_array

PACKAGE = Path(__file__).resolve().parents[1] / "aelatent"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _assert_clean_error(info):
    """A user-facing error: our type, and no chained (TensorFlow/Keras/NumPy) traceback."""
    assert isinstance(info.value, DataError)
    assert info.value.__suppress_context__ or info.value.__context__ is None


# --------------------------------------------------------------------------- arrays
@pytest.mark.parametrize("filename", ["z_train.npy", "ids_val.npy"])
def test_pickled_object_array_in_a_run_folder(tiny_copy, filename):
    objects = np.empty(3, dtype=object)
    objects[:] = [{"x": 1}, "payload", None]
    np.save(tiny_copy.path / filename, objects, allow_pickle=True)
    attribute = "z_train" if filename == "z_train.npy" else "ids_val"
    with pytest.raises(DataError, match=rf"{filename} is not a plain NumPy array file.*"
                                        r"allow_pickle=False.*Delete it") as info:
        getattr(tiny_copy, attribute)
    _assert_clean_error(info)


@pytest.mark.parametrize("content", [b"", b"\x80\x04garbage" * 10, "truncated"],
                         ids=["zero_bytes", "garbage", "truncated"])
def test_damaged_array_files(tmp_path, content):
    path = tmp_path / "z_val.npy"
    if content == "truncated":
        np.save(path, np.zeros((100, 16), np.float32))
        path.write_bytes(path.read_bytes()[:400])
    else:
        path.write_bytes(content)
    for mmap_mode in (None, "r"):
        with pytest.raises(DataError, match=f"{path} is not a plain NumPy array file") as info:
            load_array(path, mmap_mode=mmap_mode)
        _assert_clean_error(info)


def test_damaged_image_cache_entry(make_celeba_folder, tmp_path):
    from aelatent.config import profile_config

    config = profile_config("smoke", str(make_celeba_folder(4)), 0, image_size=32)
    cache = tmp_path / "cache"
    load_image_set(config, cache_dir=cache, progress=False)
    entry = next(cache.iterdir())
    (entry / "meta.json").write_text("{half")
    with pytest.raises(DataError, match="meta.json is not valid JSON"):
        load_image_set(config, cache_dir=cache, progress=False)
    (entry / "meta.json").write_text('{"n_skipped": 0}')
    images = entry / "images.npy"
    images.write_bytes(images.read_bytes()[:1000])
    with pytest.raises(DataError, match="images.npy is not a plain NumPy array file"):
        load_image_set(config, cache_dir=cache, progress=False)


# --------------------------------------------------------------------------- models
def _write_zip(path, files):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _lambda_model(path):
    inputs = keras.Input((16,))
    outputs = keras.layers.Lambda(lambda x: x * 2.0)(inputs)
    keras.Model(inputs, outputs).save(str(path))


@pytest.mark.parametrize("tamper", ["random_bytes", "truncated", "bad_config", "lambda_layer"])
def test_tampered_or_foreign_keras_file(tiny_copy, tamper):
    path = tiny_copy.path / "decoder.keras"
    if tamper == "random_bytes":
        path.write_bytes(np.random.default_rng(0).bytes(2048))
    elif tamper == "truncated":
        path.write_bytes(path.read_bytes()[:500])
    elif tamper == "bad_config":
        with zipfile.ZipFile(path) as zf:
            files = {n: zf.read(n) for n in zf.namelist()}
        files["config.json"] = b'{"class_name": "NoSuchLayer", "config": {}}'
        _write_zip(path, files)
    else:
        _lambda_model(path)               # arbitrary Python code: refused in safe mode
    with pytest.raises(DataError, match=r"cannot load the model .*decoder\.keras .*delete the "
                                        r"run folder") as info:
        tiny_copy.decoder
    _assert_clean_error(info)
    if tamper == "lambda_layer":
        assert "safe_mode" in str(info.value) or "Lambda" in str(info.value)


def test_safe_mode_refuses_code_that_keras_would_run_otherwise(tmp_path):
    path = tmp_path / "foreign.keras"
    _lambda_model(path)
    # without safe mode Keras would deserialise the lambda's bytecode ...
    unsafe = keras.saving.load_model(str(path), safe_mode=False)
    assert unsafe.predict(np.ones((1, 16)), verbose=0)[0, 0] == 2.0
    # ... aelatent refuses it
    with pytest.raises(DataError, match="foreign.keras"):
        load_model(path)


def test_run_models_are_loaded_with_safe_mode(tiny_copy, monkeypatch):
    calls = []
    real = keras.saving.load_model

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(keras.saving, "load_model", spy)
    tiny_copy.encoder, tiny_copy.decoder
    assert len(calls) == 2 and all(c.get("safe_mode") is True for c in calls)


def test_saved_models_hold_no_code(tiny_run):
    for name in ("encoder.keras", "decoder.keras"):
        with zipfile.ZipFile(tiny_run.path / name) as zf:
            names = zf.namelist()
            config = json.loads(zf.read("config.json"))
        assert not [n for n in names if n.endswith((".pkl", ".pickle", ".py"))]
        classes = set(re.findall(r'"class_name": "([^"]+)"', json.dumps(config)))
        assert "Lambda" not in classes and "TFOpLambda" not in classes
        assert load_model(tiny_run.path / name).count_params() > 0


def test_save_model_replaces_atomically(tmp_path):
    path = tmp_path / "encoder.keras"
    inputs = keras.Input((4,))
    save_model(keras.Model(inputs, keras.layers.Dense(2)(inputs)), path)
    save_model(keras.Model(inputs, keras.layers.Dense(3)(inputs)), path)
    assert [p.name for p in tmp_path.iterdir()] == ["encoder.keras"]
    assert load_model(path).output_shape == (None, 3)


# --------------------------------------------------------------------------- the project's own artifacts
def test_run_and_cache_artifacts_are_pickle_free(tiny_run):
    import os

    folders = [tiny_run.path, Path(os.environ["AELATENT_CACHE_DIR"])]
    files = [p for folder in folders for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        assert path.suffix in {".json", ".npy", ".npz", ".keras", ""}, path   # "" = the .lock file
        if path.suffix == ".npy":
            array = np.load(path, allow_pickle=False)
            assert array.dtype != object, path
        elif path.suffix == ".npz":             # stored results (aelatent.result_store)
            with np.load(path, allow_pickle=False) as arrays:
                assert all(arrays[name].dtype != object for name in arrays.files), path
        elif path.suffix == ".json":
            json.loads(path.read_text())


def _package_sources():
    return sorted(PACKAGE.glob("*.py"))


def test_the_package_never_uses_pickle():
    banned_modules = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve",
                      "marshal"}
    banned_text = ["allow_pickle=True", "safe_mode=False", "read_pickle", "to_pickle",
                   "pickle.load", "torch.load", "enable_unsafe_deserialization"]
    problems = []
    for path in _package_sources():
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            problems += [f"{path.name}: imports {n}" for n in names
                         if n.split(".")[0] in banned_modules]
        problems += [f"{path.name}: {t}" for t in banned_text if t in source]
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        problems += [f"{path.name}: {t}" for t in banned_text + ["import pickle", "joblib"]
                     if t in source]
    assert problems == []


def test_every_load_call_in_the_package_is_safe():
    """np.load passes allow_pickle=False, Keras load_model passes safe_mode=True."""
    problems, checked = [], 0
    for path in _package_sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            keywords = {k.arg: ast.unparse(k.value) for k in node.keywords}
            if name in ("np.load", "numpy.load"):
                checked += 1
                if keywords.get("allow_pickle") != "False":
                    problems.append(f"{path.name}:{node.lineno} {name} without allow_pickle=False")
            if name.endswith("load_model") and name.startswith(("keras", "tf.keras")):
                checked += 1
                if keywords.get("safe_mode") != "True":
                    problems.append(f"{path.name}:{node.lineno} {name} without safe_mode=True")
    assert problems == []
    assert checked >= 3          # storage.load_array, data._truncate_npy, model.load_model
