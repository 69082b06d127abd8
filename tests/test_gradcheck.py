"""Backpropagation agrees with centred finite differences for every parameter (float64)."""
import numpy as np
import pytest

from rnn_core import MLP, RNN, SGD, fit_tbptt
from rnn_core.gradcheck import check_gradients, numerical_gradients, rel_error

TOL = 1e-6


def data(N=3, T=6, I=2, O=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, I)), rng.standard_normal((N, T, O))


def assert_all_below(errors, tol=TOL):
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"gradient mismatch: {bad}"


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("many_to_many", [False, True])
def test_single_layer_gradients(activation, many_to_many):
    X, Y = data()
    model = RNN(2, 4, 2, activation=activation, seed=1)
    errors = check_gradients(model, X, Y if many_to_many else Y[:, -1])
    assert set(errors) == set(model.params)
    assert_all_below(errors)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_stacked_layers_gradients_with_initial_state(activation):
    X, Y = data(T=5)
    model = RNN(2, 3, 2, n_layers=3, activation=activation, seed=2)
    h0 = np.random.default_rng(5).uniform(-0.5, 0.5, (3, 3, 3))
    errors = check_gradients(model, X, Y, h0=h0)
    assert "W_hh_2" in errors and "W_xh_1" in errors
    assert_all_below(errors)


@pytest.mark.parametrize("bptt_steps,n_layers", [(1, 1), (2, 1), (4, 1), (2, 2)])
def test_truncated_bptt_matches_loss_with_each_output_run_from_frozen_states(bptt_steps,
                                                                            n_layers):
    # reference: the output at s recomputed from the constant states h_{s-k} over k steps
    X, Y = data(T=7)
    model = RNN(2, 4, 2, n_layers=n_layers, seed=3)
    assert_all_below(check_gradients(model, X, Y, bptt_steps=bptt_steps))
    assert_all_below(check_gradients(model, X, Y[:, -1], bptt_steps=bptt_steps))


def test_truncated_gradient_differs_from_full_gradient():
    # The check can fail: truncated gradients are not the full-BPTT gradients.
    X, Y = data(T=7)
    model = RNN(2, 4, 2, seed=3)
    _, truncated = model.loss_and_grads(X, Y, bptt_steps=2)
    full = numerical_gradients(model, X, Y)
    assert rel_error(truncated["W_hh"], full["W_hh"]) > 1e-3


def test_truncation_longer_than_the_window_is_full_bptt():
    X, Y = data(T=5)
    model = RNN(2, 4, 2, seed=4)
    _, full = model.loss_and_grads(X, Y)
    _, trunc = model.loss_and_grads(X, Y, bptt_steps=5)
    for name in full:
        np.testing.assert_array_equal(full[name], trunc[name])


def test_fit_tbptt_step_follows_the_window_gradient():
    # One window (T == k2): SGD's update divided by -lr is the gradient fit_tbptt used, which
    # must be d/dparams of the MSE over the newest k1 outputs of the window from h0 = 0.
    rng = np.random.default_rng(6)
    x_seq, y_seq = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    k1, lr = 2, 1e-3
    model = RNN(3, 4, 2, seed=7)
    before = {k: v.copy() for k, v in model.params.items()}
    reference = model.copy()
    fit_tbptt(model, x_seq, y_seq, k1=k1, k2=5, epochs=1, optimizer=SGD(lr))

    def window_loss():
        out, _ = reference.forward(x_seq[None])
        return np.mean((out[0, -k1:] - y_seq[-k1:]) ** 2)

    eps = 1e-6
    for name, p in reference.params.items():
        numeric = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = window_loss()
            p[i] = old - eps
            numeric[i] = (up - window_loss()) / (2 * eps)
            p[i] = old
        used = (before[name] - model.params[name]) / lr
        assert rel_error(used, numeric) < TOL, name


@pytest.mark.parametrize("hidden", [5, (5, 4)])
def test_mlp_gradients(hidden):
    X, Y = data(T=4, I=2, O=1)
    model = MLP(8, hidden, 1, seed=8)
    assert_all_below(check_gradients(model, X, Y[:, -1]))


def test_numerical_gradients_restore_parameters_exactly():
    X, Y = data()
    model = RNN(2, 3, 2, seed=9)
    before = {k: v.copy() for k, v in model.params.items()}
    numerical_gradients(model, X, Y)
    for name, p in model.params.items():
        np.testing.assert_array_equal(p, before[name])


def test_rel_error_scales_by_the_larger_magnitude():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 2.2)
    assert rel_error([1e-8], [2e-8]) == pytest.approx(0.5)
