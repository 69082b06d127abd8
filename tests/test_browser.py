"""End to end in a real headless Chromium against a real `streamlit run app.py`.

Playwright drives the system chromium (never a downloaded browser). Screenshots are saved in
test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import re

import pytest

from apphelpers import ROOT, StreamlitServer

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with StreamlitServer(log, env={"RNNLAB_CACHE_DIR": str(log.parent / "cache")}) as srv:
        yield srv
    assert "Traceback" not in srv.log(), srv.log()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def shot(pg, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def click_button(pg, key: str, label: str) -> None:
    """Click our button by its key (Streamlit's own header "Stop" has the same label)."""
    pg.locator(f".st-key-{key}").get_by_role("button", name=label, exact=True).click()


def wait_idle(pg) -> None:
    pg.wait_for_selector(IDLE)


def nav(pg, label: str) -> None:
    pg.locator('[data-testid="stSidebar"] a', has_text=label).first.click()
    pg.wait_for_selector(f'h1:has-text("{label}")')
    wait_idle(pg)


def test_pick_xsinx_train_and_compare_in_a_real_browser(server, page):
    page.goto(f"{server.url}/?epochs=30&n_points=300&window=10&n_hidden=8")
    page.wait_for_selector("text=Reproduce a tutorial in one click")
    wait_idle(page)

    nav(page, "Data")
    page.locator(".st-key-w_synthetic_kind input").click()
    page.get_by_role("option", name="Damped oscillation").click()
    page.wait_for_selector("strong:text-is('exp(-0.2x)·sin(3x)')")
    page.locator(".st-key-w_synthetic_kind input").click()
    page.get_by_role("option", name="x·sin(x)").click()
    page.wait_for_selector("strong:text-is('x·sin(x)')")
    page.wait_for_selector("text=300 points")
    wait_idle(page)
    assert page.locator(".js-plotly-plot").count() >= 1
    shot(page, "1_data")

    nav(page, "Train")
    click_button(page, "train_btn", "Train")
    page.wait_for_selector("text=Trained 30 epochs")
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2
    shot(page, "2_train")

    nav(page, "Compare")
    page.wait_for_selector("text=Scored on the test part")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 3")
    assert page.locator(ERRORS).count() == 0
    shot(page, "3_compare")


def test_stop_mid_training_keeps_the_model_trained_so_far(server, page):
    page.goto(f"{server.url}/Train?epochs=2000&n_points=600&window=20&n_hidden=16")
    wait_idle(page)
    click_button(page, "train_btn", "Train")
    page.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
    click_button(page, "stop_btn", "Stop")
    page.wait_for_selector("text=/Stopped after \\d+ epochs/")
    wait_idle(page)
    stopped = int(re.search(r"Stopped after (\d+) epochs",
                            page.locator("body").inner_text()).group(1))
    assert 0 < stopped < 2000
    page.wait_for_selector(f"text=Trained {stopped} epochs")
    assert page.locator(ERRORS).count() == 0
    shot(page, "4_stopped")
    # The kept model is usable: the comparison renders from it.
    nav(page, "Compare")
    page.wait_for_selector("text=(stopped early)")
    assert page.locator(ERRORS).count() == 0


def test_a_small_sweep_runs_on_worker_processes_behind_a_real_server(server, page):
    page.goto(f"{server.url}/Sweep?epochs=3&n_points=200")
    page.wait_for_selector("text=Seeds per setting")
    wait_idle(page)
    # 3 seeds per setting: windows 5, 10 x hidden 5, 20 -> 12 runs; then hidden 4 -> 6 runs.
    for key, value, runs in (("sw_windows", "5, 10", 12), ("sw_hidden", "4", 6)):
        box = page.locator(f".st-key-{key} input")
        box.fill(value)
        box.press("Enter")
        page.wait_for_selector(f"text={runs} runs of 3 epochs each")  # the rerun has landed
        wait_idle(page)
    click_button(page, "sweep_run", "Run sweep")
    page.wait_for_selector("text=Best by validation RMSE")
    wait_idle(page)
    assert page.locator(ERRORS).count() == 0
    # Plotly mounts each chart after the page's text has arrived: wait for both to draw
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2",
                           timeout=30_000)
    shot(page, "5_sweep")


def live_rnn_trace(pg) -> str:
    """The RNN's one-step trace of the training screen's live forecast chart, read from the
    page's Plotly element as JSON (numbers, or Plotly's base64 typed array), waiting while a
    redraw replaces the element."""
    return pg.wait_for_function("""() => {
        const live = Array.from(document.querySelectorAll('.js-plotly-plot')).find(p =>
            p.layout && (p.layout.title.text || '').includes('Predictions after epoch'));
        const rnn = live && live.data && live.data.find(t => t.name.startsWith('RNN one-step'));
        return rnn ? JSON.stringify(rnn.y) : null;
    }""").json_value()


def test_the_training_screen_fits_a_projector_and_the_forecast_moves_while_it_learns(
        server, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 720})
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    try:
        pg.goto(f"{server.url}/Train?epochs=2000")
        wait_idle(pg)
        click_button(pg, "train_btn", "Train")
        pg.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
        early = live_rnn_trace(pg)
        shot(pg, "5_training_screen_early")
        pg.wait_for_timeout(1500)
        later = live_rnn_trace(pg)
        shot(pg, "6_training_screen_later")
        assert early != later  # the forecast bends while the RNN trains
        # the Train button, the loss chart and the live chart are all on the screen
        rects = pg.wait_for_function("""() => {
            const els = [document.querySelector('.st-key-train_btn'),
                         ...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
            if (els.length < 3 || els.some(e => !e)) return null;
            return els.slice(0, 3).map(e => { const r = e.getBoundingClientRect();
                return [r.x, r.y, r.width, r.height]; });
        }""").json_value()
        for name, (x, y, w, h) in zip(("train button", "loss chart", "live chart"), rects):
            assert w > 0 and h > 0 and y >= 0 and y + h <= 720 and x + w <= 1280, (name, x, y, w, h)
        click_button(pg, "stop_btn", "Stop")
        pg.wait_for_selector("text=/Stopped after \\d+ epochs/")
        assert pg.locator(ERRORS).count() == 0
    finally:
        context.close()
