"""Synthetic curves a teacher uses to make a point, with their noiseless truth.

The default is seed 001's experiment: y = x·sin(x) on x = 0.01..6.00 (600 points) plus uniform
noise in [-0.01, 0.01]. `true_function` gives the same curve without noise at any x, so a page
can draw the true continuation next to a model's extrapolation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rnn_core.i18n import N_, _
from rnn_core.words import counted

from .series import DataSourceError, SeriesData, infer_frequency

SYNTHETIC_KINDS = ("xsinx", "sine", "damped", "random_walk", "echo")

# A random walk moves by a uniform step in [-RANDOM_WALK_STEP, RANDOM_WALK_STEP] at every point,
# so over 600 points it wanders about as far as the other curves swing (~1.4 standard deviation).
RANDOM_WALK_STEP = 0.1

# The echo series: every value comes back ECHO_STRENGTH times as large `lag` steps later, over
# fresh noise (see `echo_values`). 0.95 leaves 1 - 0.95² ≈ 10% of its variance unpredictable.
ECHO_STRENGTH = 0.95
WARM_PERIODS = 70  # periods of L values drawn and dropped before the series starts

_DESCRIPTIONS = {
    "xsinx": "x·sin(x)",
    "sine": "sin(x)",
    "damped": "exp(-0.2x)·sin(3x)",
    "random_walk": N_("random walk"),
    "echo": N_("echo"),
}  # the series' names, in the language of the run that made them


def _check_kind(kind: str) -> None:
    if kind not in SYNTHETIC_KINDS:
        raise DataSourceError(_("Unknown synthetic series {kind!r}; choose one of {kinds}.")
                              .format(kind=kind, kinds=", ".join(SYNTHETIC_KINDS)))


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
    raise DataSourceError(_("A random walk has no noiseless curve to continue: its best forecast "
                            "is simply the last value. Pick xsinx, sine or damped to compare an "
                            "extrapolation with the truth."))


def has_true_function(kind: str) -> bool:
    """Whether `true_function(kind, x)` exists (every kind except the random walk)."""
    _check_kind(kind)
    return kind not in ("random_walk", "echo")


def echo_values(n: int, lag: int, rng: np.random.Generator) -> np.ndarray:
    """n values of the echo series, (n,) float64:

        y_t = c·y_(t-L) + sqrt(1 - c²)·e_t,    e_t ~ N(0, 1),  c = ECHO_STRENGTH,  L = lag

    Stationary with variance 1: Var y = c²·Var y + (1 - c²). Neighbours are uncorrelated (for
    L > 1), so persistence cannot predict it, and no forecast without memory beats the mean (0):
    its mean squared error is 1. A model that remembers y_(t+1-L) can reach 1 - c² ≈ 0.10 on
    average. The series starts from zeros and the first WARM_PERIODS·L values are dropped:
    after k periods the variance is 1 - c^(2k), within 0.1% of 1 from k = 70 on.
    """
    warm = WARM_PERIODS * lag
    e = rng.standard_normal(n + warm)
    y = np.sqrt(1.0 - ECHO_STRENGTH ** 2) * e
    for start in range(lag, n + warm, lag):  # one block of L values at a time
        stop = min(start + lag, n + warm)
        y[start:stop] += ECHO_STRENGTH * y[start - lag:stop - lag]
    return y[warm:]


def synthetic_series(kind: str = "xsinx", x_start: float = 0.01, x_stop: float = 6.0,
                     n_points: int = 600, noise: float = 0.01, seed: int = 0,
                     lag: int = 20) -> SeriesData:
    """Sample a curve on an even grid of x and add uniform noise in [-noise, noise].

    Returns SeriesData whose values are (n_points,) float64 indexed by x (float64 Index "x").
    For the random walk, y_0 = 0 and y_i = y_(i-1) + s_i with s_i uniform in
    [-RANDOM_WALK_STEP, RANDOM_WALK_STEP]; the noise is then added on top like for the others.
    For the echo series (`echo_values`), `lag` is L, the distance of every echo in points.
    """
    _check_kind(kind)
    if not (np.isfinite(x_start) and np.isfinite(x_stop)) or x_stop <= x_start:
        raise DataSourceError(_("x range {x_start}..{x_stop} is empty: 'x to' must be larger than "
                                "'x from' (the default is 0.01..6.00).").format(
                                  x_start=x_start, x_stop=x_stop))
    if int(n_points) != n_points or n_points < 2:
        raise DataSourceError(_("Number of points must be a whole number of at least 2, not "
                                "{n_points}.").format(n_points=n_points))
    if not np.isfinite(noise) or noise < 0:
        raise DataSourceError(_("Noise amplitude must be zero or positive, not {noise}.").format(
                                  noise=noise))

    rng = np.random.default_rng(seed)
    x = np.linspace(x_start, x_stop, int(n_points), dtype=np.float64)  # (n,)
    if kind == "random_walk":
        steps = rng.uniform(-RANDOM_WALK_STEP, RANDOM_WALK_STEP, size=x.size - 1)
        clean = np.concatenate([[0.0], np.cumsum(steps)])  # y_i = y_(i-1) + s_i
    elif kind == "echo":
        if int(lag) != lag or not 2 <= lag < n_points // 4:
            raise DataSourceError(_("The echo lag must be a whole number from 2 to {top} for "
                                    "{n} points, not {lag}.").format(
                                        top=n_points // 4 - 1, n=n_points, lag=lag))
        clean = echo_values(x.size, int(lag), rng)
    else:
        clean = true_function(kind, x)
    # noise ~ U[-a, a]; drawn even when a = 0 so the seed's stream does not depend on a
    y = clean + rng.uniform(-1.0, 1.0, size=x.size) * noise

    index = pd.Index(x, dtype=np.float64, name="x")
    values = pd.Series(y, index=index, name=kind, dtype=np.float64)
    if kind == "random_walk":
        note = _("No model should beat persistence (tomorrow = today) on a random walk.")
    elif kind == "echo":
        note = _("y_t = {c}·y_(t−{lag}) + fresh noise, plus noise in [-{noise}, {noise}], seed "
                 "{seed}: every value comes back {points} later. Neighbours are unrelated, so "
                 "persistence cannot predict it; a model must remember {steps}, and a window "
                 "shorter than {lag} cannot see the echo at all.").format(
                     c=ECHO_STRENGTH, lag=lag, noise=f"{noise:g}", seed=seed,
                     points=counted(lag, "point"), steps=counted(lag, "step"))
    else:
        note = _("y = {curve} + noise in [-{noise}, {noise}], seed {seed}.").format(
            curve=_DESCRIPTIONS[kind], noise=f"{noise:g}", seed=seed)
    return SeriesData(values=values, name=_(_DESCRIPTIONS[kind]), units="", provenance="synthetic",
                      frequency=infer_frequency(index), fetched_at=None, note=note)
