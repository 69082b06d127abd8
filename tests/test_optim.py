"""Optimizers step a params dict in place; clipping scales the whole gradient."""
import numpy as np
import pytest

from rnn_core import SGD, Adam, Momentum, clip_grad_norm, make_optimizer


def params_and_grads():
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(3)}
    grads = {"W": rng.standard_normal((3, 2)), "b": rng.standard_normal(3)}
    return params, grads


def test_sgd_step():
    params, grads = params_and_grads()
    expected = {k: params[k] - 0.1 * grads[k] for k in params}
    W = params["W"]
    SGD(0.1).step(params, grads)
    assert params["W"] is W                       # updated in place
    for k in params:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-15)


def test_momentum_accumulates_velocity():
    params, grads = params_and_grads()
    start = params["b"].copy()
    opt = Momentum(0.1, momentum=0.9)
    opt.step(params, grads)
    opt.step(params, grads)
    # v1 = g, v2 = 0.9 g + g: two steps move by lr * (1 + 1.9) g
    np.testing.assert_allclose(params["b"], start - 0.1 * 2.9 * grads["b"], rtol=1e-14)


def test_adam_first_step_moves_each_entry_by_lr():
    # With bias correction, m_hat / sqrt(v_hat) = g / |g| on the first step.
    params, grads = params_and_grads()
    start = {k: v.copy() for k, v in params.items()}
    Adam(0.01).step(params, grads)
    for k in params:
        np.testing.assert_allclose(start[k] - params[k], 0.01 * np.sign(grads[k]), rtol=1e-6)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_each_optimizer_minimises_a_quadratic(name):
    target = np.array([1.0, -2.0, 3.0])
    params = {"w": np.zeros(3)}
    opt = make_optimizer(name, 0.05)
    for _ in range(500):
        opt.step(params, {"w": 2 * (params["w"] - target)})   # d/dw ||w - target||^2
    np.testing.assert_allclose(params["w"], target, atol=1e-3)


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_matches_torch_optimizers(name):
    torch = pytest.importorskip("torch")
    params, _ = params_and_grads()
    tparams = [torch.tensor(params[k], requires_grad=True) for k in params]
    ref = {"sgd": lambda p: torch.optim.SGD(p, lr=0.05),
           "momentum": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
           "adam": lambda p: torch.optim.Adam(p, lr=0.05)}[name](tparams)
    opt = make_optimizer(name, 0.05)
    rng = np.random.default_rng(1)
    for _ in range(5):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        for tp, k in zip(tparams, params):
            tp.grad = torch.tensor(grads[k])
        ref.step()
        opt.step(params, grads)
    for tp, k in zip(tparams, params):
        np.testing.assert_allclose(params[k], tp.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_clip_grad_norm_scales_globally_and_reports_the_norm_before():
    _, grads = params_and_grads()
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    direction = {k: g / norm for k, g in grads.items()}
    assert clip_grad_norm(grads, 0.5) == pytest.approx(norm, rel=1e-14)
    assert np.sqrt(sum(np.sum(g ** 2) for g in grads.values())) == pytest.approx(0.5)
    for k in grads:
        np.testing.assert_allclose(grads[k] / 0.5, direction[k], rtol=1e-13)


def test_clip_grad_norm_leaves_small_gradients_alone():
    _, grads = params_and_grads()
    before = {k: g.copy() for k, g in grads.items()}
    clip_grad_norm(grads, 1e6)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])


@pytest.mark.parametrize("make", [lambda: SGD(-0.1), lambda: SGD(0), lambda: Adam(float("nan")),
                                  lambda: Momentum(0.1, momentum=1.5),
                                  lambda: make_optimizer("adam", -1e-3)])
def test_bad_learning_rate_or_setting_raises(make):
    with pytest.raises(ValueError, match="must be"):
        make()


def test_unknown_optimizer_and_bad_clip_raise():
    with pytest.raises(ValueError, match="sgd, momentum, adam"):
        make_optimizer("rmsprop", 0.1)
    with pytest.raises(ValueError, match="positive"):
        clip_grad_norm({"w": np.ones(2)}, 0.0)


def flat_params_and_grads():
    """The same numbers as params_and_grads, as views of one flat buffer each."""
    from rnn_core.parameters import FlatParams, carve
    params, grads = params_and_grads()
    out = []
    for d in (params, grads):
        flat = np.concatenate([v.ravel() for v in d.values()])
        out.append(FlatParams(flat, dict(zip(d, carve(flat, [v.shape for v in d.values()])))))
    return out


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam"])
def test_one_update_on_the_flat_buffer_equals_the_update_name_by_name(name):
    params, _ = params_and_grads()
    fparams, _ = flat_params_and_grads()
    opt, fopt = make_optimizer(name, 0.05), make_optimizer(name, 0.05)
    rng = np.random.default_rng(2)
    for _ in range(4):
        grads = {k: rng.standard_normal(v.shape) for k, v in params.items()}
        fgrads = flat_params_and_grads()[1]
        for k in grads:
            fgrads[k][...] = grads[k]
        opt.step(params, grads)
        fopt.step(fparams, fgrads)
    for k in params:
        np.testing.assert_array_equal(fparams[k], params[k])   # bit for bit
    if name == "adam":
        assert list(fopt.m) == [None]                          # one moment buffer, not one per name


def test_clipping_the_flat_buffer_clips_every_view():
    _, grads = params_and_grads()
    _, fgrads = flat_params_and_grads()
    assert clip_grad_norm(fgrads, 0.5) == pytest.approx(clip_grad_norm(grads, 0.5), rel=1e-14)
    for k in grads:
        np.testing.assert_allclose(fgrads[k], grads[k], rtol=1e-14)
