"""Numbers too large or too small for float64 arithmetic are refused before training, in words.

Every task's prepare passes `checked_values`, so the check holds for every source: synthetic
curves, FRED and ticker series (dates on the index) and uploads alike. Past 1e150 a squared
error overflows (near 1.8e308 even max - min does, and every scaled value became 0); under
1e-150 it underflows to 0, so every error would read 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_core.config import LabConfig
from rnn_core.evaluate import evaluate
from rnn_core.experiment import Run, prepare
from rnn_core.presets import PRESETS
from rnn_core.sources.synthetic import synthetic_series

SMALL = LabConfig(n_points=200, window=8, n_hidden=6, mlp_hidden=6, epochs=3, batch_size=16)
CONFIGS = {"next": SMALL, "seq": SMALL.replace(task="seq"),
           "blocks": PRESETS["xsinx_blocks"].config().replace(epochs=1)}


def xsinx(cfg: LabConfig) -> pd.Series:
    """The synthetic curve, scaled so that its largest size is 1."""
    values = synthetic_series("xsinx", cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                              cfg.data_seed).values
    return values / values.abs().max()


def monthly(values: pd.Series) -> pd.Series:
    """The same numbers on month starts, as a FRED or ticker series arrives."""
    return pd.Series(values.to_numpy(), index=pd.date_range("1990-01-01", periods=len(values),
                                                            freq="MS"), name="GS10")


HUGE = ("Values up to 1.7e308 are too large to train on: every error is squared, and the square "
        "of a number this big passes the largest number the computer can hold (about 1.8e308), "
        "so errors would read inf. Divide the series by 1e308 (or use larger units, such as "
        "millions) and try again.")
TINY = ("The values are at most 3e-200 in size, too small to train on: every error is squared, "
        "and squares of numbers this small fall below the smallest number the computer can "
        "hold (about 1e-308), so every error would read 0. Multiply the series by 1e200 (or use "
        "smaller units) and try again.")


@pytest.mark.parametrize("task", CONFIGS)
def test_values_whose_range_overflows_float64_are_refused_in_plain_words(task):
    cfg = CONFIGS[task]
    huge = xsinx(cfg) * 1.7e308
    with np.errstate(over="ignore"):
        assert np.isinf(huge.max() - huge.min())  # what made every scaled value 0
    for series in (huge, monthly(huge)):
        with pytest.raises(ValueError) as caught:
            prepare(series, cfg)
        assert str(caught.value) == HUGE


@pytest.mark.parametrize("task", CONFIGS)
def test_values_whose_squared_errors_overflow_are_refused(task):
    cfg = CONFIGS[task]
    with pytest.raises(ValueError, match=r"^Values up to 2e200 are too large to train on: .* "
                                         r"Divide the series by 1e200 "):
        prepare(monthly(xsinx(cfg) * 2e200), cfg)


@pytest.mark.parametrize("task", CONFIGS)
def test_values_so_tiny_their_squared_errors_underflow_to_zero_are_refused(task):
    cfg = CONFIGS[task]
    tiny = xsinx(cfg) * 3e-200
    assert np.square(tiny.to_numpy()).max() == 0.0  # every squared error would read 0
    for series in (tiny, monthly(tiny)):
        with pytest.raises(ValueError) as caught:
            prepare(series, cfg)
        assert str(caught.value) == TINY


@pytest.mark.parametrize("scale", [1e149, 1e-149])
def test_values_just_inside_the_limits_train_and_score_finite(scale):
    series = xsinx(SMALL) * scale
    run = Run(prepare(series, SMALL))
    run.train(2)
    metrics = evaluate(run).metrics
    assert np.isfinite(metrics.to_numpy()).all()
    assert (metrics["RMSE"] > 0).all()


def test_a_series_of_zeros_is_still_refused_as_having_nothing_to_learn():
    with pytest.raises(ValueError, match="are equal .*nothing to learn"):
        prepare(pd.Series(np.zeros(50)), SMALL.replace(window=5))
