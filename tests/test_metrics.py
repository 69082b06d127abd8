import math
import warnings

import numpy as np
import pytest

from rnn_core.metrics import mae, mape, mase, metrics_table, mse, rmse

Y = np.array([1.0, 2.0, 3.0, 4.0])
P = np.array([1.0, 3.0, 2.0, 6.0])  # errors 0, 1, -1, 2
NAIVE = np.array([0.0, 1.0, 2.0, 3.0])  # persistence: every error is 1


def test_squared_and_absolute_errors_by_hand():
    assert mse(Y, P) == pytest.approx((0 + 1 + 1 + 4) / 4)
    assert rmse(Y, P) == pytest.approx(math.sqrt(1.5))
    assert mae(Y, P) == pytest.approx((0 + 1 + 1 + 2) / 4)


def test_mape_is_in_percent():
    # 100 * mean(0/1, 1/2, 1/3, 2/4)
    assert mape(Y, P) == pytest.approx(100 * (0 + 0.5 + 1 / 3 + 0.5) / 4)


def test_mape_skips_points_near_zero():
    y = np.array([0.0, 1e-9, 2.0])
    p = np.array([5.0, 5.0, 1.0])
    assert mape(y, p) == pytest.approx(50.0)  # only the point 2 -> 1 counts


def test_mape_is_nan_when_every_point_is_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(mape(np.zeros(3), np.ones(3)))


def test_mase_divides_by_the_persistence_error_on_the_same_points():
    assert mase(Y, P, NAIVE) == pytest.approx(1.0)  # MAE 1 against persistence MAE 1
    better = np.array([1.0, 2.5, 3.0, 4.5])  # MAE 0.25
    assert mase(Y, better, NAIVE) == pytest.approx(0.25)


def test_persistence_scores_mase_exactly_one():
    rng = np.random.default_rng(5)
    y = rng.normal(size=50).cumsum()
    naive = np.concatenate([[0.0], y[:-1]])
    assert mase(y, naive, naive) == 1.0


def test_mase_is_nan_without_a_warning_when_persistence_is_perfect():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(mase(np.ones(4), np.zeros(4), np.ones(4)))


def test_shapes_must_match_and_must_not_be_empty():
    with pytest.raises(ValueError, match="same shape"):
        mse(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="empty"):
        mae(np.zeros(0), np.zeros(0))


def test_two_dimensional_inputs_count_every_element():
    y = np.array([[0.0, 0.0], [0.0, 0.0]])
    p = np.array([[1.0, 3.0], [1.0, 3.0]])
    assert mse(y, p) == pytest.approx(5.0)


def test_metrics_table_scores_every_model_and_adds_persistence():
    table = metrics_table(Y, {"RNN": P}, NAIVE)
    assert list(table) == ["RNN", "Persistence"]
    assert table["RNN"] == {"mse": mse(Y, P), "rmse": rmse(Y, P), "mae": mae(Y, P),
                            "mape": mape(Y, P), "mase": mase(Y, P, NAIVE)}
    assert table["Persistence"]["mase"] == 1.0
    assert table["Persistence"]["mae"] == pytest.approx(1.0)


def test_metrics_table_keeps_a_persistence_row_given_by_the_caller():
    table = metrics_table(Y, {"MLP": P, "naive": NAIVE}, NAIVE, naive_name="naive")
    assert list(table) == ["MLP", "naive"]
