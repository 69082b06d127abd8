"""The cell race (rnn_core.race): Elman RNN, GRU and LSTM on identical windows with one seed;
each cell's numbers equal a Run of that cell alone; one table set by hand; a diverging cell
leaves the others training; pooled training bit for bit; and the Train and Compare pages."""

from __future__ import annotations

import json


import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from apphelpers import open_with_link, page_errors, texts, trace_values
from rnn_core.cells import CELL_LABELS, CELLS, cell_of
from rnn_core.config import LabConfig
from rnn_core.datasets import load_series, true_curve
from rnn_core.evaluate import evaluate
from rnn_core.executors import local_engine
from rnn_core.experiment import MODEL_NAMES, ComputeCapExceeded, Run, prepare
from rnn_core.metrics import LABELS
from rnn_core.pooled import LiveTraining, Pool
from rnn_core.race import Race, check_race_cost
from rnn_core.runner import run_config
from rnn_core.sweep import beat_persistence, describe_spread
from rnn_core.train import TrainingDiverged

SMALL = LabConfig(n_points=200, epochs=6, n_hidden=8, window=10, mlp_hidden=6)
SHORT = {"epochs": "4", "n_points": "200", "n_hidden": "8", "window": "10"}


def series_of(cfg: LabConfig) -> pd.Series:
    return load_series(cfg).values


def trained_race(cfg: LabConfig = SMALL, epochs: int | None = None) -> Race:
    race = Race(prepare(series_of(cfg), cfg))
    with threadpool_limits(limits=1, user_api="blas"):
        race.train(cfg.epochs if epochs is None else epochs)
    return race


def alone(cfg: LabConfig, cell: str, epochs: int) -> Run:
    """The reference: a Run of one cell, prepared and trained by itself."""
    run = Run(prepare(series_of(cfg), cfg.replace(cell=cell)))
    with threadpool_limits(limits=1, user_api="blas"):
        run.train(epochs)
    return run


def assert_same_run(run: Run, ref: Run) -> None:
    """Bit for bit: both models' parameters and every loss of both histories."""
    assert run.epochs_done == ref.epochs_done and run.cfg == ref.cfg
    for model, ref_model in ((run.rnn, ref.rnn), (run.mlp, ref.mlp)):
        assert type(model) is type(ref_model)
        assert np.array_equal(model.params.flat, ref_model.params.flat)
    for h, ref_h in ((run.rnn_history, ref.rnn_history), (run.mlp_history, ref.mlp_history)):
        assert h.train_loss == ref_h.train_loss and h.grad_norm == ref_h.grad_norm
        np.testing.assert_array_equal(h.val_loss, ref_h.val_loss)


@pytest.fixture(scope="module")
def race() -> Race:
    return trained_race()


# ----- the same windows, the same seed -----------------------------------------------------------
def test_the_race_trains_every_cell_on_one_prepared_object_with_one_seed(race):
    prepared = race.prepared
    assert [cell_of(run.rnn) for run in race.runs.values()] == list(CELLS)
    for cell, run in race.runs.items():
        assert run.prepared is prepared  # identical windows by construction
        assert run.cfg == SMALL.replace(cell=cell)  # the same seed and settings but the cell
        assert run.epochs_done == SMALL.epochs
    train = prepared.windows["train"]
    for run in race.runs.values():
        assert run.prepared.windows["train"].target_idx is train.target_idx


def test_the_three_mlp_baselines_of_a_race_are_the_same_model(race):
    X = race.prepared.windows["test"].X
    first, *others = race.runs.values()
    for run in others:
        assert np.array_equal(run.mlp.params.flat, first.mlp.params.flat)
        assert np.array_equal(run.mlp.predict(X), first.mlp.predict(X))
        assert run.mlp_history.train_loss == first.mlp_history.train_loss


@pytest.mark.parametrize("cell", list(CELLS))
def test_each_cell_of_the_race_equals_a_run_of_that_cell_alone(race, cell):
    ref = alone(SMALL, cell, SMALL.epochs)
    assert_same_run(race.runs[cell], ref)
    ev, ref_ev = race.evaluate(true_curve(SMALL)), evaluate(ref, true_curve(SMALL))
    name = MODEL_NAMES[cell]
    assert ev.metrics.loc[name].equals(ref_ev.metrics.loc["RNN"])
    assert ev.predictions[name].equals(ref_ev.predictions["RNN"])
    assert ev.extrapolation[name].equals(ref_ev.extrapolation["RNN"])
    assert ev.free_run[name].equals(ref_ev.free_run["RNN"])
    assert ev.horizon[name].equals(ref_ev.horizon["RNN"])
    assert ev.val_rmse[name] == ref_ev.val_rmse["RNN"]
    for baseline in ("MLP", "Persistence"):
        assert ev.metrics.loc[baseline].equals(ref_ev.metrics.loc[baseline])
        assert ev.predictions[baseline].equals(ref_ev.predictions[baseline])


