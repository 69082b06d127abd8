"""The Inside page under Streamlit's AppTest: every view renders, on a model at initialisation
and on a trained one, and what it shows is what rnn_core computes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from apphelpers import trace_values

from rnn_core.config import LabConfig
from rnn_core.experiment import Run, prepare
from rnn_core.inside import grad_flow, last_step_targets, part_windows
from rnn_core.sources.synthetic import synthetic_series

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "4_Inside.py")
# x·sin(x) (seed 001's curve) trends out of its training range: the leakage view differs there
SMALL = LabConfig(synthetic_kind="xsinx", x_start=0.01, x_stop=6.0, noise=0.01, n_points=240,
                  window=10, n_hidden=8, epochs=5)
GRAD_TITLE = "Gradient reaching each step"


def trained_run(cfg: LabConfig = SMALL, epochs: int = 4) -> Run:
    s = synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                         cfg.data_seed)
    run = Run(prepare(s.values, cfg))
    run.train(epochs)
    return run


def open_page(run: Run | None = None, cfg: LabConfig | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if cfg is not None or run is not None:
        at.session_state["cfg"] = cfg or run.cfg
    if run is not None:
        at.session_state["run"] = run
    at.run()
    assert not errors(at), errors(at)
    return at


def errors(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]


def texts(at: AppTest) -> str:
    parts = [str(el.value) for kind in ("markdown", "caption", "info", "warning", "success",
                                        "error", "metric", "subheader") for el in at.get(kind)]
    parts += [el.proto.body for el in at.get("latex")] if at.get("latex") else []
    return "\n".join(parts)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


values = trace_values


def tables(at: AppTest, column: str) -> list:
    """The shown dataframes that have `column`, in page order."""
    return [d.value for d in at.dataframe if column in d.value.columns]


def grad_traces(at: AppTest) -> dict[str, np.ndarray]:
    """name -> ||dL/dh_t|| for t = 0..T-1, read back from the plotted gradient chart."""
    fig = next(f for f in figures(at) if GRAD_TITLE in f["layout"]["title"]["text"])
    return {tr["name"]: values(tr["y"])[::-1] for tr in fig["data"]}


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def grad_batch(run: Run, window: int | None = None):
    w = run.prepared.windows["train"] if window is None else part_windows(run.prepared, "train",
                                                                          window)
    return w.X[:16], last_step_targets(w.Y[:16])


# ----- renders ---------------------------------------------------------------------------------
def test_without_a_trained_model_every_view_shows_the_model_at_initialisation():
    at = open_page()
    assert len(at.tabs) == 10
    for tab in at.tabs:
        assert len(tab.children) > 0, tab.label
    assert "No trained model yet" in texts(at)
    assert at.button(key="inside_quick_train").label == "Train a quick model (20 epochs)"
    run = at.session_state["memo_inside_default_run"][1]  # (key, run)
    assert run.epochs_done == 0
    # the gradient picture shows the initial model only, exactly as rnn_core computes it
    X, Y = grad_batch(run)
    traces = grad_traces(at)
    assert list(traces)[0] == "at initialisation" and "after training" not in traces
    np.testing.assert_allclose(traces["at initialisation"], run.initial_rnn.hidden_grad_norms(X, Y),
                               rtol=1e-12)


@pytest.mark.parametrize("cfg", [SMALL, SMALL.replace(task="seq"),
                                 SMALL.replace(activation="relu", n_layers=2),
                                 LabConfig(task="blocks", n_points=300, window=5, n_hidden=8)],
                         ids=["next", "seq", "relu-2-layers", "blocks"])
def test_every_view_renders_on_a_freshly_trained_model(cfg):
    run = trained_run(cfg)
    at = open_page(run)
    for tab in at.tabs:
        assert len(tab.children) > 0, tab.label
    assert "trained 4 epochs" in texts(at)
    assert not at.get("button") or "inside_quick_train" not in [b.key for b in at.button]


# ----- one step by hand ------------------------------------------------------------------------
def test_the_worked_step_shows_the_tutorials_numbers():
    at = open_page()
    assert [metric(at, k) for k in ("h1(t)", "h2(t)", "o(t)")] == ["0.8597", "0.8837", "2.7270"]
    latex = "\n".join(el.proto.body for el in at.get("latex"))
    for number in ("0.8597", "0.8837", "2.7270", "1.2923"):
        assert number in latex


def _tanh_step(h, x, S, b1, V, b2):
    a = np.concatenate([h, [x]]) @ np.array(S) + np.array(b1)
    h_new = np.tanh(a)
    return h_new, float(h_new @ np.array(V)[:, 0] + b2)


def test_next_step_feeds_the_new_state_back_and_recomputes():
    at = open_page()
    S, b1, V = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [0.1, -0.1], [[1.0], [2.0]]
    h1, _ = _tanh_step([0.537, 0.462], 2.0, S, b1, V, 0.1)
    at.button(key="inside_next_step").click().run()
    assert not errors(at)
    np.testing.assert_allclose([at.number_input(key="inside_hp_0").value,
                                at.number_input(key="inside_hp_1").value], h1, rtol=1e-12)
    h2, o2 = _tanh_step(h1, 2.0, S, b1, V, 0.1)
    assert metric(at, "h1(t)") == f"{h2[0]:.4f}" and metric(at, "o(t)") == f"{o2:.4f}"
    assert "Step 2." in texts(at)
    at.button(key="inside_reset_step").click().run()
    assert metric(at, "o(t)") == "2.7270"


def test_every_number_of_the_step_is_editable():
    at = open_page()
    at.number_input(key="inside_x").set_value(-1.0)
    at.number_input(key="inside_S_00").set_value(0.9).run()
    S = [[0.9, 0.2], [0.3, 0.4], [0.5, 0.6]]
    h, o = _tanh_step([0.537, 0.462], -1.0, S, [0.1, -0.1], [[1.0], [2.0]], 0.1)
    assert [metric(at, "h1(t)"), metric(at, "h2(t)"), metric(at, "o(t)")] == \
        [f"{h[0]:.4f}", f"{h[1]:.4f}", f"{o:.4f}"]


# ----- gradients through time ------------------------------------------------------------------
def test_the_plotted_gradient_norms_are_the_models_own():
    at = open_page(trained_run())
    run = at.session_state["run"]
    X, Y = grad_batch(run)
    traces = grad_traces(at)
    np.testing.assert_allclose(traces["after training"], run.rnn.hidden_grad_norms(X, Y),
                               rtol=1e-12)
    np.testing.assert_allclose(traces["at initialisation"],
                               run.initial_rnn.hidden_grad_norms(X, Y), rtol=1e-12)
    epochs_fig = next(f for f in figures(at) if "per epoch" in f["layout"]["title"]["text"])
    np.testing.assert_allclose(values(epochs_fig["data"][0]["y"]), run.rnn_history.grad_norm)


def test_the_recurrent_scale_and_window_controls_reach_the_computation():
    at = open_page(trained_run())
    run = at.session_state["run"]
    early = {}
    for scale in (0.5, 2.0):
        at.slider(key="inside_grad_scale").set_value(scale)
        at.slider(key="inside_grad_T").set_value(30).run()
        assert not errors(at)
        X, Y = grad_batch(run, window=30)
        shown = grad_traces(at)["after training"]
        np.testing.assert_allclose(shown, grad_flow(run.rnn, X, Y, w_hh_scale=scale).norms,
                                   rtol=1e-12)
        early[scale] = shown[0]
    assert early[2.0] > early[0.5]


def test_truncation_and_clipping_add_their_curves():
    at = open_page(trained_run())
    at.slider(key="inside_grad_k").set_value(4)
    at.number_input(key="inside_grad_clip").set_value(1e-4).run()
    assert not errors(at)
    names = list(grad_traces(at))
    assert "after training, truncated to the last 4 steps" in names
    assert "after training, after clipping at 0.0001" in names
    run = at.session_state["run"]
    X, Y = grad_batch(run)
    # window 10, k = 4: the loss at step 9 reaches back through steps 6, 7, 8, 9
    cut = grad_traces(at)["after training, truncated to the last 4 steps"]
    assert np.isnan(cut[:6]).all()  # gaps where no gradient arrives
    assert not np.isnan(cut[6:]).any()
    np.testing.assert_allclose(cut[6:], run.rnn.hidden_grad_norms(X, Y, bptt_steps=4)[6:],
                               rtol=1e-12)
    flow = grad_flow(run.rnn, X, Y, clip=1e-4)
    np.testing.assert_allclose(grad_traces(at)["after training, after clipping at 0.0001"],
                               flow.norms * 1e-4 / flow.grad_norm, rtol=1e-10)


# ----- the other views -------------------------------------------------------------------------
def test_quick_training_makes_a_trained_run_for_the_session():
    at = open_page(cfg=SMALL)
    at.button(key="inside_quick_train").click().run()
    assert not errors(at)
    run = at.session_state["run"]
    assert run.epochs_done == min(20, SMALL.epochs) and run.cfg.epochs == run.epochs_done
    assert "after training" in grad_traces(at)


def test_the_gradient_check_shows_a_tiny_error():
    at = open_page(trained_run())
    at.button(key="inside_gradcheck_btn").click().run()
    assert not errors(at)
    assert float(metric(at, "Largest relative error")) < 1e-6
    assert "the gradients are right" in texts(at)


def test_the_leakage_toggle_trains_both_variants_and_shows_both_tables():
    at = open_page(trained_run())
    at.slider(key="inside_leak_epochs").set_value(3)
    at.toggle(key="inside_leak").set_value(True).run()
    assert not errors(at)
    honest, leaky = tables(at, "RMSE")  # right first, leaky second
    assert honest.loc["RNN", "RMSE"] != leaky.loc["RNN", "RMSE"]
    assert metric(at, "RNN test RMSE, leaky − right") == \
        f"{leaky.loc['RNN', 'RMSE'] - honest.loc['RNN', 'RMSE']:+.4g}"


def test_a_flat_model_is_called_a_flat_line_with_evidence():
    run = trained_run()
    run.rnn.params["W_hy"][...] = 0.0
    at = open_page(run)
    assert any("Flat line" in w.value for w in at.warning)
    assert float(metric(at, "Spread of predictions ÷ targets")) < 1e-6
    good = open_page(trained_run(LabConfig(synthetic_kind="sine", x_stop=30.0, n_points=300,
                                           window=10, n_hidden=8), epochs=30))
    assert any("Not a flat line" in s.value for s in good.success)


def test_rnn_vs_mlp_shows_parameter_counts_and_test_errors():
    at = open_page(trained_run())
    run = at.session_state["run"]
    [table] = tables(at, "parameters")
    assert table.loc["RNN", "parameters"] == run.rnn.n_params
    assert table.loc["MLP", "parameters"] == run.mlp.n_params
    assert {"test RMSE", "test MAE"} <= set(table.columns)


def test_teacher_forcing_view_plots_both_feeds_from_the_chosen_start():
    at = open_page(trained_run())
    run = at.session_state["run"]
    at.slider(key="inside_free_steps").set_value(12)
    at.slider(key="inside_free_origin").set_value(150).run()
    assert not errors(at)
    fig = next(f for f in figures(at) if "two ways" in f["layout"]["title"]["text"])
    actual = next(t for t in fig["data"] if t["name"] == "actual")
    np.testing.assert_allclose(values(actual["y"]), run.prepared.values[150:162])
    window = run.prepared.scaled[150 - 10:150][None]
    first = run.prepared.scaler.inverse_transform(run.rnn.predict(window))[0, 0]
    free = next(t for t in fig["data"] if t["name"] == "free running")
    assert values(free["y"])[0] == pytest.approx(first, rel=1e-10)
