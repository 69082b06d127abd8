"""The Sweep page through AppTest: a small grid streams to the end; bad grids are explained."""

from __future__ import annotations

import pytest

from apphelpers import app_test, page_errors, texts
from rnn_core.sweep import MAX_RUNS


def sweep_page(**params):
    at = app_test("app.py")
    for key, value in {"epochs": "3", "n_points": "200", **params}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/5_Sweep.py").run()
    assert not page_errors(at), page_errors(at)
    return at


def test_a_two_by_two_grid_with_two_seeds_fills_the_table_and_the_charts():
    at = sweep_page()
    at.text_input(key="sw_windows").set_value("5, 10").run()
    at.text_input(key="sw_hidden").set_value("4, 8").run()
    at.number_input(key="sw_seeds").set_value(2).run()
    at.button(key="sweep_run").click().run()
    assert not page_errors(at), page_errors(at)
    rows = at.session_state["sweep_rows"]
    assert len(rows) == 8
    assert {(c.window, c.n_hidden, c.seed) for c, _ in rows} == {
        (w, h, s) for w in (5, 10) for h in (4, 8) for s in (0, 1)}
    summary = at.dataframe[-1].value
    assert len(summary) == 4 and (summary["n_seeds"] == 2).all()
    heat = at.get("plotly_chart")[0]
    assert '"type":"heatmap"' in heat.proto.spec.replace(" ", "")
    assert at.get("progress")[0].value == 100  # percent
    assert "Best by validation RMSE" in texts(at)


def test_use_this_configuration_sends_the_best_row_to_train():
    at = sweep_page()
    at.text_input(key="sw_windows").set_value("4, 12").run()
    at.text_input(key="sw_hidden").set_value("3").run()
    at.number_input(key="sw_seeds").set_value(1).run()
    at.button(key="sweep_run").click().run()
    best = min(at.session_state["sweep_rows"], key=lambda r: r[1]["val_rnn_rmse"])[0]
    at.button(key="sweep_use_best").click().run()
    assert not page_errors(at)
    assert at.session_state["cfg"].window == best.window


@pytest.mark.parametrize("field, value, fragment", [
    ("sw_windows", "", "at least one value"),
    ("sw_windows", "5, ten", "'ten' is not valid"),
    ("sw_windows", "150", "does not fit the data"),
    ("sw_hidden", ", ".join(str(h) for h in range(1, 60)), f"at most {MAX_RUNS}"),
    ("sw_lrs", "-1", "not valid"),
])
def test_an_invalid_grid_is_explained_and_cannot_run(field, value, fragment):
    at = sweep_page()
    at.text_input(key=field).set_value(value).run()
    assert not page_errors(at)
    assert fragment in texts(at), texts(at)
    assert at.button(key="sweep_run").disabled
