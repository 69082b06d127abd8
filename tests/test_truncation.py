"""Truncated BPTT: with bptt_steps = k, every scored output's error flows back exactly k steps.

The output at step s sends gradient to the pre-activations a_{s-k+1} .. a_s of every layer; the
state h_{s-k} (all layers) is a constant for that output. The references below build exactly
that graph, output by output: torch with detach(), and centred differences (rnn_core.gradcheck).
"""
import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.gradcheck import check_gradients, numerical_gradients, rel_error
from torch_reference import torch_model


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("k", [1, 5, 6, 7, 19, 20, 25])
def test_many_to_one_gradient_reaches_exactly_k_steps_back(k):
    model = RNN(1, 8, 1, seed=1)
    X, Y = rand(4, 20, 1), rand(4, 1, seed=2)
    norms = model.hidden_grad_norms(X, Y, bptt_steps=k)
    reached = min(k, 20)
    assert np.count_nonzero(norms) == reached
    assert np.all(norms[20 - reached:] > 0)        # the last min(k, T) steps, no gaps
    full = model.hidden_grad_norms(X, Y)
    # one output: inside its window nothing is cut, so dL/dh_t is the full-BPTT value
    np.testing.assert_allclose(norms[20 - reached:], full[20 - reached:], rtol=1e-12)


@pytest.mark.parametrize("k", [2, 4])
def test_many_to_many_every_step_gets_gradient_from_the_next_k_outputs(k):
    model = RNN(1, 6, 1, seed=3)
    X, Y = rand(3, 9, 1), rand(3, 9, 1, seed=4)
    assert np.all(model.hidden_grad_norms(X, Y, bptt_steps=k) > 0)
    _, trunc = model.loss_and_grads(X, Y, bptt_steps=k)
    _, full = model.loss_and_grads(X, Y)
    assert rel_error(trunc["W_hh"], full["W_hh"]) > 1e-3


# ----- against torch, with the per-output truncated graph built by detach() -----------------
def torch_truncated(torch, model, X, Y, h0, k):
    """Loss, parameter gradients and top-layer dL/dh_t (T, N, H) of the truncated graph.

    Y (N, O): only the last step is scored; Y (N, j, O): the last j steps. Output s runs
    forward from the true states h_{s-k} of all layers, detached, over steps s-k+1 .. s, one
    step per call so that every h_t is a tensor of its own whose .grad is dL_s/dh_t.
    """
    ref, lin = torch_model(torch, model)
    Xt, h0t = torch.from_numpy(X), torch.from_numpy(h0)
    Yk = torch.from_numpy(Y[:, None] if Y.ndim == 2 else Y)
    N, T = X.shape[:2]
    scored = range(T - Yk.shape[1], T)
    errors, states = [], []
    for s in scored:
        start = max(0, s - k + 1)
        with torch.no_grad():   # the true states h_{start-1} of every layer
            h = h0t if start == 0 else ref(Xt[:, :start], h0t)[1]
        h = h.detach()
        for t in range(start, s + 1):
            h = ref(Xt[:, t:t + 1], h)[1]                      # (L, N, H): h_t of every layer
            h.retain_grad()
            states.append((t, h))
        errors.append(lin(h[-1]) - Yk[:, s - scored.start])
    loss = torch.mean(torch.stack(errors) ** 2)
    loss.backward()
    dh = np.zeros((T, N, model.n_hidden))                      # top layer, summed over outputs
    for t, h in states:
        dh[t] += h.grad[-1].numpy()
    grads = {"W_hy": lin.weight.grad.numpy(), "b_y": lin.bias.grad.numpy()}
    for layer in range(model.n_layers):
        sfx = "" if layer == 0 else f"_{layer}"
        grads["W_xh" + sfx] = getattr(ref, f"weight_ih_l{layer}").grad.numpy()
        grads["W_hh" + sfx] = getattr(ref, f"weight_hh_l{layer}").grad.numpy()
        grads["b_h" + sfx] = getattr(ref, f"bias_ih_l{layer}").grad.numpy()
    return loss.item(), grads, dh


