"""CSV upload: every good file gives the series written in it, every bad one says what is wrong."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rnn_core.sources import MAX_UPLOAD_BYTES, ROW_NUMBERS, DataSourceError, csv_columns, \
    describe, load_csv

FIXTURES = Path(__file__).parent / "fixtures" / "csv"


def dates(*days):
    return pd.DatetimeIndex(pd.to_datetime(list(days)))


# (file, load_csv arguments, expected index, expected values, fragments of the note)
GOOD = [
    ("comma_header.csv", {},
     dates("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"),
     [10.5, 10.75, 11.0, 10.25, 10.5], []),
    # day-first dotted dates, decimal commas and a thousands dot
    ("semicolon_decimal_comma.csv", {},
     dates("2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"),
     [10.5, 10.75, 11.0, 1010.25, 10.5], []),
    ("tab_no_header.tsv", {},
     dates("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"), [1.5, 2.5, 3.5, 4.5], []),
    ("unsorted_duplicates.csv", {},
     dates("2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"), [1.0, 2.5, 3.0, 4.0],
     ["sorted", "1 repeated"]),
    # empty cell, inf and n/a dropped
    ("gaps_nan_inf.csv", {"missing": "drop"},
     dates("2024-01-01", "2024-01-03", "2024-01-05"), [1.0, 3.0, 5.0], ["3 missing"]),
    # interpolated in time between neighbours; the trailing n/a cannot be, so it is dropped
    ("gaps_nan_inf.csv", {"missing": "interpolate"},
     dates("2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"),
     [1.0, 2.0, 3.0, 4.0, 5.0], ["2 missing", "interpolated", "1 at the ends"]),
    ("numeric_x.csv", {}, pd.Index([0.5, 1.0, 1.5, 2.0]), [0.25, 1.0, 2.25, 4.0], []),
    # the x column read as values: rows numbered instead, or y as the axis
    ("numeric_x.csv", {"time_column": ROW_NUMBERS, "value_column": "x"},
     pd.Index([0.0, 1.0, 2.0, 3.0]), [0.5, 1.0, 1.5, 2.0], []),
    ("numeric_x.csv", {"time_column": "y", "value_column": "x"},
     pd.Index([0.25, 1.0, 2.25, 4.0]), [0.5, 1.0, 1.5, 2.0], []),
    ("one_number_column.csv", {}, pd.Index([0.0, 1.0, 2.0, 3.0]), [3.5, 4.5, 5.5, 6.5], []),
]

# (file or bytes, load_csv arguments, fragment the message must contain)
BAD = [
    ("empty.csv", {}, "empty"),
    ("blank_lines.csv", {}, "empty"),
    ("workbook.xlsx", {}, "binary"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {}, "binary"),
    ("one_text_column.csv", {}, "single column of text"),
    ("no_numbers.csv", {}, "No column holds numbers"),
    ("too_short.csv", {}, "only 2 usable points; at least 3"),
    ("comma_header.csv", {"min_points": 8}, "only 5 usable points; at least 8"),
    ("comma_header.csv", {"value_column": "price"}, "cannot be the value column"),
    ("comma_header.csv", {"value_column": "date"}, "cannot be the value column"),
    ("numeric_x.csv", {"time_column": "y", "value_column": "y"}, "both the time axis"),
    ("comma_header.csv", {"missing": "guess"}, "'drop' or 'interpolate'"),
    (b"date,value\n" + b"2024-01-01,1\n" * (MAX_UPLOAD_BYTES // 13 + 1), {}, "limit is 5 MB"),
]


def content(source) -> bytes:
    return source if isinstance(source, bytes) else (FIXTURES / source).read_bytes()


@pytest.mark.parametrize("source, kwargs, index, expected, notes", GOOD,
                         ids=[f"{case[0]}-{i}" for i, case in enumerate(GOOD)])
def test_good_file_gives_the_series_written_in_it(source, kwargs, index, expected, notes):
    data = load_csv(content(source), **kwargs)
    assert data.provenance == "upload"
    assert data.values.dtype == np.float64
    assert data.values.to_numpy().tolist() == expected
    if isinstance(index, pd.DatetimeIndex):
        assert isinstance(data.values.index, pd.DatetimeIndex)
        assert list(data.values.index) == list(index)
    else:
        assert data.values.index.dtype == np.float64
        assert data.values.index.tolist() == index.tolist()
    for fragment in notes:
        assert fragment in data.note
    if not notes:
        assert data.note == ""


@pytest.mark.parametrize("source, kwargs, fragment", BAD,
                         ids=[f"{c[0] if isinstance(c[0], str) else 'bytes'}-{i}"
                              for i, c in enumerate(BAD)])
def test_bad_file_says_what_is_wrong(source, kwargs, fragment):
    with pytest.raises(DataSourceError) as caught:
        load_csv(content(source), **kwargs)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_columns_are_offered_by_role_with_a_detected_choice():
    found = csv_columns(content("semicolon_decimal_comma.csv"))
    assert (found.separator, found.decimal, found.header) == (";", ",", True)
    assert found.time_candidates == ("Datum", "Schlusskurs", ROW_NUMBERS)
    assert found.value_candidates == ("Schlusskurs",)
    assert (found.time_column, found.value_column) == ("Datum", "Schlusskurs")

    two_numbers = csv_columns(content("numeric_x.csv"))
    assert two_numbers.time_candidates == ("x", "y", ROW_NUMBERS)
    assert two_numbers.value_candidates == ("x", "y")
    assert (two_numbers.time_column, two_numbers.value_column) == ("x", "y")

    no_header = csv_columns(content("tab_no_header.tsv"))
    assert (no_header.separator, no_header.header) == ("\t", False)
    assert no_header.value_column == "column 2"

    one_column = csv_columns(content("one_number_column.csv"))
    assert (one_column.time_column, one_column.value_column) == (ROW_NUMBERS, "column 1")


def test_a_chosen_value_column_is_used_instead_of_the_detected_one():
    data = b"date,open,close\n2024-01-01,1,10\n2024-01-02,2,20\n2024-01-03,3,30\n"
    assert load_csv(data).values.tolist() == [1.0, 2.0, 3.0]
    assert load_csv(data, value_column="close").values.tolist() == [10.0, 20.0, 30.0]
    assert load_csv(data, value_column="close", name="Close").name == "Close"


def test_rows_with_an_unreadable_date_are_dropped_and_counted():
    data = b"date,value\n2024-01-01,1\nsoon,2\n2024-01-03,3\n2024-01-04,4\n2024-01-05,5\n"
    series = load_csv(data)
    assert series.values.tolist() == [1.0, 3.0, 4.0, 5.0]
    assert "1 row without a readable date was dropped." in series.note


def test_lines_with_extra_fields_are_left_out_and_counted():
    data = b"date,value\n2024-01-01,1\n2024-01-02,2,oops\n2024-01-03,3\n2024-01-04,4\n"
    series = load_csv(data)
    assert series.values.tolist() == [1.0, 3.0, 4.0]
    assert "1 line with too many fields was left out." in series.note


def test_summary_of_an_upload_names_its_span_and_spacing():
    summary = describe(load_csv(content("tab_no_header.tsv")))
    assert (summary.points, summary.first, summary.last) == (4, "2024-01-01", "2024-04-01")
    assert summary.frequency == "monthly"
    assert summary.provenance == "upload"


# --- dates: one format per column, read consistently or refused in words ------------------------

def test_a_column_mixing_iso_and_slashed_dates_is_refused_with_the_rows_of_each():
    with pytest.raises(DataSourceError) as caught:
        load_csv(content("mixed_iso_and_slashes.csv"))
    words = str(caught.value)
    assert "mixes date formats" in words
    assert "4 like 2020-01-03 (year-month-day, rows 2, 3, 5, …)" in words
    assert "2 like 02/01/2020 (day and month with '/', rows 4, 6)" in words
    assert "YYYY-MM-DD" in words  # what to do
    # the file still offers its columns, so the page can show the choices and then the refusal
    assert csv_columns(content("mixed_iso_and_slashes.csv")).time_column == "date"


@pytest.mark.parametrize("source, note", [
    ("day_first_slashes.csv", "Dates read as day/month/year: 13/01/2024 (row 5) can only be "
                              "13 January 2024."),
    ("month_first_slashes.csv", "Dates read as month/day/year: 1/13/2024 (row 5) can only be "
                                "13 January 2024."),
])
def test_a_day_above_12_proves_the_day_month_order(source, note):
    data = load_csv(content(source))
    assert list(data.values.index) == list(pd.date_range("2024-01-10", "2024-01-17"))
    offset = 0.25 if source.startswith("day") else 0.75
    assert data.values.tolist() == [d + offset for d in range(10, 18)]
    assert data.note == note and data.frequency == "daily"
    assert csv_columns(content(source)).date_orders == ()  # settled: no choice to offer


def test_an_unproved_day_month_order_is_read_one_way_and_said_in_a_note():
    raw = content("ambiguous_slashes.csv")
    data = load_csv(raw)
    assert list(data.values.index) == list(pd.date_range("2024-02-01", "2024-02-05"))
    assert data.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert data.note.startswith("Dates read as day/month/year (01/02/2024 = 1 February 2024): "
                                "no day above 12 settles the order")
    assert "If they are month/day/year, change the date order" in data.note
    assert csv_columns(raw).date_orders == (("date", True),)
    chosen = load_csv(raw, day_first=False)
    assert list(chosen.values.index) == list(dates("2024-01-02", "2024-02-02", "2024-03-02",
                                                   "2024-04-02", "2024-05-02"))
    assert chosen.note == "Dates read as month/day/year, as chosen (01/02/2024 = 2 January 2024)."


def test_an_unproved_order_that_alone_spaces_the_dates_evenly_is_chosen():
    data = load_csv(content("monthly_ambiguous_slashes.csv"))
    assert list(data.values.index) == list(pd.date_range("2023-01-01", "2024-01-01", freq="MS"))
    assert data.values.tolist() == [m * 10.0 for m in range(1, 14)]
    assert data.frequency == "monthly"
    assert "only this reading spaces the dates evenly" in data.note


def test_dates_whose_values_contradict_each_other_are_refused():
    with pytest.raises(DataSourceError) as caught:
        load_csv(content("contradictory_slashes.csv"))
    assert str(caught.value).startswith(
        "The dates do not follow one order: 13/01/2024 (row 3) can only be day/month/year, but "
        "01/14/2024 (row 4) only month/day/year.")


def test_a_chosen_order_the_values_contradict_is_refused():
    with pytest.raises(DataSourceError, match=r"cannot be month/day/year: 13/01/2024 \(row 5\)"):
        load_csv(content("day_first_slashes.csv"), day_first=False)


def test_dates_outside_the_years_pandas_can_hold_are_refused_in_words():
    raw = b"date,value\n1500-01-01,1\n1500-01-02,2\n1500-01-03,3\n"
    with pytest.raises(DataSourceError, match=r"1500-01-01 \(row 2\) is outside the years"):
        load_csv(raw)


@pytest.mark.parametrize("source, index, values, zone", [
    ("timezone_offset.csv", pd.date_range("2020-01-03 02:00", periods=4), [1.5, 2.5, 3.5, 4.5],
     "(UTC+05:00)"),
    ("timezone_utc_z.csv", pd.date_range("2020-01-03", periods=4), [10.0, 20.0, 30.0, 40.0],
     "(UTC, written Z)"),
    ("timezone_dst.csv", pd.date_range("2021-03-12 09:30", periods=4),
     [100.0, 101.0, 102.0, 103.0], "(UTC-04:00, UTC-05:00)"),
])
def test_time_zone_stamps_keep_their_local_dates_with_a_note(source, index, values, zone):
    data = load_csv(content(source))
    assert list(data.values.index) == list(index)  # as written: never shifted to UTC
    assert data.values.tolist() == values
    assert data.values.index.tz is None
    assert f"The times carry a time zone {zone}" in data.note
    assert "not converted to UTC" in data.note


# --- encodings and digit groups -----------------------------------------------------------------

@pytest.mark.parametrize("source, note", [
    ("utf16_le_bom.csv", ""),
    ("utf16_be_bom.csv", ""),
    ("utf8_bom.csv", ""),
    ("utf16_le_no_bom_tab.txt", ""),  # every other byte zero: UTF-16 even without a BOM
    ("latin1.csv", "The file is not UTF-8; it was read as Windows-1252 (Western European) text "
                   "(for example 'Température')."),
])
def test_utf16_utf8_with_bom_and_latin1_files_are_read(source, note):
    found = csv_columns(content(source))
    assert (found.time_column, found.value_column) == ("Datum", "Température (°C)")
    data = load_csv(content(source))
    assert list(data.values.index) == list(pd.date_range("2024-01-01", periods=4))
    assert data.values.tolist() == [-1.5, 0.5, 2.25, 3.0]
    assert data.name == "Température (°C)"
    assert data.note.startswith(note) and bool(note) == bool(data.note)


def test_a_windows_1252_file_keeps_its_euro_sign():
    data = load_csv(content("cp1252.csv"))
    assert data.name == "Preis (€)"
    assert list(data.values.index) == list(pd.date_range("2024-01-02", periods=4))
    assert data.values.tolist() == [1.5, 2.5, 3.25, 4.0]
    assert "read as Windows-1252" in data.note


@pytest.mark.parametrize("source, separator, decimal", [
    ("thousands_quoted_comma.csv", ",", "."),  # "1,234.50"
    ("thousands_space_semicolon.csv", ";", ","),  # 1 234,50 (space, no-break, narrow no-break)
    ("thousands_dot_semicolon.csv", ";", ","),  # 1.234,50
])
def test_thousands_separators_are_read(source, separator, decimal):
    found = csv_columns(content(source))
    assert (found.separator, found.decimal, found.value_column) == (separator, decimal, "price")
    data = load_csv(content(source))
    assert list(data.values.index) == list(pd.date_range("2024-01-02", periods=4))
    assert data.values.tolist() == [1234.5, 1240.0, 1998.25, 12001.75]
    assert data.note == ""


# --- a file at the size limit is parsed once ------------------------------------------------------

def limit_file() -> tuple[bytes, pd.DatetimeIndex, np.ndarray]:
    """About 190 000 rows of date,value, just under the 5 MB limit (4.6 MB)."""
    index = pd.date_range("1700-01-01", periods=190_000, freq="D")
    values = np.round(np.random.default_rng(0).normal(1000.0, 100.0, len(index)), 8)
    body = "date,value\n" + "".join(f"{d},{v!r}\n" for d, v in
                                    zip(index.strftime("%Y-%m-%d"), values.tolist()))
    return body.encode(), index, values


def test_a_file_at_the_size_limit_is_parsed_once_for_every_question(monkeypatch):
    from rnn_core.sources import csv_upload

    raw, index, values = limit_file()
    assert 0.85 * MAX_UPLOAD_BYTES < len(raw) <= MAX_UPLOAD_BYTES
    getattr(csv_upload, "_CACHE", {}).clear()
    calls = []
    real = csv_upload.read_table
    monkeypatch.setattr(csv_upload, "read_table", lambda data: calls.append(1) or real(data))
    found = csv_columns(raw)
    data = load_csv(raw)
    again = load_csv(raw, missing="interpolate")
    assert len(calls) == 1  # one parse, shared by the column detection and both loads
    assert (found.time_column, found.value_column) == ("date", "value")
    for series in (data, again):
        assert list(series.values.index[[0, 1, -1]]) == list(index[[0, 1, -1]])
        np.testing.assert_array_equal(series.values.to_numpy(), values)
    assert data.frequency == "daily" and data.note == ""


def test_dates_written_with_month_names_are_read_with_one_format():
    data = load_csv(content("month_names.csv"))  # Excel's mmm-yy: Jan-20 is January 2020
    assert list(data.values.index) == list(pd.date_range("2020-01-01", periods=4, freq="MS"))
    assert data.values.tolist() == [120.0, 135.5, 128.0, 140.25]
    assert data.frequency == "monthly" and data.note == ""


# --- quarters, 8-digit dates, currency and % signs, accounting brackets: read, with a note ------

QUARTER_STARTS = dates("2020-01-01", "2020-04-01", "2020-07-01", "2020-10-01", "2021-01-01")


@pytest.mark.parametrize("source, first", [
    ("quarters_2020Q1.csv", "2020Q1"),
    ("quarters_2020-Q1.csv", "2020-Q1"),
    ("quarters_Q1_2020.csv", "Q1 2020"),
])
def test_quarter_dates_are_read_as_quarter_start_dates_with_a_note(source, first):
    found = csv_columns(content(source))
    assert found.time_candidates == ("quarter", "value", ROW_NUMBERS)
    assert found.time_column == "quarter"  # not dropped for row numbers
    data = load_csv(content(source))
    assert list(data.values.index) == list(QUARTER_STARTS)
    assert data.values.tolist() == [10.5, 11.0, 11.5, 12.0, 12.5]
    assert data.frequency == "quarterly"
    assert data.note == (f"Quarters read as the first day of each quarter ({first} = 1 January "
                         "2020).")


def test_quarters_next_to_other_dates_are_refused_as_mixed_formats():
    raw = b"date,value\n2020Q1,1\n2020Q2,2\n2020-07-01,3\n2020Q4,4\n"
    with pytest.raises(DataSourceError) as caught:
        load_csv(raw)
    assert "mixes date formats: 1 like 2020-07-01 (year-month-day, row 4); 3 like 2020Q1 (year " \
           "and quarter, rows 2, 3, 5)" in str(caught.value)


def test_eight_digit_dates_are_read_as_dates_not_as_an_unevenly_spaced_x_axis():
    found = csv_columns(content("compact_dates.csv"))
    assert found.time_candidates == ("date", "value", ROW_NUMBERS)
    assert found.value_candidates == ("value",)
    data = load_csv(content("compact_dates.csv"))  # 30 January .. 3 February 2020
    assert list(data.values.index) == list(pd.date_range("2020-01-30", "2020-02-03"))
    assert data.values.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert data.frequency == "daily"
    assert data.note == ("The column 'date' holds 8-digit numbers that are all valid dates, so "
                         "they were read as dates written year, month, day (20200130 = 30 "
                         "January 2020), not as numbers.")


def test_eight_digit_numbers_that_are_not_all_dates_stay_numbers():
    data = load_csv(content("compact_not_dates.csv"))  # 20200150: no 50th day, so no dates
    assert data.values.index.dtype == np.float64
    assert data.values.index.tolist() == [20200101.0, 20200150.0, 20200199.0, 20200248.0]
    assert data.values.tolist() == [1.5, 2.5, 3.5, 4.5]
    assert data.frequency == "step 49" and data.note == ""


def test_a_single_column_of_eight_digit_numbers_stays_numbers():
    data = load_csv(b"value\n20200101\n20200102\n20200103\n20200104\n")
    assert data.values.tolist() == [20200101.0, 20200102.0, 20200103.0, 20200104.0]
    assert data.note == ""


@pytest.mark.parametrize("source, column, values, units, note", [
    ("currency_dollar.csv", "balance", [1.5, 1234.5, -2.0, -0.25], "",
     "The currency sign $ was dropped from 4 values of 'balance' ($1.50 read as 1.5). 1 value "
     "of 'balance' in brackets was read as negative, as accounts write them (($2.00) read as "
     "-2)."),
    ("currency_euro_semicolon.csv", "Preis", [1.5, 2.25, 1234.5, 3.0], "",
     "The currency sign € was dropped from 4 values of 'Preis' (€1,50 read as 1.5)."),
    ("percent.csv", "change", [-1.5, 0.25, 2.0, -0.75], "%",
     "The values of 'change' are percentages: the % sign was dropped (-1.5% read as -1.5, in "
     "%)."),
    ("accounting_negatives.csv", "profit", [12.0, -4.0, 7.5, -0.5], "",
     "2 values of 'profit' in brackets were read as negative, as accounts write them ((4) read "
     "as -4)."),
])
def test_currency_signs_percent_signs_and_accounting_brackets_are_read_with_a_note(
        source, column, values, units, note):
    found = csv_columns(content(source))
    assert found.value_candidates == (column,) and found.value_column == column
    data = load_csv(content(source))
    assert list(data.values.index) == list(pd.date_range("2024-01-02", periods=4))
    assert data.values.tolist() == values
    assert data.units == units
    assert data.note == note


def test_a_file_without_a_header_whose_first_amount_has_a_currency_sign_has_no_header():
    found = csv_columns(b"2024-01-02,$1.50\n2024-01-03,$2.50\n2024-01-04,$3.50\n")
    assert found.header is False
    data = load_csv(b"2024-01-02,$1.50\n2024-01-03,$2.50\n2024-01-04,$3.50\n")
    assert data.values.tolist() == [1.5, 2.5, 3.5]


@pytest.mark.parametrize("source, message", [
    ("mixed_currencies.csv",
     "The column 'price' mixes currencies: $1.50 (row 2) and €1.20 (row 3). Convert every amount "
     "to one currency and upload the file again."),
    ("mixed_percent_plain.csv",
     "The column 'rate' mixes values with and without a % sign: 1.5% (row 2) and 0.2 (row 4), "
     "and 0.2 could mean 0.2% or 20%. Write every value with a % sign or none, and upload the "
     "file again."),
])
def test_a_column_mixing_currencies_or_percent_and_plain_numbers_is_refused_naming_the_cells(
        source, message):
    assert csv_columns(content(source)).value_column in ("price", "rate")  # offered, then refused
    with pytest.raises(DataSourceError) as caught:
        load_csv(content(source))
    assert str(caught.value) == message


def test_a_column_of_numbers_with_units_in_the_cells_is_refused_naming_a_cell_and_why():
    with pytest.raises(DataSourceError) as caught:
        load_csv(content("units_in_cells.csv"))
    words = str(caught.value)
    assert words.startswith("No column holds numbers (columns: date, weight). In column "
                            "'weight', '1.5 kg' (row 2) is not a number, and so are 3 other "
                            "cells of that column.")
    assert "remove anything else, such as units or words" in words


@pytest.mark.parametrize("source, words", [
    ("huge_values.csv",
     "Values up to 1.7e308 are too large to train on: every error is squared, and the square "
     "of a number this big passes the largest number the computer can hold (about 1.8e308), so "
     "errors would read inf. Divide the column 'value' by 1e308 (or use larger units, such as "
     "millions) and upload the file again."),
    ("tiny_values.csv",
     "The values are at most 3e-200 in size, too small to train on: every error is squared, and "
     "squares of numbers this small fall below the smallest number the computer can hold (about "
     "1e-308), so every error would read 0. Multiply the column 'value' by 1e200 (or use smaller "
     "units) and upload the file again."),
])
def test_values_too_large_or_too_small_for_float64_arithmetic_are_refused_in_words(source,
                                                                                  words):
    with pytest.raises(DataSourceError) as caught:
        load_csv(content(source))
    assert str(caught.value) == words
