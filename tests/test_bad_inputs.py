"""A battery of bad inputs, thrown at the app (AppTest) and at rnn_core, one table per kind.

Every case starts from a session that already has data and a trained model. Each asserts the
plain-words message the student sees, that no exception element (traceback) appears, and that
the session's data and model are the very same objects as before the mistake.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile

import numpy as np
import pytest

from apphelpers import page_errors, texts
from loopback import LoopbackServer, Reply
from rnn_core.config import FIELDS, LabConfig
from rnn_core.experiment import prepare
from rnn_core.io import ModelFileError, load_model, save_model
from rnn_core.rnn import RNN
from rnn_core.sources.csv_read import MAX_UPLOAD_BYTES
from rnn_core.sources.csv_upload import load_csv
from rnn_core.sources.series import DataSourceError
from rnn_core.sources.validate import fred_id, ticker_symbol
from test_pages import FIXTURES, open_page, train_short, upload

DEFAULT = LabConfig()
DATA_PAGE_FIELDS = ("x_start", "x_stop", "n_points", "noise", "data_seed", "val_frac",
                    "test_frac", "echo_lag")
# the settings under which a control is shown (the echo lag: on the echo series only)
SHOWN_WITH = {"block": {"task": "blocks", "n_points": "240", "window": "4"},
              "echo_lag": {"synthetic_kind": "echo", "n_points": "1000", "x_start": "0.1",
                           "x_stop": "100", "window": "4", "epochs": "2"}}


def messages(at) -> str:
    return " ".join(str(e.value) for kind in ("error", "warning", "info") for e in at.get(kind))


def trained(page: str = "pages/2_Train.py", params: dict | None = None):
    """A session with data and a trained model, on `page`; returns (at, run, series)."""
    at = train_short(params)
    if page != "pages/2_Train.py":
        at.switch_page(page).run()
    return at, at.session_state["run"], at.session_state["series"]


def assert_kept(at, run, series) -> None:
    assert not page_errors(at), page_errors(at)
    assert at.session_state["run"] is run
    assert at.session_state["series"] is series


# --- every numeric control at its bounds and just past them ------------------------------------

def _numeric_cases():
    for name, spec in FIELDS.items():
        if spec.lo is None or spec.log:
            continue
        is_int = isinstance(getattr(DEFAULT, name), int)
        past = 1 if is_int else (spec.hi - spec.lo) / 100
        cast = int if is_int else float
        yield name, cast(spec.lo), "accepted"
        yield name, cast(spec.hi), "accepted"
        yield name, cast(spec.lo - past), "refused"
        yield name, cast(spec.hi + past), "refused"


# bounds that other settings forbid: 'x to' must stay above 'x from'
CROSS_FIELD = {("x_start", 100.0): "'x to' must be larger than 'x from'",
               ("x_stop", -100.0): "'x to' must be larger than 'x from'"}


@pytest.mark.parametrize("name, value, outcome", list(_numeric_cases()))
def test_a_numeric_control_at_and_past_its_bounds(name, value, outcome):
    page = "pages/1_Data.py" if name in DATA_PAGE_FIELDS else "pages/2_Train.py"
    at, run, series = trained(page, SHOWN_WITH.get(name))
    before = getattr(at.session_state["cfg"], name)
    at.number_input(key=f"w_{name}").set_value(value).run()
    assert not page_errors(at), page_errors(at)
    assert at.session_state["run"] is run  # a setting never touches the trained model
    label = FIELDS[name].label
    if outcome == "refused" or (name, value) in CROSS_FIELD:
        expected = CROSS_FIELD.get((name, value), f"{label}: type a number from")
        assert expected in messages(at) and f"Kept {before!r}" in messages(at), messages(at)
        assert getattr(at.session_state["cfg"], name) == before
        assert at.session_state["series"] is series
    else:
        assert getattr(at.session_state["cfg"], name) == value
        if name not in DATA_PAGE_FIELDS:
            assert at.session_state["series"] is series


@pytest.mark.parametrize("value", [1e-5, 10.0])
def test_the_learning_rate_at_its_ends_trains_or_explains(value):
    at, run, series = trained()
    at.select_slider(key="w_lr").set_value(value).run()
    assert at.session_state["cfg"].lr == value
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    new = at.session_state["run"]
    assert at.session_state["series"] is series
    if value < 1:
        assert new is not run and new.epochs_done == 4 and at.session_state["previous_run"] is run
        return
    # Adam at 10 explodes: said in plain words, never a success; the last sane model is kept
    assert "Training diverged" in messages(at) and not at.success
    assert new is run or (new.diverged and at.session_state["previous_run"] is run)


# --- data that cannot be trained on --------------------------------------------------------------

def test_a_window_as_long_as_the_series_is_explained_and_nothing_is_lost():
    at, run, series = trained()
    at.number_input(key="w_window").set_value(len(series.values)).run()
    assert "These settings cannot be trained yet" in messages(at)
    at.button(key="train_btn").click().run()
    assert "Cannot train:" in messages(at) and "window" in messages(at)
    assert_kept(at, run, series)


def csv_rows(values) -> bytes:
    return ("day,value\n" + "".join(f"2024-01-{i % 28 + 1:02d}T{i // 28:02d}:00,{v}\n"
                                    for i, v in enumerate(values))).encode()


BIG = b"date,value\n" + b"2024-01-01,1.0\n" * (MAX_UPLOAD_BYTES // 15 + 10)

# (case, file bytes, words the page must show, does the file become the series?)
CSV_CASES = [
    ("empty", b"", "The file is empty", False),
    ("blank lines", b"\n\n  \n", "The file is empty", False),
    ("binary", bytes(range(256)) * 8, "looks like a binary file", False),
    ("excel workbook", (FIXTURES / "csv" / "workbook.xlsx").read_bytes(), "binary file", False),
    ("over 5 MB", BIG, "the limit is 5 MB", False),
    ("text only", b"name,city\nann,paris\nbob,rome\ncat,oslo\n", "No column holds numbers",
     False),
    ("one text column", b"word\nalpha\nbeta\ngamma\n", "single column of text", False),
    ("too short", b"date,value\n2024-01-01,1\n2024-01-02,2\n", "usable points", False),
    ("constant", csv_rows([5.0] * 60), "there is nothing to learn", True),
    ("NaN and inf", csv_rows([float(i) if i % 4 else "nan" for i in range(50)] + ["inf"] * 3),
     "missing or non-numeric values were dropped", True),
    ("one number column", b"value\n" + b"".join(b"%d\n" % (i * i % 17) for i in range(60)),
     "rows are numbered", True),
    ("unparseable dates", b"date,value\n" + b"".join(b"2021-13-%02d,%d\n" % (i % 28 + 1, i % 7)
                                                     for i in range(60)),
     "No column could be read as dates", True),
    ("semicolons, decimal commas", ("date;price\n" + "".join(
        f"2024-02-{d:02d};{d},5\n" for d in range(1, 29))).encode(), "decimal mark ','", True),
]


@pytest.mark.parametrize("case, raw, words, loads", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_an_uploaded_csv(case, raw, words, loads):
    at, run, series = trained("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, f"{case}.csv", raw).run()
    assert not page_errors(at), page_errors(at)
    shown = messages(at) + " " + texts(at)
    if case == "constant":  # the file loads, but training it is refused in words
        at.switch_page("pages/2_Train.py").run()
        at.button(key="train_btn").click().run()
        shown = messages(at)
    assert words in shown, shown
    assert at.session_state["run"] is run
    if loads:
        assert at.session_state["series"] is not series
        assert at.session_state["series"].provenance == "upload"
        assert np.isfinite(at.session_state["series"].values.to_numpy()).all()
    else:
        assert at.session_state["series"] is series
    if case == "semicolons, decimal commas":
        assert at.session_state["series"].values.iloc[0] == 1.5


@pytest.mark.parametrize("fixture, words", [
    ("mixed_iso_and_slashes.csv",
     "mixes date formats: 4 like 2020-01-03 (year-month-day, rows 2, 3, 5, …); 2 like 02/01/2020 "
     "(day and month with '/', rows 4, 6)"),
    ("contradictory_slashes.csv",
     "The dates do not follow one order: 13/01/2024 (row 3) can only be day/month/year, but "
     "01/14/2024 (row 4) only month/day/year"),
])
def test_an_upload_whose_dates_cannot_be_read_one_way_is_refused_and_the_data_kept(fixture,
                                                                                  words):
    at, run, series = trained("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, fixture, (FIXTURES / "csv" / fixture).read_bytes()).run()
    errors = " ".join(e.value for e in at.error)
    assert words in errors and "YYYY-MM-DD" in errors, errors
    assert "Your previous data is kept." in errors
    assert_kept(at, run, series)
    at.run()  # a rerun says it again (without parsing the file again) and still keeps the data
    assert words in " ".join(e.value for e in at.error)
    assert_kept(at, run, series)


def test_nan_and_inf_in_a_series_are_refused_by_the_pipeline():
    import pandas as pd

    for bad in (np.nan, np.inf, -np.inf):
        values = pd.Series(np.r_[np.linspace(0, 1, 40), bad, np.linspace(1, 0, 40)])
        with pytest.raises(ValueError, match="missing or infinite values"):
            prepare(values, DEFAULT.replace(window=5))
    with pytest.raises(ValueError, match="nothing to learn"):
        prepare(pd.Series(np.full(50, 2.5)), DEFAULT.replace(window=5))
    with pytest.raises(DataSourceError, match="the limit is 5 MB"):
        load_csv(BIG)


# --- identifiers that would go into a URL --------------------------------------------------------

BAD_IDS = [
    ("", "is empty"),
    ("   ", "is empty"),
    ("A" * 31, "at most 30"),
    ("A" * 45, "40 characters long"),  # the text box keeps the first 40 characters
    ("GS 10", "no spaces, quotes or slashes"),
    ('GS"10', "no spaces, quotes or slashes"),
    ("GS10'; drop", "no spaces, quotes or slashes"),
    ("GS10/x", "no spaces, quotes or slashes"),
    ("../x", "no spaces, quotes or slashes"),
    ("..\\x", "no spaces, quotes or slashes"),
    ("ГС10", "non-ASCII"),
    ("gs10😀", "non-ASCII"),
]


@pytest.mark.parametrize("raw, words", BAD_IDS)
def test_a_bad_fred_id_is_explained_and_never_sent(monkeypatch, tmp_path, raw, words):
    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    at, run, series = trained("pages/1_Data.py")
    with LoopbackServer(Reply(b"should never be asked")) as fred:
        monkeypatch.setenv("RNNLAB_FRED_URL", fred.url)
        at.selectbox(key="w_source").set_value("fred").run()
        at.text_input(key="w_fred_id").set_value(raw).run()  # refused as typed
        assert fred.hits == []
    assert words in messages(at), messages(at)
    assert at.session_state["cfg"].fred_id == DEFAULT.fred_id  # so a fetch asks for GS10
    assert_kept(at, run, series)


def test_a_lower_case_fred_id_is_accepted_as_upper_case(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    at, run, series = trained("pages/1_Data.py")
    body = (FIXTURES / "fredgraph_GS10.csv").read_bytes()
    with LoopbackServer(Reply(body, content_type="text/csv")) as fred:
        monkeypatch.setenv("RNNLAB_FRED_URL", fred.url)
        at.selectbox(key="w_source").set_value("fred").run()
        at.text_input(key="w_fred_id").set_value(" gs10 ").run()
        at.button(key="fetch_btn").click().run()
        assert [h.split("id=")[1] for h in fred.hits] == ["GS10"]
    assert at.session_state["series"].name.endswith("(GS10)")
    assert at.session_state["run"] is run


@pytest.mark.parametrize("raw, words", [(r, w.replace("at most 30", "at most 15"))
                                        for r, w in BAD_IDS if r != "A" * 31])
def test_a_bad_ticker_is_explained_before_any_download(raw, words):
    at, run, series = trained("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("ticker").run()
    at.text_input(key="w_ticker").set_value(raw).run()  # refused as typed, before any fetch
    assert words in messages(at), messages(at)
    assert at.session_state["cfg"].ticker == DEFAULT.ticker
    assert_kept(at, run, series)


def test_identifiers_are_normalised_or_refused_in_rnn_core():
    assert fred_id(" gs10 ") == "GS10" and ticker_symbol("brk-b") == "BRK-B"
    assert ticker_symbol("^gspc") == "^GSPC" and ticker_symbol("eurusd=x") == "EURUSD=X"
    for raw in ("A" * 16, "GOO GL", "GOOGL/..", "../x", "ÄPFEL", None, 5):
        with pytest.raises(DataSourceError):
            ticker_symbol(raw)
    for raw in ("", "A" * 31, "GS-10", "../x", "ı", None):
        with pytest.raises(DataSourceError):
            fred_id(raw)


# --- a link whose every parameter is wrong ------------------------------------------------------

def _all_invalid() -> dict:
    """A query string with an invalid value for every field, plus junk parameters."""
    params = {}
    for name, spec in FIELDS.items():
        if isinstance(getattr(DEFAULT, name), str) and spec.choices is None:
            params[name] = "x" * 41  # free text: only the length is checked by the link
        else:
            params[name] = "banana"
    return {**params, "hide": "nonsense,../x", "lock": "<script>", "unknown_thing": "1"}


@pytest.mark.parametrize("page", ["app.py", "pages/1_Data.py", "pages/2_Train.py",
                                  "pages/3_Compare.py"])
def test_a_link_with_every_parameter_invalid_opens_with_the_defaults(page):
    at = open_page(page, _all_invalid())
    assert at.session_state["cfg"] == DEFAULT
    notes = messages(at)
    for name in FIELDS:
        assert f"Ignored {name}=" in notes, name
    assert "Ignored unknown link parameter: unknown_thing" in notes
    assert at.session_state["hidden_controls"] == set() == at.session_state["locked_controls"]


@pytest.mark.parametrize("params, words", [
    ({"lr": "20"}, "Ignored lr='20': Learning rate must be at most 10.0"),
    ({"lr": "nan"}, "must be a finite number"),
    ({"epochs": "1e9"}, "Epochs must be at most 2000"),
    ({"window": "2.5"}, "Window must be a whole number"),
    ({"n_hidden": "abc"}, f"Ignored n_hidden='abc': Hidden units must be a whole number such as "
                          f"{DEFAULT.n_hidden}, not 'abc'"),
    ({"lr": "fast"}, f"Learning rate must be a number such as {DEFAULT.lr}, not 'fast'"),
    ({"x_start": "5", "x_stop": "1"}, "'x to' must be larger than 'x from'"),
    ({"val_frac": "0.4", "test_frac": "0.45"}, "keep their sum below 0.8"),
])
def test_a_link_with_an_impossible_value_says_what_was_ignored(params, words):
    at = open_page("pages/2_Train.py", params)
    assert words in messages(at), messages(at)
    assert at.session_state["cfg"] == DEFAULT


def test_a_link_with_a_word_for_a_whole_number_is_explained_without_python_words():
    at = open_page("pages/2_Train.py", {"n_hidden": "abc", "epochs": "many", "noise": "lots"})
    notes = messages(at)
    assert f"Hidden units must be a whole number such as {DEFAULT.n_hidden}, not 'abc'" in notes
    assert f"Epochs must be a whole number such as {DEFAULT.epochs}, not 'many'" in notes
    assert f"Noise amplitude must be a number such as {DEFAULT.noise}, not 'lots'" in notes
    assert "could not convert" not in notes and "float" not in notes
    assert at.session_state["cfg"] == DEFAULT


# --- model files that are not models -------------------------------------------------------------

def _good_model_file() -> bytes:
    buffer = io.BytesIO()
    save_model(buffer, RNN(1, 4, 1, seed=0), config=DEFAULT)
    return buffer.getvalue()


def _other_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _other_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.ones((3, 3)))  # another program's arrays, no RNN Lab metadata
    return buffer.getvalue()


def _npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.arange(5.0))
    return buffer.getvalue()


def _huge_header() -> bytes:
    """A good model file whose W_hh header declares a 10^6 x 10^6 array (8 TB) over 128 bytes."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False,
                                                  "shape": (10**6, 10**6)})
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_good_model_file())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "param/W_hh.npy":
                data = header.getvalue() + bytes(128)
            dst.writestr(info.filename, data)
    return out.getvalue()


