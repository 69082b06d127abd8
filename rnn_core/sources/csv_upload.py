"""An uploaded CSV file -> a clean, sorted float64 series with a note of every repair made.

`csv_columns(data)` says which columns could be the time axis and which hold numbers, with a
guess for each, so the page can offer a choice; `load_csv(data, ...)` builds the series.
Repairs — sorting, removing duplicated dates, dropping or interpolating missing values — are
made openly: the note counts each one, so a student knows what the model was trained on. So is
every reading that is not plain: quarters (2020Q1) and 8-digit dates (20200131) read as dates,
currency signs, % signs and accounting brackets stripped from numbers. What cannot be read one
way (mixed currencies, % next to plain numbers) or trained on (values past 1e150 or under
1e-150 in size) is refused in words.

A file is parsed once: the table, its column roles and its date readings are kept in a small
cache keyed by the SHA-256 of the bytes, so `csv_columns` and `load_csv` on the same upload (and
every rerun of a page) share one parse.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rnn_core.i18n import N_, _, current_language, ngettext

from .csv_read import MAX_UPLOAD_BYTES, DateReading, NumberReading, Table, read_compact_dates, \
    read_dates, read_numbers, read_table
from ..words import counted
from .series import DataSourceError, SeriesData, infer_frequency
from .validate import value_range_problem

MISSING_CHOICES = ("drop", "interpolate")
ROW_NUMBERS = "(row number)"  # the time-axis choice "no time column: number the rows 0, 1, 2..."
_NEEDED = N_("It needs a date (or x) column and a column of numbers, for example 'date,value'.")


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
    # date columns whose day/month order the values do not prove: (column, guessed day first)
    date_orders: tuple[tuple[str, bool], ...] = ()

    def guessed_day_first(self, column: str) -> bool | None:
        """The guessed order of `column`'s dd/mm dates (True: day first); None when the values
        settle it or the column has no such dates."""
        return dict(self.date_orders).get(column)


@dataclass(frozen=True)
class _Parsed:
    """Everything read from one file: the table, its columns and each date column's reading."""

    table: Table
    columns: CsvColumns
    readings: dict[str, DateReading]  # the date columns
    numbers: dict[str, pd.Series]  # the number columns, as float64 on the table's index
    # how each number column was read (what was stripped: $, %, brackets), when not plainly
    number_readings: dict[str, NumberReading]


def _roles(table: Table):
    dates, readings, numbers, how, compact = [], {}, {}, {}, {}
    for name in table.frame.columns:
        cells = table.frame[name].dropna()
        cells = cells[cells.str.strip() != ""]
        if cells.empty:
            continue
        read = read_numbers(table.frame[name], table.decimal, first_row=table.first_row,
                            column=str(name))
        values = read.values
        if values.notna().sum() >= 0.5 * len(cells):  # a few words among numbers are ok
            if not read.note and not read.problem:  # 20200131: a date written as 8 digits?
                reading = read_compact_dates(table.frame[name], values, column=str(name))
                if reading is not None:
                    compact[name] = (reading, values)
                    continue
            numbers[name] = values
            if read.note or read.problem:
                how[name] = read
            continue
        reading = read_dates(table.frame[name], first_row=table.first_row, column=str(name))
        if reading.dates.notna().sum() >= 0.8 * len(cells):
            dates.append(name)
            readings[name] = reading
    for i, (name, (reading, values)) in enumerate(compact.items()):
        if numbers or i < len(compact) - 1:  # dates need a column of values beside them:
            readings[name] = reading  # the last such column stays numbers when no other is
        else:
            numbers[name] = values
    order = list(table.frame.columns)
    dates = sorted([*dates, *(name for name in compact if name in readings)], key=order.index)
    numbers = {name: numbers[name] for name in sorted(numbers, key=order.index)}
    return dates, readings, numbers, how


def _not_numbers(table: Table, dates: list) -> str:
    """' In column 'price', '1.5 kg' (row 2) is not a number …': the nearest thing to a number
    column, and a cell that keeps it from being one ("" when no column has digits)."""
    best, best_count = None, 0
    for name in table.frame.columns:
        if name in dates:
            continue
        cells = table.frame[name].dropna().astype("string").str.strip()
        count = int(cells.str.contains(r"\d", na=False).sum())
        if count > best_count:
            best, best_count = name, count
    if best is None:
        return ""
    cells = table.frame[best].astype("string").str.strip()
    values = read_numbers(table.frame[best], table.decimal).values
    bad = cells.notna() & (cells != "") & values.isna()
    if not bad.any():
        return ""
    first = bad.idxmax()
    others = int(bad.sum()) - 1
    more = ngettext(", and so is {n} other cell of that column",
                    ", and so are {n} other cells of that column", others).format(n=others) \
        if others else ""
    groups = "1,234" if table.decimal == "." else "1.234"
    return (_(" In column {best!r}, {value!r} (row {value2}) is not a number{more}. A number "
              "cell may hold only digits, one decimal mark ({decimal!r} in this file), digit "
              "groups such as {groups}, a sign, a currency sign ($1.50), a {pct} sign "
              "(-1.5{pct}) or brackets for a negative value ((4)); remove anything else, such "
              "as units or words.").format(
                best=best, value=cells[first], value2=int(first) + table.first_row, more=more,
                decimal=table.decimal, groups=groups, pct="%"))


