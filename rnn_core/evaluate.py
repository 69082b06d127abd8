"""A trained run turned into tables in the data's own units: predictions, metrics, forecasts.

Everything is computed in scaled space and inverse-transformed once, at this edge, before
metrics — so an RMSE of 2.3 on a stock means 2.3 dollars. Which predictions, metrics and
baselines make sense depends on the task, so `evaluate` asks the run's task to build them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rnn_core.metrics import LABELS, metrics_table


@dataclass
class Evaluation:
    """predictions: one row per target point (index = the series' index) with columns actual,
    RNN, MLP, [Persistence], part. metrics: one row per model, columns named as on screen
    (MSE … MAE ÷ persistence MAE); `metrics_scope` says which points they score. val_rmse:
    validation RMSE per model (empty without a validation part). extrapolation: free-running
    forecast past the end (and `true` for synthetic curves). free_run: free-running forecast
    launched at the start of the test part (None when the task never reads its own outputs).
    horizon: RMSE against distance (index named for its unit), or None."""

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    metrics_scope: str
    val_rmse: dict
    extrapolation: pd.DataFrame
    free_run: pd.DataFrame | None
    horizon: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)

    def ratio(self, model: str = "RNN") -> float:
        """The model's MAE ÷ persistence's MAE on the scored points (NaN without persistence)."""
        col = LABELS["rel_mae"]
        if col not in self.metrics.columns or model not in self.metrics.index:
            return float("nan")
        return float(self.metrics.loc[model, col])


@dataclass
class LiveView:
    """What the training screen redraws while the RNN learns (cheap: a few predict calls).

    predictions: the points to show with columns actual, RNN, MLP, [Persistence], part (the
    held-out parts for windowed tasks, the whole curve for the blocks task); extrapolation: each
    model's forecast past the end of the data (and `true` when the curve is known).
    """

    predictions: pd.DataFrame
    extrapolation: pd.DataFrame


def live_view(run, true_function=None) -> LiveView:
    """The run's current one-step predictions and extrapolation, in the data's units."""
    return run.prepared.task.live_view(run, true_function)


def to_units(prepared, scaled: np.ndarray) -> np.ndarray:
    """Scaled values of any shape -> the data's units, same shape."""
    flat = np.asarray(scaled, dtype=np.float64).reshape(-1, 1)
    return prepared.scaler.inverse_transform(flat).reshape(np.shape(scaled))


def unit_factor(prepared) -> float:
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


def metrics_frame(y_true, preds: dict, y_naive=None, y_train=None) -> pd.DataFrame:
    """`metrics_table` as a DataFrame: rows = models (persistence last), columns = screen names."""
    table = metrics_table(y_true, preds, y_naive, y_train=y_train)
    frame = pd.DataFrame(table).T.rename(columns=LABELS).rename_axis("model")
    return frame.astype(np.float64)


def no_memory_ratios(ev, train_values: np.ndarray) -> dict[str, float]:
    """Each model's test MSE ÷ the MSE of forecasting the training mean, on the same points.

    ev: an Evaluation (predictions in data units, a `part` column); train_values: (n_train,)."""
    test = ev.predictions[ev.predictions["part"] == "test"]
    actual = test["actual"].to_numpy()
    baseline = float(np.mean((actual - np.mean(train_values)) ** 2))  # the no-memory forecast
    models = [c for c in test.columns if c not in ("actual", "part")]
    return {m: float(np.mean((test[m].to_numpy() - actual) ** 2)) / baseline for m in models}


def evaluate(run, true_function=None) -> Evaluation:
    """Evaluate both models of `run`; `true_function(x)` (optional) gives a synthetic curve's
    noiseless values for the extrapolation chart (and, where the task uses it, its metrics)."""
    return run.prepared.task.evaluate(run, true_function)
