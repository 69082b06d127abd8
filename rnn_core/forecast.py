"""Forecasts: one step with true inputs, many steps feeding predictions back, and baselines.

A one-step prediction reads the *true* previous values (teacher forcing); a real forecast of k
steps must feed its own predictions back as inputs (free-running), so its errors compound and
grow with k. `horizon_errors` measures that growth; `persistence_forecast` ("the next value
equals the last one") is the baseline any model must beat. Work in scaled space and
inverse-transform the results once, before metrics and plots.

Every model here needs only `model.predict(X (N, T, D)) -> (N, O)`; recursion needs O == D.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass

import numpy as np

from rnn_core.cells import CELLS
from rnn_core.i18n import _
from rnn_core.windows import make_windows
from rnn_core.words import counted


def _series(values) -> np.ndarray:
    """values (n,) or (n, D) -> float64 (n, D)."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(f"Values must have shape (n,) or (n, D), got {arr.shape}")
    return arr[:, None] if arr.ndim == 1 else arr


def _count(value, name: str, lo: int) -> int:
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None
    if value < lo:
        raise ValueError(f"{name} must be at least {lo}, got {value}")
    return value


def _rollout(model, contexts: np.ndarray, n_steps: int) -> np.ndarray:
    """contexts (B, window, D) -> (B, n_steps, D), all B forecasts advanced together.

    Step s predicts from the current windows (one predict call for the whole batch), writes
    the prediction, then slides every window by one: drop the oldest value, append the new one.
    """
    B, _T, D = contexts.shape
    buf = contexts.copy()
    out = np.empty((B, n_steps, D))
    for s in range(n_steps):
        y = model.predict(buf)  # (B, O)
        if y.shape[1] != D:
            raise ValueError(_("A recursive forecast feeds outputs back as inputs, so the model "
                               "needs as many outputs as input features; it has {value} outputs "
                               "for {D} features").format(value=y.shape[1], D=D))
        out[:, s] = y
        buf = np.concatenate([buf[:, 1:], y[:, None, :]], axis=1)  # slide the window
    return out


def recursive_forecast(model, context, n_steps: int) -> np.ndarray:
    """Free-running forecast: context (window, D) or (window,) -> (n_steps, D).

    Each prediction is appended to the window and the oldest value dropped, so from the
    (window+1)-th step on the model reads only its own outputs.
    """
    ctx = _series(context)
    n_steps = _count(n_steps, "The number of forecast steps", 1)
    return _rollout(model, ctx[None], n_steps)[0]


def persistence_forecast(values, target_idx, horizon: int = 1) -> np.ndarray:
    """The naive forecast made `horizon` steps earlier: values[target_idx - horizon].

    values: (n,) or (n, D); target_idx: (N,) positions. Returns (N,) or (N, D).
    """
    arr = np.asarray(values, dtype=np.float64)
    idx = np.asarray(target_idx)
    horizon = _count(horizon, "The horizon", 1)
    if idx.size and (idx.min() - horizon < 0 or idx.max() >= len(arr)):
        raise ValueError(f"Persistence {counted(horizon, 'step')} ahead needs targets in "
                         f"[{horizon}, {len(arr)}); got positions {idx.min()}..{idx.max()}")
    return arr[idx - horizon]


def _horizon_targets(start: int, stop: int, window: int, k: int) -> np.ndarray:
    """Positions t in [start, stop) that a k-step forecast can reach: its origin t-k+1 needs
    `window` true values before it, so t >= window + k - 1."""
    return np.arange(max(start, window + k - 1), stop)


def _check_range(n: int, start, stop, window, horizons) -> tuple[int, int, int, list[int]]:
    start, stop = _count(start, "start", 0), _count(stop, "stop", 0)
    if not start <= stop <= n:
        raise ValueError(f"Need 0 <= start <= stop <= {n}, got start={start}, stop={stop}")
    window = _count(window, "The window", 1)
    return start, stop, window, [_count(k, "Each horizon", 1) for k in horizons]


