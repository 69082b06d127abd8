"""The experiment pipeline: configuration, preparation without leakage, runs, evaluation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core.config import FIELDS, LabConfig, from_mapping, to_query_params, validated
from rnn_core.evaluate import evaluate, future_index
from rnn_core.experiment import ComputeCapExceeded, Run, check_cost, prepare
from rnn_core.metrics import rmse
from rnn_core.presets import PRESETS
from rnn_core.runner import run_config
from rnn_core.sources.synthetic import synthetic_series, true_function

SMALL = LabConfig(n_points=200, window=8, n_hidden=6, mlp_hidden=6, epochs=3, batch_size=16)


def xsinx(cfg: LabConfig = SMALL) -> pd.Series:
    return synthetic_series("xsinx", cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                            cfg.data_seed).values


# --- configuration ------------------------------------------------------------------------

def test_every_preset_is_a_valid_configuration():
    for preset in PRESETS.values():
        assert validated(preset.config()) == preset.config()


def test_every_field_has_a_label_and_help_text():
    names = {f.name for f in dataclasses.fields(LabConfig)}
    assert names == set(FIELDS)
    assert all(FIELDS[n].label and len(FIELDS[n].help) > 20 for n in names)


configs = st.builds(
    LabConfig, window=st.integers(1, 500), n_hidden=st.integers(1, 256),
    lr=st.floats(1e-5, 10.0), optimizer=st.sampled_from(["adam", "sgd", "momentum"]),
    task=st.sampled_from(["next", "seq", "blocks"]), noise=st.floats(0.0, 10.0),
    ticker=st.sampled_from(["GOOGL", "^GSPC", "BRK-B"]))


@settings(max_examples=60, deadline=None)
@given(configs)
def test_a_configuration_survives_the_round_trip_through_a_link(cfg):
    params = to_query_params(cfg)
    assert all(isinstance(v, str) for v in params.values())
    back, notes = from_mapping(params)
    assert notes == [] and back == cfg


@pytest.mark.parametrize("raw", [{"window": "0"}, {"window": "2.5"}, {"lr": "nan"},
                                 {"optimizer": "rmsprop"}, {"n_hidden": "many"},
                                 {"epochs": "-1"}, {"ticker": "x" * 100}])
def test_an_invalid_link_value_keeps_the_default_and_says_why(raw):
    cfg, notes = from_mapping(raw)
    assert cfg == LabConfig()
    assert len(notes) == 1 and notes[0].startswith(f"Ignored {next(iter(raw))}=")


# --- preparation --------------------------------------------------------------------------

def test_the_scaler_sees_only_the_training_part():
    series = xsinx()
    prepared = prepare(series, SMALL)
    altered = series.copy()
    altered.iloc[prepared.split.train_end:] *= 1000.0  # wild validation and test values
    again = prepare(altered, SMALL)
    np.testing.assert_array_equal(prepared.scaler.scale_, again.scaler.scale_)
    np.testing.assert_array_equal(prepared.windows["train"].X, again.windows["train"].X)
    lo, hi = prepared.scaler.inverse_transform(np.array([[0.0], [1.0]]))[:, 0]
    train = series.to_numpy()[: prepared.split.train_end]
    assert (lo, hi) == pytest.approx((train.min(), train.max()))


def test_test_targets_lie_in_the_test_part_only():
    prepared = prepare(xsinx(), SMALL)
    test_idx = prepared.windows["test"].target_idx
    assert test_idx.min() >= prepared.split.val_end
    assert prepared.windows["train"].target_idx.max() < prepared.split.train_end


def test_a_window_longer_than_the_data_is_refused_in_words():
    with pytest.raises(ValueError, match="window"):
        prepare(xsinx(), SMALL.replace(window=190))


def test_missing_values_are_refused_in_words():
    series = xsinx()
    series.iloc[5] = np.nan
    with pytest.raises(ValueError, match="missing"):
        prepare(series, SMALL)


def test_the_compute_cap_refuses_a_huge_run():
    big = SMALL.replace(epochs=2000, n_hidden=256, n_points=20_000, window=200)
    with pytest.raises(ComputeCapExceeded, match="cap"):
        check_cost(prepare(xsinx(big), big))
    assert check_cost(prepare(xsinx(), SMALL)) > 0


# --- runs ---------------------------------------------------------------------------------

def test_three_single_epochs_equal_one_run_of_three_bit_for_bit():
    prepared = prepare(xsinx(), SMALL)
    once, stepwise = Run(prepared), Run(prepared)
    once.train(3)
    for _ in range(3):
        stepwise.train(1)
    assert once.rnn_history.train_loss == stepwise.rnn_history.train_loss
    for name, value in once.rnn.params.items():
        np.testing.assert_array_equal(stepwise.rnn.params[name], value)


def test_stopping_from_the_callback_keeps_the_partial_models():
    run = Run(prepare(xsinx(), SMALL))
    run.train(50, on_epoch=lambda r: r.epochs_done < 2)
    assert run.epochs_done == 2 and run.stopped
    assert len(run.mlp_history) == 2
    assert not np.array_equal(run.rnn.params["W_hh"], run.initial_rnn.params["W_hh"])


def test_a_snapshot_trains_on_without_touching_the_original():
    run = Run(prepare(xsinx(), SMALL))
    run.train(1)
    twin = run.snapshot()
    before = run.rnn.params["W_xh"].copy()
    twin.train(2)
    np.testing.assert_array_equal(run.rnn.params["W_xh"], before)
    assert (run.epochs_done, twin.epochs_done) == (1, 3)


def test_training_lowers_the_loss_of_both_models():
    run = Run(prepare(xsinx(), SMALL.replace(epochs=30)))
    run.train(30)
    for h in (run.rnn_history, run.mlp_history):
        assert h.train_loss[-1] < 0.5 * h.train_loss[0]


# --- evaluation ---------------------------------------------------------------------------

def test_metrics_are_in_the_data_units_and_match_the_predictions():
    run = Run(prepare(xsinx(), SMALL))
    run.train(3)
    ev = evaluate(run)
    test = ev.predictions[ev.predictions["part"] == "test"]
    assert ev.metrics.loc["RNN", "RMSE"] == pytest.approx(rmse(test["actual"], test["RNN"]))
    assert ev.metrics.loc["Persistence", "MAE ÷ persistence MAE"] == 1.0
    # MASE is Hyndman's: the test MAE over the naive forecast's MAE on the training part
    p = run.prepared
    train = xsinx().to_numpy()[:p.split.train_end]
    scale = np.mean(np.abs(np.diff(train)))
    for model in ("RNN", "MLP", "Persistence"):
        mae = np.mean(np.abs(test["actual"] - test[model]))
        assert ev.metrics.loc[model, "MASE"] == pytest.approx(mae / scale, rel=1e-12)
        naive = np.mean(np.abs(test["actual"] - test["Persistence"]))
        assert ev.metrics.loc[model, "MAE ÷ persistence MAE"] == pytest.approx(mae / naive)
    np.testing.assert_array_equal(test["actual"], xsinx().loc[test.index].to_numpy())
    # persistence repeats the previous real value
    positions = xsinx().index.get_indexer(test.index)
    np.testing.assert_array_equal(test["Persistence"], xsinx().to_numpy()[positions - 1])


def test_the_extrapolation_continues_the_x_axis_with_the_true_curve():
    cfg = SMALL.replace(horizon=25)
    run = Run(prepare(xsinx(cfg), cfg))
    run.train(2)
    ev = evaluate(run, lambda x: true_function("xsinx", x))
    assert len(ev.extrapolation) == 25
    step = cfg.x_stop - xsinx(cfg).index[-2]
    assert ev.extrapolation.index[0] == pytest.approx(cfg.x_stop + step)
    np.testing.assert_allclose(ev.extrapolation["true"],
                               ev.extrapolation.index * np.sin(ev.extrapolation.index))


def test_the_blocks_preset_extrapolates_twenty_blocks_to_x_7_2():
    cfg = PRESETS["xsinx_blocks"].config().replace(epochs=3)
    run = Run(prepare(xsinx(cfg), cfg))
    run.train(3)
    ev = evaluate(run, lambda x: true_function("xsinx", x))
    assert len(ev.extrapolation) == 20 * 6
    assert ev.extrapolation.index[-1] == pytest.approx(7.2)
    # scored against the true curve past the data; persistence (which would read the true
    # previous y that this network never sees) is no baseline here
    assert {"RNN", "MLP"} == set(ev.metrics.index)
    truth = ev.extrapolation["true"].to_numpy()
    assert ev.metrics.loc["RNN", "RMSE"] == pytest.approx(
        np.sqrt(np.mean((ev.extrapolation["RNN"].to_numpy() - truth) ** 2)))
    # trained on all 100 blocks: the fitted curve covers every point of the data
    assert len(ev.predictions) == 600 and set(ev.predictions["part"]) == {"train"}


def test_future_dates_keep_the_series_frequency():
    months = pd.date_range("2018-02-01", periods=59, freq="MS")
    fut = future_index(months, 3)
    assert list(fut) == list(pd.date_range("2023-01-01", periods=3, freq="MS"))


def test_run_config_is_deterministic():
    a, b = run_config(xsinx(), SMALL), run_config(xsinx(), SMALL)
    a.pop("seconds"), b.pop("seconds")
    assert a == b
    assert a["RNN_RMSE"] > 0 and np.isfinite(a["val_rnn_rmse"])


def test_a_model_file_restores_only_on_the_data_it_was_trained_on():
    import io

    from rnn_core.io import ModelFileError, load_model, save_model
    from rnn_core.restore import restore_run, run_file_config

    run = Run(prepare(xsinx(), SMALL))
    run.train(2)
    buffer = io.BytesIO()
    save_model(buffer, run.rnn, scaler=run.prepared.scaler, config=run_file_config(run))
    loaded = load_model(io.BytesIO(buffer.getvalue()))
    back = restore_run(loaded, xsinx())
    assert back.rnn_history.train_loss == run.rnn_history.train_loss
    np.testing.assert_array_equal(back.rnn.predict(back.prepared.windows["test"].X),
                                  run.rnn.predict(run.prepared.windows["test"].X))
    with pytest.raises(ValueError, match="other data"):
        restore_run(loaded, xsinx() * 3.0)
    bare = io.BytesIO()
    save_model(bare, run.rnn)  # a model file without the app's settings
    with pytest.raises(ModelFileError, match="no RNN Lab settings"):
        restore_run(load_model(io.BytesIO(bare.getvalue())), xsinx())
