"""Inside, per cell, side by side: every number the cell views show, recomputed independently —
a textbook step of each cell written out here from the issue's equations, finite differences of
the loss and of the prediction, np.linalg.eigvals — and the views on the Inside page (AppTest)
with an Elman, a GRU and an LSTM run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from apphelpers import trace_values

from rnn_core import cell_views as cv
from rnn_core import experiment
from rnn_core.cells import CELL_LABELS, make_model
from rnn_core.config import LabConfig
from rnn_core.experiment import ComputeCapExceeded, Run, prepare
from rnn_core.inside import grad_flow, last_step_targets, part_windows, variant
from rnn_core.sources.synthetic import synthetic_series
from ui.charts import cells as cell_charts

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "4_Inside.py")
SMALL = LabConfig(synthetic_kind="xsinx", x_start=0.01, x_stop=6.0, noise=0.01, n_points=240,
                  window=10, n_hidden=8, epochs=5)
CELLS = ("rnn", "gru", "lstm")


# ----- the textbook step of each cell, from the equations --------------------------------
def textbook(model, X, bump=None, xp=np, on_h=None):
    """Step by step, one layer, from h = c = 0: X (N, T, I) -> (y_T (N, O), per step a dict of
    the gates and states (N, H)). bump = (t, n, j, eps) adds eps to h_t[n, j] after step t (the
    rest of the window then runs from the nudged state). xp: numpy, or torch with the
    parameters as tensors (model a dict of them); on_h(h) sees every h_t (torch's retain_grad)."""
    p = model if isinstance(model, dict) else model.params
    H = p["W_hy"].shape[1]
    N, T = X.shape[:2]

    def sigma(a):
        return 1.0 / (1.0 + xp.exp(-a))

    h, c = xp.zeros((N, H), dtype=xp.float64), xp.zeros((N, H), dtype=xp.float64)
    steps = []
    for t in range(T):
        x = X[:, t]
        if "W_xh" in p:                                      # Elman: h = tanh(W_xh x + W_hh h + b)
            h = xp.tanh(x @ p["W_xh"].T + h @ p["W_hh"].T + p["b_h"])
            s = {"h": h}
        elif "b_x" in p:                                     # GRU, blocks r, z, n
            ax, ah = x @ p["W_x"].T + p["b_x"], h @ p["W_h"].T + p["b_h"]
            r = sigma(ax[:, :H] + ah[:, :H])
            z = sigma(ax[:, H:2 * H] + ah[:, H:2 * H])
            n = xp.tanh(ax[:, 2 * H:] + r * ah[:, 2 * H:])
            h = (1 - z) * n + z * h
            s = {"r": r, "z": z, "n": n, "h": h}
        else:                                                # LSTM, blocks i, f, g, o
            a = x @ p["W_x"].T + h @ p["W_h"].T + p["b"]
            i, f = sigma(a[:, :H]), sigma(a[:, H:2 * H])
            g, o = xp.tanh(a[:, 2 * H:3 * H]), sigma(a[:, 3 * H:])
            c = f * c + i * g
            h = o * xp.tanh(c)
            s = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
        if bump is not None and bump[0] == t:
            h = h.copy()
            h[bump[1], bump[2]] += bump[3]
        if on_h is not None:
            on_h(h)
        steps.append(s)
    return h @ p["W_hy"].T + p["b_y"], steps


def textbook_loss(model, X, Y, bump=None):
    y, _ = textbook(model, X, bump)
    return float(np.mean((y - Y) ** 2))


def small_model(cell, n_in=1, n_out=1, seed=3):
    m = make_model(cell, n_in, 4, n_out, seed=seed)
    rng = np.random.default_rng(seed)
    m.params.flat[...] += 0.3 * rng.standard_normal(m.params.flat.shape)  # not the init pattern
    return m


def small_data(n_in=1, n_out=1, N=3, T=6, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((N, T, n_in)), rng.standard_normal((N, n_out))


@pytest.mark.parametrize("cell", CELLS)
def test_the_textbook_step_is_the_models_forward(cell):
    m = small_model(cell)
    X, Y = small_data()
    y, _ = textbook(m, X)
    np.testing.assert_allclose(y, m.predict(X), rtol=0, atol=1e-13)
    assert textbook_loss(m, X, Y) == pytest.approx(m.loss(X, Y), rel=1e-13)


# ----- gradients through time -------------------------------------------------------------------
@pytest.mark.parametrize("cell", CELLS)
def test_the_gradient_curve_equals_finite_differences_of_the_loss_in_each_h_t(cell):
    m = small_model(cell)
    X, Y = small_data()
    N, T, _ = X.shape
    eps = 1e-6
    fd = np.zeros(T)
    for t in range(T):
        g = np.array([[(textbook_loss(m, X, Y, (t, n, j, eps))
                        - textbook_loss(m, X, Y, (t, n, j, -eps))) / (2 * eps)
                       for j in range(m.n_hidden)] for n in range(N)])
        fd[t] = np.sqrt(np.sum(g ** 2))
    curve = cv.grad_curves({cell: m}, X, Y)[cell]
    np.testing.assert_allclose(curve, fd, rtol=1e-6, atol=1e-10)
    assert cv.kept_after(curve) == pytest.approx(fd[0] / fd[-1], rel=1e-6)


@pytest.mark.parametrize("cell", CELLS)
def test_the_gradient_curve_equals_torch(cell):
    torch = pytest.importorskip("torch")
    m = small_model(cell)
    X, Y = small_data()
    p = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
         for k, v in m.params.items()}
    hs = []

    def keep(h):
        h.retain_grad()
        hs.append(h)

    y, _ = textbook(p, torch.tensor(X), xp=torch, on_h=keep)
    torch.mean((y - torch.tensor(Y)) ** 2).backward()
    want = np.array([float(v.grad.norm()) for v in hs])
    np.testing.assert_allclose(cv.grad_curves({cell: m}, X, Y)[cell], want, rtol=1e-10)


# ----- memory of each input ---------------------------------------------------------------------
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("n_io", [1, 3], ids=["one input", "three inputs and outputs"])
def test_the_connectivity_curve_equals_finite_differences_of_predict(cell, n_io):
    m = small_model(cell, n_io, n_io)
    X, _ = small_data(n_io, n_io, N=4)
    N, T, I = X.shape
    eps = 1e-6
    size = np.zeros((N, T))
    for n in range(N):
        for t in range(T):
            J = np.zeros((m.n_out, I))                       # dŷ / dx_t of window n
            for i in range(I):
                up, down = X[n:n + 1].copy(), X[n:n + 1].copy()
                up[0, t, i] += eps
                down[0, t, i] -= eps
                J[:, i] = (m.predict(up)[0] - m.predict(down)[0]) / (2 * eps)
            size[n, t] = np.sqrt(np.sum(J ** 2))
    want = size.mean(axis=0)[::-1]                            # k = T-1-t
    got = cv.connectivity(m, X)
    assert np.max(np.abs(got - want)) < 1e-7


# ----- gates and the step of each cell -----------------------------------------------------------
@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_gate_heatmaps_are_the_textbook_steps(cell):
    m = small_model(cell)
    X, _ = small_data(N=1, T=7)
    _, steps = textbook(m, X)
    maps = cv.gate_maps(m, X[0])
    assert list(maps) == [n for n in cv.DRAW_ORDER if n in steps[0]]
    assert list(maps)[0] == ("c" if cell == "lstm" else "r") and list(maps)[-1] == "h"
    for name, values in maps.items():
        want = np.stack([s[name][0] for s in steps])          # (T, H)
        np.testing.assert_allclose(values, want, rtol=0, atol=1e-13, err_msg=name)
    for name, (lo, hi) in ((n, r) for n, r in cv.RANGES.items() if r and n in maps):
        assert lo <= maps[name].min() and maps[name].max() <= hi, name


def test_an_elman_cell_has_no_gates_to_open():
    with pytest.raises(ValueError, match="no gates"):
        cv.gate_maps(small_model("rnn"), np.zeros((5, 1)))


@pytest.mark.parametrize("cell", CELLS)
def test_the_step_of_each_cell_shows_the_textbook_values(cell):
    m = small_model(cell)
    X, _ = small_data(N=1, T=5)
    y, steps = textbook(m, X[:, :4])                          # the output after step t = 3
    s = cv.cell_step(m, X[0], 3)
    assert [n for n, *_ in cv.EQUATIONS[cell]] == list(s.values)
    for name, v in s.values.items():
        np.testing.assert_allclose(v, steps[3][name][0], atol=1e-13)
    for name, v in s.before.items():
        np.testing.assert_allclose(v, steps[2][name][0], atol=1e-13)
    np.testing.assert_allclose(s.y, y[0], atol=1e-13)
    assert set(s.before) == ({"c", "h"} if cell == "lstm" else {"h"})
    assert np.all(cv.cell_step(m, X[0], 0).before["h"] == 0)


# ----- the Elman cell's W_hh --------------------------------------------------------------------
@pytest.mark.parametrize("scale", [1.0, 0.5, 2.0])
def test_the_eigenvalues_are_numpys_and_the_radius_is_their_largest_size(scale):
    m = small_model("rnn")
    e = cv.w_hh_eigenvalues(m, scale)
    want = np.linalg.eigvals(scale * m.params["W_hh"])
    np.testing.assert_allclose(np.sort_complex(e.values), np.sort_complex(want), atol=1e-13)
    assert e.radius == pytest.approx(np.max(np.abs(want)), rel=1e-14)
    assert e.radius == pytest.approx(grad_flow(m, *small_data(), w_hh_scale=scale)
                                     .spectral_radius, rel=1e-14)


def test_the_eigenvalue_chart_draws_them_with_the_unit_circle():
    m = small_model("rnn")
    e = cv.w_hh_eigenvalues(m)
    fig = cell_charts.eigen_chart({"trained": e}).to_dict()
    circle, points = fig["data"]
    r = np.hypot(trace_values(circle["x"]), trace_values(circle["y"]))
    np.testing.assert_allclose(r, 1.0, atol=1e-12)
    np.testing.assert_allclose(trace_values(points["x"]) + 1j * trace_values(points["y"]),
                               e.values)
    assert f"{e.radius:.3f}" in points["name"]


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_elman_only_numbers_refuse_a_gated_cell_in_plain_words(cell):
    m = small_model(cell)
    with pytest.raises(ValueError, match="Elman"):
        cv.w_hh_eigenvalues(m)
    with pytest.raises(ValueError, match="Elman cell's"):
        variant(m, w_hh_scale=2.0)
    with pytest.raises(ValueError, match="Elman cell's"):
        variant(m, activation="relu")
    twin = variant(m)
    assert type(twin) is type(m) and np.array_equal(twin.params.flat, m.params.flat)
    X, Y = small_data()
    flow = grad_flow(m, X, Y)
    assert flow.spectral_radius is None
    np.testing.assert_allclose(flow.norms, m.hidden_grad_norms(X, Y), rtol=1e-14)


def test_which_views_apply_to_which_cell_is_data():
    assert cv.ELMAN == ("rnn",) and cv.GATED == ("gru", "lstm") and cv.CELL_STATE == ("lstm",)
    assert set(cv.EQUATIONS) == set(CELL_LABELS) and set(cv.KEEP_GATE) == set(cv.GATED)
    for cell, gate in cv.KEEP_GATE.items():
        assert gate in [n for n, *_ in cv.EQUATIONS[cell]]


# ----- one model of each cell --------------------------------------------------------------------
def series(cfg=SMALL):
    return synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                            cfg.data_seed)


