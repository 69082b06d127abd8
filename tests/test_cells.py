"""The gated cells (GRU, LSTM) and the cell registry: gradients, torch parity, training,
the carried state, model files, memory (input influence, gates) and float32."""
import copy
import io
import pickle

import numpy as np
import pytest

from rnn_core import SGD, Adam, fit, fit_tbptt
from rnn_core.cells import CELL_LABELS, CELLS, cell_of, make_model, takes_activation
from rnn_core.gradcheck import check_gradients, numerical_gradients, rel_error
from rnn_core.gru import GRU, gated_names
from rnn_core.io import ModelFileError, load_model, save_model
from rnn_core.lstm import LSTM
from rnn_core.cell_views import connectivity, gate_maps
from rnn_core.mlp import MLP
from test_gradcheck import assert_all_below, data

GATED = {"gru": GRU, "lstm": LSTM}


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def state_rows(model):
    """Rows of a model's carried state: L (Elman, GRU) or 2L (LSTM: cells, then h)."""
    return model.n_layers * (2 if isinstance(model, LSTM) else 1)


# ----- the registry ---------------------------------------------------------------------
def test_registry_lists_the_three_cells_in_order_with_their_labels():
    assert list(CELLS) == ["rnn", "gru", "lstm"]
    assert CELL_LABELS == {"rnn": "Elman RNN", "gru": "GRU", "lstm": "LSTM"}
    for cell in CELLS:
        model = make_model(cell, 2, 3, 1, n_layers=2, seed=4)
        assert cell_of(model) == cell and model.config["kind"] == cell
        assert (model.n_layers, model.seed) == (2, 4)


def test_activation_is_the_elman_cells_and_is_checked_for_every_cell():
    assert make_model("rnn", 1, 3, 1, activation="relu").activation == "relu"
    lstm = make_model("lstm", 1, 3, 1, activation="relu")       # fixed σ/tanh: not passed
    assert "activation" not in lstm.config
    assert [takes_activation(c) for c in CELLS] == [True, False, False]
    with pytest.raises(ValueError, match="tanh"):
        make_model("gru", 1, 3, 1, activation="sigmoid")
    with pytest.raises(ValueError, match="Unknown cell 'transformer'"):
        make_model("transformer", 1, 3, 1)
    with pytest.raises(TypeError):
        GRU(1, 3, 1, activation="tanh")                         # accepts and ignores nothing
    with pytest.raises(ValueError, match="not a recurrent cell"):
        cell_of(MLP(3, 4, 1))


