"""The Elman RNN: parameters, initialisation, forward pass, states, and gradient norms."""
import numpy as np
import pytest

from rnn_core import RNN
from rnn_core.rnn import set_spectral_radius, spectral_radius
from torch_reference import torch_model


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_parameter_names_and_shapes_follow_the_contract():
    model = RNN(3, 5, 2, n_layers=2)
    shapes = {k: v.shape for k, v in model.params.items()}
    assert shapes == {"W_xh": (5, 3), "W_hh": (5, 5), "b_h": (5,), "W_xh_1": (5, 5),
                      "W_hh_1": (5, 5), "b_h_1": (5,), "W_hy": (2, 5), "b_y": (2,)}
    assert all(p.dtype == np.float64 for p in model.params.values())
    assert model.n_params == sum(int(np.prod(s)) for s in shapes.values())


def test_initialisation_is_glorot_and_orthogonal():
    model = RNN(4, 32, 3, seed=1)
    p = model.params
    np.testing.assert_allclose(p["W_hh"] @ p["W_hh"].T, np.eye(32), atol=1e-12)
    assert np.abs(p["W_xh"]).max() <= np.sqrt(6 / (4 + 32))
    assert np.abs(p["W_hy"]).max() <= np.sqrt(6 / (32 + 3))
    assert not p["b_h"].any() and not p["b_y"].any()


def test_same_seed_same_weights_other_seed_other_weights():
    a, b, c = RNN(2, 6, 1, seed=5), RNN(2, 6, 1, seed=5), RNN(2, 6, 1, seed=6)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["W_hh"], c.params["W_hh"])


def test_forward_shapes_and_cache():
    model = RNN(3, 4, 2, n_layers=2)
    Y, cache = model.forward(rand(5, 7, 3))
    assert Y.shape == (5, 7, 2)
    assert [h.shape for h in cache["H"]] == [(5, 7, 4), (5, 7, 4)]
    assert cache["h_last"].shape == (2, 5, 4)
    np.testing.assert_array_equal(cache["h_last"][1], cache["H"][1][:, -1])


