"""Save a trained model (with its scaler and settings) to one .npz file, and load it back safely.

Layout of the archive (plain `np.savez`, readable with `np.load(..., allow_pickle=False)`):

    meta           0-d unicode array: a JSON document {"format": "rnn-lab-model", "version": 1,
                   "model": model.config, "scaler": scaler.to_dict() | null, "config": {...}}
    param/<name>   one float64 array per model parameter (W_xh, W_hh, ..., b_y)

The model's "kind" names what it is: "mlp", or the recurrent cell ("rnn" the Elman RNN, "gru",
"lstm"; see rnn_core/cells.py). Files from before the gated cells say "rnn" and load as before.

Nothing is pickled, so opening a file from a stranger cannot run code. A loaded file is
checked (format tag, architecture, parameter names and shapes, finite values) and anything
else raises `ModelFileError` in plain words. Sizes are checked before anything is allocated:
the zip directory's uncompressed sizes against MAX_MODEL_BYTES, and each array's shape and
dtype, read from its .npy header alone, against the bytes it really holds and against the
shapes the architecture implies — so a doctored header cannot ask for terabytes.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import zipfile
from typing import NamedTuple

import numpy as np

from rnn_core.cells import CELL_LABELS, CELLS
from rnn_core.i18n import _
from rnn_core.mlp import MLP
from rnn_core.rnn import RNN
from rnn_core.scaling import scaler_from_dict
from rnn_core.words import counted

FORMAT = "rnn-lab-model"
VERSION = 1
MODEL_KINDS = CELLS | {"mlp": MLP}
KIND_LABELS = CELL_LABELS | {"mlp": "MLP"}
# All arrays of one file together, unpacked. The largest model the app's settings allow (an MLP
# reading 500 steps of 50-value blocks through 256 units) is about 51 MB.
MAX_MODEL_BYTES = 100_000_000
MAX_META_BYTES = 1024 * 1024  # the JSON settings: a few kB in practice


class ModelFileError(ValueError):
    """The file is not a usable RNN Lab model; the message says why in plain words."""


class LoadedModel(NamedTuple):
    model: RNN | MLP  # RNN: any recurrent cell (GRU and LSTM are RNNs with another cell)
    scaler: object | None  # a fitted MinMaxScaler / StandardScaler, or None
    config: dict | None  # the settings saved with the model (e.g. LabConfig.to_dict())


def save_model(file, model, *, scaler=None, config=None) -> None:
    """Write `model` (and optionally its fitted scaler and a JSON-able config) to one .npz.

    file: a path (written exactly as given, no suffix added) or a binary file object.
    config: a dict of plain values, or an object with `to_dict()` such as LabConfig.
    """
    if hasattr(config, "to_dict"):
        config = config.to_dict()
    meta = {"format": FORMAT, "version": VERSION, "model": model.config,
            "scaler": None if scaler is None else scaler.to_dict(), "config": config}
    try:
        text = json.dumps(meta, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise ValueError(_("The config to save must hold plain finite values (numbers, text, "
                           "lists, dicts): {err}").format(err=err)) from None
    arrays = {"meta": np.array(text)}  # 0-d unicode array: stored as text, never pickled
    for name, p in model.params.items():
        if not np.all(np.isfinite(p)):
            raise ValueError(_("Parameter {name} holds NaN or infinite values; a diverged model "
                               "cannot be saved. Retrain it with a lower learning rate.").format(
                                 name=name))
        arrays[f"param/{name}"] = np.asarray(p, dtype=np.float64)
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as fh:  # np.savez would append ".npz" to a bare path
            np.savez(fh, **arrays)
    else:
        np.savez(file, **arrays)


def _not_a_model(why: str) -> ModelFileError:
    return ModelFileError(_("This file is not an RNN Lab model ({why}).").format(why=why))


class _Header(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def size(self) -> int:
        return math.prod(self.shape)


def _mb(n: int) -> str:
    """'96 bytes', '12.6 MB', '8 TB'."""
    if n < 10_000:
        return counted(n, "byte")
    return f"{n / 1e6:,.1f} MB" if n < 1e12 else f"{n / 1e12:,.0f} TB"


def _headers(archive) -> dict[str, _Header]:
    """Shape and dtype of every array of the archive, from the zip directory and the .npy
    headers alone: nothing of the arrays is read or allocated. ModelFileError when a size is
    absurd or a header promises more than its entry holds."""
    infos = [info for info in archive.zip.infolist() if info.filename.endswith(".npy")]
    total = sum(info.file_size for info in infos)
    if total > MAX_MODEL_BYTES:
        raise ModelFileError(_("This model file would unpack to {total}; RNN Lab models are at "
                               "most {MAX_MODEL_BYTES}. The file is damaged or not an RNN Lab "
                               "model.").format(
                                 total=_mb(total), MAX_MODEL_BYTES=_mb(MAX_MODEL_BYTES)))
    headers = {}
    for info in infos:
        name = info.filename[: -len(".npy")]
        try:
            with archive.zip.open(info) as fh:
                version = np.lib.format.read_magic(fh)
                if version == (1, 0):
                    shape, _order, dtype = np.lib.format.read_array_header_1_0(fh)
                elif version == (2, 0):
                    shape, _order, dtype = np.lib.format.read_array_header_2_0(fh)
                else:
                    raise ValueError(f"NumPy format version {version}")
                offset = fh.tell()
        except (ValueError, OSError, EOFError, zipfile.BadZipFile, SyntaxError):
            raise ModelFileError(_("This RNN Lab model file is damaged: its entry {name!r} is "
                                   "not a readable NumPy array.").format(name=name)) from None
        if dtype.hasobject:
            raise ModelFileError(_("This RNN Lab model file is damaged: its entry {name!r} "
                                   "holds Python objects instead of numbers, and those are "
                                   "never loaded (opening them could run code).").format(
                                     name=name))
        header = _Header(tuple(int(n) for n in shape), dtype)
        needed = header.size * dtype.itemsize
        if offset + needed != info.file_size:
            raise ModelFileError(_("This RNN Lab model file is damaged: its entry {name!r} "
                                   "declares an array of shape {shape} ({needed}) but holds "
                                   "{value}.").format(
                                     name=name, shape=header.shape, needed=_mb(needed),
                                     value=_mb(max(0, info.file_size - offset))))
        headers[name] = header
    return headers


def _read_meta(archive, headers: dict[str, _Header]) -> dict:
    meta = headers.get("meta")
    if meta is None or meta.size * meta.dtype.itemsize > MAX_META_BYTES:
        raise _not_a_model(_("its 'meta' entry is not a short text document"))
    raw = archive["meta"]
    if raw.dtype.kind == "U" and raw.ndim == 0:
        text = str(raw[()])
    elif raw.dtype == np.uint8 and raw.ndim == 1:
        text = raw.tobytes().decode("utf-8")
    else:
        raise _not_a_model(_("its 'meta' entry is not a text document"))
    meta = json.loads(text)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise _not_a_model(_("its 'meta' entry lacks the format tag {FORMAT!r}").format(
                               FORMAT=FORMAT))
    return meta


def _check_size(kind: str, kwargs: dict, n_stored: int) -> None:
    """Refuse an architecture bigger than the weights stored with it, before allocating it (a
    doctored file could otherwise ask for a 10^6-unit network). Its largest matrix alone —
    W_hh (H, H) per layer, or the MLP's W1 (H1, n_in) — must fit in the stored numbers."""
    try:
        if kind in CELLS:  # every cell has at least one (H, H) recurrent matrix per layer
            need = int(kwargs["n_hidden"]) ** 2 * int(kwargs.get("n_layers", 1))
        else:
            hidden = kwargs["n_hidden"]
            first = hidden if isinstance(hidden, int) else hidden[0]
            need = int(first) * int(kwargs["n_in"])
    except (KeyError, TypeError, ValueError, IndexError):
        raise ModelFileError(_("This model file's {kind} architecture lacks its sizes.").format(
                                 kind=kind)) from None
    if need > n_stored:
        raise ModelFileError(_("This model file's architecture needs more weights than the file "
                               "holds ({need} > {n_stored}); the file is damaged.").format(
                                 need=need, n_stored=n_stored))