def _columns(table: Table) -> _Parsed:
    frame = table.frame
    dates, readings, values, how = _roles(table)
    numbers = list(values)
    if not numbers:
        why = _not_numbers(table, dates)
        if frame.shape[1] == 1 and not why:
            raise DataSourceError(_("The file has a single column of text and no numbers. "
                                    "{NEEDED}").format(NEEDED=_(_NEEDED)))
        raise DataSourceError(_("No column holds numbers (columns: {value}).{why} "
                                "{NEEDED}").format(
                                  value=', '.join(map(str, frame.columns)), why=why,
                                  NEEDED=_(_NEEDED)))
    if dates:
        time = dates[0]
    elif len(numbers) >= 2:
        time = numbers[0]  # two numeric columns: read them as x and y
    else:
        time = ROW_NUMBERS
    value = next(name for name in numbers if name != time)
    orders = tuple((name, bool(r.day_first)) for name, r in readings.items()
                   if not r.settled and r.day_first is not None)
    columns = CsvColumns(time_candidates=(*dates, *numbers, ROW_NUMBERS),
                         value_candidates=tuple(numbers),
                         time_column=time, value_column=value, separator=table.separator,
                         decimal=table.decimal, header=table.header, date_orders=orders)
    return _Parsed(table, columns, readings, values, how)


_CACHE: OrderedDict[tuple[str, str], _Parsed] = OrderedDict()
_CACHE_SIZE = 4  # files; a 5 MB upload parses to a few tens of MB at most
_LOCK = threading.Lock()


def _parsed(data: bytes) -> _Parsed:
    """The parse of `data`, from the cache when these very bytes were parsed before."""
    if len(data) > MAX_UPLOAD_BYTES:
        read_table(data)  # raises the size message without hashing 5 MB more
    # the parse holds plain-words notes, so it is kept per language too
    digest = (hashlib.sha256(data).hexdigest(), current_language())
    with _LOCK:
        if digest in _CACHE:
            _CACHE.move_to_end(digest)
            return _CACHE[digest]
    parsed = _columns(read_table(data))
    with _LOCK:
        _CACHE[digest] = parsed
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return parsed


def csv_columns(data: bytes) -> CsvColumns:
    """Detect the dialect and the candidate columns of an uploaded file (bytes)."""
    return _parsed(data).columns


def _time_axis(parsed: _Parsed, column: str, day_first: bool | None) -> tuple[pd.Series, str]:
    """(the time axis, a note on how its dates were read); DataSourceError when they cannot be."""
    frame = parsed.table.frame
    if column == ROW_NUMBERS:
        return pd.Series(np.arange(len(frame), dtype=np.float64), index=frame.index), ""
    cells = frame[column]
    if column in parsed.numbers:
        read = parsed.number_readings.get(column)
        if read is not None and read.problem:
            raise DataSourceError(read.problem)
        return parsed.numbers[column], read.note if read is not None else ""
    reading = parsed.readings.get(column)
    if reading is None or (day_first is not None and reading.day_first is not None
                           and (day_first != reading.day_first or not reading.settled)):
        reading = read_dates(cells, day_first, first_row=parsed.table.first_row,
                             column=str(column))
    if reading.problem:
        raise DataSourceError(reading.problem)
    dates = reading.dates
    lo, hi = pd.Timestamp.min.as_unit("us"), pd.Timestamp.max.as_unit("us")
    outside = dates.notna() & ((dates < lo) | (dates > hi))
    if outside.any():
        row = int(outside.idxmax()) + parsed.table.first_row
        raise DataSourceError(_("The date {value} (row {row}) is outside the years "
                                "{value2}..{value3} that dates can have here. Use years in that "
                                "range, or number the rows instead.").format(
                                  value=cells[outside.idxmax()], row=row, value2=lo.year + 1,
                                  value3=hi.year - 1))
    return dates, reading.note


def _pick(name, candidates, role: str):
    if name not in candidates:
        raise DataSourceError(_("Column {name!r} cannot be the {role}; choose one of "
                                "{value}.").format(
                                  name=name, role=role, value=', '.join(map(repr, candidates))))
    return name


