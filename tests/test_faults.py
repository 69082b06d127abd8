"""Faults a classroom meets: a stalled or dropped download, a run that explodes, a closed tab,
a server restarted over a half-written cache file. None may lose what a student already has.

The network is replaced by loopback servers that stall, drop or serve FRED's real file format;
the browser tests run the real app under `streamlit run` and drive the system Chromium.
"""

from __future__ import annotations

import re
import time

import numpy as np
import psutil
import pytest

from apphelpers import StreamlitServer, page_errors, texts
from loopback import LoopbackServer, Reply, closed_port
from rnn_core.sources.cache import cache_path, read_cache
from test_pages import FIXTURES, open_page, train_short

GS10 = (FIXTURES / "fredgraph_GS10.csv").read_bytes()
DGS10 = (FIXTURES / "fredgraph_DGS10.csv").read_bytes()
FRED_ROUTES = {"/graph/fredgraph.csv?id=GS10": Reply(GS10, content_type="text/csv"),
               "/graph/fredgraph.csv?id=DGS10": Reply(DGS10, content_type="text/csv")}


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    return tmp_path


def data_page_with_gs10(monkeypatch):
    """A Data page whose session holds GS10, fetched live (and now cached on disk)."""
    with LoopbackServer(FRED_ROUTES) as good:
        monkeypatch.setenv("RNNLAB_FRED_URL", good.url)
        at = open_page("pages/1_Data.py", {"source": "fred"})
    assert at.session_state["series"].provenance == "live"
    return at


# --- downloads that stall or drop ---------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("mode", ["stall", "drop"])
def test_a_broken_download_ends_in_a_message_and_keeps_the_previous_series(monkeypatch, cache,
                                                                           mode):
    at = data_page_with_gs10(monkeypatch)
    before = at.session_state["series"]
    with LoopbackServer(FRED_ROUTES, mode=mode) as broken:
        monkeypatch.setenv("RNNLAB_FRED_URL", broken.url)
        at.text_input(key="w_fred_id").set_value("DGS10").run()
        at.button(key="fetch_btn").click().run()
        assert broken.hits and "id=DGS10" in broken.hits[0]  # it really asked, and got no answer
    assert not page_errors(at), page_errors(at)
    errors = " ".join(e.value for e in at.error)
    assert "FRED" in errors and "Your previous data is kept." in errors, errors
    assert ("did not answer" if mode == "stall" else "could not be reached") in errors
    assert at.session_state["series"] is before
    assert "GS10" in texts(at)  # the page still shows the series the student had


@pytest.mark.slow
def test_a_stalled_refresh_serves_the_cached_copy_with_a_note(monkeypatch, cache):
    at = data_page_with_gs10(monkeypatch)
    with LoopbackServer(FRED_ROUTES, mode="stall") as broken:
        monkeypatch.setenv("RNNLAB_FRED_URL", broken.url)
        at.button(key="refresh_btn").click().run()
        assert len(broken.hits) >= 1
    series = at.session_state["series"]
    assert series.provenance == "cache"
    assert "did not answer" in series.note and "Showing the copy saved on" in series.note
    assert series.note in texts(at)
    np.testing.assert_array_equal(series.values.to_numpy(),
                                  read_cache({"source": "fred", "id": "GS10",
                                              "start": "2018-02-01T00:00:00",
                                              "end": "2022-12-31T00:00:00"}).values.to_numpy())


# --- training runs that explode -----------------------------------------------------------------

# Found by trying: plain SGD with a learning rate of 10, no clipping and ReLU units overflows to
# an infinite loss in the first epoch (tanh with the same settings lasts 7 epochs).
EXPLODING = {"optimizer": "sgd", "lr": 10.0, "clip": 0.0, "activation": "relu"}


def set_controls(at, values: dict):
    for name, value in values.items():
        kind = {"optimizer": "selectbox", "activation": "selectbox", "lr": "select_slider"}.get(
            name, "number_input")
        getattr(at, kind)(key=f"w_{name}").set_value(value).run()
        assert getattr(at.session_state["cfg"], name) == value
    return at


def test_a_diverging_training_run_brings_back_the_previous_model_and_keeps_the_data():
    at = train_short()
    good, series = at.session_state["run"], at.session_state["series"]
    set_controls(at, EXPLODING)
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    shown = " ".join(e.value for e in at.error)
    assert "Training diverged in epoch 1" in shown and "the previous model is back" in shown
    assert at.session_state["run"] is good
    assert at.session_state["series"] is series
    assert not at.session_state["training"]
    at.switch_page("pages/3_Compare.py").run()  # the good model still compares
    assert not page_errors(at) and at.dataframe[0].value.shape[0] == 3