def assert_matches(model, X, Y, h0, k, got_loss, got_grads, got_dh=None):
    torch = pytest.importorskip("torch")
    loss, grads, dh = torch_truncated(torch, model, X, Y, h0, k)
    assert got_loss == pytest.approx(loss, rel=1e-12)
    assert set(got_grads) == set(grads)
    for name, g in grads.items():
        assert rel_error(got_grads[name], g) < 1e-10, name
    if got_dh is not None:
        assert rel_error(got_dh, dh) < 1e-10


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("many_to_many", [False, True])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_truncated_gradients_equal_torch_with_detached_states(k, many_to_many, n_layers,
                                                              activation):
    pytest.importorskip("torch")
    model = RNN(2, 5, 2, n_layers=n_layers, activation=activation, seed=5)
    X, Y = rand(3, 8, 2, seed=6), rand(3, 8, 2, seed=7)
    Y = Y if many_to_many else Y[:, -1]
    h0 = 0.5 * rand(n_layers, 3, 5, seed=8)
    loss, grads = model.loss_and_grads(X, Y, h0=h0, bptt_steps=k)
    *_, dh = model._loss_and_grads(X, Y, h0, k, keep_dh=True)
    assert_matches(model, X, Y, h0, k, loss, grads, dh)
    norms = model.hidden_grad_norms(X, Y, h0=h0, bptt_steps=k)
    np.testing.assert_allclose(norms, np.sqrt(np.einsum("tnh,tnh->t", dh, dh)), rtol=1e-13)


@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("k,n_scored", [(2, 3), (4, 2), (3, 1)])
def test_newest_steps_scored_with_truncation_equal_torch(k, n_scored, n_layers):
    # Y (N, j, O), as fit_tbptt passes it: only the newest j steps are scored
    pytest.importorskip("torch")
    model = RNN(2, 4, 3, n_layers=n_layers, seed=9)
    X, Y = rand(2, 7, 2, seed=10), rand(2, n_scored, 3, seed=11)
    h0 = 0.5 * rand(n_layers, 2, 4, seed=12)
    loss, grads, _, dh = model._loss_and_grads(X, Y, h0, k, keep_dh=True)
    assert_matches(model, X, Y, h0, k, loss, grads, dh)
    numeric = numerical_gradients(model, X, Y, h0=h0, bptt_steps=k)
    for name in grads:
        assert rel_error(grads[name], numeric[name]) < 1e-6, name


# ----- against centred differences of the truncated loss ----------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("n_layers", [1, 2])
@pytest.mark.parametrize("k", [1, 2, 5])
def test_truncated_gradients_pass_the_finite_difference_check(k, n_layers, activation):
    model = RNN(2, 4, 2, n_layers=n_layers, activation=activation, seed=13)
    X, Y = rand(3, 7, 2, seed=14), rand(3, 7, 2, seed=15)
    h0 = 0.5 * rand(n_layers, 3, 4, seed=16)
    for target in (Y, Y[:, -1]):
        errors = check_gradients(model, X, target, h0=h0, bptt_steps=k)
        bad = {name: e for name, e in errors.items() if not e < 1e-6}
        assert not bad, f"gradient mismatch: {bad}"


def test_window_no_longer_than_k_is_full_bptt_bit_for_bit():
    model = RNN(2, 4, 2, n_layers=2, seed=17)
    X, Y = rand(3, 6, 2), rand(3, 6, 2, seed=18)
    for target in (Y, Y[:, -1]):
        _, full = model.loss_and_grads(X, target)
        for k in (6, 9):
            _, trunc = model.loss_and_grads(X, target, bptt_steps=k)
            for name in full:
                np.testing.assert_array_equal(full[name], trunc[name])
