"""Turn the bytes of an uploaded file into a table of text cells, or say why not.

Spreadsheets export CSV in several dialects: ',' or ';' or tab between fields, a decimal comma
in Europe (always with ';' or tab, since ',' is then taken), with or without a header row. The
dialect is detected from the first lines; every cell is kept as text and converted later, so a
stray word in a number column is counted, not fatal.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pandas as pd

from .series import DataSourceError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MB: about 200 000 rows of date,value — plenty for a class
SEPARATORS = (",", ";", "\t")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


@dataclass(frozen=True)
class Table:
    """A parsed file: every cell as text (str or NaN for an empty cell)."""

    frame: pd.DataFrame
    separator: str
    decimal: str
    header: bool
    skipped: int = 0  # lines left out because they had more fields than the others


def _decode(data: bytes) -> str:
    if not data or not data.strip():
        raise DataSourceError("The file is empty. Upload a CSV file with a date (or x) column "
                              "and a column of numbers.")
    head = data[:8192]
    controls = sum(byte < 9 or 13 < byte < 32 for byte in head)
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) \
            or controls > len(head) // 20:
        raise DataSourceError("This looks like a binary file (an Excel workbook, an image, ...), "
                              "not text. Save it as CSV (File > Save as > CSV) and upload that.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # older Excel exports on Windows


def _split(line: str, separator: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.split(separator)]


def _is_number(cell: str, decimal: str) -> bool:
    text = cell.replace(" ", "")
    if decimal == "," and re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?", text):
        text = text.replace(".", "")  # 1.234,5 -> 1234,5
    return bool(_NUMBER.fullmatch(text)) and (decimal == "," or "," not in text)


def _is_data(cell: str, decimal: str) -> bool:
    return cell == "" or _is_number(cell, decimal) or not pd.isna(
        pd.to_datetime(cell, errors="coerce", format="mixed"))


def sniff(lines: list[str]) -> tuple[str, str, bool]:
    """(separator, decimal mark, has header) from the first non-empty lines of a file."""
    best, best_score = ",", (0, 0)
    for separator in SEPARATORS:
        counts = [len(_split(line, separator)) for line in lines]
        if counts[0] < 2:
            continue
        steady = sum(count == counts[0] for count in counts)  # rows with the same width
        score = (steady, counts[0])
        if score > best_score:
            best, best_score = separator, score
    cells = [cell for line in lines[1:] for cell in _split(line, best)]
    # a decimal comma is only possible when ',' does not separate fields
    decimal = "," if best != "," and any(_DECIMAL_COMMA.fullmatch(c) for c in cells) else "."
    # a header row has some cell that is neither empty, nor a number, nor a date
    header = not all(_is_data(cell, decimal) for cell in _split(lines[0], best))
    return best, decimal, header


def read_table(data: bytes) -> Table:
    """Parse uploaded bytes into text cells; DataSourceError for empty, huge or binary files."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataSourceError(f"The file is {len(data) / 1e6:.1f} MB; the limit is "
                              f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB. Upload a shorter series (fewer "
                              "rows or columns).")
    text = _decode(data)
    all_lines = [line for line in text.splitlines() if line.strip()]
    lines = all_lines[:50]
    if not lines:
        raise DataSourceError("The file has no rows. Upload a CSV file with a date (or x) column "
                              "and a column of numbers.")
    separator, decimal, header = sniff(lines)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, header=0 if header else None,
                            dtype=str, skip_blank_lines=True, skipinitialspace=True,
                            on_bad_lines="skip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise DataSourceError(f"The file could not be read as CSV ({err}). Use one header line "
                              "and one row per date, fields separated by ',' or ';'.") from err
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(name).strip() or f"column {i + 1}" for i, name in
                     enumerate(frame.columns)]
    skipped = max(0, len(all_lines) - int(header) - len(frame))
    return Table(frame=frame, separator=separator, decimal=decimal, header=header,
                 skipped=skipped)


def to_numbers(cells: pd.Series, decimal: str) -> pd.Series:
    """Text cells -> float64 (NaN where a cell is not a number; 'inf' counts as not a number)."""
    text = cells.astype("string").str.strip().str.replace(" ", "", regex=False)
    if decimal == ",":
        # 1.234,5 -> 1234.5; a dot elsewhere (a date such as 01.02.2020) stays and fails below
        grouped = text.str.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d*)?", na=False)
        text = text.where(~grouped, text.str.replace(".", "", regex=False))
        text = text.where(text.str.count(r"\.") == 0).str.replace(",", ".", regex=False)
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(numbers.abs() != float("inf"))


def _parse_dates(text: pd.Series, dayfirst: bool) -> pd.Series:
    dates = pd.to_datetime(text, errors="coerce", format="mixed", dayfirst=dayfirst, utc=True)
    return dates.dt.tz_localize(None)


def to_dates(cells: pd.Series) -> pd.Series:
    """Text cells -> tz-naive datetime64 (NaT where a cell is not a date); zones go to UTC.

    31.01.2020 is read day first (the dotted European form); 01/02/2020 month first unless some
    day is above 12, which proves the file is day first.
    """
    text = cells.astype("string").str.strip()
    dotted = text.str.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2,4}", na=False).mean() > 0.5
    dates = _parse_dates(text, dayfirst=dotted)
    if not dotted:
        other = _parse_dates(text, dayfirst=True)
        if other.notna().sum() > dates.notna().sum():
            dates = other
    return dates
