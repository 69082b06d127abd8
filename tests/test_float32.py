"""float32 on request: RNN(..., dtype="float32") computes, trains and saves in float32, and learns
the same curve as float64 to within 1e-4; float64 stays the default; gradcheck runs in float64."""
import io

import numpy as np
import pytest

from rnn_core import RNN, Adam, Momentum, SGD, fit, fit_tbptt, make_optimizer
from rnn_core.gradcheck import check_gradients
from rnn_core.io import load_model, save_model


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def xsinx_windows(window=10):
    x = np.arange(1, 601) / 100
    y = x * np.sin(x)
    X = np.stack([y[i:i + window] for i in range(600 - window)])[..., None]
    return X, y[window:, None]


def test_float64_is_the_default_and_its_config_is_unchanged():
    model = RNN(1, 4, 1)
    assert model.dtype == np.float64 and "dtype" not in model.config     # files as before
    assert all(p.dtype == np.float64 for p in model.params.values())
    assert RNN(1, 4, 1, dtype="float32").config["dtype"] == "float32"


def test_float32_model_computes_in_float32_from_the_float64_weights_rounded():
    m32, m64 = RNN(2, 4, 3, n_layers=2, seed=3, dtype="float32"), RNN(2, 4, 3, n_layers=2, seed=3)
    for name, p in m32.params.items():
        assert p.dtype == np.float32
        np.testing.assert_array_equal(p, m64.params[name].astype(np.float32))
    X, Y = rand(3, 5, 2), rand(3, 5, 3, seed=1)
    out, cache = m32.forward(X)
    assert out.dtype == cache["H"][0].dtype == cache["h_last"].dtype == np.float32
    assert m32.predict(X).dtype == np.float32
    _, grads = m32.loss_and_grads(X, Y, bptt_steps=2)
    assert all(g.dtype == np.float32 for g in grads.values())
    np.testing.assert_allclose(out, m64.forward(X)[0], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_fit_and_the_optimizers_keep_float32(name):
    X, Y = xsinx_windows()
    model, opt = RNN(1, 8, 1, dtype="float32"), make_optimizer(name, 0.01)
    fit(model, X, Y, epochs=1, batch_size=64, optimizer=opt, clip=1.0)
    assert all(p.dtype == np.float32 for p in model.params.values())
    moments = [getattr(opt, state) for state in
               {"sgd": (), "momentum": ("velocity",), "adam": ("m", "v")}[name]]
    assert all(v.dtype == np.float32 for state in moments for v in state.values())


@pytest.mark.parametrize("make_opt,n_layers,many_to_many", [
    (lambda: Adam(0.01), 1, False),
    (lambda: SGD(0.05), 1, False),
    (lambda: Momentum(0.01), 2, True),
])
def test_float32_training_follows_the_float64_loss_curve_within_1e_4(make_opt, n_layers,
                                                                      many_to_many):
    X, Y = xsinx_windows()
    if many_to_many:
        Y = np.concatenate([X[:, 1:], Y[:, None]], axis=1)          # targets shifted by one
    curves = []
    for dtype in ("float64", "float32"):
        model = RNN(1, 16, 1, n_layers=n_layers, seed=0, dtype=dtype)
        history = fit(model, X, Y, epochs=5, batch_size=32, optimizer=make_opt(), seed=1,
                      clip=1.0)
        curves.append(np.array(history.train_loss))
    assert curves[0][-1] < 0.1 * curves[0][0]                      # it learned something
    np.testing.assert_allclose(curves[1], curves[0], rtol=1e-4)


def test_fit_tbptt_keeps_float32():
    x = np.arange(1, 601) / 100
    xs, ys = x.reshape(100, 6), (x * np.sin(x)).reshape(100, 6)
    curves = []
    for dtype in ("float64", "float32"):
        model = RNN(6, 20, 6, seed=0, dtype=dtype)
        curves.append(fit_tbptt(model, xs, ys, k1=1, k2=5, epochs=5,
                                optimizer=Adam(0.002)).train_loss)
        assert all(p.dtype == np.dtype(dtype) for p in model.params.values())
    np.testing.assert_allclose(curves[1], curves[0], rtol=1e-4)


def test_gradcheck_of_a_float32_model_runs_in_float64_and_leaves_it_untouched():
    model = RNN(2, 4, 2, n_layers=2, seed=2, dtype="float32")
    before = model.params.flat.copy()
    X, Y = rand(3, 5, 2), rand(3, 5, 2, seed=1)
    errors = check_gradients(model, X, Y, bptt_steps=3)
    assert set(errors) == set(model.params)
    assert max(errors.values()) < 1e-6          # float32 differences would be ~1e-2 off
    np.testing.assert_array_equal(model.params.flat, before)


def test_a_float32_model_saves_and_loads_as_float32():
    model = RNN(1, 5, 1, seed=4, dtype="float32")
    fit(model, *xsinx_windows(), epochs=1, batch_size=64, optimizer=Adam(0.01))
    buffer = io.BytesIO()
    save_model(buffer, model)
    loaded = load_model(io.BytesIO(buffer.getvalue())).model
    assert loaded.config == model.config and loaded.dtype == np.float32
    for name, p in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], p)


@pytest.mark.parametrize("dtype", ["float16", "int32", "double precision", "f8x"])
def test_other_dtypes_raise_a_plain_value_error(dtype):
    with pytest.raises(ValueError, match="float32"):
        RNN(1, 4, 1, dtype=dtype)