def test_a_step_that_diverges_leaves_the_run_it_continued_untouched():
    # momentum, lr 0.5, no clipping, big batches: one sane epoch, then the loss explodes
    at = train_short({"epochs": "1", "optimizer": "momentum", "lr": "0.5", "clip": "0.0",
                      "batch_size": "64"})
    run = at.session_state["run"]
    weights = {k: v.copy() for k, v in run.rnn.params.items()}
    losses = list(run.rnn_history.train_loss)
    at.button(key="step_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert run.epochs_done == 1
    assert "This step was undone; your model keeps its 1 epoch" in " ".join(
        e.value for e in at.error)
    assert at.session_state["run"] is run and run.rnn_history.train_loss == losses
    for name, value in weights.items():
        np.testing.assert_array_equal(run.rnn.params[name], value)


def test_a_run_over_the_compute_cap_keeps_the_model_and_the_data():
    at = train_short()
    good, series = at.session_state["run"], at.session_state["series"]
    set_controls(at, {"epochs": 2000, "n_hidden": 256})
    at.button(key="train_btn").click().run()
    assert "over the cap" in " ".join(e.value for e in at.error)
    assert at.session_state["run"] is good and at.session_state["series"] is series


# --- a real server: closed tabs and restarts ------------------------------------------------------

IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def cpu_seconds(proc: psutil.Process, seconds: float) -> float:
    """CPU time (user + system, all threads) the process and its children (the loky workers
    that train the chunks) used over the next `seconds`."""
    def total() -> dict:
        out = {}
        for p in (proc, *proc.children(recursive=True)):
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return out

    start = total()
    time.sleep(seconds)
    end = total()
    return sum(v - start.get(pid, 0.0) for pid, v in end.items())


@pytest.mark.browser
@pytest.mark.slow
def test_closing_the_tab_mid_training_stops_the_training(chromium, tmp_path):
    log = tmp_path / "server.log"
    with StreamlitServer(log, env={"RNNLAB_CACHE_DIR": str(tmp_path / "cache")}) as server:
        proc = psutil.Process(server.proc.pid)
        context = chromium.new_context()
        page = context.new_page()
        page.set_default_timeout(120_000)
        # a run just under the compute cap: about a minute of training
        page.goto(f"{server.url}/Train?epochs=2000&n_points=1000&window=20&n_hidden=24")
        page.wait_for_selector(IDLE)
        page.locator(".st-key-train_btn").get_by_role("button", name="Train").click()
        page.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
        busy = cpu_seconds(proc, 3.0) / 3.0  # cores used while training
        left = re.search(r"about (\d+) s left", page.locator("body").inner_text())
        assert left and int(left.group(1)) > 15  # it would go on long after the sampling below
        context.close()  # the student closes the tab
        time.sleep(2.0)  # the loop notices at its next redraw (every ~0.2 s)
        idle = cpu_seconds(proc, 4.0) / 4.0
        print(f"server CPU: {busy:.2f} cores while training, {idle:.3f} after the tab closed")
        # other work shares the two cores, so compare with what this server did while training
        assert busy > 0.2, busy  # it really was training
        assert idle < min(0.15, busy / 4), (busy, idle)  # and now it is not (generous margin)
    assert "Traceback" not in log.read_text(), log.read_text()


DGS10_LINK = "/Data?source=fred&fred_id=DGS10&start=2021-01-01&end=2021-02-28"
DGS10_KEY = {"source": "fred", "id": "DGS10", "start": "2021-01-01T00:00:00",
             "end": "2021-02-28T00:00:00"}


def open_data_page(chromium, server) -> str:
    """Open the DGS10 link in a fresh tab; return the page's text once it is idle."""
    context = chromium.new_context()
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server.url + DGS10_LINK)
    page.wait_for_selector("h1:has-text('Data')")
    page.wait_for_selector(IDLE)
    if page.locator("text=No data yet").count():
        page.locator(".st-key-fetch_btn").get_by_role("button").click()
        page.wait_for_selector(IDLE)
        page.wait_for_timeout(500)
    body = page.locator("body").inner_text()
    context.close()
    return body


@pytest.mark.browser
@pytest.mark.slow
def test_the_disk_cache_survives_a_restart_and_a_half_written_file_is_refetched(chromium,
                                                                                tmp_path):
    folder = tmp_path / "cache"
    target = cache_path(DGS10_KEY, folder)
    offline = {"RNNLAB_CACHE_DIR": str(folder),
               "RNNLAB_FRED_URL": f"http://127.0.0.1:{closed_port()}"}
    with LoopbackServer(FRED_ROUTES) as fred:
        online = {**offline, "RNNLAB_FRED_URL": fred.url}
        with StreamlitServer(tmp_path / "1.log", env=online) as server:  # first life: download
            assert "· live" in open_data_page(chromium, server)
        assert len(fred.hits) == 1 and target.exists()
        good_bytes = target.read_bytes()

        with StreamlitServer(tmp_path / "2.log", env=offline) as server:  # restarted, offline
            body = open_data_page(chromium, server)
        assert "· cached" in body and "points, 2021-01-04 .. " in body

        # A writer killed mid-write: half the file, plus a temp file that was never renamed.
        target.write_bytes(good_bytes[: len(good_bytes) // 2])
        (folder / ".tmp-killed.json").write_bytes(good_bytes[:100])
        with StreamlitServer(tmp_path / "3.log", env=offline) as server:  # never read as truth
            body = open_data_page(chromium, server)
        assert "· cached" not in body and "Nothing is cached for DGS10" in body

        with StreamlitServer(tmp_path / "4.log", env=online) as server:  # refetched and rewritten
            assert "· live" in open_data_page(chromium, server)
        assert len(fred.hits) == 2
    assert target.read_bytes() != good_bytes[: len(good_bytes) // 2]
    assert read_cache(DGS10_KEY, folder) is not None
    for name in ("1", "2", "3", "4"):
        assert "Traceback" not in (tmp_path / f"{name}.log").read_text()
