import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rnn_core.scaling import (MinMaxScaler, StandardScaler, fit_on_train, make_scaler,
                              scaler_from_dict)
from rnn_core.split import split_points

SCALERS = [MinMaxScaler, StandardScaler]
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def test_minmax_maps_the_training_range_onto_zero_one():
    s = MinMaxScaler().fit(np.array([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(s.transform(np.array([2.0, 4.0, 6.0, 8.0])), [0, 0.5, 1, 1.5])
    assert s.data_min_.tolist() == [2.0] and s.data_max_.tolist() == [6.0]


def test_minmax_honours_a_feature_range():
    s = MinMaxScaler(feature_range=(-1, 1)).fit(np.array([10.0, 20.0]))
    np.testing.assert_allclose(s.transform(np.array([10.0, 15.0, 20.0])), [-1, 0, 1])


def test_standard_scaler_uses_mean_and_population_std():
    s = StandardScaler().fit(np.array([1.0, 2.0, 3.0]))
    assert s.mean_.tolist() == [2.0]
    np.testing.assert_allclose(s.scale_, [np.sqrt(2 / 3)])
    np.testing.assert_allclose(s.transform(np.array([2.0, 3.0])), [0.0, np.sqrt(1.5)])


def test_columns_are_scaled_independently():
    x = np.array([[0.0, 10.0], [1.0, 30.0], [2.0, 20.0]])
    out = MinMaxScaler().fit(x).transform(x)
    np.testing.assert_allclose(out, [[0, 0], [0.5, 1], [1, 0.5]])
    assert out.shape == (3, 2)


@pytest.mark.parametrize("cls", SCALERS)
def test_a_constant_column_gets_scale_one_without_division_by_zero(cls):
    x = np.array([[5.0, 1.0], [5.0, 2.0], [5.0, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a division by zero would warn
        s = cls().fit(x)
        out = s.transform(x)
    assert s.scale_[0] == 1.0
    assert np.all(np.isfinite(out)) and np.all(out[:, 0] == out[0, 0])


@pytest.mark.parametrize("cls", SCALERS)
def test_init_stores_arguments_only_and_fit_returns_self(cls):
    s = cls()
    assert not [k for k in vars(s) if k.endswith("_")]
    assert s.fit(np.arange(4.0)) is s
    assert hasattr(s, "scale_")


@pytest.mark.parametrize("cls", SCALERS)
def test_nan_in_fit_input_is_refused(cls):
    with pytest.raises(ValueError, match="missing"):
        cls().fit(np.array([1.0, np.nan, 3.0]))


@pytest.mark.parametrize("cls", SCALERS)
def test_transform_before_fit_says_to_fit_first(cls):
    with pytest.raises(ValueError, match="not fitted yet: call fit"):
        cls().transform(np.arange(3.0))
    with pytest.raises(ValueError, match="not fitted yet"):
        cls().inverse_transform(np.arange(3.0))


def test_wrong_number_of_columns_is_refused():
    s = MinMaxScaler().fit(np.ones((4, 2)))
    with pytest.raises(ValueError, match="fitted on 2 column"):
        s.transform(np.ones((4, 3)))


def test_a_flat_series_stays_flat_and_a_column_stays_a_column():
    s = StandardScaler().fit(np.arange(5.0))
    assert s.transform(np.arange(3.0)).shape == (3,)
    assert s.transform(np.arange(3.0)[:, None]).shape == (3, 1)


def test_bad_feature_range_and_unknown_kind_are_refused():
    with pytest.raises(ValueError, match="low < high"):
        MinMaxScaler(feature_range=(1, 0)).fit(np.arange(3.0))
    with pytest.raises(ValueError, match="minmax, standard"):
        make_scaler("robust")


@pytest.mark.parametrize("cls", SCALERS)
def test_to_dict_survives_json_and_rebuilds_the_same_scaler(cls):
    x = np.array([[1.0, -3.0], [4.0, 8.0], [2.5, 0.0]])
    s = cls().fit(x)
    back = scaler_from_dict(json.loads(json.dumps(s.to_dict())))
    assert type(back) is cls
    np.testing.assert_array_equal(back.transform(x), s.transform(x))
    np.testing.assert_array_equal(back.inverse_transform(x), s.inverse_transform(x))


def test_an_unfitted_scaler_round_trips_unfitted():
    back = scaler_from_dict(MinMaxScaler(feature_range=(-1, 1)).to_dict())
    assert back.feature_range == (-1.0, 1.0) and not hasattr(back, "scale_")


@pytest.mark.parametrize("d, words", [
    ({"kind": "robust"}, "needs 'kind'"),
    ({"kind": "standard", "fitted": {"mean_": [0.0]}}, "needs numeric"),
    ({"kind": "standard", "fitted": {"mean_": [0.0], "scale_": [0.0]}}, "non-zero scale_"),
    ({"kind": "standard", "fitted": {"mean_": [0.0, 1.0], "scale_": [1.0]}}, "equal-length"),
    ({"kind": "minmax", "feature_range": [0]}, "two numbers"),
])
def test_malformed_scaler_descriptions_are_refused(d, words):
    with pytest.raises(ValueError, match=words):
        scaler_from_dict(d)


def test_fit_on_train_fits_the_training_part_only():
    values = np.array([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 100.0, 200.0])
    split = split_points(10, val_frac=0.1, test_frac=0.1)
    scaler, scaled = fit_on_train(MinMaxScaler(), values, split)
    assert scaler.data_max_.tolist() == [7.0]  # the test outlier 200 did not stretch the range
    np.testing.assert_allclose(scaled[:8], np.arange(8) / 7)
    assert scaled[-1] > 1.0  # unseen test values may fall outside the training range


def test_fit_on_train_refuses_a_series_of_another_length():
    with pytest.raises(ValueError, match="split is for 10 points"):
        fit_on_train(MinMaxScaler(), np.arange(11.0), split_points(10, val_frac=0.1))


@settings(max_examples=150, deadline=None)
@given(cls=st.sampled_from(SCALERS),
       x=hnp.arrays(np.float64, st.tuples(st.integers(1, 40), st.integers(1, 3)), elements=finite),
       flat=st.booleans())
def test_inverse_transform_undoes_transform(cls, x, flat):
    if flat:
        x = x[:, 0]
    s = cls().fit(x)
    np.testing.assert_allclose(s.inverse_transform(s.transform(x)), x, rtol=1e-9, atol=1e-6)


@settings(max_examples=150, deadline=None)
@given(cls=st.sampled_from(SCALERS), n=st.integers(20, 200), data=st.data())
def test_validation_and_test_values_never_reach_the_fitted_scaler(cls, n, data):
    split = split_points(n, val_frac=0.1, test_frac=0.2)
    values = data.draw(hnp.arrays(np.float64, n, elements=finite))
    other = values.copy()
    other[split.train_end:] = data.draw(hnp.arrays(np.float64, n - split.train_end,
                                                   elements=finite))
    a, scaled_a = fit_on_train(cls(), values, split)
    b, scaled_b = fit_on_train(cls(), other, split)
    assert a.to_dict() == b.to_dict()  # every learned statistic identical
    np.testing.assert_array_equal(scaled_a[split.train], scaled_b[split.train])
