"""Charts a class can read from the back row (issue 11): log axes labelled at decades only,
counting axes with whole-number ticks, one colour-blind-safe colour per series on every page,
a second cue besides colour, sweep charts that keep their bars and labels inside, a colour bar
and a table a student can read, task names that fit their box.

Figures are read as the browser gets them: the JSON of each `st.plotly_chart` of the real
pages after a short training run and a small sweep (AppTest), and the JSON of figures built
from a real run."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest

from apphelpers import app_test, page_errors, trace_values
from rnn_core import inside
from rnn_core.config import LabConfig
from rnn_core.experiment import Run, prepare
from rnn_core.sources.synthetic import synthetic_series
from rnn_core.tasks import TASKS
from ui import charts
from ui.charts import inside as inside_charts
from ui.charts import sweep as sweep_charts

SHORT = {"epochs": "4", "n_points": "200", "n_hidden": "8", "window": "10"}
# Okabe & Ito's colour-blind-safe set (their black and yellow vanish on a dark or light page)
OKABE_ITO = {"#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#999999"}
MODELS = ("actual", "RNN", "MLP", "Persistence")
COUNTING = ("epoch", "steps back", "steps ahead", "blocks", "time step", "hidden unit")
MAX_LABELS = 8  # more labels than this on one axis are not readable on a projector


# ----- reading a figure's JSON -----------------------------------------------------------------
def spec(fig) -> dict:
    """A go.Figure as the browser receives it."""
    return json.loads(fig.to_json())


def axes(fig: dict) -> dict[str, dict]:
    """'xaxis', 'yaxis', 'xaxis2' … -> that axis's settings."""
    return {k: v for k, v in fig["layout"].items() if k.startswith(("xaxis", "yaxis"))}


def axis_title(axis: dict) -> str:
    title = axis.get("title") or {}
    return title.get("text", "") if isinstance(title, dict) else str(title)


def plotted(trace: dict, key: str = "y") -> np.ndarray:
    v = trace.get(key)
    if v is None:
        return np.array([])
    a = trace_values(v) if isinstance(v, dict) else np.array(
        [np.nan if x is None else x for x in v], dtype=float)
    return a.astype(float)


def assert_decades_only(axis: dict, values: np.ndarray | None = None) -> None:
    """A log axis labelled at powers of ten only, shown as powers, no minor-tick labels, at
    least two and at most MAX_LABELS labels, its range holding every value."""
    assert axis.get("type") == "log"
    # Plotly counts a log axis in decades: an integer dtick labels every (2nd, 3rd …) decade;
    # "D1"/"D2" label the 2 … 9 between decades, "L<f>" steps linearly: neither is decades.
    assert axis.get("tickmode") == "linear" and axis.get("tick0") == 0
    assert isinstance(axis.get("dtick"), int) and axis["dtick"] >= 1, axis.get("dtick")
    assert axis.get("exponentformat") == "power" and axis.get("showexponent") == "all"
    minor = axis.get("minor", {})
    assert minor.get("ticks") == "" and minor.get("showgrid") is False
    lo, hi = axis["range"]
    labels = [k for k in range(math.ceil(lo), math.floor(hi) + 1) if k % axis["dtick"] == 0]
    assert 2 <= len(labels) <= MAX_LABELS, (axis["range"], axis["dtick"])
    if values is not None:
        v = values[np.isfinite(values) & (values > 0)]
        assert 10 ** lo <= v.min() and v.max() <= 10 ** hi, (axis["range"], v.min(), v.max())


def assert_whole_number_ticks(axis: dict, last: float | None = None) -> None:
    """An axis that counts: ticks on whole numbers only, formatted without decimals."""
    assert axis.get("tickformat") == "d", axis
    if axis.get("tickmode") == "array":
        ticks = axis["tickvals"]
        assert all(float(t).is_integer() for t in ticks)
        assert len(ticks) <= MAX_LABELS
    else:
        assert axis.get("tickmode") == "linear"
        assert isinstance(axis.get("dtick"), int) and axis["dtick"] >= 1
        assert float(axis.get("tick0", 0)).is_integer()
        if last is not None:
            assert last / axis["dtick"] <= MAX_LABELS


