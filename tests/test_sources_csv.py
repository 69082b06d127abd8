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
    assert "1 rows without a readable date" in series.note


def test_lines_with_extra_fields_are_left_out_and_counted():
    data = b"date,value\n2024-01-01,1\n2024-01-02,2,oops\n2024-01-03,3\n2024-01-04,4\n"
    series = load_csv(data)
    assert series.values.tolist() == [1.0, 3.0, 4.0]
    assert "1 lines with too many fields" in series.note


def test_summary_of_an_upload_names_its_span_and_spacing():
    summary = describe(load_csv(content("tab_no_header.tsv")))
    assert (summary.points, summary.first, summary.last) == (4, "2024-01-01", "2024-04-01")
    assert summary.frequency == "monthly"
    assert summary.provenance == "upload"
