"""A trained run turned into tables in the data's own units: predictions, metrics, forecasts.

Everything is computed in scaled space and inverse-transformed once, here, before metrics —
so an RMSE of 2.3 on a stock means 2.3 dollars.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnn_core.experiment import PARTS, Prepared, Run
from rnn_core.forecast import horizon_errors, recursive_forecast, stateful_rollout
from rnn_core.metrics import metrics_table, rmse

HORIZONS = (1, 2, 4, 8, 16, 32)


@dataclass
class Evaluation:
    """predictions: one row per target point (index = the series' index) with columns
    actual, RNN, MLP, Persistence, part. metrics: test metrics, one row per model.
    extrapolation: the models' free-running forecast past the end (and `true` for synthetic
    curves). free_run: free-running forecast launched at the start of the test part.
    horizon: RMSE against steps ahead (None for the blocks task)."""

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    val_rmse: dict
    extrapolation: pd.DataFrame
    free_run: pd.DataFrame
    horizon: pd.DataFrame | None


def _inverse(prepared: Prepared, scaled: np.ndarray) -> np.ndarray:
    """Scaled values of any shape -> the data's units, same shape."""
    flat = np.asarray(scaled, dtype=np.float64).reshape(-1, 1)
    return prepared.scaler.inverse_transform(flat).reshape(np.shape(scaled))


def unit_factor(prepared: Prepared) -> float:
    """How much one scaled unit is in the data's units (the scalers are affine)."""
    ends = prepared.scaler.inverse_transform(np.array([[0.0], [1.0]]))
    return float(abs(ends[1, 0] - ends[0, 0]))


def future_index(index: pd.Index, n: int) -> pd.Index:
    """n positions continuing an index: same spacing for numbers, same frequency for dates."""
    if isinstance(index, pd.DatetimeIndex):
        freq = None
        if len(index) >= 3:
            with pd.option_context("future.infer_freq_returns_offset", True):
                freq = pd.infer_freq(index[-min(len(index), 30):])
        if freq is None:
            step = (index[-1] - index[0]) / max(len(index) - 1, 1)
            return pd.DatetimeIndex([index[-1] + step * (k + 1) for k in range(n)])
        return pd.date_range(index[-1], periods=n + 1, freq=freq)[1:]
    x = np.asarray(index, dtype=np.float64)
    step = (x[-1] - x[0]) / max(len(x) - 1, 1)
    return pd.Index(x[-1] + step * np.arange(1, n + 1), dtype=np.float64)


def evaluate(run: Run, true_function=None) -> Evaluation:
    """Evaluate both models of `run`; `true_function(x)` (optional) gives a synthetic curve's
    noiseless values for the extrapolation chart."""
    if run.cfg.task == "blocks":
        return _evaluate_blocks(run, true_function)
    p, cfg = run.prepared, run.cfg
    frames = []
    for part in PARTS:
        w = p.part(part)
        if w is None:
            continue
        idx = w.target_idx
        frames.append(pd.DataFrame({
            "actual": p.values[idx],
            "RNN": _inverse(p, run.rnn.predict(w.X))[:, 0],  # teacher forcing: real inputs
            "MLP": _inverse(p, run.mlp.predict(w.X))[:, 0],
            "Persistence": p.values[idx - 1],  # tomorrow = today
            "part": part,
        }, index=p.index[idx]))
    predictions = pd.concat(frames)
    metrics, val_rmse = _metrics(predictions)

    context = p.scaled[-cfg.window:]  # (window, 1): the last real window
    fut = future_index(p.index, cfg.horizon)
    extrapolation = pd.DataFrame({
        "RNN": _inverse(p, recursive_forecast(run.rnn, context, cfg.horizon))[:, 0],
        "MLP": _inverse(p, recursive_forecast(run.mlp, context, cfg.horizon))[:, 0],
    }, index=fut)
    if true_function is not None:
        extrapolation["true"] = true_function(np.asarray(fut, dtype=np.float64))

    start, n = p.split.val_end, len(p.values)
    steps = n - start
    origin = p.scaled[start - cfg.window:start]
    free_run = pd.DataFrame({
        "actual": p.values[start:],
        "RNN": _inverse(p, recursive_forecast(run.rnn, origin, steps))[:, 0],
        "MLP": _inverse(p, recursive_forecast(run.mlp, origin, steps))[:, 0],
    }, index=p.index[start:])

    horizons = [k for k in HORIZONS if k <= steps]
    factor = unit_factor(p)
    rows = {}
    for name, model in (("RNN", run.rnn), ("MLP", run.mlp)):
        errs = horizon_errors(model, p.scaled, start, n, cfg.window, horizons)
        rows[name] = {k: errs[k] * factor for k in horizons}
    # Persistence k steps ahead repeats the value k steps back.
    rows["Persistence"] = {k: rmse(p.values[start:], p.values[start - k:n - k]) for k in horizons}
    horizon = pd.DataFrame(rows).rename_axis("steps ahead")
    return Evaluation(predictions, metrics, val_rmse, extrapolation, free_run, horizon)


