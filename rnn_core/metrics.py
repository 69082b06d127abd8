"""Forecast error metrics, in whatever units they are given.

Compute them after inverse-transforming to the data's own units, so "RMSE 5.8" means
5.8 dollars (or percentage points), not 5.8 scaled units. Every function takes two arrays of the
same shape (any shape; all elements count equally) and returns a float.

MASE compares a model with persistence ("the next value equals the last one") on the same
points: below 1 the model beats persistence, above 1 it loses to it.
"""

from __future__ import annotations

import numpy as np

METRICS = ("mse", "rmse", "mae", "mape", "mase")


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


def mase(y_true, y_pred, y_naive) -> float:
    """Mean absolute scaled error: MAE(model) / MAE(persistence) on the same points.

    y_naive: the persistence forecast of each point (the value one step earlier), same shape.
    Persistence itself scores exactly 1. NaN when persistence is perfect (MAE 0): the ratio
    is then undefined.
    """
    t, p = _pair(y_true, y_pred)
    _, naive = _pair(y_true, y_naive)
    denom = np.mean(np.abs(t - naive))
    if denom == 0.0:
        return float("nan")
    return float(np.mean(np.abs(t - p)) / denom)


def metrics_table(y_true, preds: dict, y_naive, *,
                  naive_name: str = "Persistence") -> dict[str, dict[str, float]]:
    """Every metric for every model: {name: {"mse", "rmse", "mae", "mape", "mase"}}.

    preds: {name: y_pred} with each y_pred shaped like y_true. A row `naive_name` (y_naive
    scored the same way, MASE 1) is added last unless `preds` already has one.
    """
    rows = dict(preds)
    rows.setdefault(naive_name, y_naive)
    return {name: {"mse": mse(y_true, y_pred), "rmse": rmse(y_true, y_pred),
                   "mae": mae(y_true, y_pred), "mape": mape(y_true, y_pred),
                   "mase": mase(y_true, y_pred, y_naive)}
            for name, y_pred in rows.items()}