def trained_run(cfg=SMALL, epochs=3):
    run = Run(prepare(series(cfg).values, cfg))
    run.train(epochs)
    return run


def test_a_cell_run_shares_the_windows_settings_and_seed_and_trains_as_a_run_of_that_cell():
    run = trained_run(SMALL.replace(cell="gru"))
    twin = cv.cell_run(run, "lstm")
    assert twin.prepared is run.prepared                     # the same windows, by construction
    assert twin.cfg == run.cfg.replace(cell="lstm") and twin.epochs_done == 0
    twin.train(run.epochs_done)
    alone = Run(prepare(series().values, SMALL.replace(cell="lstm")))
    alone.train(run.epochs_done)
    np.testing.assert_array_equal(twin.rnn.params.flat, alone.rnn.params.flat)


def test_a_cell_too_big_for_the_server_is_refused_by_the_compute_cap(monkeypatch):
    run = trained_run(SMALL.replace(cell="rnn"), epochs=2)
    cost = experiment.check_cost(run.prepared)               # the Elman run's (cfg.epochs = 5)
    monkeypatch.setattr(experiment, "MAX_COMPUTE", cost)     # 2 epochs of an LSTM: 4x per step
    with pytest.raises(ComputeCapExceeded):
        cv.cell_run(run, "lstm")
    cv.cell_run(run, "rnn")                                  # 2 epochs of the Elman cell fit