def test_a_race_continued_in_two_parts_equals_one_long_race():
    halves = Race(prepare(series_of(SMALL), SMALL))
    halves.train(2)
    halves.train(SMALL.epochs - 2)
    whole = trained_race()
    for cell in CELLS:
        assert_same_run(halves.runs[cell], whole.runs[cell])


# ----- one table set -----------------------------------------------------------------------------
def test_the_race_tables_have_a_column_and_a_row_per_cell_and_baseline(race):
    ev = race.evaluate(true_curve(SMALL))
    cells = [MODEL_NAMES[c] for c in CELLS]
    assert list(ev.predictions.columns) == ["actual", *cells, "MLP", "Persistence", "part"]
    assert list(ev.metrics.index) == [*cells, "MLP", "Persistence"]
    assert list(ev.extrapolation.columns) == [*cells, "MLP", "true"]
    assert list(ev.free_run.columns) == ["actual", *cells, "MLP"]
    assert list(ev.horizon.columns) == [*cells, "MLP", "Persistence"]
    assert list(ev.val_rmse) == [*cells, "MLP", "Persistence"]
    assert len(ev.extrapolation) == SMALL.horizon


def test_the_race_metrics_equal_mae_and_rmse_by_formula_on_its_predictions(race):
    ev = race.evaluate(true_curve(SMALL))
    test = ev.predictions[ev.predictions["part"] == "test"]
    y = test["actual"].to_numpy()
    persistence_mae = np.mean(np.abs(y - test["Persistence"].to_numpy()))
    for model in ev.metrics.index:
        err = y - test[model].to_numpy()
        assert ev.metrics.loc[model, "RMSE"] == pytest.approx(np.sqrt(np.mean(err ** 2)),
                                                              rel=1e-12)
        assert ev.metrics.loc[model, "MAE"] == pytest.approx(np.mean(np.abs(err)), rel=1e-12)
        assert ev.metrics.loc[model, LABELS["rel_mae"]] == pytest.approx(
            np.mean(np.abs(err)) / persistence_mae, rel=1e-12)


def test_the_race_live_view_has_every_cell_and_the_baselines(race):
    view = race.live_view(true_curve(SMALL))
    cells = [MODEL_NAMES[c] for c in CELLS]
    assert list(view.predictions.columns) == ["actual", *cells, "MLP", "Persistence", "part"]
    assert list(view.extrapolation.columns) == [*cells, "MLP", "true"]
    assert set(view.predictions["part"]) == {"val", "test"}
    assert list(race.histories()) == [*cells, "MLP"]


def test_a_race_on_the_blocks_task_has_no_persistence_and_scores_the_extrapolation():
    cfg = SMALL.replace(task="blocks", window=4, synthetic_kind="xsinx")
    race = trained_race(cfg, 3)
    ev = race.evaluate(true_curve(cfg))
    cells = [MODEL_NAMES[c] for c in CELLS]
    assert list(ev.metrics.index) == [*cells, "MLP"] and ev.free_run is None
    truth = ev.extrapolation["true"].to_numpy()
    for model in ev.metrics.index:
        err = truth - ev.extrapolation[model].to_numpy()
        assert ev.metrics.loc[model, "RMSE"] == pytest.approx(np.sqrt(np.mean(err ** 2)))


def test_the_race_cost_is_the_three_cells_together():
    prepared = prepare(series_of(SMALL), SMALL)
    assert check_race_cost(prepared) > 0
    huge = SMALL.replace(epochs=2000, n_hidden=256, n_points=5000, window=100)
    with pytest.raises(ComputeCapExceeded, match="Racing the three cells"):
        check_race_cost(prepare(series_of(huge), huge))


