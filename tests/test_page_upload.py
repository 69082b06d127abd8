"""The Data page reads an upload right and says how: date order, time zones, a file at the limit.

Each test drives the real page (AppTest) the way the file uploader does (`upload` puts the
file's name and bytes in the session) and checks the note the student sees as well as the
dates and numbers that reach the session — against what the fixture file says.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from apphelpers import page_errors
from test_pages import FIXTURES, open_page, upload
from test_sources_csv import limit_file


def csv_page(fixture: str | None = None, raw: bytes | None = None):
    """The Data page (window 2, so four rows are enough) with a CSV file uploaded."""
    at = open_page("pages/1_Data.py", {"window": "2"})
    at.selectbox(key="w_source").set_value("csv").run()
    raw = raw if raw is not None else (FIXTURES / "csv" / fixture).read_bytes()
    upload(at, fixture or "limit.csv", raw).run()
    assert not page_errors(at), page_errors(at)
    return at, raw


def infos(at) -> str:
    return " ".join(str(e.value) for e in at.info)


def test_the_data_page_says_how_it_read_ambiguous_dates_and_lets_the_order_be_changed():
    at, raw = csv_page("ambiguous_slashes.csv")
    series = at.session_state["series"]
    assert list(series.values.index) == list(pd.date_range("2024-02-01", "2024-02-05"))
    assert series.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert "Dates read as day/month/year (01/02/2024 = 1 February 2024): no day above 12 " \
           "settles the order" in infos(at)
    order = at.radio(key=f"csv_dayfirst_{hashlib.sha256(raw).hexdigest()[:16]}")
    assert order.value is True and order.label == "Date order"
    order.set_value(False).run()  # month/day/year
    assert not page_errors(at), page_errors(at)
    series = at.session_state["series"]
    assert list(series.values.index) == list(pd.to_datetime(
        ["2024-01-02", "2024-02-02", "2024-03-02", "2024-04-02", "2024-05-02"]))
    assert series.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert "Dates read as month/day/year, as chosen (01/02/2024 = 2 January 2024)." in infos(at)


def test_a_proved_date_order_offers_no_choice():
    at, _ = csv_page("day_first_slashes.csv")
    assert [r.label for r in at.radio] == ["Missing values"]  # no Date order to choose
    assert "13/01/2024 (row 5) can only be 13 January 2024" in infos(at)
    assert list(at.session_state["series"].values.index) == list(
        pd.date_range("2024-01-10", "2024-01-17"))


def test_the_data_page_notes_a_time_zone_dropped_without_converting():
    at, _ = csv_page("timezone_offset.csv")
    series = at.session_state["series"]
    assert list(series.values.index) == list(pd.date_range("2020-01-03 02:00", periods=4))
    assert series.values.tolist() == [1.5, 2.5, 3.5, 4.5]
    assert "The times carry a time zone (UTC+05:00)" in infos(at)
    assert "not converted to UTC" in infos(at)


def test_a_file_at_the_size_limit_loads_and_a_rerun_does_not_parse_it_again(monkeypatch):
    from rnn_core.sources import csv_upload

    raw, index, values = limit_file()
    getattr(csv_upload, "_CACHE", {}).clear()
    calls = []
    real = csv_upload.read_table
    monkeypatch.setattr(csv_upload, "read_table", lambda data: calls.append(1) or real(data))
    at, _ = csv_page(raw=raw)
    series = at.session_state["series"]
    assert len(series.values) == 190_000 and series.frequency == "daily"
    assert list(series.values.index[[0, -1]]) == list(index[[0, -1]])
    np.testing.assert_array_equal(series.values.to_numpy(), values)
    assert len(calls) == 1  # the column choices and the load share one parse
    at.run()
    at.run()
    assert not page_errors(at), page_errors(at)
    assert len(calls) == 1  # reruns reuse it
    assert at.session_state["series"] is series


def test_a_refused_upload_is_tried_again_once_a_shorter_window_would_take_it():
    at = open_page("pages/1_Data.py", {"window": "10"})
    at.selectbox(key="w_source").set_value("csv").run()
    kept = at.session_state["series"]
    upload(at, "ambiguous_slashes.csv", (FIXTURES / "csv" / "ambiguous_slashes.csv").read_bytes())
    at.run()
    assert "only 5 usable points; at least 12" in " ".join(e.value for e in at.error)
    assert at.session_state["series"] is kept
    at.switch_page("pages/2_Train.py").run()
    at.number_input(key="w_window").set_value(2).run()
    at.switch_page("pages/1_Data.py").run()
    assert not page_errors(at), page_errors(at)
    assert list(at.session_state["series"].values.index) == list(
        pd.date_range("2024-02-01", "2024-02-05"))


# --- quarters, 8-digit dates, currency and % signs, brackets: read with one note each ----------

def notes_shown(at) -> list[str]:
    return [str(e.value) for e in at.info]


@pytest.mark.parametrize("fixture, index, values, note", [
    ("quarters_2020Q1.csv", pd.to_datetime(["2020-01-01", "2020-04-01", "2020-07-01",
                                            "2020-10-01", "2021-01-01"]),
     [10.5, 11.0, 11.5, 12.0, 12.5],
     "Quarters read as the first day of each quarter (2020Q1 = 1 January 2020)."),
    ("compact_dates.csv", pd.date_range("2020-01-30", "2020-02-03"), [1.0, 2.0, 3.0, 4.0, 5.0],
     "holds 8-digit numbers that are all valid dates, so they were read as dates"),
    ("currency_euro_semicolon.csv", pd.date_range("2024-01-02", periods=4),
     [1.5, 2.25, 1234.5, 3.0], "The currency sign € was dropped from 4 values of 'Preis'"),
    ("percent.csv", pd.date_range("2024-01-02", periods=4), [-1.5, 0.25, 2.0, -0.75],
     "the % sign was dropped (-1.5% read as -1.5, in %)"),
    ("accounting_negatives.csv", pd.date_range("2024-01-02", periods=4), [12.0, -4.0, 7.5, -0.5],
     "2 values of 'profit' in brackets were read as negative"),
])
def test_the_data_page_reads_quarters_compact_dates_and_marked_numbers_and_says_so_once(
        fixture, index, values, note):
    at, _ = csv_page(fixture)
    series = at.session_state["series"]
    assert list(series.values.index) == list(index)
    assert series.values.tolist() == values
    shown = notes_shown(at)
    assert sum(text.count(note) for text in shown) == 1, shown
    assert not any("rows are numbered" in text for text in shown), shown  # a time axis found
    assert not at.error, [e.value for e in at.error]
    if fixture == "percent.csv":
        assert series.units == "%" and "units: %" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize("fixture, words", [
    ("mixed_currencies.csv", "The column 'price' mixes currencies: $1.50 (row 2) and €1.20 "
                             "(row 3)."),
    ("mixed_percent_plain.csv", "The column 'rate' mixes values with and without a % sign: "
                                "1.5% (row 2) and 0.2 (row 4)"),
    ("units_in_cells.csv", "In column 'weight', '1.5 kg' (row 2) is not a number"),
    ("huge_values.csv", "Values up to 1.7e308 are too large to train on"),
    ("tiny_values.csv", "The values are at most 3e-200 in size, too small to train on"),
])
def test_a_refused_upload_says_why_and_the_previous_data_survives(fixture, words):
    at, _ = csv_page("comma_header.csv")
    kept = at.session_state["series"]
    assert kept.values.tolist() == [10.5, 10.75, 11.0, 10.25, 10.5]
    upload(at, fixture, (FIXTURES / "csv" / fixture).read_bytes()).run()
    assert not page_errors(at), page_errors(at)
    errors = [str(e.value) for e in at.error]
    assert any(words in text for text in errors), errors
    assert at.session_state["series"] is kept
    at.run()  # a rerun still refuses it and still keeps the data
    assert not page_errors(at), page_errors(at)
    assert any(words in str(e.value) for e in at.error)
    assert at.session_state["series"] is kept