def horizon_errors(model, values, start: int, stop: int, window: int,
                   horizons=(1, 2, 4, 8, 16)) -> dict[int, float]:
    """RMSE of the k-step free-running forecast, for each k in `horizons`.

    values: (n,) or (n, D), scaled. For each k, a forecast is launched from every origin o
    (the first forecast position, reading values[o-window:o]) whose k-th prediction lands at
    t = o + k - 1 in [start, stop); the RMSE compares those k-th predictions with values[t].
    All origins run as one batch, one predict call per step. NaN for a k with no origin.
    """
    arr = _series(values)
    start, stop, window, ks = _check_range(len(arr), start, stop, window, horizons)
    if not ks:
        return {}
    k_max = max(ks)
    # Every origin any horizon needs: from the one whose k_max-th step reaches `start` to the
    # one whose first step is the last position of the range.
    o_lo, o_hi = max(window, start - k_max + 1), stop
    if o_hi <= o_lo:
        return {k: float("nan") for k in ks}
    contexts = np.stack([arr[o - window:o] for o in range(o_lo, o_hi)])  # (B, window, D)
    preds = _rollout(model, contexts, k_max)  # (B, k_max, D); preds[o - o_lo, k-1] lands at o+k-1
    out = {}
    for k in ks:
        t = _horizon_targets(start, stop, window, k)
        if len(t) == 0:
            out[k] = float("nan")
            continue
        err = preds[t - k + 1 - o_lo, k - 1] - arr[t]  # (N, D)
        out[k] = float(np.sqrt(np.mean(err ** 2)))
    return out


def persistence_horizon_errors(values, start: int, stop: int, window: int,
                               horizons=(1, 2, 4, 8, 16)) -> dict[int, float]:
    """RMSE of persistence k steps ahead (values[t-k] for values[t]), on exactly the targets
    `horizon_errors` scores for the same arguments."""
    arr = _series(values)
    start, stop, window, ks = _check_range(len(arr), start, stop, window, horizons)
    out = {}
    for k in ks:
        t = _horizon_targets(start, stop, window, k)
        out[k] = float(np.sqrt(np.mean((arr[t - k] - arr[t]) ** 2))) if len(t) else float("nan")
    return out


@dataclass(frozen=True)
class TeacherVsFree:
    """Forecasts of positions origin .. origin+n_steps-1 made two ways.

    target_idx (S,); truth, teacher_forced, free_running (S, D); teacher_error, free_error (S,)
    the distance |prediction - truth| at each step (Euclidean over the D features).
    """

    target_idx: np.ndarray
    truth: np.ndarray
    teacher_forced: np.ndarray
    free_running: np.ndarray
    teacher_error: np.ndarray
    free_error: np.ndarray


def teacher_forcing_vs_free_running(model, values, origin: int, n_steps: int,
                                    window: int) -> TeacherVsFree:
    """Compare one-step predictions from true inputs with a free-running forecast.

    values: (n,) or (n, D). Teacher forcing predicts each position from the true previous
    `window` values; free running starts from values[origin-window:origin] and then reads only
    its own outputs, so its error usually grows with the step while teacher forcing's does not.
    """
    arr = _series(values)
    window = _count(window, "The window", 1)
    origin, n_steps = _count(origin, "The origin", window), _count(n_steps, "n_steps", 1)
    if origin + n_steps > len(arr):
        raise ValueError(_("A {n_steps}-step comparison from position {origin} needs {points}; "
                           "the series has {count}").format(
                             n_steps=n_steps, origin=origin,
                             points=counted(origin + n_steps, 'point'), count=len(arr)))
    w = make_windows(arr, window, start=origin, stop=origin + n_steps)
    teacher = model.predict(w.X)  # (S, D): every window holds true values only
    free = recursive_forecast(model, arr[origin - window:origin], n_steps)  # (S, D)
    truth = arr[origin:origin + n_steps]
    return TeacherVsFree(w.target_idx, truth, teacher, free,
                         np.linalg.norm(teacher - truth, axis=1),
                         np.linalg.norm(free - truth, axis=1))


def stateful_rollout(model, x_inputs, h0=None) -> tuple[np.ndarray, np.ndarray]:
    """Run a recurrent cell along one long input sequence, carrying its state (seed 001).

    x_inputs: (T, I), e.g. future x blocks; h0: None (zeros), (H,), (R, H) or (R, 1, H), e.g.
    the state returned by a previous call. Returns (outputs (T, O), h_last (R, H)); R is the
    cell's state rows (L layers; 2L for the LSTM, its cells then its hidden states).
    """
    if getattr(model, "config", {}).get("kind") not in CELLS:
        raise ValueError("Only a recurrent network carries a hidden state; an MLP has none")
    x = np.asarray(x_inputs, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x_inputs must have shape (T, I), got {x.shape}")
    if h0 is not None:
        h = np.asarray(h0, dtype=np.float64)
        # (H,) -> (1, H): one state for every layer; (L, H) -> (L, 1, H): a batch of one
        h0 = h[None] if h.ndim == 1 else (h[:, None, :] if h.ndim == 2 else h)
    Y, cache = model.forward(x[None], h0)  # (1, T, O)
    return Y[0], cache["h_last"][:, 0, :]