# ----- divergence --------------------------------------------------------------------------------
def explode_after(run: Run, sane_epochs: int) -> None:
    """Make `run` diverge in the epoch after `sane_epochs`, as the trainer would report it."""
    real = run.train

    def train(epochs, on_epoch=None):
        if run.epochs_done >= sane_epochs:
            raise TrainingDiverged(run.epochs_done, float("inf"))
        return real(epochs, on_epoch)

    run.train = train


def test_a_diverging_cell_stops_and_the_others_go_on():
    race = Race(prepare(series_of(SMALL), SMALL))
    explode_after(race.runs["gru"], 2)
    race.train(SMALL.epochs)
    assert race.runs["gru"].epochs_done == 2 and "diverged in epoch 3" in race.runs["gru"].diverged
    for cell in ("rnn", "lstm"):
        assert race.runs[cell].epochs_done == SMALL.epochs and race.runs[cell].diverged is None
        assert_same_run(race.runs[cell], alone(SMALL, cell, SMALL.epochs))
    assert race.epochs_done == SMALL.epochs and race.training() == ["rnn", "lstm"]
    assert race.diverged.startswith("GRU: Training diverged in epoch 3")
    assert race.diverged.endswith("It stopped there, keeping its 2 epochs. The other cells "
                                  "went on.")
    ev = race.evaluate(true_curve(SMALL))
    assert "GRU" in ev.metrics.index  # what it had learned, said to be from its last sane epoch
    assert any(note.startswith("The GRU diverged") for note in ev.notes)
    # its MLP stopped with it; the race's baseline is the MLP trained all the epochs
    assert race.histories()["MLP"] is race.runs["rnn"].mlp_history


def test_a_gru_that_really_diverges_leaves_the_elman_rnn_and_the_lstm_training():
    # measured: with SGD + momentum at 0.5, relu and no clipping, the GRU's loss explodes in
    # its first epoch while the Elman RNN and the LSTM train on
    cfg = SMALL.replace(activation="relu", lr=0.5, clip=0.0, optimizer="momentum")
    race = trained_race(cfg)
    gru = race.runs["gru"]
    assert gru.epochs_done == 0 and "Training diverged in epoch 1" in gru.diverged
    for cell in ("rnn", "lstm"):
        assert_same_run(race.runs[cell], alone(cfg, cell, cfg.epochs))
    assert race.diverged.endswith("The other cells went on.")
    notes = race.evaluate(true_curve(cfg)).notes
    assert any("numbers are those of its initial weights" in note for note in notes)


def test_a_diverging_mlp_baseline_stops_alone_and_no_cell_is_called_diverged():
    # measured: at learning rate 1 with no clipping and 200 hidden units the MLP's loss
    # explodes in its first epoch; the cells' do not
    cfg = SMALL.replace(lr=1.0, clip=0.0, mlp_hidden=200, epochs=4)
    race = trained_race(cfg)
    assert race.training() == list(CELLS)  # every cell still trains
    assert all(run.epochs_done == 4 and run.diverged is None for run in race.runs.values())
    assert race.mlp_diverged.startswith("The MLP baseline diverged and stopped")
    assert "the MLP's" in race.mlp_diverged and race.diverged == race.mlp_diverged
    first = race.runs["rnn"].mlp.params.flat  # the MLP stays at its last sane weights
    assert all(np.array_equal(run.mlp.params.flat, first) for run in race.runs.values())
    assert any(note == race.mlp_diverged for note in race.evaluate(true_curve(cfg)).notes)


def test_a_race_whose_every_cell_diverges_raises_like_a_run():
    race = Race(prepare(series_of(SMALL), SMALL))
    for run in race.runs.values():
        explode_after(run, 1)
    with pytest.raises(TrainingDiverged, match="Every cell diverged"):
        race.train(SMALL.epochs)
    assert race.epochs_done == 1 and race.training() == []


# ----- on the workers ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def loky_pool():
    return Pool(local_engine(2))


@pytest.mark.parametrize("chunk_seconds", [0.0, 30.0], ids=["1-epoch", "growing"])
def test_pooled_race_training_equals_in_process_training_bit_for_bit(loky_pool, chunk_seconds):
    fresh = Race(prepare(series_of(SMALL), SMALL))
    trainer = LiveTraining(fresh, loky_pool, chunk_seconds=chunk_seconds)
    handed = []
    trainer.train(SMALL.epochs, on_chunk=handed.append)
    assert trainer.note == "" and trainer.pids and sum(c.epochs for c in trainer.chunks) == 6
    back = trainer.run
    assert back.prepared is fresh.prepared  # the data re-attached to every cell's run
    assert all(run.prepared is fresh.prepared for run in back.runs.values())
    ref = trained_race()
    for cell in CELLS:
        assert_same_run(back.runs[cell], ref.runs[cell])
    assert handed[-1] is back and back.uid == fresh.uid


