"""Scalers that map a series into a range a small network trains well in, and back.

They follow scikit-learn's shape: `__init__` only stores the arguments, `fit(x)` learns the
statistics (names ending in `_`) and returns the scaler, `transform` / `inverse_transform` apply
them. Fit on the training part only: statistics taken from validation or test values would leak
the future into training (one tutorial refits the scaler on its test set). `fit_on_train` does
exactly that for a `Split`.

`x` is `(n,)` (one series) or `(n, D)` (D features); the result has the same shape.
"""

from __future__ import annotations

import numpy as np

from rnn_core.split import Split
from rnn_core.words import counted

KINDS = ("minmax", "standard")


class _Scaler:
    kind = ""
    _learned: tuple[str, ...] = ()

    def _as_2d(self, x, what: str) -> np.ndarray:
        """x (n,) or (n, D) -> float64 (n, D)."""
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"The values to {what} must be numbers") from None
        if arr.ndim not in (1, 2) or arr.shape[0] == 0:
            raise ValueError(f"The values to {what} must be a non-empty array of shape (n,) or "
                             f"(n, D); got shape {arr.shape}")
        return arr[:, None] if arr.ndim == 1 else arr

    def _fit_input(self, x) -> np.ndarray:
        arr = self._as_2d(x, "fit")
        if not np.all(np.isfinite(arr)):
            raise ValueError("Cannot fit a scaler on missing (NaN) or infinite values: drop or "
                             "fill them first")
        self.n_features_in_ = arr.shape[1]
        return arr

    def _apply_input(self, x, what: str) -> tuple[np.ndarray, bool]:
        if not hasattr(self, "scale_"):
            raise ValueError(f"This {type(self).__name__} is not fitted yet: call fit(train "
                             f"values) before {what}")
        arr = self._as_2d(x, what)
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(f"The scaler was fitted on {counted(self.n_features_in_, 'column')} "
                             f"but was given {arr.shape[1]}")
        return arr, np.ndim(x) == 1

    def to_dict(self) -> dict:
        """A JSON-able description (arguments and, once fitted, the learned statistics)."""
        d = {"kind": self.kind, **self._args()}
        if hasattr(self, "scale_"):
            d["fitted"] = {name: getattr(self, name).tolist() for name in self._learned}
        return d

    def _args(self) -> dict:
        return {}


class MinMaxScaler(_Scaler):
    """Map each column's training range [min, max] linearly onto `feature_range`.

    Learned: `data_min_`, `data_max_`, `scale_`, `min_` (each `(D,)`), so that
    `transform(x) = x * scale_ + min_`. A constant column gets range 1 (no division by zero).
    """

    kind = "minmax"
    _learned = ("data_min_", "data_max_", "scale_", "min_")

    def __init__(self, feature_range=(0.0, 1.0)):
        self.feature_range = feature_range

    def _args(self) -> dict:
        return {"feature_range": [float(v) for v in self.feature_range]}

    def fit(self, x) -> "MinMaxScaler":
        lo, hi = (float(v) for v in self.feature_range)
        if not lo < hi:
            raise ValueError(f"feature_range must be (low, high) with low < high, got "
                             f"{self.feature_range!r}")
        arr = self._fit_input(x)
        self.data_min_ = arr.min(axis=0)
        self.data_max_ = arr.max(axis=0)
        span = self.data_max_ - self.data_min_
        # a constant column (or one so flat that 1/span overflows) is only shifted
        span = np.where(span < np.finfo(np.float64).tiny, 1.0, span)
        self.scale_ = (hi - lo) / span  # x' = lo + (x - min) (hi - lo) / (max - min)
        self.min_ = lo - self.data_min_ * self.scale_
        return self

    def transform(self, x) -> np.ndarray:
        arr, flat = self._apply_input(x, "transform")
        out = arr * self.scale_ + self.min_
        return out[:, 0] if flat else out

    def inverse_transform(self, x) -> np.ndarray:
        arr, flat = self._apply_input(x, "inverse_transform")
        out = (arr - self.min_) / self.scale_  # x = (x' - min_) / scale_
        return out[:, 0] if flat else out


class StandardScaler(_Scaler):
    """Shift each column to mean 0 and divide by its standard deviation (training part).

    Learned: `mean_`, `scale_` (each `(D,)`); `transform(x) = (x - mean_) / scale_`. A
    constant column gets scale 1.
    """

    kind = "standard"
    _learned = ("mean_", "scale_")

    def fit(self, x) -> "StandardScaler":
        arr = self._fit_input(x)
        self.mean_ = arr.mean(axis=0)
        std = arr.std(axis=0)  # population std (ddof=0), as scikit-learn
        self.scale_ = np.where(std == 0.0, 1.0, std)
        return self

    def transform(self, x) -> np.ndarray:
        arr, flat = self._apply_input(x, "transform")
        out = (arr - self.mean_) / self.scale_
        return out[:, 0] if flat else out

    def inverse_transform(self, x) -> np.ndarray:
        arr, flat = self._apply_input(x, "inverse_transform")
        out = arr * self.scale_ + self.mean_
        return out[:, 0] if flat else out


def make_scaler(kind: str) -> MinMaxScaler | StandardScaler:
    """A fresh scaler by name: "minmax" or "standard"."""
    if kind == "minmax":
        return MinMaxScaler()
    if kind == "standard":
        return StandardScaler()
    raise ValueError(f"Unknown scaler {kind!r}: use one of {', '.join(KINDS)}")


def scaler_from_dict(d: dict) -> MinMaxScaler | StandardScaler:
    """Rebuild a scaler from `to_dict()`; raises ValueError if the description is malformed."""
    if not isinstance(d, dict) or d.get("kind") not in KINDS:
        raise ValueError(f"A scaler description needs 'kind' in {KINDS}")
    if d["kind"] == "minmax":
        rng = d.get("feature_range", (0.0, 1.0))
        if not (isinstance(rng, (list, tuple)) and len(rng) == 2):
            raise ValueError("A min-max scaler's feature_range must be two numbers")
        scaler = MinMaxScaler(tuple(float(v) for v in rng))
    else:
        scaler = StandardScaler()
    fitted = d.get("fitted")
    if fitted is None:
        return scaler
    try:
        arrays = {name: np.asarray(fitted[name], dtype=np.float64) for name in scaler._learned}
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"A fitted {d['kind']} scaler needs numeric {scaler._learned}") from None
    sizes = {a.shape for a in arrays.values()}
    if len(sizes) != 1 or len(next(iter(sizes))) != 1 or next(iter(sizes))[0] == 0:
        raise ValueError("A scaler's learned statistics must be equal-length 1-d lists")
    if not all(np.all(np.isfinite(a)) for a in arrays.values()) or np.any(arrays["scale_"] == 0):
        raise ValueError("A scaler's learned statistics must be finite, with non-zero scale_")
    for name, a in arrays.items():
        setattr(scaler, name, a)
    scaler.n_features_in_ = int(arrays["scale_"].shape[0])
    return scaler


def fit_on_train(scaler, values, split: Split) -> tuple[MinMaxScaler | StandardScaler, np.ndarray]:
    """Fit `scaler` on the training part only, then transform the whole series with it.

    values: (n,) or (n, D) with n == split.n. Returns (the fitted scaler, scaled values of the
    same shape). Validation and test values never reach `fit`, so they cannot leak into it.
    """
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.shape[0] != split.n:
        raise ValueError(f"The split is for {counted(split.n, 'point')} but the series has shape "
                         f"{arr.shape}")
    scaler.fit(arr[split.train])
    return scaler, scaler.transform(arr)
