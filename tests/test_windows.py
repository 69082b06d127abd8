import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnn_core.split import split_points
from rnn_core.windows import make_windows, windows_for_split

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)


def test_window_three_on_zero_to_nine_by_hand():
    w = make_windows(np.arange(10.0), 3)
    assert w.X.shape == (7, 3, 1) and w.Y.shape == (7, 1)
    assert w.X[0, :, 0].tolist() == [0, 1, 2] and w.Y[0, 0] == 3
    assert w.X[-1, :, 0].tolist() == [6, 7, 8] and w.Y[-1, 0] == 9
    assert w.target_idx.tolist() == [3, 4, 5, 6, 7, 8, 9]


def test_many_to_many_targets_are_the_inputs_shifted_by_one():
    w = make_windows(np.arange(10.0), 3, start=7, many_to_many=True)
    assert w.Y.shape == (3, 3, 1)
    assert w.X[0, :, 0].tolist() == [4, 5, 6] and w.Y[0, :, 0].tolist() == [5, 6, 7]
    assert w.target_idx.tolist() == [7, 8, 9]  # the last target of each window


def test_inputs_may_reach_back_before_start():
    w = make_windows(np.arange(10.0), 4, start=8, stop=10)
    assert w.X[0, :, 0].tolist() == [4, 5, 6, 7] and w.target_idx.tolist() == [8, 9]


def test_windows_are_copies_not_views_of_the_series():
    values = np.arange(10.0)
    w = make_windows(values, 3)
    w.X[:] = -1.0
    w.Y[:] = -1.0
    assert values.tolist() == list(range(10))


@pytest.mark.parametrize("window, words", [(0, "at least 1 step"), (2.5, "whole number"),
                                            (10, "No windows")])
def test_bad_window_raises_in_plain_words(window, words):
    with pytest.raises(ValueError, match=words):
        make_windows(np.arange(10.0), window)


def test_a_range_without_targets_says_what_would_work():
    with pytest.raises(ValueError, match="use a smaller window"):
        make_windows(np.arange(10.0), 5, start=0, stop=4)
    with pytest.raises(ValueError, match="0 <= start <= stop <= 10"):
        make_windows(np.arange(10.0), 2, start=5, stop=11)
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, D\)"):
        make_windows(np.zeros((2, 2, 2)), 1)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), n=st.integers(2, 60), d=st.integers(1, 3), many=st.booleans())
def test_every_window_is_the_right_slice_and_its_target_the_next_value(data, n, d, many):
    values = data.draw(hnp.arrays(np.float64, (n, d), elements=finite))
    window = data.draw(st.integers(1, n - 1))
    start = data.draw(st.integers(0, n))
    stop = data.draw(st.integers(start, n))
    expected_idx = np.arange(max(start, window), stop)
    if len(expected_idx) == 0:
        with pytest.raises(ValueError, match="No windows"):
            make_windows(values, window, start=start, stop=stop, many_to_many=many)
        return
    w = make_windows(values, window, start=start, stop=stop, many_to_many=many)
    np.testing.assert_array_equal(w.target_idx, expected_idx)
    for row, t in enumerate(w.target_idx):
        np.testing.assert_array_equal(w.X[row], values[t - window:t])
        if many:
            np.testing.assert_array_equal(w.Y[row], values[t - window + 1:t + 1])
        else:
            np.testing.assert_array_equal(w.Y[row], values[t])


@settings(max_examples=100, deadline=None)
@given(n=st.integers(30, 300), window=st.integers(1, 15), val_frac=st.sampled_from([0.0, 0.1, 0.2]),
       many=st.booleans())
def test_split_windows_keep_every_target_inside_its_own_part(n, window, val_frac, many):
    split = split_points(n, val_frac=val_frac, test_frac=0.2, window=window)
    values = np.arange(n, dtype=np.float64) ** 1.5  # distinct values: a value names its position
    parts = windows_for_split(values, split, window, many_to_many=many)
    for name, w in parts.items():
        lo, hi = split.bounds(name)
        assert np.all((w.target_idx >= lo) & (w.target_idx < hi)), name
        last_target = w.Y[:, -1, 0] if many else w.Y[:, 0]
        np.testing.assert_array_equal(last_target, values[w.target_idx])
    assert np.all(parts["test"].target_idx >= split.train_end)  # never a training target
    # together the parts use every possible target exactly once
    all_idx = np.concatenate([w.target_idx for w in parts.values()])
    np.testing.assert_array_equal(all_idx, np.arange(window, n))


def test_test_windows_look_back_into_earlier_parts():
    split = split_points(20, val_frac=0.0, test_frac=0.25)  # test = [15, 20)
    w = windows_for_split(np.arange(20.0), split, 6)["test"]
    assert w.X[0, :, 0].tolist() == [9, 10, 11, 12, 13, 14] and w.target_idx[0] == 15


def test_an_empty_validation_part_gives_empty_windows_of_the_right_shape():
    split = split_points(40, val_frac=0.0, test_frac=0.2)
    parts = windows_for_split(np.zeros((40, 2)), split, 5, many_to_many=True)
    assert parts["val"].X.shape == (0, 5, 2) and parts["val"].Y.shape == (0, 5, 2)
    assert len(parts["val"].target_idx) == 0


def test_windows_for_split_refuses_a_series_of_another_length():
    with pytest.raises(ValueError, match="split is for 40 points"):
        windows_for_split(np.zeros(41), split_points(40), 3)
