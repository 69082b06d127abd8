"""Synthetic curves: seed 001's defaults, bounded noise, reproducible draws, a truth to compare."""

from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from rnn_core.sources import SYNTHETIC_KINDS, DataSourceError, SeriesData, describe, \
    has_true_function, provenance_line, synthetic_series, true_function
from rnn_core.sources.synthetic import RANDOM_WALK_STEP


def test_defaults_are_seed_001s_curve():
    data = synthetic_series()
    x, y = data.values.index.to_numpy(), data.values.to_numpy()
    assert x.shape == y.shape == (600,)
    assert x.dtype == y.dtype == np.float64
    assert x[0] == 0.01 and x[-1] == 6.0
    np.testing.assert_allclose(np.diff(x), 0.01, rtol=1e-9)
    assert data.provenance == "synthetic" and data.fetched_at is None
    assert data.frequency == "step 0.01"
    # y = x·sin(x) + noise in [-0.01, 0.01]
    assert np.max(np.abs(y - x * np.sin(x))) <= 0.01


@pytest.mark.parametrize("kind", ["xsinx", "sine", "damped"])
@pytest.mark.parametrize("noise", [0.0, 0.01, 0.5])
def test_noise_stays_within_plus_minus_a_and_uses_the_range(kind, noise):
    data = synthetic_series(kind, x_start=-2.0, x_stop=9.0, n_points=2000, noise=noise, seed=3)
    x = data.values.index.to_numpy()
    deviation = data.values.to_numpy() - true_function(kind, x)
    assert np.all(np.abs(deviation) <= noise)
    if noise == 0.0:
        assert np.array_equal(deviation, np.zeros_like(x))
    else:
        # 2000 uniform draws reach both ends of [-a, a] (a miss has probability ~1e-87)
        assert deviation.max() > 0.9 * noise and deviation.min() < -0.9 * noise


def test_the_three_curves_follow_their_equations():
    x = np.array([0.0, 0.5, np.pi / 2, 3.0])
    np.testing.assert_array_equal(true_function("xsinx", x), x * np.sin(x))
    np.testing.assert_array_equal(true_function("sine", x), np.sin(x))
    np.testing.assert_array_equal(true_function("damped", x), np.exp(-0.2 * x) * np.sin(3 * x))


@pytest.mark.parametrize("kind", SYNTHETIC_KINDS)
def test_same_seed_same_series_other_seed_other_series(kind):
    first = synthetic_series(kind, seed=7).values
    again = synthetic_series(kind, seed=7).values
    other = synthetic_series(kind, seed=8).values
    assert np.array_equal(first.to_numpy(), again.to_numpy())
    assert not np.array_equal(first.to_numpy(), other.to_numpy())


def test_random_walk_moves_by_bounded_steps_and_has_no_truth():
    data = synthetic_series("random_walk", n_points=5000, noise=0.0, seed=1)
    y = data.values.to_numpy()
    steps = np.diff(y)
    assert y[0] == 0.0
    assert np.all(np.abs(steps) <= RANDOM_WALK_STEP)
    assert abs(steps.mean()) < 0.01  # no drift: tomorrow's best guess is today
    assert "persistence" in data.note
    assert not has_true_function("random_walk")
    with pytest.raises(DataSourceError, match="last value"):
        true_function("random_walk", [1.0])


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(kind="square"), "Unknown synthetic series"),
    (dict(x_start=6.0, x_stop=0.01), "'x to' must be larger"),
    (dict(x_start=float("nan")), "'x to' must be larger"),
    (dict(n_points=1), "at least 2"),
    (dict(n_points=10.5), "whole number"),
    (dict(noise=-0.1), "zero or positive"),
])
def test_bad_parameters_are_refused_in_plain_words(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        synthetic_series(**kwargs)


def test_describe_gives_points_range_frequency_and_provenance():
    summary = describe(synthetic_series(n_points=600))
    assert (summary.points, summary.first, summary.last) == (600, "0.01", "6")
    assert summary.provenance == "synthetic"
    assert summary.text == "600 points, 0.01 .. 6, step 0.01 · synthetic"


@pytest.mark.parametrize("provenance, fetched_at, line", [
    ("live", datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc), "live"),
    ("cache", datetime(2026, 11, 23, 12, 0, 41, tzinfo=timezone.utc),
     "cached 2026-11-23 12:00 UTC"),
    ("bundled", None, "bundled sample"),
    ("upload", None, "upload"),
])
def test_provenance_line_says_where_the_numbers_came_from(provenance, fetched_at, line):
    values = pd.Series([1.0, 2.0], index=pd.to_datetime(["2020-01-01", "2020-02-01"]))
    data = SeriesData(values, "s", "", "monthly", provenance, fetched_at)
    assert provenance_line(data) == line


def test_unknown_provenance_is_refused():
    with pytest.raises(ValueError, match="provenance"):
        SeriesData(pd.Series([1.0]), "s", "", "unknown", "internet")
