"""Forecast error metrics, in whatever units they are given.

Compute them after inverse-transforming to the data's own units, so "RMSE 5.8" means
5.8 dollars (or percentage points), not 5.8 scaled units. Every function takes two arrays of the
same shape (any shape; all elements count equally) and returns a float.

Two ratios compare a model with persistence ("the next value equals the last one"), and they
are different numbers with different names:

    MASE (Hyndman & Koehler 2006)   = MAE(model on the test points) / MAE(naive, in sample)
        where MAE(naive, in sample) = mean |y_t - y_{t-1}| over the *training* part;
    MAE ÷ persistence MAE            = MAE(model) / MAE(persistence on the same test points).

Below 1, the second says the model beat persistence on these points; the first says its errors
are smaller than a typical one-step change seen in training (sktime's and darts' `mase`).
"""

from __future__ import annotations

import numpy as np

from rnn_core.i18n import N_

METRICS = ("mse", "rmse", "mae", "mape", "mase", "rel_mae")
# How each metric is named on screen (English msgids: show them with i18n._).
LABELS = {"mse": "MSE", "rmse": "RMSE", "mae": "MAE", "mape": "MAPE (%)", "mase": "MASE",
          "rel_mae": N_("MAE ÷ persistence MAE")}


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.shape != p.shape:
        raise ValueError(f"Truth and prediction must have the same shape, got {t.shape} and "
                         f"{p.shape}")
    if t.size == 0:
        raise ValueError("Cannot score an empty prediction: there are no points to compare")
    return t.ravel(), p.ravel()


def mse(y_true, y_pred) -> float:
    """Mean squared error: mean((y - ŷ)²)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean((t - p) ** 2))


def rmse(y_true, y_pred) -> float:
    """Root mean squared error: sqrt(mean((y - ŷ)²)), in the units of y."""
    return float(np.sqrt(mse(y_true, y_pred)))


def mae(y_true, y_pred) -> float:
    """Mean absolute error: mean(|y - ŷ|)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def mape(y_true, y_pred, *, eps: float = 1e-3) -> float:
    """Mean absolute percentage error, in percent: 100 · mean(|y - ŷ| / |y|).

    Points whose |y| is below `eps` · max|y| are left out (a value near zero would make the
    ratio explode); if no point is left, the answer is NaN.
    """
    t, p = _pair(y_true, y_pred)
    keep = np.abs(t) >= eps * np.max(np.abs(t))
    keep &= t != 0.0  # an all-zero truth keeps nothing
    if not np.any(keep):
        return float("nan")
    return float(100.0 * np.mean(np.abs(t[keep] - p[keep]) / np.abs(t[keep])))


def naive_scale(y_train) -> float:
    """MASE's scale: the in-sample MAE of the one-step naive forecast, mean |y_t - y_{t-1}|
    over the training values y_train (n,) in time order. NaN with fewer than two values."""
    y = np.asarray(y_train, dtype=np.float64).ravel()
    return float(np.mean(np.abs(np.diff(y)))) if y.size >= 2 else float("nan")


def mase(y_true, y_pred, y_train) -> float:
    """Mean absolute scaled error (Hyndman & Koehler 2006): MAE(y_true, y_pred) divided by
    `naive_scale(y_train)`, the naive forecast's MAE on the training part.

    NaN when the training part never changes (scale 0): the ratio is then undefined.
    """
    scale = naive_scale(y_train)
    if not scale > 0.0:
        return float("nan")
    return mae(y_true, y_pred) / scale


def relative_mae(y_true, y_pred, y_naive) -> float:
    """MAE(model) / MAE(persistence) on the same points; below 1 the model beat persistence.

    y_naive: persistence's forecast of each point (the value one step earlier), same shape.
    Persistence itself scores exactly 1. NaN when persistence is perfect (MAE 0).
    """
    denom = mae(y_true, y_naive)
    if denom == 0.0:
        return float("nan")
    return mae(y_true, y_pred) / denom


def metrics_table(y_true, preds: dict, y_naive=None, *, y_train=None,
                  naive_name: str = "Persistence") -> dict[str, dict[str, float]]:
    """Every metric for every model: {name: {"mse", "rmse", "mae", "mape", ["mase"], ["rel_mae"]}}.

    preds: {name: y_pred}, each shaped like y_true. y_train: the training part's values, for
    MASE (left out without it). y_naive: persistence's forecast of the same points; with it a
    row `naive_name` is added last (unless `preds` has one) and every row gets "rel_mae".
    """
    rows = dict(preds)
    if y_naive is not None:
        rows.setdefault(naive_name, y_naive)
    table = {}
    for name, y_pred in rows.items():
        row = {"mse": mse(y_true, y_pred), "rmse": rmse(y_true, y_pred),
               "mae": mae(y_true, y_pred), "mape": mape(y_true, y_pred)}
        if y_train is not None:
            row["mase"] = mase(y_true, y_pred, y_train)
        if y_naive is not None:
            row["rel_mae"] = relative_mae(y_true, y_pred, y_naive)
        table[name] = row
    return table
