"""The cell race end to end in a real headless Chromium against a real `streamlit run app.py`:
press "Race the cells" on Train, watch every cell's curves, stop a long race, and read the three
cells in Compare's race table. Screenshots go to test-artifacts/ (race_*.png).

Run under the browser lock:
    flock /tmp/rnnlab-browser.lock python -m pytest tests/test_race_browser.py
"""

from __future__ import annotations

import re

import pytest

from apphelpers import ROOT, StreamlitServer

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
CELLS = ("RNN", "GRU", "LSTM")


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
    pg.set_default_timeout(90_000)  # a shared machine: other work may slow the server down
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


def legend_names(pg, chart: int) -> list[str]:
    """The legend entries of the n-th Plotly chart on the page, as drawn."""
    return pg.locator(".js-plotly-plot").nth(chart).locator(".legendtext").all_text_contents()


def grid_rows(pg, table: int) -> list[str]:
    """The row headers of the n-th dataframe, read from the grid's accessible table (the
    cells themselves are drawn on a canvas)."""
    grid = pg.locator('[data-testid="stDataFrame"]').nth(table)
    grid.locator('[role="row"]', has_text="Persistence").last.wait_for(
        state="attached")  # the grid's rows are there
    return [t.strip() for t in grid.locator('[role="row"] th, [role="row"] td:first-child')
            .all_inner_texts()]


def test_race_the_cells_then_read_the_three_cells_in_the_compare_table(server, page):
    page.goto(f"{server.url}/Train?epochs=30&n_points=300&window=10&n_hidden=8")
    wait_idle(page)
    click_button(page, "race_btn", "Race the cells")
    page.wait_for_selector("text=/Trained 30 epochs: RNN training loss/")
    wait_idle(page)
    loss = legend_names(page, 0)
    live = legend_names(page, 1)
    for name in (*CELLS, "MLP"):
        assert f"{name} training loss (next value)" in loss, loss
        assert f"{name} forecast" in live, live
    assert page.locator(ERRORS).count() == 0
    assert "Cell race:" in page.locator('[data-testid="stSidebar"]').inner_text()
    shot(page, "race_1_train")

    nav(page, "Compare")
    page.wait_for_selector('h2:has-text("Cell race")')
    page.wait_for_selector('[data-testid="stDataFrame"]')
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 2")
    rows = grid_rows(page, 0)  # no run trained yet: the race's is the page's only table
    for name in (*CELLS, "MLP", "Persistence"):
        assert any(r == name for r in rows), rows
    forecast = legend_names(page, 1)
    for name in CELLS:
        assert f"{name} extrapolation past the data" in forecast, forecast
    assert page.locator(ERRORS).count() == 0
    shot(page, "race_2_compare")


def test_stop_mid_race_keeps_every_cell_trained_so_far(server, page):
    page.goto(f"{server.url}/Train?epochs=2000&n_points=300&window=20&n_hidden=8")
    wait_idle(page)
    click_button(page, "race_btn", "Race the cells")
    page.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
    click_button(page, "stop_btn", "Stop")
    page.wait_for_selector("text=/Stopped after \\d+ epochs/")
    wait_idle(page)
    stopped = int(re.search(r"Stopped after (\d+) epochs",
                            page.locator("body").inner_text()).group(1))
    assert 0 < stopped < 2000
    page.wait_for_selector(f"text=Trained {stopped} epochs: RNN training loss")
    assert page.locator(ERRORS).count() == 0
    shot(page, "race_3_stopped")
    nav(page, "Compare")
    page.wait_for_selector(f"text=trained for {stopped} epochs (stopped early)")
    assert page.locator(ERRORS).count() == 0
