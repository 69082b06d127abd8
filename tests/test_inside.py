"""rnn_core.inside and rnn_core.inside_checks: the numbers behind the Inside page."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rnn_core import RNN
from rnn_core.config import LabConfig
from rnn_core.experiment import Run, prepare
from rnn_core.inside import (WORKED_EXAMPLE, grad_flow, last_step_targets, model_step,
                             params_from_stacked, part_windows, step_by_hand, teacher_vs_free,
                             unrolled, variant)
from rnn_core.inside_checks import (diagnose_flat, leakage_comparison, leaky_prepare,
                                    rnn_vs_mlp, verify_gradients)
from rnn_core.rnn import spectral_radius
from rnn_core.sources.synthetic import synthetic_series

# x·sin(x) (seed 001's curve) swings out of its training range: the leakage checks need that
SMALL = LabConfig(synthetic_kind="xsinx", x_start=0.01, x_stop=6.0, noise=0.01, n_points=240,
                  window=10, n_hidden=8, epochs=5)


def make_run(cfg: LabConfig = SMALL, epochs: int = 0) -> Run:
    series = synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points,
                              cfg.noise, cfg.data_seed)
    run = Run(prepare(series.values, cfg))
    run.train(epochs)
    return run


def series_of(cfg: LabConfig) -> pd.Series:
    return synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points,
                            cfg.noise, cfg.data_seed).values


# ----- one step by hand ------------------------------------------------------------------------
def test_worked_example_gives_the_tutorials_numbers():
    stages = step_by_hand(**WORKED_EXAMPLE)
    # seed 003 prints h(t) = [0.8597, 0.8837] and o(t) = 2.7270
    np.testing.assert_allclose(stages.h, [0.8597, 0.8837], atol=5e-5)
    np.testing.assert_allclose(stages.y, [2.7270], atol=5e-5)
    # a = [h1, h2, x] @ W + b1, written out
    a1 = 0.537 * 0.1 + 0.462 * 0.3 + 2.0 * 0.5 + 0.1
    a2 = 0.537 * 0.2 + 0.462 * 0.4 + 2.0 * 0.6 - 0.1
    np.testing.assert_allclose(stages.a, [a1, a2], atol=1e-12)
    np.testing.assert_allclose(stages.input_part + stages.recurrent_part + stages.b_h, stages.a,
                               atol=1e-12)


def test_stacked_weights_become_the_transposed_column_form():
    p = params_from_stacked(WORKED_EXAMPLE["stacked"], [0.1, -0.1], [[1.0], [2.0]], [0.1], 1)
    np.testing.assert_array_equal(p["W_hh"], [[0.1, 0.3], [0.2, 0.4]])
    np.testing.assert_array_equal(p["W_xh"], [[0.5], [0.6]])
    np.testing.assert_array_equal(p["W_hy"], [[1.0, 2.0]])


def test_feeding_the_new_state_back_continues_the_recurrence_like_forward():
    ex = WORKED_EXAMPLE
    first = step_by_hand(**ex)
    second = step_by_hand(**{**ex, "h_prev": first.h})
    model = RNN(1, 2, 1)
    for name, value in params_from_stacked(ex["stacked"], ex["b_h"], ex["V"], ex["b_y"], 1).items():
        model.params[name][...] = value
    Y, cache = model.forward(np.full((1, 2, 1), 2.0), h0=np.array([ex["h_prev"]]))
    np.testing.assert_allclose(second.h, cache["H"][-1][0, 1], atol=1e-12)
    np.testing.assert_allclose(second.y, Y[0, 1], atol=1e-12)


@pytest.mark.parametrize("change", [{"stacked": [[0.1, 0.2], [0.3, 0.4]]},
                                    {"V": [[1.0]]}, {"h_prev": [0.5]},
                                    {"b_h": [0.1, float("nan")]}])
def test_bad_hand_inputs_are_refused_in_plain_words(change):
    with pytest.raises(ValueError, match="must"):
        step_by_hand(**{**WORKED_EXAMPLE, **change})


@pytest.mark.parametrize("n_layers", [1, 2])
def test_model_step_reproduces_the_forward_pass_at_every_step(n_layers):
    run = make_run(SMALL.replace(n_layers=n_layers), epochs=2)
    window = run.prepared.windows["test"].X[3]  # (T, 1)
    _, cache = run.rnn.forward(window[None])
    top = n_layers - 1
    for t in (0, 4, 9):
        stages = model_step(run.rnn, window, t)
        np.testing.assert_allclose(stages.h, cache["H"][top][0, t], atol=1e-12)
        expected_prev = cache["H"][top][0, t - 1] if t else np.zeros(8)
        np.testing.assert_allclose(stages.h_prev, expected_prev, atol=1e-12)
    np.testing.assert_allclose(model_step(run.rnn, window, 9).y, run.rnn.predict(window[None])[0],
                               atol=1e-12)
    if n_layers == 2:
        below = model_step(run.rnn, window, 5, layer=0)
        assert below.y is None
        np.testing.assert_allclose(below.h, cache["H"][0][0, 5], atol=1e-12)
    with pytest.raises(ValueError, match="time step"):
        model_step(run.rnn, window, 10)


# ----- windows and unrolled states -------------------------------------------------------------
def test_part_windows_match_the_training_windows_and_can_be_longer():
    run = make_run()
    w = part_windows(run.prepared, "train")
    np.testing.assert_array_equal(w.X, run.prepared.windows["train"].X)
    np.testing.assert_array_equal(w.Y, run.prepared.windows["train"].Y)
    longer = part_windows(run.prepared, "train", window=25)
    assert longer.X.shape[1] == 25
    # a window's inputs are the 25 scaled values just before its target
    t = longer.target_idx[0]
    np.testing.assert_array_equal(longer.X[0, :, 0], run.prepared.scaled[t - 25:t, 0])


def test_block_windows_are_consecutive_blocks_with_their_targets():
    run = make_run(LabConfig(task="blocks", n_points=300, window=5, n_hidden=8))
    p = run.prepared
    w = part_windows(p, "train")
    assert w.X.shape[1:] == (5, 6) and w.Y.shape[1:] == (5, 6)
    np.testing.assert_array_equal(w.X[0], p.inputs[0:5])
    np.testing.assert_array_equal(w.Y[2], p.targets[2:7])
    assert w.target_idx[0] == 5 * 6 - 1  # the last point of block 4


def test_unrolled_states_and_outputs_are_the_forward_pass():
    run = make_run(epochs=1)
    window = run.prepared.windows["val"].X[0]
    states, outputs = unrolled(run.rnn, window)
    np.testing.assert_array_equal(states, run.rnn.hidden_states(window[None])[0])
    np.testing.assert_allclose(outputs[-1], run.rnn.predict(window[None])[0], atol=1e-12)


# ----- gradients through time ------------------------------------------------------------------
def _grad_batch(run, window=None):
    w = part_windows(run.prepared, "train", window)
    return w.X[:16], last_step_targets(w.Y[:16])


def test_grad_flow_without_changes_is_the_models_own_gradient_norms():
    run = make_run(epochs=3)
    X, Y = _grad_batch(run)
    np.testing.assert_array_equal(grad_flow(run.rnn, X, Y).norms, run.rnn.hidden_grad_norms(X, Y))


@pytest.mark.parametrize("which", ["initial_rnn", "rnn"])
def test_a_larger_recurrent_scale_gives_larger_early_gradients(which):
    run = make_run(epochs=5)
    model = getattr(run, which)
    X, Y = _grad_batch(run, window=30)
    early = [grad_flow(model, X, Y, w_hh_scale=s).norms[0] for s in (0.5, 1.0, 2.0)]
    assert early[0] < early[1] < early[2]
    assert early[2] / early[0] > 1e3  # vanishing at 0.5, exploding at 2


def test_variants_rescale_the_spectral_radius_and_leave_the_model_alone():
    run = make_run()
    before = {k: v.copy() for k, v in run.rnn.params.items()}
    twin = variant(run.rnn, activation="relu", w_hh_scale=1.7)
    assert twin.activation == "relu"
    assert spectral_radius(twin.params["W_hh"]) == pytest.approx(
        1.7 * spectral_radius(run.rnn.params["W_hh"]), rel=1e-10)
    X, Y = _grad_batch(run)
    flow = grad_flow(run.rnn, X, Y, w_hh_scale=2.5, clip=0.5)
    for k, v in run.rnn.params.items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(ValueError, match="positive"):
        variant(run.rnn, w_hh_scale=0.0)
    assert flow.spectral_radius == pytest.approx(2.5 * spectral_radius(before["W_hh"]))


def test_clipping_scales_every_step_by_the_same_factor():
    run = make_run()
    X, Y = _grad_batch(run)
    free = grad_flow(run.rnn, X, Y)
    clipped = grad_flow(run.rnn, X, Y, clip=free.grad_norm / 4)
    assert clipped.clip_factor == pytest.approx(0.25)
    np.testing.assert_allclose(clipped.clipped, free.norms * 0.25)
    assert grad_flow(run.rnn, X, Y, clip=free.grad_norm * 2).clip_factor == 1.0


def test_truncation_stops_the_gradient_at_the_chunk_boundary():
    run = make_run(SMALL.replace(window=12))
    X, Y = _grad_batch(run)
    norms = grad_flow(run.rnn, X, Y, bptt_steps=4).norms
    assert np.all(norms[:8] == 0.0) and np.all(norms[8:] > 0.0)
    # the last chunk alone, starting from the state the first 8 steps reached
    h8 = run.rnn.final_state(X[:, :8])
    np.testing.assert_allclose(norms[8:], run.rnn.hidden_grad_norms(X[:, 8:], Y, h0=h8),
                               rtol=1e-12)


# ----- teacher forcing against free running ----------------------------------------------------
def test_free_running_starts_like_teacher_forcing_and_drifts_away():
    run = make_run(epochs=5)
    p = run.prepared
    origin = p.split.val_end
    fr = teacher_vs_free(run.rnn, p, origin, 20)
    np.testing.assert_allclose(fr.steps["actual"], p.values[origin:origin + 20])
    first = fr.steps.iloc[0]
    assert first["teacher forcing"] == pytest.approx(first["free running"], abs=1e-12)
    assert fr.steps["teacher forcing"].iloc[1] != fr.steps["free running"].iloc[1]
    assert fr.by_horizon.loc[1, "free running"] == pytest.approx(
        fr.by_horizon.loc[1, "teacher forcing"])
    # the one-step RMSE over the test part, in data units, recomputed directly
    test = p.windows["test"]
    pred = p.scaler.inverse_transform(run.rnn.predict(test.X))[:, 0]
    rmse = np.sqrt(np.mean((pred - p.values[test.target_idx]) ** 2))
    assert fr.by_horizon.loc[1, "teacher forcing"] == pytest.approx(rmse, rel=1e-10)


def test_the_blocks_task_has_no_free_running_view():
    run = make_run(LabConfig(task="blocks", n_points=300, window=5, n_hidden=8))
    with pytest.raises(ValueError, match="blocks"):
        teacher_vs_free(run.rnn, run.prepared, 30, 5)


# ----- gradient check --------------------------------------------------------------------------
def test_gradient_check_agrees_and_leaves_the_model_untouched():
    run = make_run(epochs=2)
    w = part_windows(run.prepared, "train")
    before = {k: v.copy() for k, v in run.rnn.params.items()}
    table = verify_gradients(run.rnn, w.X[:4], w.Y[:4], max_entries=10)
    assert list(table.index) == list(run.rnn.params)
    assert (table["largest relative error"] < 1e-6).all()
    assert table.loc["W_hh", "entries checked"] == 10 and table.loc["W_hh", "of"] == 64
    assert table.loc["b_y", "entries checked"] == 1
    for k, v in run.rnn.params.items():
        np.testing.assert_array_equal(v, before[k])


# ----- leakage ---------------------------------------------------------------------------------
def test_the_leaky_scaler_is_fitted_on_all_the_data():
    cfg = SMALL
    honest, leaky = prepare(series_of(cfg), cfg), leaky_prepare(series_of(cfg), cfg)
    values = honest.values
    assert leaky.scaler.min_[0] != honest.scaler.min_[0] or \
        leaky.scaler.scale_[0] != honest.scaler.scale_[0]
    assert leaky.scaled.min() == pytest.approx(0.0) and leaky.scaled.max() == pytest.approx(1.0)
    train = values[: honest.split.train_end]
    np.testing.assert_allclose(honest.scaler.inverse_transform([[0.0], [1.0]])[:, 0],
                               [train.min(), train.max()])
    # x·sin(x) swings wider after the training part: honestly scaled, the test leaves [0, 1]
    assert honest.scaled[honest.split.val_end:].min() < 0.0
    assert honest.split == leaky.split


def test_leakage_comparison_trains_both_and_returns_two_tables():
    result = leakage_comparison(series_of(SMALL), SMALL, epochs=3)
    assert result.epochs == 3
    assert list(result.honest.index) == list(result.leaky.index) == ["RNN", "MLP", "Persistence"]
    assert result.honest.loc["RNN", "RMSE"] != result.leaky.loc["RNN", "RMSE"]
    # persistence never sees a scaler: identical in both
    pd.testing.assert_series_equal(result.honest.loc["Persistence"],
                                   result.leaky.loc["Persistence"])
    with pytest.raises(ValueError, match="epochs"):
        leakage_comparison(series_of(SMALL), SMALL, epochs=0)


# ----- flat line -------------------------------------------------------------------------------
def test_a_constant_predictor_is_flagged_as_a_flat_line():
    run = make_run(epochs=3)
    run.rnn.params["W_hy"][...] = 0.0
    run.rnn.params["b_y"][...] = 0.4
    d = diagnose_flat(run)
    assert d.flat and d.pred_std < 1e-12 and d.ratio < 1e-10
    assert "Flat line" in d.summary and d.advice


def test_a_trained_sine_model_is_not_a_flat_line():
    cfg = LabConfig(synthetic_kind="sine", x_stop=30.0, n_points=300, window=10, n_hidden=8)
    d = diagnose_flat(make_run(cfg, epochs=30))
    assert not d.flat and d.ratio > 0.5
    assert not any("not been trained" in tip for tip in d.advice)


def test_saturated_tanh_units_are_reported_with_advice():
    run = make_run(epochs=1)
    run.rnn.params["W_xh"][...] = 50.0  # every unit driven far into tanh's flat tails
    run.rnn.params["b_h"][...] = 20.0
    d = diagnose_flat(run)
    assert d.saturated > 0.95 and d.dead is None
    assert any("tanh" in tip for tip in d.advice)


def test_dead_relu_units_are_counted():
    run = make_run(SMALL.replace(activation="relu"), epochs=1)
    run.rnn.params["b_h"][:6] = -100.0  # 6 of 8 units can never switch on,
    run.rnn.params["b_h"][6:] = 100.0  # the other 2 are always on
    run.rnn.params["W_hh"][...] = 0.0  # and cannot switch the others on through the state
    d = diagnose_flat(run)
    assert d.dead == pytest.approx(6 / 8) and d.saturated is None
    assert any("ReLU" in tip for tip in d.advice)


def test_an_untrained_model_is_told_to_train_first():
    d = diagnose_flat(make_run())
    assert d.epochs == 0 and d.last_grad_norm is None
    assert "not been trained" in d.advice[0]


# ----- RNN against MLP -------------------------------------------------------------------------
def test_rnn_vs_mlp_counts_parameters_and_reports_test_errors():
    run = make_run(epochs=2)
    metrics = pd.DataFrame({"RMSE": [1.0, 2.0], "MAE": [0.5, 1.5]}, index=["RNN", "MLP"])
    table = rnn_vs_mlp(run, metrics)
    assert table.loc["RNN", "parameters"] == 8 + 64 + 8 + 8 + 1
    assert table.loc["MLP", "parameters"] == run.mlp.n_params == 10 * 10 + 10 + 10 + 1
    assert table.loc["MLP", "test RMSE"] == 2.0 and table.loc["RNN", "test MAE"] == 0.5
    longer = rnn_vs_mlp(make_run(SMALL.replace(window=20)))
    assert longer.loc["RNN", "parameters"] == table.loc["RNN", "parameters"]
    assert longer.loc["MLP", "parameters"] == table.loc["MLP", "parameters"] + 10 * 10
    assert "test RMSE" not in longer.columns
