"""Page tests with Streamlit's own AppTest: controls, training, Stop, Compare, presets, links."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from apphelpers import open_with_link, page_errors, texts
from rnn_core.config import FIELDS, LabConfig
from rnn_core.presets import PRESETS

SHORT = {"epochs": "4", "n_points": "200", "n_hidden": "8", "window": "10"}


open_page = open_with_link


def train_short(params: dict | None = None):
    at = open_page("pages/2_Train.py", {**SHORT, **(params or {})})
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    return at


def figure(at, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def test_home_lists_every_preset_with_a_button():
    at = open_page("app.py")
    for key, preset in PRESETS.items():
        assert at.button(key=f"preset_{key}").label == "Use this preset"
        assert preset.title in texts(at)


@pytest.mark.parametrize("name", ["task", "window", "n_hidden", "n_layers", "activation", "lr",
                                  "epochs", "batch_size", "optimizer", "clip", "bptt_steps",
                                  "seed", "mlp_hidden"])
def test_train_page_shows_each_control_with_its_default_and_help(name):
    at = open_page("pages/2_Train.py")
    widget = at.session_state[f"w_{name}"]
    assert widget == getattr(LabConfig(), name)
    helps = [w.help for kind in ("selectbox", "number_input", "select_slider")
             for w in at.get(kind) if w.key == f"w_{name}"]
    assert helps == [FIELDS[name].help]


def test_a_short_training_run_fills_the_history_and_draws_the_loss_chart():
    at = train_short()
    run = at.session_state["run"]
    assert run.epochs_done == 4
    assert len(run.rnn_history.train_loss) == 4 and len(run.mlp_history.train_loss) == 4
    names = [trace["name"] for trace in figure(at)["data"]]
    assert "RNN training loss (next value)" in names
    assert "MLP training loss (next value)" in names
    rnn_trace = next(t for t in figure(at)["data"] if t["name"] == "RNN training loss (next value)")
    np.testing.assert_allclose(rnn_trace["y"], run.rnn_history.train_loss)
    assert "Trained 4 epochs" in texts(at)


def test_step_trains_one_epoch_at_a_time():
    at = open_page("pages/2_Train.py", SHORT)
    at.button(key="step_btn").click().run()
    at.button(key="step_btn").click().run()
    assert at.session_state["run"].epochs_done == 2


def test_reset_reinitialises_from_the_same_seed():
    at = train_short()
    trained = at.session_state["run"]
    at.button(key="reset_btn").click().run()
    fresh = at.session_state["run"]
    assert fresh.epochs_done == 0
    for name, value in trained.initial_rnn.params.items():
        np.testing.assert_array_equal(fresh.rnn.params[name], value)


def test_compare_shows_three_predictions_and_the_metrics_table():
    at = train_short()
    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    names = {t["name"] for t in figure(at, 0)["data"]}
    parts = "(training, validation, test)"  # the legend names the parts it shows
    assert {"actual", f"RNN one-step {parts}", f"MLP one-step {parts}",
            f"Persistence one-step {parts}"} <= names
    table = at.dataframe[0].value
    assert list(table.index) == ["RNN", "MLP", "Persistence"]
    assert {"MSE", "RMSE", "MAE", "MASE", "MAE ÷ persistence MAE"} <= set(table.columns)
    assert table.loc["Persistence", "MAE ÷ persistence MAE"] == pytest.approx(1.0)
    forecast = {t["name"] for t in figure(at, 1)["data"]}
    assert {"RNN extrapolation past the data", "MLP extrapolation past the data",
            "true curve"} <= forecast


def test_compare_without_a_model_says_what_to_do():
    at = open_page("pages/3_Compare.py")
    assert "Train a model first" in texts(at)


OFFLINE_PRESETS = sorted(k for k, p in PRESETS.items() if p.config().source != "ticker")
ONLINE_PRESETS = sorted(set(PRESETS) - set(OFFLINE_PRESETS))


@pytest.mark.parametrize("key", OFFLINE_PRESETS)
def test_a_preset_fills_every_control(key):
    at = open_page("app.py")
    at.button(key=f"preset_{key}").click().run()
    assert not page_errors(at)
    assert at.session_state["cfg"] == PRESETS[key].config()
    assert "Preset loaded" in texts(at)
    at.switch_page("pages/2_Train.py").run()
    assert at.session_state["w_window"] == PRESETS[key].config().window
    assert at.session_state["w_lr"] == PRESETS[key].config().lr


@pytest.mark.parametrize("key", ONLINE_PRESETS)
def test_a_preset_whose_data_cannot_be_fetched_changes_nothing(key):
    # no internet here (as on a class's offline laptop): Yahoo cannot be reached
    at = open_page("app.py")
    before_cfg, before_series = at.session_state["cfg"], at.session_state["series"]
    at.button(key=f"preset_{key}").click().run()
    assert not page_errors(at)
    if "Preset loaded" in texts(at):  # a machine with internet: the preset applied for real
        assert at.session_state["series"].provenance in ("live", "cache")
        return
    assert "was not applied" in texts(at) and "unchanged" in texts(at)
    assert at.session_state["cfg"] == before_cfg
    assert at.session_state["series"] is before_series
    at.switch_page("pages/2_Train.py").run()
    assert at.session_state["cfg"].source == before_cfg.source


def test_query_parameters_fill_the_controls_and_follow_changes():
    at = open_page("pages/2_Train.py", {"window": "7", "optimizer": "sgd", "lr": "0.05"})
    cfg = at.session_state["cfg"]
    assert (cfg.window, cfg.optimizer, cfg.lr) == (7, "sgd", 0.05)
    at.number_input(key="w_n_hidden").set_value(33).run()
    assert at.query_params["n_hidden"] == "33"
    assert at.query_params["window"] == "7"


def test_an_invalid_link_parameter_falls_back_to_the_default_with_a_note():
    at = open_page("pages/2_Train.py", {"window": "banana", "lr": "-3", "epochs": "1e9"})
    cfg = at.session_state["cfg"]
    assert (cfg.window, cfg.lr, cfg.epochs) == (LabConfig().window, LabConfig().lr,
                                                LabConfig().epochs)
    shown = texts(at)
    assert "Ignored window='banana'" in shown and "Ignored lr='-3'" in shown


def test_a_link_can_hide_and_lock_controls():
    at = open_page("pages/2_Train.py", {"hide": "optimizer,clip", "lock": "lr"})
    keys = {w.key for kind in ("selectbox", "number_input", "select_slider") for w in at.get(kind)}
    assert "w_optimizer" not in keys and "w_clip" not in keys and "w_n_hidden" in keys
    assert at.select_slider(key="w_lr").disabled


def test_a_window_longer_than_the_data_is_explained_before_training():
    at = train_short()
    before = at.session_state["run"]
    at.number_input(key="w_window").set_value(400).run()
    assert "cannot be trained" in texts(at)
    at.button(key="train_btn").click().run()
    assert not page_errors(at)
    assert "Cannot train" in texts(at)
    assert at.session_state["run"] is before  # the trained model survives the mistake


def test_the_compute_cap_is_stated_and_keeps_the_previous_model():
    at = train_short()
    before = at.session_state["run"]
    at.number_input(key="w_epochs").set_value(2000).run()
    at.number_input(key="w_n_hidden").set_value(256).run()
    at.button(key="train_btn").click().run()
    assert "over the cap" in texts(at)
    assert at.session_state["run"] is before


def test_a_bad_value_in_a_control_is_refused_in_words():
    at = open_page("pages/1_Data.py")
    at.number_input(key="w_x_stop").set_value(-5.0).run()
    assert not page_errors(at)
    assert "'x to' must be larger than 'x from'" in texts(at)
    assert at.session_state["cfg"].x_stop == LabConfig().x_stop


# --- the Data page ---------------------------------------------------------------------------

FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures"


def upload(at, name: str, raw: bytes):
    """What the file uploader hands the page: the file's name and bytes in the session."""
    import hashlib

    at.session_state["upload_bytes"] = (raw, name, hashlib.sha256(raw).hexdigest()[:16])
    return at