def test_forward_matches_a_step_by_step_reference():
    model = RNN(3, 4, 2, activation="relu", seed=2)
    X, p = rand(2, 5, 3), model.params
    h = np.zeros((2, 4))
    expected = []
    for t in range(5):
        h = np.maximum(X[:, t] @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"], 0)
        expected.append(h @ p["W_hy"].T + p["b_y"])
    Y, _ = model.forward(X)
    np.testing.assert_allclose(Y, np.stack(expected, axis=1), rtol=1e-13, atol=1e-13)


def test_state_carries_across_chunks():
    # Running 4 steps, then 3 more from the final state, equals running all 7 at once.
    model = RNN(2, 5, 1, n_layers=2, seed=3)
    X = rand(3, 7, 2)
    Y_all, _ = model.forward(X)
    state = model.final_state(X[:, :4])
    Y_rest, _ = model.forward(X[:, 4:], h0=state)
    np.testing.assert_allclose(Y_rest, Y_all[:, 4:], rtol=1e-13, atol=1e-14)


def test_h0_of_one_layer_shape_starts_every_layer():
    model = RNN(2, 3, 1, n_layers=2, seed=4)
    X, h = rand(2, 4, 2), rand(2, 3, seed=1)
    Y1, _ = model.forward(X, h0=h)
    Y2, _ = model.forward(X, h0=np.stack([h, h]))
    np.testing.assert_array_equal(Y1, Y2)
    assert not np.allclose(Y1, model.forward(X)[0])


def test_predict_and_hidden_states_agree_with_forward():
    model = RNN(2, 6, 3, seed=5)
    X = rand(4, 8, 2)
    Y, cache = model.forward(X)
    np.testing.assert_allclose(model.predict(X), Y[:, -1], rtol=1e-14)
    np.testing.assert_array_equal(model.hidden_states(X), cache["H"][0])


def test_loss_is_mse_over_all_target_elements():
    model = RNN(2, 4, 3, seed=6)
    X, Y = rand(5, 6, 2), rand(5, 6, 3, seed=1)
    out, _ = model.forward(X)
    assert model.loss_and_grads(X, Y)[0] == pytest.approx(np.mean((out - Y) ** 2), rel=1e-13)
    assert model.loss_and_grads(X, Y[:, -1])[0] == \
        pytest.approx(np.mean((out[:, -1] - Y[:, -1]) ** 2), rel=1e-13)


def test_many_to_one_output_gradient_uses_the_last_step_only():
    # dL/dW_hy = sum_n dL/dy_T h_T^T with dL/dy_T = 2 (y_T - target) / (N * O)
    model = RNN(1, 4, 2, seed=7)
    X, Y = rand(3, 5, 1), rand(3, 2, seed=2)
    out, cache = model.forward(X)
    dY = 2 * (out[:, -1] - Y) / Y.size
    _, g = model.loss_and_grads(X, Y)
    np.testing.assert_allclose(g["W_hy"], dY.T @ cache["H"][0][:, -1], rtol=1e-13)
    np.testing.assert_allclose(g["b_y"], dY.sum(axis=0), rtol=1e-13)


def test_config_rebuilds_and_copy_is_independent():
    model = RNN(3, 4, 2, activation="relu", n_layers=2, seed=8)
    cfg = model.config
    assert cfg["kind"] == "rnn"
    rebuilt = RNN(**{k: v for k, v in cfg.items() if k != "kind"})
    assert rebuilt.config == cfg
    twin = model.copy()
    twin.params["W_hh"] += 1.0
    assert not np.array_equal(twin.params["W_hh"], model.params["W_hh"])
    np.testing.assert_array_equal(twin.params["W_hy"], model.params["W_hy"])


def test_set_spectral_radius():
    model = RNN(1, 8, 1, n_layers=2, seed=9)
    set_spectral_radius(model, 0.7)
    assert spectral_radius(model.params["W_hh"]) == pytest.approx(0.7, rel=1e-12)
    assert spectral_radius(model.params["W_hh_1"]) == pytest.approx(0.7, rel=1e-12)


def test_hidden_grad_norms_match_finite_differences_of_the_state():
    # Reference: perturb h_t itself and continue the forward pass from it.
    model = RNN(2, 3, 2, seed=10)
    X, Y = rand(2, 5, 2), rand(2, 5, 2, seed=3)
    p, H, eps = model.params, model.hidden_states(X), 1e-6

    def loss_from_state(t, h_t):
        out_before = H[:, :t] @ p["W_hy"].T + p["b_y"]
        out_t = h_t @ p["W_hy"].T + p["b_y"]
        out_after, _ = model.forward(X[:, t + 1:], h0=h_t) if t < 4 else (np.zeros((2, 0, 2)),
                                                                       None)
        out = np.concatenate([out_before, out_t[:, None], out_after], axis=1)
        return np.mean((out - Y) ** 2)

    expected = []
    for t in range(5):
        g = np.zeros((2, 3))
        for i in np.ndindex(g.shape):
            d = np.zeros((2, 3))
            d[i] = eps
            g[i] = (loss_from_state(t, H[:, t] + d) - loss_from_state(t, H[:, t] - d)) / (2 * eps)
        expected.append(np.linalg.norm(g))
    np.testing.assert_allclose(model.hidden_grad_norms(X, Y), expected, rtol=1e-7)


def test_larger_spectral_radius_gives_larger_early_gradients():
    X, Y = 0.1 * rand(4, 20, 1), rand(4, 1, seed=4)
    norms = {}
    for rho in (0.5, 0.95):
        model = RNN(1, 16, 1, seed=11)
        model.params["W_xh"] *= 0.1        # small weights: tanh works in its linear range
        set_spectral_radius(model, rho)
        norms[rho] = model.hidden_grad_norms(X, Y)
    assert norms[0.95][0] > 100 * norms[0.5][0]
    assert norms[0.5][0] < norms[0.5][-1]    # vanishing: early steps get little gradient


def test_truncation_lets_the_last_output_reach_back_k_steps():
    model = RNN(1, 4, 1, seed=12)
    X, Y = rand(2, 6, 1), rand(2, 1, seed=5)
    full = model.hidden_grad_norms(X, Y)
    trunc = model.hidden_grad_norms(X, Y, bptt_steps=3)
    np.testing.assert_allclose(trunc[3:], full[3:], rtol=1e-13)   # steps 3, 4, 5: uncut
    np.testing.assert_array_equal(trunc[:3], 0.0)                  # h_2 is held constant


def test_matches_torch_rnn_forward_and_gradients():
    torch = pytest.importorskip("torch")
    model = RNN(2, 4, 3, n_layers=2, seed=13)
    X, Y = rand(3, 6, 2), rand(3, 6, 3, seed=6)
    ref, lin = torch_model(torch, model)
    out = lin(ref(torch.from_numpy(X))[0])
    loss_t = torch.nn.MSELoss()(out, torch.from_numpy(Y))
    loss_t.backward()
    loss, grads = model.loss_and_grads(X, Y)
    assert loss == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(grads["W_hh_1"], ref.weight_hh_l1.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grads["W_xh"], ref.weight_ih_l0.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(grads["W_hy"], lin.weight.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("kwargs,match", [
    (dict(n_in=1, n_hidden=0, n_out=1), "n_hidden"),
    (dict(n_in=1, n_hidden=2.5, n_out=1), "whole number"),
    (dict(n_in=1, n_hidden=4, n_out=1, activation="sigmoid"), "tanh"),
    (dict(n_in=1, n_hidden=4, n_out=1, n_layers=0), "n_layers"),
])
def test_bad_architecture_raises_plain_value_error(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RNN(**kwargs)


def test_bad_data_raises_plain_value_error():
    model = RNN(2, 3, 1)
    X, Y = rand(4, 5, 2), rand(4, 1)
    with pytest.raises(ValueError, match=r"\(N, T, 2\)"):
        model.forward(rand(4, 5, 3))
    with pytest.raises(ValueError, match="3-D"):
        model.forward(rand(4, 5))
    with pytest.raises(ValueError, match="Y must have shape"):
        model.loss_and_grads(X, rand(3, 1))
    with pytest.raises(ValueError, match="Y must have shape"):
        model.loss_and_grads(X, rand(4, 4, 1))
    X_nan = X.copy()
    X_nan[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        model.loss_and_grads(X_nan, Y)
    with pytest.raises(ValueError, match="h0"):
        model.forward(X, h0=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="bptt_steps"):
        model.loss_and_grads(X, Y, bptt_steps=0)
    with pytest.raises(ValueError, match="positive"):
        set_spectral_radius(model, -1.0)


def test_parameters_are_contiguous_views_of_one_flat_buffer():
    model = RNN(3, 4, 2, n_layers=2, seed=14)
    flat = model.params.flat
    assert flat.shape == (model.n_params,) and flat.dtype == np.float64
    for name, p in model.params.items():
        assert p.flags.c_contiguous and np.shares_memory(p, flat), name
        assert np.shares_memory(p.reshape(-1), p)             # reshape(-1) is a view
    model.params["W_hh_1"][0, 1] = 7.0
    assert 7.0 in flat
    flat[...] = 0.0
    assert not model.params["W_xh"].any()


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle"])
def test_copies_keep_their_own_flat_buffer_and_views(how):
    import copy
    import pickle
    model = RNN(2, 3, 1, n_layers=2, seed=15)
    model.loss_and_grads(rand(2, 4, 2), rand(2, 1))          # leaves work arrays on no one
    twin = {"copy": model.copy, "deepcopy": lambda: copy.deepcopy(model),
            "pickle": lambda: pickle.loads(pickle.dumps(model))}[how]()
    assert twin.config == model.config
    for name, p in twin.params.items():
        assert np.shares_memory(p, twin.params.flat) and not np.shares_memory(p, model.params.flat)
        np.testing.assert_array_equal(p, model.params[name])
    twin.params.flat[...] += 1.0
    assert not np.array_equal(twin.params["W_hy"], model.params["W_hy"])
    X, Y = rand(2, 4, 2), rand(2, 1, seed=1)
    np.testing.assert_array_equal(twin.copy().loss_and_grads(X, Y)[1]["W_hh"],
                                  twin.loss_and_grads(X, Y)[1]["W_hh"])


def test_gradients_are_fresh_arrays_in_the_parameters_layout():
    model = RNN(2, 3, 1, seed=16)
    X, Y = rand(2, 4, 2), rand(2, 1)
    _, first = model.loss_and_grads(X, Y)
    kept = {k: v.copy() for k, v in first.items()}
    model.loss_and_grads(2 * X, Y)                            # a second call overwrites nothing
    for name, g in first.items():
        np.testing.assert_array_equal(g, kept[name])
        assert g.shape == model.params[name].shape and g.flags.c_contiguous
    assert first.flat.shape == model.params.flat.shape