def colour_of(trace: dict) -> str | None:
    line, marker = trace.get("line") or {}, trace.get("marker") or {}
    return line.get("color") or marker.get("color")


def series_of(name: str) -> str | None:
    """Which series a legend entry belongs to: 'RNN one-step (test)' -> 'RNN'."""
    first = name.split(" ")[0]
    if name.startswith("true"):
        return "actual"  # the exact curve is the data too: one colour, dashed
    return first if first in MODELS else None


def cues(trace: dict) -> dict:
    line, marker = trace.get("line") or {}, trace.get("marker") or {}
    mode = trace.get("mode", "lines")
    return {"colour": line.get("color") if "lines" in mode else marker.get("color"),
            "dash": line.get("dash", "solid") if "lines" in mode else None,
            "width": line.get("width", 2) if "lines" in mode else None,
            "symbol": marker.get("symbol", "circle") if "markers" in mode else None}


def differing_cues(a: dict, b: dict) -> set[str]:
    ca, cb = cues(a), cues(b)
    return {k for k in ca if ca[k] != cb[k]}


def by_name(fig: dict) -> dict[str, dict]:
    return {t["name"]: t for t in fig["data"] if t.get("name")}


# ----- a real run, and the pages after it ------------------------------------------------------
@pytest.fixture(scope="module")
def run() -> Run:
    cfg = LabConfig(n_points=200, window=10, n_hidden=8, epochs=6)
    s = synthetic_series(cfg.synthetic_kind, cfg.x_start, cfg.x_stop, cfg.n_points, cfg.noise,
                         cfg.data_seed)
    r = Run(prepare(s.values, cfg))
    r.train(6)
    return r


@pytest.fixture(scope="module")
def pages() -> dict[str, list[dict]]:
    """Every chart of Train, Compare, Inside and Sweep after a 4-epoch run and a 2 × 1 × 2-seed
    sweep, as the JSON the browser receives; plus the sweep's last table."""
    at = app_test("app.py")
    for key, value in SHORT.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/2_Train.py").run()
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    shown = {}

    def grab(page: str) -> None:
        shown[page] = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]

    grab("Train")
    for page in ("3_Compare", "4_Inside"):
        at.switch_page(f"pages/{page}.py").run()
        assert not page_errors(at), page_errors(at)
        grab(page.split("_")[1])
    at.switch_page("pages/5_Sweep.py").run()
    at.text_input(key="sw_windows").set_value("5, 10").run()
    at.text_input(key="sw_hidden").set_value("4").run()
    at.number_input(key="sw_seeds").set_value(2).run()
    at.button(key="sweep_run").click().run()
    assert not page_errors(at), page_errors(at)
    grab("Sweep")
    shown["sweep_table"] = at.dataframe[-1]
    return shown


def all_figures(pages) -> list[tuple[str, dict]]:
    return [(page, fig) for page in ("Train", "Compare", "Inside", "Sweep")
            for fig in pages[page]]


def titled(pages, page: str, words: str) -> dict:
    return next(f for f in pages[page] if words in json.dumps(f["layout"].get("title", "")))


# ----- log axes --------------------------------------------------------------------------------
def test_every_log_axis_on_every_page_is_labelled_at_decades_only(pages):
    log_axes = [(page, name, axis, fig) for page, fig in all_figures(pages)
                for name, axis in axes(fig).items() if axis.get("type") == "log"]
    # the loss (Train), two gradient charts (Inside) and the sweep's spread at least
    assert {page for page, *_ in log_axes} >= {"Train", "Inside", "Sweep"}
    assert len(log_axes) >= 4
    for _page, name, axis, fig in log_axes:
        key = "y" if name.startswith("y") else "x"
        values = np.concatenate([plotted(t, key) for t in fig["data"]] or [np.array([])])
        assert_decades_only(axis, values)


