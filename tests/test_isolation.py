"""Session isolation: several students training at once never see each other's work.

Three AppTest sessions of the real app run in one process (as a server's sessions do) with
different data, windows and seeds, trained in interleaved steps; each one's series, history,
loss chart and metrics must equal a solo run of its own configuration through rnn_core alone.
Two FRED sessions share the on-disk cache but not their series. Finally two real browser
contexts train at the same time against one real server, each seeing its own numbers.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from apphelpers import CHROMIUM_ARGS, StreamlitServer, open_with_link, page_errors, texts
from rnn_core.config import from_mapping
from rnn_core.datasets import load_series
from rnn_core.evaluate import evaluate
from rnn_core.experiment import Run, prepare

# Three students, three different experiments (source curve, window, seed, task, optimizer).
CONFIGS = {
    "ann": {"synthetic_kind": "sine", "n_points": "240", "window": "8", "n_hidden": "6",
            "epochs": "5", "seed": "1"},
    "bob": {"synthetic_kind": "xsinx", "n_points": "300", "window": "12", "n_hidden": "10",
            "epochs": "4", "seed": "2", "optimizer": "momentum", "lr": "0.05"},
    "cat": {"synthetic_kind": "damped", "n_points": "200", "window": "5", "n_hidden": "4",
            "epochs": "6", "seed": "3", "task": "seq", "noise": "0.1", "data_seed": "7"},
}


def config_of(params: dict):
    cfg, notes = from_mapping(params)
    assert not notes, notes
    return cfg


def solo_run(params: dict, epochs: int) -> Run:
    """The same experiment through rnn_core directly, in this test alone.

    BLAS runs on one thread, as in the server (ui/training.py): a matrix product split over
    another number of threads may round differently in the last bit.
    """
    cfg = config_of(params)
    series = load_series(cfg)
    run = Run(prepare(series.values, cfg, series.units))
    with threadpool_limits(limits=1, user_api="blas"):
        run.train(epochs)
    return run


def open_train_page(params: dict):
    return open_with_link("pages/2_Train.py", params)


def assert_same_run(session_run: Run, solo: Run) -> None:
    assert session_run.cfg == solo.cfg
    for mine, ref in ((session_run.rnn_history, solo.rnn_history),
                      (session_run.mlp_history, solo.mlp_history)):
        assert mine.train_loss == ref.train_loss  # bit for bit
        np.testing.assert_array_equal(mine.val_loss, ref.val_loss)
    for name, value in solo.rnn.params.items():
        np.testing.assert_array_equal(session_run.rnn.params[name], value)
    np.testing.assert_array_equal(session_run.prepared.values, solo.prepared.values)


def loss_trace(at, name: str = "RNN training loss") -> list[float]:
    """The y values of the first trace whose legend name starts with `name`."""
    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    return next(t for t in fig["data"] if t["name"].startswith(name))["y"]


def test_three_sessions_stepping_in_turn_each_get_their_own_solo_history():
    sessions = {who: open_train_page(params) for who, params in CONFIGS.items()}
    for _ in range(3):  # ann, bob, cat, ann, bob, cat, ...: one epoch each per turn
        for at in sessions.values():
            at.button(key="step_btn").click().run()
            assert not page_errors(at), page_errors(at)
    for who, at in sessions.items():
        run = at.session_state["run"]
        assert run.epochs_done == 3
        assert_same_run(run, solo_run(CONFIGS[who], 3))
        series = at.session_state["series"]
        np.testing.assert_array_equal(series.values.to_numpy(),
                                      load_series(config_of(CONFIGS[who])).values.to_numpy())


def test_three_sessions_training_in_turn_keep_their_own_models_charts_and_metrics():
    sessions = {who: open_train_page(params) for who, params in CONFIGS.items()}
    for at in sessions.values():
        at.button(key="train_btn").click().run()
        assert not page_errors(at), page_errors(at)
    for at in sessions.values():  # everyone looks at their results after all have trained
        at.switch_page("pages/3_Compare.py").run()
        assert not page_errors(at), page_errors(at)
    for who, at in sessions.items():
        epochs = int(CONFIGS[who]["epochs"])
        run = at.session_state["run"]
        solo = solo_run(CONFIGS[who], epochs)
        assert_same_run(run, solo)
        assert f"trained for {epochs} epochs" in texts(at)
        ev = evaluate(solo)
        np.testing.assert_array_equal(at.dataframe[0].value.to_numpy(), ev.metrics.to_numpy())
    for who, at in sessions.items():  # back on Train, each chart shows its own curve
        at.switch_page("pages/2_Train.py").run()
        np.testing.assert_allclose(loss_trace(at), solo_run(CONFIGS[who],
                                                            int(CONFIGS[who]["epochs"]))
                                   .rnn_history.train_loss, rtol=1e-12)


def test_two_sessions_loading_different_fred_series_share_the_cache_but_not_the_data(
        monkeypatch, tmp_path):
    from loopback import LoopbackServer, Reply

    from test_pages import FIXTURES

    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    gs10 = (FIXTURES / "fredgraph_GS10.csv").read_bytes()
    dgs10 = (FIXTURES / "fredgraph_DGS10.csv").read_bytes()
    routes = {"/graph/fredgraph.csv?id=GS10": Reply(gs10, content_type="text/csv"),
              "/graph/fredgraph.csv?id=DGS10": Reply(dgs10, content_type="text/csv")}
    with LoopbackServer(routes) as server:
        monkeypatch.setenv("RNNLAB_FRED_URL", server.url)
        first = {"source": "fred", "fred_id": "GS10"}
        second = {"source": "fred", "fred_id": "DGS10", "start": "2021-01-01",
                  "end": "2021-02-28"}
        a1, b1 = open_train_page(first), open_train_page(second)
        a2, b2 = open_train_page(first), open_train_page(second)  # served from the disk cache
        assert len(server.hits) == 2
    for at in (a1, a2):
        assert at.session_state["series"].name.endswith("(GS10)")
    for at in (b1, b2):
        assert at.session_state["series"].name == "DGS10"
    assert a2.session_state["series"].provenance == "cache"
    assert b2.session_state["series"].provenance == "cache"
    np.testing.assert_array_equal(a1.session_state["series"].values,
                                  a2.session_state["series"].values)
    assert len(a1.session_state["series"].values) == 59
    assert len(b1.session_state["series"].values) < 59  # two months of daily values
    assert len(list(tmp_path.glob("fred-*.json"))) == 2  # one file per (id, date range)


# --- two real browsers, one real server, training at the same time ---------------------------

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
BROWSER_CONFIGS = {
    "ann": {"synthetic_kind": "sine", "n_points": "400", "window": "10", "n_hidden": "12",
            "epochs": "40", "seed": "1"},
    "bob": {"synthetic_kind": "xsinx", "n_points": "500", "window": "16", "n_hidden": "16",
            "epochs": "30", "seed": "2", "optimizer": "momentum", "lr": "0.05"},
}


@pytest.mark.browser
def test_two_browsers_training_at_once_each_see_their_own_numbers(tmp_path, chromium_executable):
    path = chromium_executable
    from playwright.sync_api import sync_playwright

    expected = {}
    for who, params in BROWSER_CONFIGS.items():
        solo = solo_run(params, int(params["epochs"]))
        r, m = solo.rnn_history, solo.mlp_history  # as the Train page's verdict words them
        expected[who] = (f"RNN training loss (next value) {r.start_loss:.3g} → "
                         f"{r.train_loss[-1]:.3g}; MLP training loss (next value) "
                         f"{m.start_loss:.3g} → {m.train_loss[-1]:.3g}")
    log = tmp_path / "server.log"
    with StreamlitServer(log, env={"RNNLAB_CACHE_DIR": str(tmp_path / "cache")}) as server, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        pages = {}
        for who, params in BROWSER_CONFIGS.items():
            page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
            page.set_default_timeout(120_000)
            query = "&".join(f"{k}={v}" for k, v in params.items())
            page.goto(f"{server.url}/Train?{query}")
            page.wait_for_selector(IDLE)
            pages[who] = page
        for page in pages.values():  # both start before either finishes
            page.locator(".st-key-train_btn").get_by_role("button", name="Train").click()
        for page in pages.values():
            page.wait_for_selector("text=/Epoch \\d+ of/")
        for who, page in pages.items():
            epochs = BROWSER_CONFIGS[who]["epochs"]
            page.wait_for_selector(f"text=Trained {epochs} epochs")
            page.wait_for_selector(IDLE)
            body = page.locator("body").inner_text()
            assert expected[who] in body, (who, expected[who], body)
            other = next(o for o in expected if o != who)
            assert expected[other] not in body
            assert re.search(rf"RNN {BROWSER_CONFIGS[who]['n_hidden']} hidden units", body)
            assert page.locator(ERRORS).count() == 0
        browser.close()
    assert "Traceback" not in log.read_text(), log.read_text()