# ----- on the page -------------------------------------------------------------------------------
def open_page(run: Run | None, cfg: LabConfig | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["cfg"] = cfg or run.cfg
    if run is not None:
        at.session_state["run"] = run
    at.run()
    assert not [e.message for e in at.exception]
    return at


def figure(at: AppTest, title: str) -> dict:
    found = [f for f in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
             if title in f["layout"]["title"]["text"]]
    assert found, title
    return found[0]


def figures(at: AppTest, title: str) -> list[dict]:
    return [f for f in (json.loads(c.proto.spec) for c in at.get("plotly_chart"))
            if title in f["layout"]["title"]["text"]]


def z_values(trace) -> np.ndarray:
    z = trace["z"]
    if isinstance(z, dict):                                   # plotly's typed array
        shape = tuple(int(s) for s in str(z.get("shape", "")).split(",") if s.strip())
        return trace_values(z).reshape(shape)
    return np.array(z, dtype=float)


def texts(at: AppTest) -> str:
    parts = [str(el.value) for kind in ("markdown", "caption", "info", "warning", "metric",
                                        "subheader") for el in at.get(kind)]
    return "\n".join(parts + [el.proto.body for el in at.get("latex")])


def cell_runs(at: AppTest) -> dict:
    return at.session_state["memo_inside_cells"][1]["runs"]


def by_name(fig: dict) -> dict:
    return {tr["name"]: tr for tr in fig["data"]}


@pytest.fixture(scope="module", params=CELLS)
def pressed(request):
    """A trained run of each cell on the page, after pressing the button that trains the
    other two: (run, AppTest)."""
    run = trained_run(SMALL.replace(cell=request.param))
    at = open_page(run)
    title = cell_charts.GRADS_TITLE
    assert [tr["name"] for tr in figure(at, title)["data"]] == [CELL_LABELS[run.cfg.cell]]
    at.button(key="inside_cells_train").click().run()
    assert not [e.message for e in at.exception]
    return run, at


def test_the_button_trains_the_other_cells_as_runs_of_their_own(pressed):
    run, at = pressed
    runs = cell_runs(at)
    assert list(runs) == list(CELLS) and runs[run.cfg.cell] is run
    for cell, r in runs.items():
        assert r.epochs_done == run.epochs_done and r.prepared is run.prepared
        alone = trained_run(SMALL.replace(cell=cell), run.epochs_done)
        np.testing.assert_array_equal(r.rnn.params.flat, alone.rnn.params.flat)
    assert f"Every model here is trained for {run.epochs_done} epochs" in texts(at)


def test_the_gradient_chart_shows_each_cells_curve_on_the_same_windows(pressed):
    run, at = pressed
    w = part_windows(run.prepared, "train")
    X, Y = w.X[:16], last_step_targets(w.Y[:16])
    traces = by_name(figure(at, cell_charts.GRADS_TITLE))
    assert list(traces) == [CELL_LABELS[c] for c in CELLS]
    for cell, r in cell_runs(at).items():
        shown = trace_values(traces[CELL_LABELS[cell]]["y"])[::-1]
        np.testing.assert_allclose(shown, r.rnn.hidden_grad_norms(X, Y), rtol=1e-12)
        assert f"{CELL_LABELS[cell]} {cv.kept_after(r.rnn.hidden_grad_norms(X, Y)):.2e}" \
            in texts(at)
    assert "∂L/∂c_t, is not drawn" in texts(at)


def test_the_gate_heatmaps_show_the_first_test_window(pressed):
    run, at = pressed
    w = part_windows(run.prepared, "test")
    for cell in ("gru", "lstm"):
        fig = figure(at, f"{CELL_LABELS[cell]}: gates and states")
        model = cell_runs(at)[cell].rnn
        maps = cv.gate_maps(model, w.X[0])
        heat = [tr for tr in fig["data"] if tr["type"] == "heatmap"]
        assert len(heat) == len(maps)
        for tr, (name, values) in zip(heat, maps.items()):
            np.testing.assert_allclose(z_values(tr), values.T, rtol=1e-12, err_msg=name)
        line = next(tr for tr in fig["data"] if tr["type"] == "scatter")
        np.testing.assert_allclose(trace_values(line["y"]), w.X[0][:, 0])
        gate = cv.KEEP_GATE[cell]
        label = next(m for m in at.metric if m.label.startswith("Mean")
                     and m.label.endswith(f" {gate} in this window")
                     and f"{maps[gate].mean():.3f}" == m.value)
        assert label is not None


def test_the_memory_chart_is_the_connectivity_over_the_test_windows(pressed):
    run, at = pressed
    X = part_windows(run.prepared, "test").X[-256:]
    traces = by_name(figure(at, cell_charts.MEMORY_TITLE))
    for cell, r in cell_runs(at).items():
        np.testing.assert_allclose(trace_values(traces[CELL_LABELS[cell]]["y"]),
                                   cv.connectivity(r.rnn, X), rtol=1e-12)
    assert f"averaged over the {len(X)} windows of the test part" in texts(at)


def test_the_elman_eigenvalues_are_the_trained_elman_cells(pressed):
    run, at = pressed
    elman = cell_runs(at)["rnn"].rnn
    e = cv.w_hh_eigenvalues(elman)
    fig = figures(at, cell_charts.EIGEN_TITLE)[-1]           # the cells tab's (the last one)
    pts = fig["data"][1]
    shown = trace_values(pts["x"]) + 1j * trace_values(pts["y"])
    np.testing.assert_allclose(np.sort_complex(shown),
                               np.sort_complex(np.linalg.eigvals(elman.params["W_hh"])),
                               atol=1e-12)
    assert f"{e.radius:.3f}" in pts["name"]


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_a_gated_run_gets_the_plain_note_in_the_elman_only_views(cell):
    run = trained_run(SMALL.replace(cell=cell))
    at = open_page(run)
    shown = texts(at)
    assert "applies to the Elman cell" in shown
    assert f"Your model's cell, the {CELL_LABELS[cell]}," in shown
    assert "Spectral radius of W_hh" not in [m.label for m in at.metric]
    assert "inside_grad_act" not in [s.key for s in at.selectbox]
    assert "inside_grad_scale" not in [s.key for s in at.slider]
    # the grads tab has no Elman eigenvalue chart before the cells tab trains an Elman cell
    assert figures(at, cell_charts.EIGEN_TITLE) == []
    assert shown.count("W_{xh}x_t =") == 1                   # the tutorial's step, not the model's
    assert "The worked example above is the Elman cell's" in shown
    # the step is the gated cell's own, with the model's numbers (top layer, last step)
    w = part_windows(run.prepared, "test")
    s = cv.cell_step(run.rnn, w.X[0], w.X.shape[1] - 1)
    for (name, eq, _), v in zip(cv.EQUATIONS[cell], s.values.values()):
        assert f"{eq} = " in shown and f"{v[0]:.4f}" in shown, name
    # the gradient tab shows the gated model's own curves
    assert "Gradient reaching each step" in json.dumps([figure(at, "Gradient reaching each step")])


def test_an_elman_run_keeps_its_what_if_and_shows_the_eigenvalues_beside_it():
    run = trained_run(SMALL)
    at = open_page(run)
    assert "applies to the Elman cell" not in texts(at)
    assert texts(at).count("W_{xh}x_t =") == 2               # the tutorial's step and the model's
    at.slider(key="inside_grad_scale").set_value(1.5).run()
    fig = figures(at, cell_charts.EIGEN_TITLE)[0]            # the gradients tab's
    trained, initial = fig["data"][1:3]
    for trace, model in ((trained, run.rnn), (initial, run.initial_rnn)):
        want = np.linalg.eigvals(1.5 * model.params["W_hh"])
        got = trace_values(trace["x"]) + 1j * trace_values(trace["y"])
        np.testing.assert_allclose(np.sort_complex(got), np.sort_complex(want), atol=1e-12)
        radius = np.max(np.abs(want))
        assert f"{radius:.3f}" in trace["name"]
    metric = next(m.value for m in at.metric if m.label == "Spectral radius of W_hh, "
                                                          "after training")
    assert metric == f"{np.max(np.abs(np.linalg.eigvals(1.5 * run.rnn.params['W_hh']))):.3f}"


@pytest.mark.parametrize("cell", CELLS)
def test_at_initialisation_all_three_cells_are_there_without_training(cell):
    at = open_page(None, SMALL.replace(cell=cell))
    assert "inside_cells_train" not in [b.key for b in at.button]
    run = at.session_state["memo_inside_default_run"][1]
    runs = cell_runs(at)
    assert list(runs) == list(CELLS) and all(r.epochs_done == 0 for r in runs.values())
    traces = by_name(figure(at, cell_charts.GRADS_TITLE))
    w = part_windows(run.prepared, "train")
    for c, r in runs.items():
        np.testing.assert_array_equal(r.rnn.params.flat,
                                      make_model(c, 1, 8, 1, seed=SMALL.seed).params.flat)
        np.testing.assert_allclose(trace_values(traces[CELL_LABELS[c]]["y"])[::-1],
                                   r.rnn.hidden_grad_norms(w.X[:16],
                                                           last_step_targets(w.Y[:16])),
                                   rtol=1e-12)
    assert "every cell is shown at initialisation" in texts(at)


def test_a_cell_race_on_the_same_data_and_epochs_gives_the_other_cells_without_training():
    from rnn_core.race import Race

    cfg = SMALL.replace(cell="gru")
    run = trained_run(cfg)
    race = Race(prepare(series(cfg).values, cfg))
    race.train(run.epochs_done)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["cfg"], at.session_state["run"], at.session_state["race"] = cfg, run, race
    at.run()
    assert not [e.message for e in at.exception]
    assert "inside_cells_train" not in [b.key for b in at.button]
    assert "those of your cell race" in texts(at)
    traces = by_name(figure(at, cell_charts.GRADS_TITLE))
    w = part_windows(run.prepared, "train")
    X, Y = w.X[:16], last_step_targets(w.Y[:16])
    for cell in CELLS:
        model = run.rnn if cell == "gru" else race.runs[cell].rnn
        np.testing.assert_allclose(trace_values(traces[CELL_LABELS[cell]]["y"])[::-1],
                                   model.hidden_grad_norms(X, Y), rtol=1e-12)
    race.train(1)                                            # one epoch more: not the same models
    assert cv.from_race(race, run) is None
    assert cv.from_race(None, run) is None


def test_cells_over_the_compute_cap_are_left_out_with_the_reason(monkeypatch):
    run = trained_run(SMALL, epochs=2)
    monkeypatch.setattr(experiment, "MAX_COMPUTE", experiment.check_cost(run.prepared))
    at = open_page(run)
    at.button(key="inside_cells_train").click().run()
    assert not [e.message for e in at.exception]
    warnings = [w.value for w in at.warning]
    for cell in ("gru", "lstm"):                              # 3 and 4 gate blocks per step
        refused = f"No {CELL_LABELS[cell]} here: This run would need"
        assert any(w.startswith(refused) for w in warnings)
    assert list(cell_runs(at)) == ["rnn"]
    assert [tr["name"] for tr in figure(at, cell_charts.GRADS_TITLE)["data"]] == ["Elman RNN"]


@pytest.mark.parametrize("cell", ["gru", "lstm"])
@pytest.mark.parametrize("cfg", [SMALL.replace(task="seq"), SMALL.replace(n_layers=2),
                                 LabConfig(task="blocks", n_points=300, window=5, n_hidden=8)],
                         ids=["seq", "2-layers", "blocks"])
def test_every_inside_view_renders_for_a_gated_run_of_every_task(cell, cfg):
    cfg = cfg.replace(cell=cell)
    run = Run(prepare(synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points,
                                       cfg.noise, cfg.data_seed).values, cfg))
    run.train(2)
    at = open_page(run)
    for tab in at.tabs:
        assert len(tab.children) > 0, tab.label
    at.button(key="inside_cells_train").click().run()
    assert not [e.message for e in at.exception]
    assert list(cell_runs(at)) == list(CELLS)
    if cfg.n_layers > 1:
        assert "This is the top layer" in texts(at)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_the_elman_worked_step_of_a_model_refuses_a_gated_cell(cell):
    from rnn_core.inside import model_step

    with pytest.raises(ValueError, match="Elman cell's step"):
        model_step(small_model(cell), np.zeros((4, 1)), 1)
