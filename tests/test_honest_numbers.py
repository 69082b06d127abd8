"""The numbers a page shows are what their names say: held-out means held out, a run is
scored only on the data it was trained on, and out-of-range test values are reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from apphelpers import app_test, page_errors, texts, trace_values
from rnn_core.config import LabConfig
from rnn_core.evaluate import evaluate
from rnn_core.experiment import Run, prepare
from rnn_core.presets import PRESETS
from rnn_core.ranges import describe, out_of_range
from rnn_core.sources.fred import bundled_gs10

GS10 = PRESETS["gs10_rnn_vs_mlp"].config()


def gs10():
    return bundled_gs10().values


def test_sequence_validation_scores_only_targets_inside_the_validation_part():
    p = prepare(gs10(), GS10)
    lo, hi = p.split.bounds("val")
    val = p.part("val")
    # a sequence window's targets reach back into training; what is scored is its last one
    assert (val.target_idx >= lo).all() and (val.target_idx < hi).all()
    run = Run(p)
    run.train(3)
    # the validation loss of epoch 3 recomputed by hand: next-value MSE on val targets only
    pred = run.rnn.predict(val.X)[:, 0]
    by_hand = np.mean((pred - p.scaled[val.target_idx, 0]) ** 2)
    assert run.rnn_history.val_loss[-1] == pytest.approx(by_hand, rel=1e-12)
    # the MLP's validation curve scores exactly the same targets
    mlp_pred = run.mlp.predict(val.X)[:, 0]
    assert run.mlp_history.val_loss[-1] == pytest.approx(
        np.mean((mlp_pred - p.scaled[val.target_idx, 0]) ** 2), rel=1e-12)


def test_no_validation_or_test_number_depends_on_a_training_target():
    # change every held-out value: the training windows (inputs and targets) must not move,
    # and change every training value: held-out targets must not move
    p = prepare(gs10(), GS10)
    train_targets = p.windows["train"].Y
    assert p.windows["train"].target_idx.max() < p.split.train_end
    shifted = gs10().copy()
    shifted.iloc[p.split.train_end:] += 5.0
    q = prepare(shifted, GS10)
    np.testing.assert_array_equal(q.windows["train"].Y, train_targets)


def test_a_run_names_what_changed_since_it_was_trained():
    cfg = LabConfig(epochs=2, n_points=200)
    series = pd.Series(np.sin(np.linspace(0, 30, 200)), index=np.linspace(0, 30, 200))
    run = Run(prepare(series, cfg))
    assert run.differences(series, cfg) == []
    assert run.differences(series, cfg.replace(epochs=50, horizon=9)) == []  # same windows
    assert run.differences(series * 2, cfg) == ["the data is different"]
    assert run.differences(series, cfg.replace(window=7)) == ["settings changed: Window"]
    assert run.differences(None, cfg) == ["no data is loaded now"]


def test_after_the_data_changes_train_and_compare_say_the_model_belongs_to_other_data():
    at = app_test("app.py")
    for k, v in {"epochs": "3", "n_points": "200"}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    run = at.session_state["run"]
    ev_before = evaluate(run)
    at.switch_page("pages/1_Data.py").run()
    at.selectbox(key="w_synthetic_kind").set_value("damped").run()
    assert not page_errors(at)
    for page in ("pages/2_Train.py", "pages/4_Inside.py", "pages/3_Compare.py"):
        at.switch_page(page).run()
        assert not page_errors(at), page_errors(at)
        shown = texts(at)
        assert "This model was trained on sin(x)" in shown, page
        assert "the data is different" in shown and "settings changed: Synthetic series" in shown
    # Compare shows the old run on its own data, never re-scored on the new series
    assert at.session_state["run"] is run
    np.testing.assert_array_equal(at.dataframe[0].value.to_numpy(), ev_before.metrics.to_numpy())
    # one click trains on what is selected now; the notice then goes away
    at.button(key="retrain_btn").click().run()
    assert not page_errors(at), page_errors(at)
    new = at.session_state["run"]
    assert new is not run and new.cfg.synthetic_kind == "damped" and new.epochs_done == 3
    assert at.session_state["previous_run"] is run  # nothing lost
    assert "This model was trained on" not in texts(at)


def test_out_of_range_test_values_are_counted_and_measured_by_hand():
    p = prepare(gs10(), GS10)
    reports = {r.part: r for r in out_of_range(p)}
    values = gs10().to_numpy()
    train = values[:p.split.train_end]
    test = values[p.split.val_end:]
    r = reports["test"]
    assert r.n == len(test)
    assert r.n_above == int((test > train.max()).sum()) > 0
    assert r.above == pytest.approx(test.max() - train.max())
    assert r.reach == pytest.approx((test.max() - train.max()) / (train.max() - train.min()))
    text = describe(r, "percent")
    assert f"{r.n_outside} of {r.n} test values" in text
    assert f"{test.max() - train.max():.3g} percent" in text


def test_the_data_and_compare_pages_say_when_test_values_leave_the_training_range():
    at = app_test("app.py")
    for k, v in {"synthetic_kind": "xsinx", "x_start": "0.01", "x_stop": "6.0",
                 "noise": "0.01", "epochs": "2"}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert "lie outside the training range" in texts(at)
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at)
    assert "lie outside the training range" in texts(at)
    assert "MLP's ReLU units" in texts(at)


def test_the_default_data_page_reports_no_range_problem():
    at = app_test("app.py")
    at.run()
    at.switch_page("pages/1_Data.py").run()
    assert "outside the training range" not in texts(at)


def test_the_train_page_counts_the_training_windows_by_hand():
    at = app_test("app.py")
    at.query_params["epochs"] = "2"
    at.run()
    at.switch_page("pages/2_Train.py").run()
    cfg = LabConfig()
    train_end = cfg.n_points - round(cfg.n_points * cfg.val_frac) - round(
        cfg.n_points * cfg.test_frac)
    assert f"{train_end - cfg.window} training windows" in texts(at)  # targets window..end-1


def test_compare_scores_the_blocks_preset_on_its_extrapolation_against_the_true_curve():
    at = app_test("app.py")
    at.run()
    at.button(key="preset_xsinx_blocks").click().run()
    at.session_state["cfg"] = at.session_state["cfg"].replace(epochs=3)
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    shown = texts(at)
    assert "against the true curve" in shown and "beat persistence" not in shown
    table = at.dataframe[0].value
    assert list(table.index) == ["RNN", "MLP"] and "MAE ÷ persistence MAE" not in table
    run = at.session_state["run"]
    ev = evaluate(run, lambda x: x * np.sin(x))
    x = ev.extrapolation.index.to_numpy()
    truth = x * np.sin(x)
    err = ev.extrapolation["RNN"].to_numpy() - truth
    assert table.loc["RNN", "RMSE"] == pytest.approx(np.sqrt(np.mean(err ** 2)))
    import json

    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    distance = next(c for c in charts if "blocks past the data" in json.dumps(c["layout"]))
    rnn = next(t for t in distance["data"] if t["name"] == "RNN")
    np.testing.assert_array_equal(trace_values(rnn["x"]), np.arange(1, 21))
    by_block = np.sqrt(np.mean(err.reshape(20, 6) ** 2, axis=1))
    np.testing.assert_allclose(trace_values(rnn["y"]), by_block, rtol=1e-12)


def test_the_blocks_preset_says_its_true_curve_leaves_the_training_range():
    cfg = PRESETS["xsinx_blocks"].config()
    from rnn_core.datasets import load_series

    p = prepare(load_series(cfg).values, cfg)
    x = 6.0 + 0.01 * np.arange(1, 121)  # the 20 extrapolated blocks of 6 points
    truth, train = x * np.sin(x), p.values
    (report,) = out_of_range(p)
    assert report.part == "future" and report.n == 120
    assert report.n_above == int((truth > train.max()).sum()) > 0
    assert report.above == pytest.approx(truth.max() - train.max())
    at = app_test("app.py")
    at.run()
    at.button(key="preset_xsinx_blocks").click().run()
    at.switch_page("pages/1_Data.py").run()
    shown = texts(at)
    assert f"{report.n_above} of 120 values of the true curve past the data" in shown
    assert "tanh units saturate" in shown


def test_the_range_note_names_the_rnns_own_activation():
    from rnn_core.ranges import effect

    assert "tanh units saturate" in effect("tanh")
    assert "ReLU units go on in straight lines" in effect("relu").split(";")[0]


def test_the_sweep_says_why_it_cannot_rank_a_task_without_validation():
    at = app_test("app.py")
    at.run()
    at.button(key="preset_xsinx_blocks").click().run()
    at.switch_page("pages/5_Sweep.py").run()
    assert not page_errors(at), page_errors(at)
    assert "has no validation part" in texts(at) and "Every run failed" not in texts(at)


def test_leakage_on_inside_explains_why_the_blocks_task_has_no_lesson_there():
    at = app_test("app.py")
    at.run()
    at.button(key="preset_xsinx_blocks").click().run()
    at.switch_page("pages/4_Inside.py").run()
    assert not page_errors(at), page_errors(at)
    assert "no test part the scaler could leak from" in texts(at)


def test_a_runaway_forecast_leaves_the_chart_instead_of_stretching_its_axis():
    # x·sin(x), no clipping, 1000 steps past the data: the MLP's extrapolation runs away
    at = app_test("app.py")
    for k, v in {"synthetic_kind": "xsinx", "x_start": "0.01", "x_stop": "6.0", "noise": "0.01",
                 "horizon": "1000", "clip": "0.0", "epochs": "30"}.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    import json

    run = at.session_state["run"]
    ev = evaluate(run, lambda x: x * np.sin(x))
    fig = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
               if "own predictions" in json.dumps(json.loads(c.proto.spec)["layout"]["title"]))
    lo, hi = fig["layout"]["yaxis"]["range"]
    data = np.concatenate([run.prepared.values, ev.extrapolation["true"].to_numpy()])
    span = data.max() - data.min()
    assert lo == pytest.approx(data.min() - 0.5 * span) and hi == pytest.approx(
        data.max() + 0.5 * span)  # from the data, not from the forecasts
    worst = {m: ev.extrapolation[m].abs().max() for m in ("RNN", "MLP")}
    escaped = [m for m, w in worst.items() if not lo <= w <= hi and not lo <= -w <= hi]
    assert escaped, worst  # this setting does run away
    for m in escaped:
        assert f"the {m}'s extrapolation reaches" in texts(at)


def test_every_pages_sidebar_says_when_the_model_belongs_to_other_data():
    at = app_test("app.py")
    at.query_params["epochs"] = "2"
    at.run()
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    at.switch_page("pages/1_Data.py").run()
    at.selectbox(key="w_synthetic_kind").set_value("damped").run()
    for page in ("app.py", "pages/1_Data.py", "pages/5_Sweep.py"):
        at.switch_page(page).run()
        assert not page_errors(at), page_errors(at)
        sidebar = " ".join(str(c.value) for c in at.sidebar.caption)
        assert "Trained on sin(x); since then the data is different" in sidebar, (page, sidebar)