def _build(meta: dict, archive, headers: dict[str, _Header]) -> RNN | MLP:
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise ModelFileError(_("This model file has format version {version!r}; this RNN "
                               "Lab reads version {VERSION} or older. Update RNN Lab to "
                               "open it.").format(version=version, VERSION=VERSION))
    spec = meta.get("model")
    kind = spec.get("kind") if isinstance(spec, dict) else None
    if not isinstance(kind, str) or kind not in MODEL_KINDS:
        known = ", ".join(f"{k!r} ({label})" for k, label in KIND_LABELS.items())
        said = _("its model kind is {kind!r}").format(kind=kind) if isinstance(kind, str) \
            else _("it names none")
        raise ModelFileError(_("This model file names no network RNN Lab knows: {said}, and RNN "
                               "Lab reads {known}. It may come from a newer RNN Lab.").format(
                                 said=said, known=known))
    kwargs = {k: v for k, v in spec.items() if k != "kind"}
    stored = {f[len("param/"):] for f in archive.files if f.startswith("param/")
              and f in headers}  # an entry that is not a .npy array is no parameter
    # the sizes the headers declare: checked against the bytes held, so nothing is read yet
    _check_size(spec["kind"], kwargs, sum(headers[f"param/{n}"].size for n in stored))
    try:
        model = MODEL_KINDS[spec["kind"]](**kwargs)
    except (TypeError, ValueError) as err:
        raise ModelFileError(
            _("This model file describes an impossible architecture: {err}").format(
                err=err)) from None
    expected = set(model.params)
    if stored != expected:
        missing, extra = sorted(expected - stored), sorted(stored - expected)
        raise ModelFileError(_("This model file's parameters do not match its architecture "
                               "(missing: {value}; unexpected: {value2}).").format(
                                 value=missing or 'none', value2=extra or 'none'))
    for name, p in model.params.items():
        declared = headers[f"param/{name}"]
        if declared.shape != p.shape or declared.dtype.kind != "f":
            raise ModelFileError(_("Parameter {name} in this model file has shape {shape} "
                                   "({dtype}); the architecture needs {shape2} floats.").format(
                                     name=name, shape=declared.shape, dtype=declared.dtype,
                                     shape2=p.shape))
        arr = archive[f"param/{name}"]
        if not np.all(np.isfinite(arr)):
            raise ModelFileError(_("Parameter {name} in this model file holds NaN or "
                                   "infinite values; the file is damaged or the model had "
                                   "diverged.").format(name=name))
        p[...] = arr  # fill the live array: optimizers and views keep working
    return model