def test_fred_through_a_loopback_server_is_loaded_live(monkeypatch, tmp_path):
    from loopback import LoopbackServer, Reply

    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    body = (FIXTURES / "fredgraph_GS10.csv").read_bytes()
    with LoopbackServer(Reply(body=body, content_type="text/csv")) as server:
        monkeypatch.setenv("RNNLAB_FRED_URL", server.url)
        at = open_page("pages/1_Data.py", {"source": "fred"})  # a link opens with its data
        assert len(server.hits) == 1 and "id=GS10" in server.hits[0]
        series = at.session_state["series"]
        assert series.provenance == "live" and len(series.values) == 59
        assert "59 points" in texts(at) and "live" in texts(at)
        at.button(key="fetch_btn").click().run()  # a repeat request comes from the disk cache
        assert len(server.hits) == 1 and at.session_state["series"].provenance == "cache"
        assert "cached" in texts(at)
        at.button(key="refresh_btn").click().run()  # refresh bypasses the cache
        assert len(server.hits) == 2 and at.session_state["series"].provenance == "live"


def test_fred_offline_falls_back_to_the_bundled_sample_and_says_so(monkeypatch, tmp_path):
    from loopback import closed_port

    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RNNLAB_FRED_URL", f"http://127.0.0.1:{closed_port()}")
    at = open_page("pages/1_Data.py", {"source": "fred"})
    at.button(key="fetch_btn").click().run()
    series = at.session_state["series"]
    assert series.provenance == "bundled"
    assert "bundled sample" in texts(at)


