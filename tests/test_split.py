import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core.split import Split, split_points


def test_default_split_is_70_10_20_in_time_order():
    s = split_points(100)
    assert (s.train_end, s.val_end, s.n) == (70, 80, 100)
    assert (s.n_train, s.n_val, s.n_test) == (70, 10, 20)
    assert s.slices() == {"train": slice(0, 70), "val": slice(70, 80), "test": slice(80, 100)}


def test_half_shares_round_up_not_to_even():
    # 25 * 0.1 = 2.5 and 25 * 0.3 = 7.5: both round up, as a reader would expect
    s = split_points(25, val_frac=0.1, test_frac=0.3)
    assert (s.n_val, s.n_test) == (3, 8)


def test_validation_share_zero_leaves_an_empty_validation_part():
    s = split_points(50, val_frac=0.0, test_frac=0.2)
    assert s.n_val == 0 and s.train_end == s.val_end == 40
    values = np.arange(50.0)
    assert len(values[s.val]) == 0


def test_too_short_for_the_window_says_so_in_plain_words():
    with pytest.raises(ValueError, match=r"Only 12 points: with window 10 .*smaller window"):
        split_points(12, window=10)


def test_empty_validation_part_from_a_small_share_is_refused():
    with pytest.raises(ValueError, match="validation share of 0.05 gives 0 validation points"):
        split_points(5, val_frac=0.05)


def test_empty_test_part_is_refused():
    with pytest.raises(ValueError, match="gives 0 test points"):
        split_points(10, test_frac=0.01)


@pytest.mark.parametrize("kwargs, words", [
    (dict(n=100, val_frac=0.5, test_frac=0.5), "leave nothing for training"),
    (dict(n=100, val_frac=-0.1), "validation share must be a number in"),
    (dict(n=100, test_frac=1.0), "test share must be a number in"),
    (dict(n=100, test_frac=float("nan")), "test share"),
    (dict(n=2.5), "whole number"),
    (dict(n=100, window=-1), "window at least 0"),
    (dict(n=100, min_part=0), "min_part must be at least 1"),
])
def test_bad_arguments_raise_value_error(kwargs, words):
    with pytest.raises(ValueError, match=words):
        split_points(**kwargs)


def test_split_refuses_cut_points_out_of_order():
    with pytest.raises(ValueError, match="0 < train_end <= val_end <= n"):
        Split(50, 40, 100)


def test_unknown_part_name_is_refused():
    with pytest.raises(ValueError, match="use one of train, val, test"):
        split_points(100).bounds("holdout")


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 2000), val_frac=st.floats(0, 0.45), test_frac=st.floats(0, 0.45),
       window=st.integers(0, 60), min_part=st.integers(1, 5))
def test_a_split_either_fails_or_partitions_the_series_with_enough_windows(
        n, val_frac, test_frac, window, min_part):
    try:
        s = split_points(n, val_frac=val_frac, test_frac=test_frac, window=window,
                         min_part=min_part)
    except ValueError as err:
        assert str(err)  # a refusal always explains itself
        return
    positions = np.concatenate([np.arange(n)[sl] for sl in s.slices().values()])
    np.testing.assert_array_equal(positions, np.arange(n))  # contiguous, in order, no overlap
    assert s.n_train - window >= min_part  # training targets are positions window..train_end-1
    assert val_frac == 0 or s.n_val >= min_part
    assert test_frac == 0 or s.n_test >= min_part
    assert abs(s.n_test - n * test_frac) <= 0.5 and abs(s.n_val - n * val_frac) <= 0.5
