"""Sliding windows: turn one series into (inputs, targets) pairs a network trains on.

With window T, the window whose target is position t reads the T values before it:

    many-to-one:   X = values[t-T : t]         Y = values[t]            (the next value)
    many-to-many:  X = values[t-T : t]         Y = values[t-T+1 : t+1]  (every step's next value)

`target_idx` keeps t for every window, so a prediction can be plotted at the right x.
"""

from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from rnn_core.i18n import _
from rnn_core.split import PARTS, Split
from rnn_core.words import counted


class Windows(NamedTuple):
    """X: (N, window, D) inputs; Y: (N, D) next values, or (N, window, D) for many-to-many;
    target_idx: (N,) series position of each window's (last) target."""

    X: np.ndarray
    Y: np.ndarray
    target_idx: np.ndarray


def _as_series(values) -> np.ndarray:
    """values (n,) or (n, D) -> float64 (n, D)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("The series must contain numbers only") from None
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(f"The series must have shape (n,) or (n, D), got {arr.shape}")
    return arr[:, None] if arr.ndim == 1 else arr


def _check_window(window) -> int:
    try:
        window = operator.index(window)
    except TypeError:
        raise ValueError(f"The window must be a whole number, not {window!r}") from None
    if window < 1:
        raise ValueError(f"The window must be at least 1 step, got {window}")
    return window


def _build(arr: np.ndarray, window: int, first: int, stop: int, many_to_many: bool) -> Windows:
    """Windows with targets first..stop-1 (first >= window); may be empty."""
    n_win, d = max(stop - first, 0), arr.shape[1]
    target_idx = np.arange(first, first + n_win)
    if n_win == 0:
        y_shape = (0, window, d) if many_to_many else (0, d)
        return Windows(np.empty((0, window, d)), np.empty(y_shape), target_idx)
    # views[s] = arr[s : s+window] as (window, D); the window for target t starts at t - window
    views = sliding_window_view(arr, window, axis=0).transpose(0, 2, 1)  # (n-window+1, T, D)
    X = views[first - window: stop - window].copy()  # (N, T, D)
    if many_to_many:
        Y = views[first - window + 1: stop - window + 1].copy()  # (N, T, D), shifted by one
    else:
        Y = arr[first:stop].copy()  # (N, D)
    return Windows(X, Y, target_idx)


def _range(n: int, window: int, start, stop) -> tuple[int, int]:
    try:
        start = 0 if start is None else operator.index(start)
        stop = n if stop is None else operator.index(stop)
    except TypeError:
        raise ValueError(f"start and stop must be whole numbers, got {start!r}, {stop!r}") from None
    if not 0 <= start <= stop <= n:
        raise ValueError(f"start and stop must satisfy 0 <= start <= stop <= {n}, got "
                         f"start={start}, stop={stop}")
    return max(start, window), stop  # a target needs `window` values before it


def make_windows(values, window: int, *, start: int | None = None, stop: int | None = None,
                 many_to_many: bool = False) -> Windows:
    """All windows whose (last) target lies in [start, stop); inputs may reach back before start.

    values: (n,) or (n, D). Returns Windows(X (N, window, D), Y (N, D) or (N, window, D),
    target_idx (N,)). Raises ValueError when no window fits.
    """
    arr = _as_series(values)
    window = _check_window(window)
    first, last = _range(len(arr), window, start, stop)
    if last <= first:
        lo = 0 if start is None else start
        hi = len(arr) if stop is None else stop
        raise ValueError(_("No windows: targets in [{lo}, {hi}) of a {count}-point series with "
                           "window {window} would need {values} each; use a smaller window, a "
                           "later or wider range, or more data").format(
                             lo=lo, hi=hi, count=len(arr), window=window,
                             values=counted(window, 'earlier value')))
    return _build(arr, window, first, last, many_to_many)


def windows_for_split(values, split: Split, window: int,
                      many_to_many: bool = False) -> dict[str, Windows]:
    """Window each part of a chronological split: {"train": ..., "val": ..., "test": ...}.

    A validation or test window may look back into earlier parts for its inputs; its (last)
    target lies in the part, so a test target is never a training target. An empty validation
    part (val_frac 0) gives an empty `Windows` (N = 0); a non-empty part without any window
    raises ValueError.
    """
    arr = _as_series(values)
    window = _check_window(window)
    if len(arr) != split.n:
        raise ValueError(_("The split is for {points} but the series has {count}").format(
                             points=counted(split.n, 'point'), count=len(arr)))
    out = {}
    for part in PARTS:
        first, last = _range(len(arr), window, *split.bounds(part))
        out[part] = _build(arr, window, first, last, many_to_many)
        lo, hi = split.bounds(part)
        if len(out[part].X) == 0 and hi > lo:
            raise ValueError(_("The {part} part ({points}) has no windows with window {window}: "
                               "use a smaller window or more data").format(
                                 part=part, points=counted(hi - lo, 'point'), window=window))
    return out
