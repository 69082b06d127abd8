"""The worked forward step of seed 003, reproduced through the public model API."""
import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.rnn import rnn_step

H_PREV = np.array([0.537, 0.462])
X_T = np.array([2.0])
# The tutorial stacks [h1, h2, x] @ W (rows h1, h2, x); our W_hh, W_xh act on column vectors.
STACKED = np.array([[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])


def worked_example_model():
    model = RNN(1, 2, 1)
    p = model.params
    p["W_hh"][...] = STACKED[:2].T        # [[0.1, 0.3], [0.2, 0.4]]
    p["W_xh"][...] = STACKED[2:].T        # [[0.5], [0.6]]
    p["b_h"][...] = [0.1, -0.1]
    p["W_hy"][...] = [[1.0, 2.0]]
    p["b_y"][...] = [0.1]
    return model


def test_stacked_weights_split_as_documented():
    p = worked_example_model().params
    np.testing.assert_array_equal(p["W_hh"], [[0.1, 0.3], [0.2, 0.4]])
    np.testing.assert_array_equal(p["W_xh"], [[0.5], [0.6]])


def test_rnn_step_reproduces_the_tutorial_numbers():
    out = rnn_step(worked_example_model().params, X_T, H_PREV)
    assert out["h"] == pytest.approx([0.8597, 0.8837], abs=1e-4)
    assert out["y"] == pytest.approx([2.7270], abs=1e-4)


def test_forward_with_h0_reproduces_the_tutorial_numbers():
    model = worked_example_model()
    Y, cache = model.forward(X_T.reshape(1, 1, 1), h0=H_PREV.reshape(1, 2))
    assert cache["h_last"][0, 0] == pytest.approx([0.8597, 0.8837], abs=1e-4)
    assert Y[0, 0, 0] == pytest.approx(2.7270, abs=1e-4)
    assert model.predict(X_T.reshape(1, 1, 1), h0=H_PREV.reshape(1, 2))[0, 0] == \
        pytest.approx(2.7270, abs=1e-4)


def test_rnn_step_pre_activation_is_the_weighted_sum():
    # a1 = 0.1*0.537 + 0.3*0.462 + 0.5*2 + 0.1 ; a2 = 0.2*0.537 + 0.4*0.462 + 0.6*2 - 0.1
    out = rnn_step(worked_example_model().params, X_T, H_PREV)
    np.testing.assert_allclose(out["a"], [1.2923, 1.3922], atol=1e-12)
