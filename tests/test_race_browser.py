"""The cell race end to end in a real headless Chromium against a real `streamlit run app.py`:
press "Race the cells" on Train, watch every cell's curves, stop a long race, and read the three
cells in Compare's race table. Screenshots go to test-artifacts/ (race_*.png).

Run under the browser lock:
    flock /tmp/rnnlab-browser.lock python -m pytest tests/test_race_browser.py
"""

from __future__ import annotations

import re

import pytest

import test_browser as browser
from rnn_core.words import counted
from test_browser import ERRORS, click_button, nav, shot, wait_idle

# The real `streamlit run` server and a fresh page of the browser tests, shared: one copy.
server, page = browser.server, browser.page

pytestmark = pytest.mark.browser

CELLS = ("RNN", "GRU", "LSTM")


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
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 1")
    rows = grid_rows(page, 0)  # no run trained yet: the race's is the page's only table
    for name in (*CELLS, "MLP", "Persistence"):
        assert any(r == name for r in rows), rows
    overlay = legend_names(page, 0)  # one chart: one step ahead and free-running
    for name in CELLS:
        assert {f"{name} extrapolation past the data", f"{name} one-step (test)"} <= set(overlay)
    assert page.locator(ERRORS).count() == 0
    shot(page, "race_2_compare")


def test_stop_mid_race_keeps_every_cell_trained_so_far(server, page):
    page.goto(f"{server.url}/Train?epochs=2000&n_points=300&window=20&n_hidden=8")
    wait_idle(page)
    click_button(page, "race_btn", "Race the cells")
    page.wait_for_selector("text=/Epoch [1-9][0-9]* of 2000/")
    click_button(page, "stop_btn", "Stop")
    try:
        page.wait_for_selector("text=/Stopped after \\d+ epochs?;/")  # 1 epoch on a busy day
    except Exception:
        shot(page, "race_3_stop_failed")
        raise
    wait_idle(page)
    stopped = int(re.search(r"Stopped after (\d+) epoch",
                            page.locator("body").inner_text()).group(1))
    assert 0 < stopped < 2000
    epochs = counted(stopped, "epoch")
    page.wait_for_selector(f"text=Trained {epochs}: RNN training loss")
    assert page.locator(ERRORS).count() == 0
    shot(page, "race_3_stopped")
    nav(page, "Compare")
    page.wait_for_selector(f"text=trained for {epochs} (stopped early)")
    assert page.locator(ERRORS).count() == 0