def load_csv(data: bytes, *, time_column: str | None = None, value_column: str | None = None,
             missing: str = "drop", min_points: int = 3, name: str | None = None,
             day_first: bool | None = None) -> SeriesData:
    """Build the series of an uploaded CSV file.

    data: the file's bytes (what st.file_uploader gives). time_column / value_column: None to
    use the detected ones (see csv_columns); time_column=ROW_NUMBERS numbers the rows instead.
    missing: 'drop' or 'interpolate' (linear in time) for empty, non-numeric and infinite
    values. min_points: fewest usable points accepted (the app passes window + 2).
    day_first: the order of dd/mm/yyyy dates the values do not prove (None: guess it, and say
    so in the note; see CsvColumns.date_orders). A column mixing date formats, or whose
    values contradict the order, is refused with an example of each; so is a value column
    mixing currencies or % with plain numbers, and values too large or too small to train on.
    Returns SeriesData, values (n,) float64 on a DatetimeIndex (a date column) or a float index
    (a numeric x column, or row numbers), provenance 'upload', units '%' for a column of
    percentages.
    """
    if missing not in MISSING_CHOICES:
        raise DataSourceError(f"missing must be 'drop' or 'interpolate', not {missing!r}.")
    parsed = _parsed(data)
    table, found = parsed.table, parsed.columns
    time = found.time_column if time_column is None else \
        _pick(time_column, found.time_candidates, _("date (or x) column"))
    value = found.value_column if value_column is None else \
        _pick(value_column, found.value_candidates, _("value column"))
    if time == value:
        raise DataSourceError(_("Column {value!r} cannot be both the time axis and the values; "
                                "choose two different columns.").format(value=value))
    notes = list(table.notes)
    if table.skipped:
        notes.append(ngettext("{n} line with too many fields was left out.",
                              "{n} lines with too many fields were left out.",
                              table.skipped).format(n=table.skipped))

    axis, how = _time_axis(parsed, time, day_first)
    if how:
        notes.append(how)
    read = parsed.number_readings.get(value)
    if read is not None and read.problem:
        raise DataSourceError(read.problem)
    if read is not None and read.note:
        notes.append(read.note)
    # copies: the parse is cached and shared, the series is the caller's to change
    series = pd.Series(parsed.numbers[value].to_numpy(copy=True), index=axis.to_numpy(copy=True))
    unreadable = int(pd.isna(series.index).sum())
    if unreadable:
        series = series[~pd.isna(series.index)]
        notes.append(ngettext("{n} row without a readable {time} was dropped.",
                              "{n} rows without a readable {time} were dropped.",
                              unreadable).format(n=unreadable, time=time))
    if not series.index.is_monotonic_increasing:
        series = series.sort_index(kind="stable")
        notes.append(_("The rows were not in order; they were sorted."))
    repeated = int(series.index.duplicated(keep="last").sum())
    if repeated:
        series = series[~series.index.duplicated(keep="last")]
        notes.append(ngettext("{n} repeated {time} value: the last row of each was kept.",
                              "{n} repeated {time} values: the last row of each was kept.",
                              repeated).format(n=repeated, time=time))
    gaps = int(series.isna().sum())
    if gaps and missing == "interpolate":
        # straight line between the neighbours, measured in time (or x), not in rows
        series = series.interpolate(method="time" if isinstance(series.index, pd.DatetimeIndex)
                                    else "index", limit_area="inside")
        left = int(series.isna().sum())  # before the first or after the last number
        series = series.dropna()
        notes.append(ngettext("{n} missing or non-numeric value was interpolated",
                              "{n} missing or non-numeric values were interpolated",
                              gaps - left).format(n=gaps - left)
                     + (_(", {left} at the ends dropped.").format(left=left) if left else "."))
    elif gaps:
        series = series.dropna()
        notes.append(ngettext("{n} missing or non-numeric value was dropped.",
                              "{n} missing or non-numeric values were dropped.", gaps).format(
            n=gaps))

    if len(series) < min_points:
        raise DataSourceError(_("Column {value!r} has only {points}; at least {min_points} are "
                                "needed (the window + 2). Upload a longer series or choose a "
                                "shorter window.").format(
                                  value=value, points=counted(len(series), 'usable point'),
                                  min_points=min_points))
    if isinstance(series.index, pd.DatetimeIndex):
        series.index = pd.DatetimeIndex(series.index.as_unit("ns"), name="date")
    else:
        series.index = pd.Index(series.index.astype(np.float64), name="x")
    problem = value_range_problem(series.to_numpy(), _("the column {value!r}").format(value=value),
                                  _("upload the file again"))
    if problem:
        raise DataSourceError(problem)
    label = name or str(value)
    values = series.astype(np.float64).rename(label)
    units = read.units if read is not None else ""
    return SeriesData(values=values, name=label, units=units,
                      frequency=infer_frequency(values.index),
                      provenance="upload", fetched_at=None, note=" ".join(notes))