def test_the_loss_chart_labels_decades_even_when_the_loss_stays_inside_one(run):
    history = run.rnn_history
    fig = spec(charts.loss_chart({"RNN": history, "MLP": run.mlp_history}, epochs=6))
    values = np.concatenate([plotted(t) for t in fig["data"]])
    assert_decades_only(fig["layout"]["yaxis"], values)

    class Flat:  # a loss between 0.02 and 0.05: no power of ten inside the data
        train_loss, val_loss = [0.05, 0.03, 0.02], [0.04, 0.035, 0.03]

        def __len__(self):
            return 3

    flat = spec(charts.loss_chart({"RNN": Flat()}, epochs=3))
    assert_decades_only(flat["layout"]["yaxis"], np.array([0.02, 0.05]))


def test_a_gradient_that_spans_many_decades_gets_every_other_decade_not_a_crowd(run):
    w = inside.part_windows(run.prepared, "train", 60)
    X, Y = w.X[:8], inside.last_step_targets(w.Y[:8])
    flow = inside.grad_flow(run.rnn, X, Y, activation="tanh", w_hh_scale=0.25)
    fig = spec(inside_charts.grad_flow_chart({"after training": flow.norms}))
    norms = flow.norms[flow.norms > 0]
    assert np.log10(norms.max() / norms.min()) > 8  # a vanishing gradient: many decades
    assert_decades_only(fig["layout"]["yaxis"], norms)
    assert fig["layout"]["yaxis"]["dtick"] >= 2
    assert_whole_number_ticks(fig["layout"]["xaxis"], 59)


# ----- counting axes ---------------------------------------------------------------------------
def test_every_counting_axis_on_every_page_has_whole_number_ticks(pages):
    counting = [(page, axis) for page, fig in all_figures(pages) for axis in axes(fig).values()
                if axis.get("type") != "category"  # the sweep's grid names its settings
                and any(word in axis_title(axis) for word in COUNTING)]
    titles = {axis_title(a) for _, a in counting}
    assert {"epoch", "steps back from the loss", "steps ahead", "time step t"} <= titles
    for _page, axis in counting:
        assert_whole_number_ticks(axis)


def test_three_epochs_and_a_window_of_three_never_show_half_steps():
    class Three:
        train_loss, val_loss = [0.5, 0.2, 0.1], [0.6, 0.3, 0.2]

        def __len__(self):
            return 3

    loss = spec(charts.loss_chart({"RNN": Three()}, epochs=3))
    assert_whole_number_ticks(loss["layout"]["xaxis"], 3)
    assert loss["layout"]["xaxis"]["dtick"] == 1
    grads = spec(inside_charts.grad_flow_chart({"after training": np.array([0.1, 0.3, 1.0])}))
    assert grads["layout"]["xaxis"]["dtick"] == 1 and grads["layout"]["xaxis"]["tick0"] == 0


# ----- one palette -----------------------------------------------------------------------------
def test_each_series_keeps_one_okabe_ito_colour_in_every_figure_on_every_page(pages):
    seen: dict[str, set] = {}
    where: dict[str, set] = {}
    for page, fig in all_figures(pages):
        for trace in fig["data"]:
            if trace.get("type", "scatter") in ("scatter", "bar"):  # never the theme's cycle,
                assert colour_of(trace), (page, trace.get("name"))  # which goes by position
            series = series_of(trace.get("name") or "")
            if series is None:
                continue
            seen.setdefault(series, set()).add(colour_of(trace))
            where.setdefault(series, set()).add(page)
    assert set(seen) == set(MODELS)
    assert where["RNN"] >= {"Train", "Compare", "Inside", "Sweep"}
    assert where["MLP"] >= {"Train", "Compare", "Sweep"}
    assert where["Persistence"] >= {"Compare", "Sweep"}
    for series, colours in seen.items():
        assert len(colours) == 1, (series, colours)
        assert colours <= OKABE_ITO, (series, colours)
    assert len({next(iter(c)) for c in seen.values()}) == len(MODELS)  # four different colours