def test_an_uploaded_csv_becomes_the_series_with_its_columns_offered():
    at = open_page("pages/1_Data.py", {"source": "csv"})
    raw = "date;price\n2024-01-03;1,5\n2024-01-01;1,0\n2024-01-02;1,25\n" + "".join(
        f"2024-02-{d:02d};{d},0\n" for d in range(1, 28))
    upload(at, "prices.csv", raw.encode()).run()
    assert not page_errors(at)
    series = at.session_state["series"]
    assert len(series.values) == 30 and series.values.iloc[0] == 1.0  # sorted by date
    value_key = next(k for k in at.session_state if k.startswith("csv_value_"))
    assert at.selectbox(key=value_key).value == "price"


@pytest.mark.parametrize("raw, fragment", [
    (b"", "empty"),
    (bytes(range(256)) * 4, "binary file"),
    (b"name,city\nann,paris\nbob,rome\n", "number"),
])
def test_a_bad_upload_is_explained_and_the_previous_data_kept(raw, fragment):
    at = open_page("pages/1_Data.py")
    before = at.session_state["series"]
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, "bad.csv", raw).run()
    assert not page_errors(at)
    shown = texts(at).lower()
    assert fragment in shown, shown
    assert at.session_state["series"] is before


def test_seed_bands_shade_the_spread_of_several_seeds():
    at = train_short()
    at.switch_page("pages/3_Compare.py").run()
    at.toggle(key="bands_on").set_value(True).run()
    at.slider(key="bands_n").set_value(3).run()
    assert not page_errors(at), page_errors(at)
    forecast = next(figure(at, i) for i in range(len(at.get("plotly_chart")))
                    if any(t.get("name") == "RNN extrapolation past the data"
                           for t in figure(at, i)["data"]))
    band = [t for t in forecast["data"] if t.get("name") == "RNN spread over seeds"]
    assert len(band) == 1 and band[0]["fill"] == "tonexty"
    runs = at.session_state["memo_seed_bands"][1][0]["RNN"]  # (key, (bands, summary))
    assert runs.shape == (3, at.session_state["cfg"].horizon)
    assert np.ptp(runs, axis=0).max() > 0  # different seeds really differ
    # the sentence under the toggle counts the seeds that beat persistence, recomputed here
    from rnn_core.runner import run_config

    run, cfg = at.session_state["run"], at.session_state["cfg"]
    series = pd.Series(run.prepared.values, index=run.prepared.index)
    ratios = [run_config(series, cfg.replace(seed=cfg.seed + k, epochs=run.epochs_done))
              ["RNN_REL_MAE"] for k in range(3)]
    wins = sum(r < 1 for r in ratios)
    assert f"RNN, over seeds 0–2 (3 runs): it beat persistence in {wins} of 3" in texts(at)
    assert f"{min(ratios):.2f}–{max(ratios):.2f}" in texts(at)


# --- model files ------------------------------------------------------------------------------

def test_a_downloaded_model_file_restores_the_run_on_the_train_page():
    import io as _io

    from rnn_core.io import save_model
    from rnn_core.restore import run_file_config

    at = train_short({"seed": "3"})
    original = at.session_state["run"]
    buffer = _io.BytesIO()
    save_model(buffer, original.rnn, scaler=original.prepared.scaler,
               config=run_file_config(original))
    fresh = open_page("pages/2_Train.py")
    fresh.session_state["model_file"] = ("model.npz", buffer.getvalue())  # as the uploader does
    fresh.run()
    assert not page_errors(fresh)
    restored = fresh.session_state["run"]
    assert restored.cfg == original.cfg and restored.epochs_done == original.epochs_done
    for name, value in original.rnn.params.items():
        np.testing.assert_array_equal(restored.rnn.params[name], value)
    for name, value in original.mlp.params.items():  # the baseline is retrained identically
        np.testing.assert_array_equal(restored.mlp.params[name], value)
    assert "Loaded model.npz" in texts(fresh)


@pytest.mark.parametrize("raw, fragment", [
    (b"", "empty"),
    (b"just some text", "not an RNN Lab model"),
])
def test_a_bad_model_file_is_refused_and_nothing_is_lost(raw, fragment):
    at = train_short()
    before, series = at.session_state["run"], at.session_state["series"]
    at.session_state["model_file"] = ("bad.npz", raw)
    at.run()
    assert not page_errors(at)
    assert fragment in texts(at) and "unchanged" in texts(at)
    assert at.session_state["run"] is before and at.session_state["series"] is series