MODEL_FILES = [
    ("empty", b"", "not an RNN Lab model"),
    ("truncated to half", _good_model_file()[: len(_good_model_file()) // 2],
     "not a complete .npz archive"),
    ("truncated to 10 bytes", _good_model_file()[:10], "not an RNN Lab model"),
    ("a CSV file", b"date,value\n2024-01-01,1\n", "not a NumPy .npz archive"),
    ("a PNG image", b"\x89PNG\r\n\x1a\n" + bytes(100), "not an RNN Lab model"),
    ("a Word document", _other_zip(), "without RNN Lab's 'meta' entry"),
    ("another program's .npz", _other_npz(), "without RNN Lab's 'meta' entry"),
    ("a single .npy array", _npy(), "a single NumPy array"),
    ("an array header declaring 8 TB", _huge_header(), "declares an array of shape"),
]


@pytest.mark.parametrize("case, raw, words", MODEL_FILES, ids=[m[0] for m in MODEL_FILES])
def test_a_bad_model_file_is_refused_in_words(case, raw, words):
    with pytest.raises(ModelFileError, match=words.replace(".", r"\.").replace("(", r"\(")):
        load_model(io.BytesIO(raw))


@pytest.mark.parametrize("case, raw, words", MODEL_FILES, ids=[m[0] for m in MODEL_FILES])
def test_a_bad_model_file_uploaded_on_the_train_page_changes_nothing(case, raw, words):
    at, run, series = trained()
    cfg = at.session_state["cfg"]
    at.session_state["model_file"] = (f"{case}.npz", raw)  # what the uploader hands the page
    at.run()
    shown = " ".join(e.value for e in at.error)
    assert f"{case}.npz: " in shown and words in shown, shown
    assert "Your current data and model are unchanged." in shown
    assert_kept(at, run, series)
    assert at.session_state["cfg"] == cfg


def test_the_good_model_file_of_the_table_loads():  # the bad ones above fail for their reason
    loaded = load_model(io.BytesIO(_good_model_file()))
    assert loaded.config == dataclasses.asdict(DEFAULT)
