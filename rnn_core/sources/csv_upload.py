"""An uploaded CSV file -> a clean, sorted float64 series with a note of every repair made.

`csv_columns(data)` says which columns could be the time axis and which hold numbers, with a
guess for each, so the page can offer a choice; `load_csv(data, ...)` builds the series.
Repairs — sorting, removing duplicated dates, dropping or interpolating missing values — are
made openly: the note counts each one, so a student knows what the model was trained on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .csv_read import read_table, to_dates, to_numbers
from .series import DataSourceError, SeriesData, infer_frequency

MISSING_CHOICES = ("drop", "interpolate")
ROW_NUMBERS = "(row number)"  # the time-axis choice "no time column: number the rows 0, 1, 2..."
_NEEDED = "It needs a date (or x) column and a column of numbers, for example 'date,value'."


@dataclass(frozen=True)
class CsvColumns:
    """The columns of a file, sorted by role, with the detected choice for each role."""

    time_candidates: tuple[str, ...]  # dates, numbers, then ROW_NUMBERS: can be the time axis
    value_candidates: tuple[str, ...]  # numbers: can be the series
    time_column: str  # a column, or ROW_NUMBERS when the file has no time column
    value_column: str
    separator: str
    decimal: str
    header: bool


def _roles(frame: pd.DataFrame, decimal: str) -> tuple[list[str], list[str]]:
    dates, numbers = [], []
    for name in frame.columns:
        cells = frame[name].dropna()
        cells = cells[cells.str.strip() != ""]
        if cells.empty:
            continue
        if to_numbers(cells, decimal).notna().mean() >= 0.5:  # a few words among numbers are ok
            numbers.append(name)
        elif to_dates(cells).notna().mean() >= 0.8:
            dates.append(name)
    return dates, numbers


def _columns(table) -> CsvColumns:
    frame = table.frame
    dates, numbers = _roles(frame, table.decimal)
    if not numbers:
        if frame.shape[1] == 1:
            raise DataSourceError(f"The file has a single column of text and no numbers. "
                                  f"{_NEEDED}")
        raise DataSourceError(f"No column holds numbers (columns: "
                              f"{', '.join(map(str, frame.columns))}). {_NEEDED}")
    if dates:
        time = dates[0]
    elif len(numbers) >= 2:
        time = numbers[0]  # two numeric columns: read them as x and y
    else:
        time = ROW_NUMBERS
    value = next(name for name in numbers if name != time)
    return CsvColumns(time_candidates=(*dates, *numbers, ROW_NUMBERS),
                      value_candidates=tuple(numbers),
                      time_column=time, value_column=value, separator=table.separator,
                      decimal=table.decimal, header=table.header)


def csv_columns(data: bytes) -> CsvColumns:
    """Detect the dialect and the candidate columns of an uploaded file (bytes)."""
    return _columns(read_table(data))


def _time_axis(frame: pd.DataFrame, column: str, decimal: str) -> pd.Series:
    if column == ROW_NUMBERS:
        return pd.Series(np.arange(len(frame), dtype=np.float64), index=frame.index)
    cells = frame[column]
    numbers = to_numbers(cells, decimal)
    if numbers.notna().sum() >= cells.notna().sum() * 0.5:
        return numbers
    return to_dates(cells)


def _pick(name, candidates, role: str):
    if name not in candidates:
        raise DataSourceError(f"Column {name!r} cannot be the {role}; choose one of "
                              f"{', '.join(map(repr, candidates))}.")
    return name


def load_csv(data: bytes, *, time_column: str | None = None, value_column: str | None = None,
             missing: str = "drop", min_points: int = 3, name: str | None = None) -> SeriesData:
    """Build the series of an uploaded CSV file.

    data: the file's bytes (what st.file_uploader gives). time_column / value_column: None to
    use the detected ones (see csv_columns); time_column=ROW_NUMBERS numbers the rows instead.
    missing: 'drop' or 'interpolate' (linear in time) for empty, non-numeric and infinite
    values. min_points: fewest usable points accepted (the app passes window + 2).
    Returns SeriesData, values (n,) float64 on a DatetimeIndex (a date column) or a float index
    (a numeric x column, or row numbers), provenance 'upload'.
    """
    if missing not in MISSING_CHOICES:
        raise DataSourceError(f"missing must be 'drop' or 'interpolate', not {missing!r}.")
    table = read_table(data)
    found = _columns(table)
    time = found.time_column if time_column is None else \
        _pick(time_column, found.time_candidates, "date (or x) column")
    value = found.value_column if value_column is None else \
        _pick(value_column, found.value_candidates, "value column")
    if time == value:
        raise DataSourceError(f"Column {value!r} cannot be both the time axis and the values; "
                              "choose two different columns.")
    frame, notes = table.frame, []
    if table.skipped:
        notes.append(f"{table.skipped} lines with too many fields were left out.")

    axis = _time_axis(frame, time, table.decimal)
    series = pd.Series(to_numbers(frame[value], table.decimal).to_numpy(), index=axis.to_numpy())
    unreadable = int(pd.isna(series.index).sum())
    if unreadable:
        series = series[~pd.isna(series.index)]
        notes.append(f"{unreadable} rows without a readable {time} were dropped.")
    if not series.index.is_monotonic_increasing:
        series = series.sort_index(kind="stable")
        notes.append("The rows were not in order; they were sorted.")
    repeated = int(series.index.duplicated(keep="last").sum())
    if repeated:
        series = series[~series.index.duplicated(keep="last")]
        notes.append(f"{repeated} repeated {time} values: the last row of each was kept.")
    gaps = int(series.isna().sum())
    if gaps and missing == "interpolate":
        # straight line between the neighbours, measured in time (or x), not in rows
        series = series.interpolate(method="time" if isinstance(series.index, pd.DatetimeIndex)
                                    else "index", limit_area="inside")
        left = int(series.isna().sum())  # before the first or after the last number
        series = series.dropna()
        notes.append(f"{gaps - left} missing or non-numeric values were interpolated"
                     + (f", {left} at the ends dropped." if left else "."))
    elif gaps:
        series = series.dropna()
        notes.append(f"{gaps} missing or non-numeric values were dropped.")

    if len(series) < min_points:
        raise DataSourceError(f"Column {value!r} has only {len(series)} usable points; at least "
                              f"{min_points} are needed (the window + 2). Upload a longer series "
                              "or choose a shorter window.")
    if isinstance(series.index, pd.DatetimeIndex):
        series.index = pd.DatetimeIndex(series.index.as_unit("ns"), name="date")
    else:
        series.index = pd.Index(series.index.astype(np.float64), name="x")
    label = name or str(value)
    values = series.astype(np.float64).rename(label)
    return SeriesData(values=values, name=label, units="", frequency=infer_frequency(values.index),
                      provenance="upload", fetched_at=None, note=" ".join(notes))
