import math
import warnings

import numpy as np
import pytest

from rnn_core.metrics import (mae, mape, mase, metrics_table, mse, naive_scale, relative_mae,
                              rmse)

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


TRAIN = np.array([10.0, 12.0, 11.0, 14.0, 14.0])  # one-step changes 2, 1, 3, 0: mean 1.5


def test_mase_divides_the_test_mae_by_the_naive_mae_on_the_training_part():
    # Hyndman & Koehler (2006): MAE 1 on the test points / in-sample naive MAE 1.5
    assert mase(Y, P, TRAIN) == pytest.approx(1.0 / 1.5)
    better = np.array([1.0, 2.5, 3.0, 4.5])  # MAE 0.25
    assert mase(Y, better, TRAIN) == pytest.approx(0.25 / 1.5)


def test_mase_agrees_with_sktimes_definition_on_a_random_walk():
    rng = np.random.default_rng(5)
    y = rng.normal(size=80).cumsum()
    train, test = y[:60], y[60:]
    pred = test + rng.normal(scale=0.3, size=20)
    by_hand = np.mean(np.abs(test - pred)) / np.mean(np.abs(train[1:] - train[:-1]))
    assert mase(test, pred, train) == pytest.approx(by_hand, rel=1e-14)
    # persistence's MASE is not 1 in general: its test MAE differs from the training one
    naive = y[59:79]
    assert mase(test, naive, train) != pytest.approx(1.0)


def test_relative_mae_divides_by_persistence_on_the_same_points():
    assert relative_mae(Y, P, NAIVE) == pytest.approx(1.0)  # MAE 1 against persistence MAE 1
    assert relative_mae(Y, np.array([1.0, 2.5, 3.0, 4.5]), NAIVE) == pytest.approx(0.25)
    assert relative_mae(Y, NAIVE, NAIVE) == 1.0


def test_ratios_are_nan_without_a_warning_when_undefined():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(relative_mae(np.ones(4), np.zeros(4), np.ones(4)))
        assert math.isnan(mase(np.ones(4), np.zeros(4), np.ones(6)))  # training never changes
        assert naive_scale(TRAIN) == pytest.approx(1.5)


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
    table = metrics_table(Y, {"RNN": P}, NAIVE, y_train=TRAIN)
    assert list(table) == ["RNN", "Persistence"]
    assert table["RNN"] == {"mse": mse(Y, P), "rmse": rmse(Y, P), "mae": mae(Y, P),
                            "mape": mape(Y, P), "mase": mase(Y, P, TRAIN),
                            "rel_mae": relative_mae(Y, P, NAIVE)}
    assert table["Persistence"]["rel_mae"] == 1.0
    assert table["Persistence"]["mae"] == pytest.approx(1.0)


def test_metrics_table_keeps_a_persistence_row_given_by_the_caller():
    table = metrics_table(Y, {"MLP": P, "naive": NAIVE}, NAIVE, naive_name="naive")
    assert list(table) == ["MLP", "naive"]