# ----- seeds -------------------------------------------------------------------------------------
def test_the_seed_sentence_counts_the_seeds_that_beat_persistence():
    table = pd.DataFrame({"seed": [0, 1, 2, 3], "RNN_REL_MAE": [0.5, 1.2, 0.9, np.nan],
                          "RNN_RMSE": [0.1, 0.3, 0.2, np.nan],
                          "error": ["", "", "", "Training diverged"]})
    assert beat_persistence(table) == (2, 3)
    said = describe_spread(table, "GRU")
    assert said.startswith("GRU, over seeds 0–3 (4 runs): it beat persistence in 2 of 3 that "
                           "trained (MAE ÷ persistence MAE 0.50–1.20, median 0.90)")
    assert said.endswith("; seed 3 failed: Training diverged.")
    table.loc[1, "error"] = "Training diverged"  # a failed seed in the middle is named too
    assert "2 that trained" in describe_spread(table, "GRU") and \
        "seed 1 failed" in describe_spread(table, "GRU")


# ----- the Train and Compare pages ---------------------------------------------------------------
def figure(at, key_part: str) -> dict:
    """The figure of the first chart whose element id contains `key_part`."""
    chart = next(c for c in at.get("plotly_chart") if key_part in c.proto.id)
    return json.loads(chart.proto.spec)


def table(at, which: str) -> pd.DataFrame:
    """The run's metrics table (the first on Compare) or the race's (the last: its section
    comes after the run's)."""
    return at.dataframe[0 if which == "run" else -1].value


def sidebar(at) -> str:
    return "\n".join(str(c.value) for c in at.sidebar.caption)


def test_choosing_gru_on_train_trains_a_gru_and_the_page_names_it():
    at = open_with_link("pages/2_Train.py", SHORT)
    assert at.selectbox(key="w_cell").options == [CELL_LABELS[c] for c in CELLS]
    assert any(w.key == "w_activation" for w in at.selectbox)  # the Elman cell: shown
    at.selectbox(key="w_cell").set_value("gru").run()
    assert at.session_state["cfg"].cell == "gru"
    assert not any(w.key == "w_activation" for w in at.selectbox)  # a gated cell has none
    assert "so it has no activation to choose" in texts(at)
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    run = at.session_state["run"]
    assert cell_of(run.rnn) == "gru" and run.epochs_done == 4
    names = [t["name"] for t in figure(at, "loss_")["data"]]
    assert "GRU training loss (next value)" in names and not any("RNN" in n for n in names)
    live = [t["name"] for t in figure(at, "live_")["data"]]
    assert {"GRU one-step", "GRU forecast", "MLP forecast"} <= set(live)
    assert "Trained 4 epochs: GRU training loss" in texts(at)
    assert "**Model:** GRU 8 hidden units, 4 epochs" in sidebar(at)
    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    metrics = table(at, "run")
    assert list(metrics.index) == ["GRU", "MLP", "Persistence"]
    ev = evaluate(run, true_curve(run.cfg))  # the core's numbers, under the cell's name
    pd.testing.assert_frame_equal(metrics, ev.metrics.rename(index={"RNN": "GRU"}))
    forecast = {t["name"] for t in figure(at, "forecast_chart")["data"]}
    assert "GRU extrapolation past the data" in forecast
    download = next(b for b in at.get("download_button") if b.label.startswith("Trained"))
    assert download.label == "Trained GRU (.npz)"


@pytest.fixture(scope="module")
def raced():
    """The Train page after "Race the cells" with SHORT settings, then Compare."""
    at = open_with_link("pages/2_Train.py", SHORT)
    at.button(key="race_btn").click().run()
    assert not page_errors(at), page_errors(at)
    return at


