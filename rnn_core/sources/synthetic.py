"""Synthetic curves a teacher uses to make a point, with their noiseless truth.

The default is seed 001's experiment: y = x·sin(x) on x = 0.01..6.00 (600 points) plus uniform
noise in [-0.01, 0.01]. `true_function` gives the same curve without noise at any x, so a page
can draw the true continuation next to a model's extrapolation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .series import DataSourceError, SeriesData, infer_frequency

SYNTHETIC_KINDS = ("xsinx", "sine", "damped", "random_walk")

# A random walk moves by a uniform step in [-RANDOM_WALK_STEP, RANDOM_WALK_STEP] at every point,
# so over 600 points it wanders about as far as the other curves swing (~1.4 standard deviation).
RANDOM_WALK_STEP = 0.1

_DESCRIPTIONS = {
    "xsinx": "x·sin(x)",
    "sine": "sin(x)",
    "damped": "exp(-0.2x)·sin(3x)",
    "random_walk": "random walk",
}


def _check_kind(kind: str) -> None:
    if kind not in SYNTHETIC_KINDS:
        raise DataSourceError(f"Unknown synthetic series {kind!r}; choose one of "
                              f"{', '.join(SYNTHETIC_KINDS)}.")


def true_function(kind: str, x) -> np.ndarray:
    """The noiseless curve at x: (n,) float64 for x (n,).

    A random walk has no curve to continue: its best forecast is its last value, so asking for
    its truth is an error rather than a made-up line.
    """
    _check_kind(kind)
    x = np.asarray(x, dtype=np.float64)
    if kind == "xsinx":
        return x * np.sin(x)  # y = x·sin(x): oscillates with a growing amplitude
    if kind == "sine":
        return np.sin(x)  # y = sin(x): repeats every 2π, a model can learn it exactly
    if kind == "damped":
        return np.exp(-0.2 * x) * np.sin(3.0 * x)  # y = e^(-0.2x)·sin(3x): an echo fading out
    raise DataSourceError("A random walk has no noiseless curve to continue: its best forecast "
                          "is simply the last value. Pick xsinx, sine or damped to compare an "
                          "extrapolation with the truth.")


def has_true_function(kind: str) -> bool:
    """Whether `true_function(kind, x)` exists (every kind except the random walk)."""
    _check_kind(kind)
    return kind != "random_walk"


def synthetic_series(kind: str = "xsinx", x_start: float = 0.01, x_stop: float = 6.0,
                     n_points: int = 600, noise: float = 0.01, seed: int = 0) -> SeriesData:
    """Sample a curve on an even grid of x and add uniform noise in [-noise, noise].

    Returns SeriesData whose values are (n_points,) float64 indexed by x (float64 Index "x").
    For the random walk, y_0 = 0 and y_i = y_(i-1) + s_i with s_i uniform in
    [-RANDOM_WALK_STEP, RANDOM_WALK_STEP]; the noise is then added on top like for the others.
    """
    _check_kind(kind)
    if not (np.isfinite(x_start) and np.isfinite(x_stop)) or x_stop <= x_start:
        raise DataSourceError(f"x range {x_start}..{x_stop} is empty: 'x to' must be larger than "
                              "'x from' (the default is 0.01..6.00).")
    if int(n_points) != n_points or n_points < 2:
        raise DataSourceError(f"Number of points must be a whole number of at least 2, not "
                              f"{n_points}.")
    if not np.isfinite(noise) or noise < 0:
        raise DataSourceError(f"Noise amplitude must be zero or positive, not {noise}.")

    rng = np.random.default_rng(seed)
    x = np.linspace(x_start, x_stop, int(n_points), dtype=np.float64)  # (n,)
    if kind == "random_walk":
        steps = rng.uniform(-RANDOM_WALK_STEP, RANDOM_WALK_STEP, size=x.size - 1)
        clean = np.concatenate([[0.0], np.cumsum(steps)])  # y_i = y_(i-1) + s_i
    else:
        clean = true_function(kind, x)
    # noise ~ U[-a, a]; drawn even when a = 0 so the seed's stream does not depend on a
    y = clean + rng.uniform(-1.0, 1.0, size=x.size) * noise

    index = pd.Index(x, dtype=np.float64, name="x")
    values = pd.Series(y, index=index, name=kind, dtype=np.float64)
    if kind == "random_walk":
        note = "No model should beat persistence (tomorrow = today) on a random walk."
    else:
        note = f"y = {_DESCRIPTIONS[kind]} + noise in [-{noise:g}, {noise:g}], seed {seed}."
    return SeriesData(values=values, name=_DESCRIPTIONS[kind], units="", provenance="synthetic",
                      frequency=infer_frequency(index), fetched_at=None, note=note)