def test_charts_read_on_the_dark_theme_too(pages):
    """Transparent backgrounds and the theme's fonts: no white plot, no dark text set."""
    for page, fig in all_figures(pages):
        layout = fig["layout"]
        for key in ("paper_bgcolor", "plot_bgcolor"):
            assert layout.get(key, "rgba(0, 0, 0, 0)").replace(" ", "") == "rgba(0,0,0,0)", (
                page, layout.get("title"), key)
        assert "color" not in layout.get("font", {})
        for note in layout.get("annotations", []):
            assert "color" not in note.get("font", {}), (page, note.get("text"))


def test_legends_name_the_part_of_the_data_each_line_shows(pages):
    compare = " | ".join(t.get("name", "") for f in pages["Compare"] for t in f["data"])
    assert "RNN one-step (training, validation, test)" in compare
    assert "RNN free-running over test" in compare
    assert "RNN extrapolation past the data" in compare
    loss = " | ".join(t["name"] for t in titled(pages, "Train", "Loss")["data"])
    assert "RNN validation loss (next value)" in loss
    sweep = " | ".join(t.get("name", "") for f in pages["Sweep"] for t in f["data"])
    assert "RNN validation RMSE" in sweep and "Persistence validation RMSE" in sweep


# ----- a second cue besides colour -------------------------------------------------------------
def test_teacher_forcing_and_free_running_differ_in_colour_and_in_marker_or_dash(pages):
    lines = by_name(titled(pages, "Inside", "two ways of feeding"))
    cue = differing_cues(lines["teacher forcing"], lines["free running"])
    assert "colour" in cue and cue & {"dash", "symbol"}, cue
    errors = by_name(titled(pages, "Inside", "Error against steps ahead"))
    assert len(errors) == 4
    for (a, ta), (b, tb) in itertools.combinations(errors.items(), 2):
        cue = differing_cues(ta, tb)
        if a.split(",")[0] != b.split(",")[0]:  # free running against teacher forcing
            assert "colour" in cue and cue - {"colour", "width"}, (a, b, cue)
        else:  # this start (markers) against every start (a line)
            assert cue - {"colour"}, (a, b, cue)


def test_lines_of_one_model_stand_apart_by_more_than_colour(run):
    """At initialisation, after training, truncated, clipped: any two differ in two cues."""
    w = inside.part_windows(run.prepared, "train", 30)
    X, Y = w.X[:8], inside.last_step_targets(w.Y[:8])
    trained, initial = inside.grad_flow(run.rnn, X, Y), inside.grad_flow(run.initial_rnn, X, Y)
    cut = inside.grad_flow(run.rnn, X, Y, bptt_steps=5)
    clipped = inside.grad_flow(run.rnn, X, Y, clip=1e-4)
    styles = {"at initialisation": charts.STYLES["initial"],
              "after training": charts.STYLES["trained"]}
    styles["truncated"] = inside_charts.truncated_style(styles["after training"])
    styles["clipped"] = inside_charts.clipped_style(styles["after training"])
    fig = spec(inside_charts.grad_flow_chart(
        {"at initialisation": initial.norms, "after training": trained.norms,
         "truncated": cut.norms, "clipped": clipped.clipped}, styles))
    for a, b in itertools.combinations(fig["data"], 2):
        assert len(differing_cues(a, b)) >= 2, (a["name"], b["name"], differing_cues(a, b))
    outputs = by_name(spec(inside_charts.outputs_chart(
        {"y_t after training": np.zeros(5), "y_t at initialisation": np.ones(5)}, None,
        np.arange(5.0))))
    cue = differing_cues(outputs["y_t after training"], outputs["y_t at initialisation"])
    assert "colour" in cue and cue & {"dash", "symbol"}, cue