def test_race_the_cells_trains_every_cell_live_with_one_loss_curve_each(raced):
    race = raced.session_state["race"]
    cfg = LabConfig(epochs=4, n_points=200, n_hidden=8, window=10)
    assert race.cfg == cfg and race.epochs_done == 4 and "run" not in raced.session_state
    ref = trained_race(cfg)  # pooled on the server's workers: the same numbers as here
    for cell in CELLS:
        assert_same_run(race.runs[cell], ref.runs[cell])
    loss = figure(raced, "loss_")["data"]
    for name in ("RNN", "GRU", "LSTM", "MLP"):
        trace = next(t for t in loss if t["name"] == f"{name} training loss (next value)")
        np.testing.assert_allclose(trace_values(trace["y"]), race.histories()[name].train_loss)
    live = {t["name"] for t in figure(raced, "live_")["data"]}
    assert {f"{m} forecast" for m in ("RNN", "GRU", "LSTM", "MLP")} <= live
    assert "Trained 4 epochs: RNN training loss" in texts(raced)
    assert "**Cell race:** Elman RNN, GRU, LSTM, 4 epochs each" in sidebar(raced)


def test_compare_shows_the_race_table_equal_to_the_core_and_to_the_formulas(raced):
    at = raced.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    race = at.session_state["race"]
    shown = table(at, "race")
    ev = race.evaluate(true_curve(race.cfg))
    pd.testing.assert_frame_equal(shown, ev.metrics)
    assert list(shown.index) == ["RNN", "GRU", "LSTM", "MLP", "Persistence"]
    test = ev.predictions[ev.predictions["part"] == "test"]
    for model in shown.index:
        err = test["actual"].to_numpy() - test[model].to_numpy()
        assert shown.loc[model, "MAE"] == pytest.approx(np.mean(np.abs(err)), rel=1e-12)
        assert shown.loc[model, "RMSE"] == pytest.approx(np.sqrt(np.mean(err ** 2)), rel=1e-12)
    one_step = figure(at, "race_chart")["data"]  # one chart: one step ahead and free-running
    for model in ("RNN", "GRU", "LSTM", "MLP", "Persistence"):
        trace = next(t for t in one_step if t["name"] == f"{model} one-step (test)")
        np.testing.assert_allclose(trace_values(trace["y"]), test[model].to_numpy())
    forecast = {t["name"] for t in one_step}
    for model in ("RNN", "GRU", "LSTM", "MLP"):
        assert {f"{model} extrapolation past the data",
                f"{model} free-running over test"} <= forecast
    assert "Cell race" in [h.value for h in at.header]
    assert any(b.label == "Race metrics (CSV)" for b in at.get("download_button"))


def test_the_race_seed_spread_is_drawn_and_counted_per_cell(raced):
    at = raced.switch_page("pages/3_Compare.py").run()
    at.toggle(key="race_bands_on").set_value(True).run()
    at.slider(key="race_bands_n").set_value(2).run()
    assert not page_errors(at), page_errors(at)
    race = at.session_state["race"]
    forecast = figure(at, "race_chart")["data"]
    series = pd.Series(race.prepared.values, index=race.prepared.index)
    for cell in CELLS:
        name = MODEL_NAMES[cell]
        band = [t for t in forecast if t.get("name") == f"{name} spread over seeds"]
        assert len(band) == 1 and band[0]["fill"] == "tonexty"
        ratios = [run_config(series, race.cfg.replace(cell=cell, seed=s))["RNN_REL_MAE"]
                  for s in (0, 1)]  # each seed of this cell recomputed here
        wins = sum(r < 1 for r in ratios)
        assert (f"{CELL_LABELS[cell]}, over seeds 0–1 (2 runs): it beat persistence in {wins} "
                f"of 2 "
                f"(MAE ÷ persistence MAE {min(ratios):.2f}–{max(ratios):.2f}") in texts(at)


def test_a_race_on_other_settings_says_so_and_offers_to_race_again(raced):
    at = raced.switch_page("pages/3_Compare.py").run()
    at.session_state["cfg"] = at.session_state["cfg"].replace(n_hidden=9)
    at.run()
    assert "This cell race was trained on" in texts(at) and "Hidden units" in texts(at)
    at.button(key="rerace_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert at.session_state["race"].cfg.n_hidden == 9
    assert at.session_state["race"].epochs_done == 4


def test_a_race_over_the_compute_cap_is_refused_in_words_and_nothing_trains():
    # the Elman cell alone fits under the cap, the three cells together (1 + 3 + 4) do not
    at = open_with_link("pages/2_Train.py", {"epochs": "2000", "n_points": "600",
                                             "n_hidden": "16", "window": "20"})
    at.button(key="race_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert "Cannot race the cells: Racing the three cells would need about" in texts(at)
    assert "race" not in at.session_state and "training" not in at.session_state