def _metrics(predictions: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    test = predictions[predictions["part"] == "test"]
    table = metrics_table(test["actual"].to_numpy(),
                          {m: test[m].to_numpy() for m in ("RNN", "MLP")},
                          test["Persistence"].to_numpy())
    metrics = pd.DataFrame(table).T.rename(columns=str.upper).rename_axis("model")
    metrics = metrics.loc[[m for m in ("RNN", "MLP", "Persistence") if m in metrics.index]]
    val = predictions[predictions["part"] == "val"]
    val_rmse = ({m: rmse(val["actual"].to_numpy(), val[m].to_numpy())
                 for m in ("RNN", "MLP", "Persistence")} if len(val) else {})
    return metrics, val_rmse


def _evaluate_blocks(run: Run, true_function) -> Evaluation:
    """Seed 001: run the RNN along the whole curve from a zero state (real x inputs), then go
    on from its last state with x blocks past the end of the data."""
    p, cfg = run.prepared, run.cfg
    b = cfg.block
    n_blocks = len(p.x_blocks)
    outputs, h_last = stateful_rollout(run.rnn, p.x_blocks, None)  # (B, block)
    mlp_out = run.mlp.predict(p.x_blocks[:, None, :])  # (B, block)
    part = np.empty(n_blocks, dtype=object)
    for name in PARTS:
        lo, hi = p.split.bounds(name)
        part[lo:hi] = name
    values = p.values
    # Persistence at a point repeats the previous point (the first point has none).
    naive = np.concatenate([[values[0]], values[:-1]])
    predictions = pd.DataFrame({
        "actual": values, "RNN": _inverse(p, outputs).ravel(), "MLP": _inverse(p, mlp_out).ravel(),
        "Persistence": naive, "part": np.repeat(part, b),
    }, index=p.index)
    predictions = predictions.iloc[1:]
    metrics, val_rmse = _metrics(predictions)

    fut = future_index(p.index, cfg.horizon * b)
    x_future = p.x_scaler.transform(np.asarray(fut, dtype=np.float64)[:, None])[:, 0]
    x_future = x_future.reshape(cfg.horizon, b)
    rnn_future, _ = stateful_rollout(run.rnn, x_future, h_last)
    extrapolation = pd.DataFrame({
        "RNN": _inverse(p, rnn_future).ravel(),
        "MLP": _inverse(p, run.mlp.predict(x_future[:, None, :])).ravel(),
    }, index=fut)
    if true_function is not None:
        extrapolation["true"] = true_function(np.asarray(fut, dtype=np.float64))
    test = predictions[predictions["part"] == "test"]
    free_run = test[["actual", "RNN", "MLP"]]
    return Evaluation(predictions, metrics, val_rmse, extrapolation, free_run, None)
