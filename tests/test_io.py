import io
import json
import zipfile

import numpy as np
import pytest

from rnn_core.config import LabConfig
from rnn_core.io import ModelFileError, load_model, save_model
from rnn_core.mlp import MLP
from rnn_core.rnn import RNN
from rnn_core.scaling import MinMaxScaler, StandardScaler


def _trained_like(model, seed=0):
    """Move every parameter away from its seeded initial value, as training would, so a
    loader that rebuilt the model from its seed alone could not pass."""
    rng = np.random.default_rng(seed)
    for p in model.params.values():
        p += rng.normal(0.0, 0.3, size=p.shape)
    return model


def _saved(model, **kwargs) -> bytes:
    buf = io.BytesIO()
    save_model(buf, model, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("model, window, n_in", [
    (RNN(1, 8, 1, seed=1), 6, 1),
    (RNN(2, 5, 2, n_layers=2, activation="relu", seed=2), 4, 2),
    (MLP(6, 10, 1, seed=3), 6, 1),
    (MLP(12, (7, 3), 2, seed=4), 6, 2),
])
@pytest.mark.parametrize("scaler_cls", [MinMaxScaler, StandardScaler])
def test_a_loaded_model_predicts_bit_identically(tmp_path, model, window, n_in, scaler_cls):
    _trained_like(model)
    scaler = scaler_cls().fit(np.random.default_rng(0).normal(3.0, 2.0, size=(50, n_in)))
    path = tmp_path / "model.npz"
    save_model(path, model, scaler=scaler, config={"window": window, "note": "tanh"})
    loaded = load_model(path)
    X = np.random.default_rng(9).normal(size=(7, window, n_in))
    np.testing.assert_array_equal(loaded.model.predict(X), model.predict(X))
    assert type(loaded.model) is type(model) and loaded.model.config == model.config
    np.testing.assert_array_equal(loaded.scaler.transform(X[:, 0]), scaler.transform(X[:, 0]))
    assert loaded.config == {"window": window, "note": "tanh"}


def test_save_and_load_through_file_objects_with_a_lab_config():
    model = _trained_like(RNN(1, 4, 1))
    loaded = load_model(io.BytesIO(_saved(model, config=LabConfig(window=7))))
    assert loaded.config == LabConfig(window=7).to_dict()
    assert loaded.scaler is None
    for name, p in model.params.items():
        np.testing.assert_array_equal(loaded.model.params[name], p)


def test_the_file_is_a_plain_npz_without_pickles(tmp_path):
    path = tmp_path / "m"  # no suffix: written exactly here, not to m.npz
    save_model(path, RNN(1, 3, 1, n_layers=2), scaler=MinMaxScaler().fit(np.arange(4.0)))
    assert path.exists() and not (tmp_path / "m.npz").exists()
    with np.load(path, allow_pickle=False) as z:
        assert sorted(z.files) == sorted(["meta", "param/W_xh", "param/W_hh", "param/b_h",
                                          "param/W_xh_1", "param/W_hh_1", "param/b_h_1",
                                          "param/W_hy", "param/b_y"])
        meta = json.loads(str(z["meta"][()]))
        assert all(z[f].dtype != object for f in z.files)
    assert meta["format"] == "rnn-lab-model" and meta["version"] == 1
    assert meta["model"]["kind"] == "rnn" and meta["scaler"]["kind"] == "minmax"


def test_a_loaded_model_can_keep_training_in_place():
    loaded = load_model(io.BytesIO(_saved(RNN(1, 3, 1))))
    W = loaded.model.params["W_hh"]
    W += 1.0  # the live array an optimizer would update
    assert loaded.model.params["W_hh"] is W


def test_saving_refuses_a_diverged_model_or_a_non_json_config():
    model = RNN(1, 3, 1)
    with pytest.raises(ValueError, match="plain finite values"):
        save_model(io.BytesIO(), model, config={"f": object()})
    model.params["b_y"][0] = np.nan
    with pytest.raises(ValueError, match="diverged model cannot be saved"):
        save_model(io.BytesIO(), model)


# ----- files that are not usable models ------------------------------------------------
GOOD = _saved(_trained_like(RNN(1, 4, 1)), scaler=MinMaxScaler().fit(np.arange(5.0)))


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _doctored(change) -> bytes:
    """GOOD with its arrays (and JSON meta) edited by `change(arrays, meta)`."""
    with np.load(io.BytesIO(GOOD), allow_pickle=False) as z:
        arrays = {f: z[f] for f in z.files}
    meta = json.loads(str(arrays["meta"][()]))
    change(arrays, meta)
    arrays["meta"] = np.array(json.dumps(meta))
    return _npz(**arrays)


def _zip_of_text() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "not a model")
    return buf.getvalue()


def _corrupt_middle() -> bytes:
    b = bytearray(GOOD)
    mid = len(b) // 2
    b[mid:mid + 40] = b"\x00" * 40
    return bytes(b)


def _object_meta() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, meta=np.array([{"format": "rnn-lab-model"}], dtype=object))
    return buf.getvalue()


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.arange(3.0))
    return buf.getvalue()