# ----- parameters -----------------------------------------------------------------------
def test_parameter_names_shapes_and_the_open_forget_gate():
    lstm, gru = LSTM(2, 3, 4, n_layers=2), GRU(2, 3, 4, n_layers=2)
    assert {k: v.shape for k, v in lstm.params.items()} == {
        "W_x": (12, 2), "W_h": (12, 3), "b": (12,), "W_x_1": (12, 3), "W_h_1": (12, 3),
        "b_1": (12,), "W_hy": (4, 3), "b_y": (4,)}
    assert {k: v.shape for k, v in gru.params.items()} == {
        "W_x": (9, 2), "W_h": (9, 3), "b_x": (9,), "b_h": (9,), "W_x_1": (9, 3),
        "W_h_1": (9, 3), "b_x_1": (9,), "b_h_1": (9,), "W_hy": (4, 3), "b_y": (4,)}
    np.testing.assert_array_equal(lstm.params["b"], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    for block in range(4):                                    # every gate block orthogonal
        W = lstm.params["W_h"][3 * block:3 * block + 3]
        np.testing.assert_allclose(W @ W.T, np.eye(3), atol=1e-12)


@pytest.mark.parametrize("cell", GATED)
def test_same_seed_same_weights_and_copies_are_independent(cell):
    a, b, c = (GATED[cell](1, 4, 1, seed=s) for s in (3, 3, 4))
    np.testing.assert_array_equal(a.params.flat, b.params.flat)
    assert not np.array_equal(a.params.flat, c.params.flat)
    for twin in (a.copy(), copy.deepcopy(a), pickle.loads(pickle.dumps(a))):
        assert type(twin) is type(a) and twin.config == a.config
        assert all(np.shares_memory(v, twin.params.flat) for v in twin.params.values())
        twin.params["W_h"][0, 0] += 1.0                       # changes the twin only
        assert twin.params.flat[twin.params.flat != a.params.flat].size == 1


# ----- gradients: centred differences ---------------------------------------------------
@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("many_to_many", [False, True])
def test_gradients_match_centred_differences(cell, many_to_many):
    X, Y = data()
    model = GATED[cell](2, 4, 2, seed=1)
    errors = check_gradients(model, X, Y if many_to_many else Y[:, -1])
    assert set(errors) == set(model.params)
    assert_all_below(errors)


@pytest.mark.parametrize("cell", GATED)
def test_stacked_gradients_with_a_given_initial_state(cell):
    X, Y = data(T=5)
    model = GATED[cell](2, 3, 2, n_layers=2, seed=2)
    h0 = np.random.default_rng(5).uniform(-0.5, 0.5, (state_rows(model), 3, 3))
    errors = check_gradients(model, X, Y, h0=h0)
    assert "W_h_1" in errors
    assert_all_below(errors)


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("bptt_steps,n_layers", [(1, 1), (2, 1), (4, 1), (2, 2)])
def test_truncated_gradients_match_each_output_run_from_frozen_states(cell, bptt_steps,
                                                                      n_layers):
    X, Y = data(T=7)
    model = GATED[cell](2, 4, 2, n_layers=n_layers, seed=3)
    h0 = np.random.default_rng(6).uniform(-0.5, 0.5, (state_rows(model), 3, 4))
    assert_all_below(check_gradients(model, X, Y, bptt_steps=bptt_steps))
    assert_all_below(check_gradients(model, X, Y[:, -1], bptt_steps=bptt_steps, h0=h0))


@pytest.mark.parametrize("cell", GATED)
def test_truncation_is_not_full_bptt_and_reaches_exactly_k_steps(cell):
    model = GATED[cell](1, 5, 1, seed=4)
    X, Y = rand(3, 8, 1), rand(3, 8, 1, seed=1)
    _, truncated = model.loss_and_grads(X, Y, bptt_steps=2)
    assert rel_error(truncated["W_h"], numerical_gradients(model, X, Y)["W_h"]) > 1e-3
    norms = model.hidden_grad_norms(X, Y[:, -1], bptt_steps=3)
    assert np.count_nonzero(norms) == 3 and np.all(norms[-3:] > 0)
    np.testing.assert_allclose(norms[-3:], model.hidden_grad_norms(X, Y[:, -1])[-3:],
                               rtol=1e-12)
    _, full = model.loss_and_grads(X, Y)
    _, long = model.loss_and_grads(X, Y, bptt_steps=8)
    for name in full:
        np.testing.assert_array_equal(full[name], long[name])


# ----- against torch.nn.GRU / torch.nn.LSTM, float64 -------------------------------------
def torch_cell(torch, model):
    """torch.nn.GRU / LSTM + Linear carrying `model`'s weights (the LSTM's b as b_ih, b_hh 0;
    the GRU's b_x as b_ih and b_h as b_hh)."""
    kind = torch.nn.LSTM if isinstance(model, LSTM) else torch.nn.GRU
    ref = kind(model.n_in, model.n_hidden, num_layers=model.n_layers, batch_first=True,
               dtype=torch.float64)
    lin = torch.nn.Linear(model.n_hidden, model.n_out, dtype=torch.float64)
    p = model.params
    with torch.no_grad():
        for layer, (W_x, W_h, *biases) in enumerate(torch_names(model)):
            getattr(ref, f"weight_ih_l{layer}").copy_(torch.from_numpy(p[W_x]))
            getattr(ref, f"weight_hh_l{layer}").copy_(torch.from_numpy(p[W_h]))
            getattr(ref, f"bias_ih_l{layer}").copy_(torch.from_numpy(p[biases[0]]))
            bias_hh = getattr(ref, f"bias_hh_l{layer}")
            bias_hh.copy_(torch.from_numpy(p[biases[1]])) if len(biases) > 1 else bias_hh.zero_()
        lin.weight.copy_(torch.from_numpy(p["W_hy"]))
        lin.bias.copy_(torch.from_numpy(p["b_y"]))
    return ref, lin


def torch_names(model):
    """Per layer our names in torch's order: W_x (weight_ih), W_h (weight_hh), biases."""
    return [list(gated_names(layer, model.roles).values()) for layer in range(model.n_layers)]


def torch_grads(model, ref, lin):
    grads = {"W_hy": lin.weight.grad.numpy(), "b_y": lin.bias.grad.numpy()}
    for layer, (W_x, W_h, *biases) in enumerate(torch_names(model)):
        grads[W_x] = getattr(ref, f"weight_ih_l{layer}").grad.numpy()
        grads[W_h] = getattr(ref, f"weight_hh_l{layer}").grad.numpy()
        grads[biases[0]] = getattr(ref, f"bias_ih_l{layer}").grad.numpy()
        if len(biases) > 1:
            grads[biases[1]] = getattr(ref, f"bias_hh_l{layer}").grad.numpy()
    return grads


def torch_state(torch, model, state):
    """Our state (R, N, H) as torch's: h (L, N, H) for the GRU, (h, c) for the LSTM."""
    s = torch.from_numpy(np.ascontiguousarray(state))
    L = model.n_layers
    return (s[L:], s[:L]) if isinstance(model, LSTM) else s


def torch_truncated(torch, model, X, Y, h0, k):
    """Loss and gradients of the truncated graph: output s runs from the true state before
    step s-k+1 (detached) over steps s-k+1 .. s; Y (N, O) scores the last step only."""
    ref, lin = torch_cell(torch, model)
    Xt, state0 = torch.from_numpy(X), torch_state(torch, model, h0)
    Yk = torch.from_numpy(Y[:, None] if Y.ndim == 2 else Y)
    T = X.shape[1]
    scored = range(T - Yk.shape[1], T)
    errors = []
    for s in scored:
        start = max(0, s - k + 1)
        with torch.no_grad():
            state = state0 if start == 0 else ref(Xt[:, :start], state0)[1]
        state = tuple(a.detach() for a in state) if isinstance(state, tuple) else state.detach()
        out = ref(Xt[:, start:s + 1], state)[0][:, -1]
        errors.append(lin(out) - Yk[:, s - scored.start])
    loss = torch.mean(torch.stack(errors) ** 2)
    loss.backward()
    return loss.item(), torch_grads(model, ref, lin)


def assert_torch_grads(grads, expected):
    assert set(grads) == set(expected)
    bad = {name: rel_error(grads[name], expected[name]) for name in grads
           if not rel_error(grads[name], expected[name]) < 1e-10}
    assert not bad, bad


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("n_layers", [1, 2])
def test_outputs_states_and_gradients_equal_torch(cell, n_layers):
    torch = pytest.importorskip("torch")
    model = GATED[cell](2, 4, 3, n_layers=n_layers, seed=13)
    for p in model.params.values():   # biases and gates away from their start, all used
        p += 0.3 * np.random.default_rng(p.size).standard_normal(p.shape)
    X, Y = rand(3, 6, 2), rand(3, 6, 3, seed=6)
    h0 = 0.5 * rand(state_rows(model), 3, 4, seed=7)
    ref, lin = torch_cell(torch, model)
    out, state = ref(torch.from_numpy(X), torch_state(torch, model, h0))
    Y_ours, cache = model.forward(X, h0)
    np.testing.assert_allclose(Y_ours, lin(out).detach().numpy(), rtol=0, atol=1e-13)
    want = torch.cat(state[::-1]) if isinstance(state, tuple) else state   # (c, h) rows
    np.testing.assert_allclose(cache["h_last"], want.detach().numpy(), rtol=0, atol=1e-13)
    for Yt in (Y, Y[:, -1]):
        ref.zero_grad(), lin.zero_grad()
        out = lin(ref(torch.from_numpy(X), torch_state(torch, model, h0))[0])
        loss_t = torch.nn.MSELoss()(out if Yt.ndim == 3 else out[:, -1], torch.from_numpy(Yt))
        loss_t.backward()
        loss, grads = model.loss_and_grads(X, Yt, h0=h0)
        assert loss == pytest.approx(loss_t.item(), rel=1e-12)
        assert_torch_grads(grads, torch_grads(model, ref, lin))


@pytest.mark.parametrize("cell", GATED)
@pytest.mark.parametrize("k,n_layers,many_to_many", [(1, 1, True), (3, 1, True),
                                                     (2, 2, True), (3, 2, False)])
def test_truncated_gradients_equal_torch_with_detach(cell, k, n_layers, many_to_many):
    torch = pytest.importorskip("torch")
    model = GATED[cell](2, 4, 2, n_layers=n_layers, seed=8)
    X, Y = rand(3, 7, 2), rand(3, 7, 2, seed=9)
    Y = Y if many_to_many else Y[:, -1]
    h0 = 0.5 * rand(state_rows(model), 3, 4, seed=10)
    loss_t, expected = torch_truncated(torch, model, X, Y, h0, k)
    loss, grads = model.loss_and_grads(X, Y, h0=h0, bptt_steps=k)
    assert loss == pytest.approx(loss_t, rel=1e-12)
    assert_torch_grads(grads, expected)


# ----- training -------------------------------------------------------------------------
def sine_windows(T=8):
    x = np.sin(0.3 * np.arange(120))
    idx = np.arange(len(x) - T)[:, None] + np.arange(T)
    return x[idx][..., None], x[idx[:, -1] + 1][:, None]


@pytest.mark.parametrize("cell", CELLS)
def test_fit_brings_every_cells_loss_down_on_a_sine_for_seeds_0_to_4(cell):
    X, Y = sine_windows()
    for seed in range(5):
        model = make_model(cell, 1, 8, 1, seed=seed)
        before = model.loss(X, Y)
        history = fit(model, X, Y, epochs=15, batch_size=16, optimizer=Adam(0.01), seed=seed,
                      bptt_steps=6)
        assert model.loss(X, Y) < 0.2 * before, (seed, before, history.train_loss)


@pytest.mark.parametrize("cell", CELLS)
def test_the_stateful_blocks_task_trains_each_cell_with_its_state_carried(cell):
    from rnn_core.evaluate import evaluate
    from rnn_core.experiment import Run, prepare
    from rnn_core.presets import PRESETS
    from rnn_core.sources.synthetic import synthetic_series, true_function

    cfg = PRESETS["xsinx_blocks"].config().replace(epochs=2)
    series = synthetic_series("xsinx", cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                              cfg.data_seed).values
    run = Run(prepare(series, cfg), cell=cell)
    assert cell_of(run.rnn) == cell
    run.train(2)                                   # fit_tbptt, the state carried block to block
    assert len(run.rnn_history) == 2
    assert run.rnn_history.train_loss[-1] < run.rnn_history.train_loss[0]
    ev = evaluate(run, lambda x: true_function("xsinx", x))
    assert np.isfinite(ev.extrapolation["RNN"]).all()
    # the carried state: the curve run in two pieces equals the curve run at once
    X = run.prepared.inputs[None]
    whole, _ = run.rnn.forward(X)
    first = run.rnn.final_state(X[:, :40])
    assert first.shape == (state_rows(run.rnn), 1, cfg.n_hidden)
    rest, _ = run.rnn.forward(X[:, 40:], first)
    np.testing.assert_allclose(rest, whole[:, 40:], rtol=0, atol=1e-13)


def test_fit_tbptt_carries_the_lstm_cells_and_hidden_states(monkeypatch):
    # k1 = 2: the second update starts from the state (cells and h) after 2 steps
    rng = np.random.default_rng(3)
    x_seq, y_seq = rng.standard_normal((6, 2)), rng.standard_normal((6, 1))
    model = LSTM(2, 3, 1, n_layers=2, seed=1)
    seen, original = [], LSTM._loss_and_grads

    def spy(self, X, Y, h0, **kw):
        seen.append(np.array(h0))
        return original(self, X, Y, h0, **kw)

    monkeypatch.setattr(LSTM, "_loss_and_grads", spy)
    fit_tbptt(model, x_seq, y_seq, k1=2, k2=4, epochs=1, optimizer=SGD(1e-300))  # no change
    assert seen[0].shape == (2, 1, 3) and not seen[0].any()      # zero h rows: cells at 0
    np.testing.assert_allclose(seen[1], model.final_state(x_seq[None, :2]), rtol=0, atol=1e-14)


# ----- the LSTM's state -------------------------------------------------------------------
def test_lstm_state_is_cells_then_hidden_states_and_short_h0_starts_the_cells_at_0():
    model = LSTM(1, 3, 1, n_layers=2, seed=5)
    X = rand(2, 4, 1)
    _, cache = model.forward(X)
    assert len(cache["H"]) == 4 and cache["h_last"].shape == (4, 2, 3)
    np.testing.assert_array_equal(cache["H"][-1], model.hidden_states(X))   # row -1: top h
    gates = model.gates(X)[1]
    np.testing.assert_allclose(cache["H"][1], gates["c"], atol=0)           # row L-1: top c
    np.testing.assert_allclose(gates["h"], gates["o"] * np.tanh(gates["c"]), atol=1e-15)
    h = rand(2, 2, 3, seed=1)
    full = np.concatenate([np.zeros((2, 2, 3)), h])
    np.testing.assert_array_equal(model.predict(X, h), model.predict(X, full))
    np.testing.assert_array_equal(model.predict(X, h[0]), model.predict(X, np.stack([h[0]] * 2)))
    with pytest.raises(ValueError, match="cells c of the 2 layer"):
        model.predict(X, rand(3, 2, 3))


# ----- model files ------------------------------------------------------------------------
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_every_cell_saves_and_loads_exactly(cell, dtype, tmp_path):
    model = make_model(cell, 2, 5, 2, n_layers=2, seed=7, dtype=dtype)
    model.params.flat[:] += np.linspace(-0.1, 0.1, model.n_params).astype(dtype)   # "trained"
    path = tmp_path / f"{cell}.npz"
    save_model(path, model)
    loaded = load_model(path).model
    assert type(loaded) is type(model) and loaded.config == model.config
    np.testing.assert_array_equal(loaded.params.flat, model.params.flat)
    X = rand(3, 4, 2)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_file_of_an_unknown_cell_is_refused_in_plain_words():
    buf = io.BytesIO()
    save_model(buf, GRU(1, 2, 1))
    data = dict(np.load(io.BytesIO(buf.getvalue())))
    data["meta"] = np.array(str(data["meta"]).replace('"gru"', '"mgu"'))
    doctored = io.BytesIO()
    np.savez(doctored, **data)
    with pytest.raises(ModelFileError, match="model kind is 'mgu'.*'gru' \\(GRU\\)"):
        load_model(io.BytesIO(doctored.getvalue()))


# ----- memory: input influence and gates ------------------------------------------------
def influence_by_differences(model, window, eps=1e-6):
    """||dŷ/dx_t|| per step from centred differences of predict."""
    T, I = window.shape
    out = np.zeros(T)
    for t in range(T):
        J = np.zeros((model.n_out, I))
        for i in range(I):
            up, down = window.copy(), window.copy()
            up[t, i] += eps
            down[t, i] -= eps
            J[:, i] = (model.predict(up[None])[0] - model.predict(down[None])[0]) / (2 * eps)
        out[t] = np.linalg.norm(J)
    return out


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("n_in,n_out,n_layers", [(1, 1, 1), (3, 2, 2)])
def test_input_influence_equals_differences_of_the_prediction(cell, n_in, n_out, n_layers):
    model = make_model(cell, n_in, 5, n_out, n_layers=n_layers, seed=11)
    window = rand(9, n_in, seed=12)
    got = connectivity(model, window[None])[::-1]  # one window; k steps back -> step t
    assert got.shape == (9,) and np.all(got > 0)
    np.testing.assert_allclose(got, influence_by_differences(model, window), rtol=0, atol=1e-7)


def test_gate_values_have_one_row_per_step_and_match_the_equations():
    window = rand(6, 1, seed=2)
    lstm, gru = LSTM(1, 4, 1, n_layers=2, seed=1), GRU(1, 4, 1, n_layers=2, seed=1)
    g = gate_maps(lstm, window)
    assert set(g) == set("ifgoch") and all(a.shape == (6, 4) for a in g.values())
    c_prev = np.vstack([np.zeros(4), g["c"][:-1]])
    np.testing.assert_allclose(g["c"], g["f"] * c_prev + g["i"] * g["g"], atol=1e-15)
    np.testing.assert_array_equal(g["h"], lstm.hidden_states(window[None])[0])
    r = gate_maps(gru, window)
    assert set(r) == set("rznh") and all(a.shape == (6, 4) for a in r.values())
    h_prev = np.vstack([np.zeros(4), r["h"][:-1]])
    np.testing.assert_allclose(r["h"], (1 - r["z"]) * r["n"] + r["z"] * h_prev, atol=1e-15)
    assert set(gate_maps(gru, window, layer=0)) == set("rznh")
    with pytest.raises(ValueError, match="has no gates"):
        gate_maps(make_model("rnn", 1, 4, 1), window)


@pytest.mark.parametrize("cell", CELLS)
def test_hidden_grad_norms_work_for_every_cell(cell):
    model = make_model(cell, 1, 4, 1, seed=2)
    X, Y = rand(2, 5, 1), rand(2, 1, seed=3)
    norms = model.hidden_grad_norms(X, Y)
    assert norms.shape == (5,) and np.all(norms > 0)


# ----- float32 ----------------------------------------------------------------------------
@pytest.mark.parametrize("cell", GATED)
def test_float32_follows_float64(cell):
    X, Y = sine_windows()
    m64, m32 = (GATED[cell](1, 6, 1, n_layers=2, seed=3, dtype=d) for d in ("float64", "float32"))
    _, g64 = m64.loss_and_grads(X, Y, bptt_steps=4)
    _, g32 = m32.loss_and_grads(X, Y, bptt_steps=4)
    assert g32["W_h"].dtype == np.float32
    assert max(rel_error(g32[k], g64[k]) for k in g64) < 1e-4
    h64 = fit(m64, X, Y, epochs=3, batch_size=16, optimizer=Adam(0.01))
    h32 = fit(m32, X, Y, epochs=3, batch_size=16, optimizer=Adam(0.01))
    assert m32.params.flat.dtype == np.float32
    np.testing.assert_allclose(h32.train_loss, h64.train_loss, rtol=1e-4)
    assert_all_below(check_gradients(m32, X[:4], Y[:4]))     # through a float64 copy
