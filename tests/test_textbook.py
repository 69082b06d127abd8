"""The textbook path (rnn_step and rnn_step_backward, one step and one layer at a time, += into
the gradients) computes the same loss and the same gradient of every parameter as the fast
batched path of RNN."""
import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.gradcheck import rel_error
from rnn_core.rnn_textbook import rnn_step, rnn_step_backward, textbook_loss_and_grads


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n_layers", [1, 2, 3])
@pytest.mark.parametrize("many_to_many", [False, True])
def test_textbook_and_batched_gradients_agree_on_every_parameter(many_to_many, n_layers,
                                                                 activation):
    model = RNN(2, 5, 3, n_layers=n_layers, activation=activation, seed=n_layers)
    X, Y = rand(4, 7, 2), rand(4, 7, 3, seed=1)
    Y = Y if many_to_many else Y[:, -1]
    h0 = 0.5 * rand(n_layers, 4, 5, seed=2)
    loss, grads = model.loss_and_grads(X, Y, h0=h0)
    ref_loss, ref = textbook_loss_and_grads(model, X, Y, h0)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    assert list(grads) == list(ref) == list(model.params)
    for name in ref:
        assert rel_error(grads[name], ref[name]) < 1e-12, name


def test_textbook_starts_from_zero_states_and_agrees_on_one_window_of_one_step():
    for T in (1, 9):
        model = RNN(1, 3, 2, seed=4)
        X, Y = rand(1, T, 1, seed=3), rand(1, 2, seed=4)
        loss, grads = model.loss_and_grads(X, Y)
        ref_loss, ref = textbook_loss_and_grads(model, X, Y)
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        for name in ref:
            assert rel_error(grads[name], ref[name]) < 1e-12, name


def test_one_step_backward_is_the_chain_rule_of_one_step_forward():
    # d/dh_prev and d/dx of L = sum(w_y * y) + sum(w_h * h), by centred differences
    model = RNN(2, 3, 2, seed=5)
    p = model.params
    x, h_prev = rand(2, 2, seed=6), rand(2, 3, seed=7)
    w_y, w_h = rand(2, 2, seed=8), rand(2, 3, seed=9)

    def loss(x, h_prev):
        step = rnn_step(p, x, h_prev)
        return np.sum(w_y * step["y"]) + np.sum(w_h * step["h"])

    grads = {name: np.zeros(v.shape) for name, v in p.items()}
    dx, dh_prev = rnn_step_backward(p, x, h_prev, rnn_step(p, x, h_prev), w_y, w_h, grads)
    for arr, got, which in ((x, dx, 0), (h_prev, dh_prev, 1)):
        numeric = np.zeros_like(arr)
        for i in np.ndindex(arr.shape):
            up, down = arr.copy(), arr.copy()
            up[i] += 1e-6
            down[i] -= 1e-6
            args_up = (up, h_prev) if which == 0 else (x, up)
            args_down = (down, h_prev) if which == 0 else (x, down)
            numeric[i] = (loss(*args_up) - loss(*args_down)) / 2e-6
        assert rel_error(got, numeric) < 1e-7


def test_rnn_step_is_still_importable_from_rnn_and_picks_a_layer():
    from rnn_core.rnn import rnn_step as from_rnn
    assert from_rnn is rnn_step
    model = RNN(2, 3, 1, n_layers=2, seed=6)
    X = rand(2, 1, 2)
    h0 = np.zeros((2, 3))
    first = rnn_step(model.params, X[:, 0], h0)
    second = rnn_step(model.params, first["h"], h0, layer=1)
    _, cache = model.forward(X)
    np.testing.assert_allclose(cache["H"][1][:, 0], second["h"], rtol=1e-13, atol=1e-15)