def load_model(file) -> LoadedModel:
    """Read a file written by `save_model`: a path or a binary file object.

    Returns LoadedModel(model, scaler or None, config or None). Raises ModelFileError for an
    empty, truncated, corrupt or foreign file; FileNotFoundError if the path does not exist.
    """
    try:
        archive = np.load(file, allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except EOFError:
        raise _not_a_model(_("the file is empty")) from None
    except zipfile.BadZipFile:
        raise _not_a_model(_("it is not a complete .npz archive: cut short, damaged, or another "
                             "kind of file")) from None
    except (OSError, ValueError, pickle.UnpicklingError):
        raise _not_a_model(
            _("it is not a NumPy .npz archive; it may be a text or CSV file")) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _not_a_model(_("it holds a single NumPy array, not a model archive"))
    with archive:
        if "meta" not in archive.files:
            raise _not_a_model(_("it is a zip/.npz archive without RNN Lab's 'meta' entry"))
        try:
            headers = _headers(archive)
            meta = _read_meta(archive, headers)
            model = _build(meta, archive, headers)
            scaler = None if meta.get("scaler") is None else scaler_from_dict(meta["scaler"])
        except ModelFileError:
            raise
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise _not_a_model(_("its 'meta' entry is not valid JSON text")) from None
        except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
            raise ModelFileError(_("This RNN Lab model file is damaged and cannot be read "
                                   "({err}).").format(err=err)) from None
    config = meta.get("config")
    return LoadedModel(model, scaler, config if isinstance(config, dict) else None)
