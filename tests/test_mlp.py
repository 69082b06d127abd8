"""The MLP baseline: flattened window -> ReLU hidden layer(s) -> linear output."""
import numpy as np
import pytest

from rnn_core import MLP, Adam, fit


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_parameters_for_one_and_two_hidden_layers():
    one = MLP(6, 10, 1)
    assert {k: v.shape for k, v in one.params.items()} == \
        {"W1": (10, 6), "b1": (10,), "W_out": (1, 10), "b_out": (1,)}
    two = MLP(12, (8, 4), 2)
    assert {k: v.shape for k, v in two.params.items()} == \
        {"W1": (8, 12), "b1": (8,), "W2": (4, 8), "b2": (4,), "W_out": (2, 4), "b_out": (2,)}
    assert two.n_params == 8 * 12 + 8 + 4 * 8 + 4 + 2 * 4 + 2


def test_he_initialisation_scale_and_seed():
    model = MLP(200, 300, 1, seed=3)
    assert np.std(model.params["W1"]) == pytest.approx(np.sqrt(2 / 200), rel=0.02)
    np.testing.assert_array_equal(MLP(200, 300, 1, seed=3).params["W1"], model.params["W1"])
    assert not np.array_equal(MLP(200, 300, 1, seed=4).params["W1"], model.params["W1"])


def test_predict_matches_a_written_out_forward_pass():
    model = MLP(6, (5, 3), 2, seed=1)
    X = rand(4, 3, 2)
    p, z = model.params, X.reshape(4, 6)
    z = np.maximum(z @ p["W1"].T + p["b1"], 0)
    z = np.maximum(z @ p["W2"].T + p["b2"], 0)
    np.testing.assert_allclose(model.predict(X), z @ p["W_out"].T + p["b_out"], rtol=1e-14)
    np.testing.assert_array_equal(model.predict(X), model.predict(X.reshape(4, 6)))


def test_loss_is_mse_and_config_rebuilds():
    model = MLP(6, (5, 3), 2, seed=1)
    X, Y = rand(4, 6, 1), rand(4, 2, seed=1)
    assert model.loss_and_grads(X, Y)[0] == pytest.approx(np.mean((model.predict(X) - Y) ** 2))
    cfg = model.config
    assert cfg["kind"] == "mlp"
    assert MLP(**{k: v for k, v in cfg.items() if k != "kind"}).config == cfg
    twin = model.copy()
    twin.params["W1"][0, 0] += 1
    assert twin.params["W1"][0, 0] != model.params["W1"][0, 0]


def test_training_lowers_the_loss():
    x = np.arange(1, 601) / 100
    y = x * np.sin(x)
    X = np.stack([y[i:i + 6] for i in range(594)])[..., None]
    Y = y[6:, None]
    model = MLP(6, 10, 1, seed=0)
    before = model.loss(X, Y)
    fit(model, X, Y, epochs=5, batch_size=16, optimizer=Adam(0.01))
    assert model.loss(X, Y) < 0.1 * before


def test_bad_arguments_raise_plain_value_errors():
    with pytest.raises(ValueError, match="n_hidden"):
        MLP(6, 0, 1)
    with pytest.raises(ValueError, match="one number or a list of two"):
        MLP(6, (4, 4, 4), 1)
    model = MLP(6, 4, 1)
    with pytest.raises(ValueError, match="windows of 6 values"):
        model.predict(rand(3, 8, 1))
    with pytest.raises(ValueError, match="Y must be a 2-D array"):
        model.loss_and_grads(rand(3, 6, 1), rand(3, 6, 1))  # MLP: one target per window
    with pytest.raises(ValueError, match="Y must have shape"):
        model.loss_and_grads(rand(3, 6, 1), rand(2, 1))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(np.full((2, 6, 1), np.inf))