def _npy_header(shape, descr="<f8") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False,
                                               "shape": shape})
    return buf.getvalue()


def _declared(member: str, shape, body: bytes = b"\0" * 128) -> bytes:
    """GOOD with the .npy header of `member` replaced by one declaring `shape` (float64),
    followed by `body`: what a doctored or cut file looks like inside."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == member:
                data = _npy_header(shape) + body
            dst.writestr(info.filename, data)
    return out.getvalue()


def _unpacks_huge() -> bytes:
    """GOOD plus a 105 MB array of zeros, deflated to a few hundred kB: honest headers, but more
    than any RNN Lab model unpacks to."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(GOOD)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
        n = 13_200_000
        with dst.open("param/padding.npy", "w", force_zip64=True) as fh:
            fh.write(_npy_header((n,)))
            chunk = bytes(8 * 100_000)
            for _ in range(n // 100_000):
                fh.write(chunk)
    return out.getvalue()


BAD_FILES = {
    "empty": (b"", "not an RNN Lab model \\(the file is empty\\)"),
    "text": (b"date,value\n2020-01-01,1.5\n", "not an RNN Lab model .*text or CSV"),
    "truncated": (GOOD[: len(GOOD) // 2], "not an RNN Lab model .*cut short"),
    "truncated tail": (GOOD[:-20], "not an RNN Lab model .*cut short"),
    "corrupt bytes": (_corrupt_middle(), "damaged"),
    "foreign npz": (_npz(a=np.arange(3.0), b=np.eye(2)), "without RNN Lab's 'meta' entry"),
    "zip of text": (_zip_of_text(), "without RNN Lab's 'meta' entry"),
    "single npy": (_npy(), "single NumPy array"),
    "pickled meta": (_object_meta(), "damaged"),
    "meta not json": (_npz(meta=np.array("{not json")), "not valid JSON"),
    "numbers as meta": (_npz(meta=np.arange(3.0)), "not a text document"),
    "wrong tag": (_doctored(lambda a, m: m.update(format="other-app")), "lacks the format tag"),
    "newer version": (_doctored(lambda a, m: m.update(version=99)), "Update RNN Lab"),
    "unknown kind": (_doctored(lambda a, m: m["model"].update(kind="transformer")),
                     "kind is 'transformer'.*'rnn' \\(Elman RNN\\), 'gru' \\(GRU\\), 'lstm'"),
    "bad architecture": (_doctored(lambda a, m: m["model"].update(activation="gelu")),
                         "impossible architecture"),
    "huge architecture": (_doctored(lambda a, m: m["model"].update(n_hidden=10**6)),
                          "needs more weights than the file holds"),
    "missing param": (_doctored(lambda a, m: a.pop("param/b_h")), "missing: \\['b_h'\\]"),
    "extra param": (_doctored(lambda a, m: a.update({"param/W_zz": np.ones(2)})),
                    "unexpected: \\['W_zz'\\]"),
    "wrong shape": (_doctored(lambda a, m: a.update({"param/b_h": np.ones(5)})),
                    "b_h .*needs \\(4,\\)"),
    "integer param": (_doctored(lambda a, m: a.update({"param/b_y": np.ones(1, dtype=int)})),
                      "b_y .*floats"),
    "nan param": (_doctored(lambda a, m: a.update({"param/W_hy": np.full((1, 4), np.nan)})),
                  "W_hy .*NaN"),
    "bad scaler": (_doctored(lambda a, m: m["scaler"]["fitted"].update(scale_=[0.0])),
                   "damaged .*scale_"),
    # sizes checked from the zip directory and the .npy headers, before anything is allocated
    "huge declared shape": (_declared("param/W_hh.npy", (10**6, 10**6)),
                            "damaged: its entry 'param/W_hh' declares an array of shape "
                            "\\(1000000, 1000000\\) \\(8 TB\\) but holds 128 bytes"),
    "header longer than its data": (_declared("param/W_hh.npy", (4, 4), b"\0" * 64),
                                    "'param/W_hh' declares an array of shape \\(4, 4\\) "
                                    "\\(128 bytes\\) but holds 64 bytes"),
    "declared shape off the architecture": (_declared("param/W_hh.npy", (2, 8)),
                                            "W_hh .*shape \\(2, 8\\).*needs \\(4, 4\\)"),
    "huge meta": (_declared("meta.npy", (10**9,)), "declares an array of shape \\(1000000000,\\)"),
    "unpacks to over 100 MB": (_unpacks_huge(), "would unpack to 105.6 MB; RNN Lab models are at "
                                                "most 100.0 MB"),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_each_kind_of_bad_file_raises_model_file_error(kind):
    data, words = BAD_FILES[kind]
    with pytest.raises(ModelFileError, match=words):
        load_model(io.BytesIO(data))


def test_bad_files_are_refused_from_a_path_too(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ModelFileError, match="not an RNN Lab model"):
        load_model(path)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.npz")


def test_model_file_error_is_a_value_error():
    assert issubclass(ModelFileError, ValueError)