# ----- the Sweep page --------------------------------------------------------------------------
def test_the_sweep_spread_chart_holds_every_bar_and_whisker_and_names_persistence_in_the_legend(
        pages):
    fig = titled(pages, "Sweep", "per setting")
    axis = fig["layout"]["yaxis"]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert {t["name"].split()[0] for t in bars} == {"RNN", "MLP"}
    tops = np.concatenate([plotted(t) + np.nan_to_num(plotted(t["error_y"], "array"))
                           for t in bars])
    bottoms = np.concatenate([plotted(t) for t in bars])
    assert_decades_only(axis, np.concatenate([tops, bottoms]))
    assert 10 ** axis["range"][1] >= tops.max() and 10 ** axis["range"][0] <= bottoms.min()
    texts = [a.get("text", "") for a in fig["layout"].get("annotations", [])]
    assert not any("persistence" in t.lower() for t in texts)  # never drawn over a bar
    legend = [t for t in fig["data"] if t.get("name", "").startswith("Persistence")]
    assert legend and legend[0].get("showlegend", True)


def summary(rnn: list[float], mlp: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"window": [5, 5, 10, 10], "n_hidden": [4, 8, 4, 8],
                         "lr": 0.01, "activation": "tanh", "optimizer": "adam",
                         "val_rnn_rmse_mean": rnn, "val_rnn_rmse_std": [0.01] * 4,
                         "val_mlp_rmse_mean": mlp, "val_mlp_rmse_std": [0.5] * 4})


def test_the_colour_bar_reads_as_short_factors_even_beside_a_diverged_mlp(pages):
    built = spec(sweep_charts.heatmaps(summary([0.05, 0.1, 0.2, 0.09],
                                               [0.1, 6.4, 0.2, 0.4]), 0.1))
    for fig in (titled(pages, "Sweep", "against persistence"), built):
        bar = next(t["colorbar"] for t in fig["data"] if t.get("showscale", True)
                   and t.get("colorbar"))
        labels = bar["ticktext"]
        assert "×1" in labels and "×0.5" in labels and "×2" in labels
        assert all(len(label) <= 6 for label in labels), labels
        assert len(labels) <= 5
    zmax = {t["zmax"] for t in built["data"]}
    assert zmax == {2}  # ×4 at most: a ×64 MLP does not wash the other cells out


def test_the_sweep_bars_stay_inside_when_the_mlp_is_far_worse():
    table = summary([0.05, 0.1, 0.2, 0.09], [0.1, 6.4, 0.2, 40.0])
    fig = spec(sweep_charts.spread_chart(table, 0.1))
    top = 10 ** fig["layout"]["yaxis"]["range"][1]
    assert top >= 40.5 and top <= 1000
    assert_decades_only(fig["layout"]["yaxis"])


def test_the_sweep_table_has_readable_headings_and_says_validation_or_test(pages):
    table = pages["sweep_table"]
    shown = list(table.proto.column_order)
    config = json.loads(table.proto.columns)
    labels = {c: config[c]["label"] for c in shown}
    assert labels["n_hidden"] == "hidden units" and labels["window"] == "window"
    assert "RNN validation RMSE (mean)" in labels.values()
    rmse = [label for label in labels.values() if "RMSE" in label]
    assert rmse and all("validation" in label or "test" in label for label in rmse)
    assert any("test" in label for label in rmse)
    assert all("_" not in label for label in labels.values())  # no raw names such as n_hidden
    assert not {"RNN_MSE_mean", "RNN_MAPE_mean", "seconds_mean", "val_rnn_rmse"} & set(shown)
    assert len(shown) <= 12  # fits the page instead of running off on the right
    assert "n_seeds" in table.value.columns  # the data keeps its names (and the CSV too)


# ----- the task box ----------------------------------------------------------------------------
def test_task_names_fit_their_select_box():
    """The task box is a third of the settings row: about 26 characters at 1280 px wide."""
    for task in TASKS.values():
        assert len(task.label) <= 26, task.label
