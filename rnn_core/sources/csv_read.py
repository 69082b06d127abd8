"""Turn the bytes of an uploaded file into a table of text cells, or say why not.

Spreadsheets export CSV in several dialects: ',' or ';' or tab between fields, a decimal comma
in Europe (always with ';' or tab, since ',' is then taken), thousands grouped with ',', '.',
spaces or apostrophes, with or without a header row, in UTF-8, UTF-16 or an older Windows
code page. The dialect is detected from the first lines; every cell is kept as text and
converted later, so a stray word in a number column is counted, not fatal. Numbers may carry a
currency sign or code ($1.50, 1,50 €), a % sign or accounting brackets ((4) = -4): `read_numbers`
strips them and says so.

Dates are read with one explicit format per column (`read_dates`): a column that mixes
formats (2020-01-03 next to 02/01/2020) is refused with an example of each, day/month against
month/day is decided from the values when a day above 12 proves it (and said in a note when
it is only a guess), and a time zone is dropped without converting, so each row keeps the
date written in it. Quarters (2020Q1, 2020-Q1, Q1 2020) are read as the quarter's first day,
and a column of 8-digit numbers that are all valid dates (20200131) as yyyymmdd dates
(`read_compact_dates`), each with a note.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from pandas.tseries.api import guess_datetime_format

from rnn_core.i18n import N_, _, current_language, format_date, ngettext

from ..words import counted
from .series import DataSourceError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # 5 MB: about 200 000 rows of date,value — plenty for a class
SEPARATORS = (",", ";", "\t")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
# digit groups: 1,234.5 (decimal point) / 1.234,5 (decimal comma) / 1 234,5 or 1'234.5 (either)
_GROUP_CHARS = " \u00a0\u202f\u2009'\u2019"  # space, no-break, narrow and thin space, apostrophes
_SPACED = rf"[+-]?\d{{1,3}}(?:[{_GROUP_CHARS}]\d{{3}})+(?:[.,]\d*)?"
_PLAIN = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_GROUPED = {".": r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?", ",": r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?"}
_BINARY = (N_("This looks like a binary file (an Excel workbook, an image, ...), not text. Save it "
             "as CSV (File > Save as > CSV) and upload that."))


@dataclass(frozen=True)
class Table:
    """A parsed file: every cell as text (str or NaN for an empty cell)."""

    frame: pd.DataFrame
    separator: str
    decimal: str
    header: bool
    skipped: int = 0  # lines left out because they had more fields than the others
    notes: tuple[str, ...] = ()  # how the file was read, when that needs saying (its encoding)

    @property
    def first_row(self) -> int:
        """The row number (as a spreadsheet counts, header = row 1) of the frame's first row."""
        return 2 if self.header else 1


# --- bytes -> text -----------------------------------------------------------------------------

_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"), (b"\xef\xbb\xbf", "utf-8-sig"))


def _looks_binary(head: bytes) -> bool:
    controls = sum(byte < 9 or 13 < byte < 32 for byte in head)
    return b"\x00" in head or head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) \
        or controls > len(head) // 20


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when every other byte is zero (ASCII text saved as UTF-16)."""
    pairs = head[: len(head) // 2 * 2]
    if len(pairs) < 8:
        return None
    even, odd = pairs[0::2], pairs[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _first_non_ascii_word(text: str) -> str:
    match = re.search(r"[^\s,;\"]*[^\x00-\x7f][^\s,;\"]*", text)
    return match.group(0)[:30] if match else ""


def _decode(data: bytes) -> tuple[str, str]:
    """(text, note): the file's text, and a note when its encoding had to be guessed."""
    if not data or not data.strip():
        raise DataSourceError(_("The file is empty. Upload a CSV file with a date (or x) column "
                                "and a column of numbers."))
    head = data[:8192]
    codec = next((codec for bom, codec in _BOMS if head.startswith(bom)), None) \
        or _utf16_without_bom(head)
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            raise DataSourceError(_(_BINARY)) from None
        if _looks_binary(text[:4096].encode("utf-8", errors="replace")):
            raise DataSourceError(_(_BINARY))
        return text, ""
    if _looks_binary(head):
        raise DataSourceError(_(_BINARY))
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    try:  # older Excel exports on Windows
        text, name = data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined: plain Latin-1
        text, name = data.decode("latin-1"), "Latin-1"
    word = _first_non_ascii_word(text)
    example = _(" (for example {word!r})").format(word=word) if word else ""
    return text, (_("The file is not UTF-8; it was read as {name} (Western European) "
                    "text{example}. If letters look wrong, save it as 'CSV UTF-8' and upload "
                    "that.").format(name=name, example=example))


# --- dialect -----------------------------------------------------------------------------------

def _split(line: str, separator: str) -> list[str]:
    """The cells of one line, quotes honoured ("1,234.50" is one cell in a comma file)."""
    try:
        cells = next(csv.reader([line], delimiter=separator, skipinitialspace=True))
    except (csv.Error, StopIteration):
        cells = line.split(separator)
    return [cell.strip().strip('"').strip() for cell in cells]


def _plain_number(cell: str, decimal: str) -> str | None:
    """'1.234,5' -> '1234.5' (for decimal ','); None when the cell is not a number."""
    text = cell.strip()
    if re.fullmatch(_SPACED, text):
        text = re.sub(f"[{_GROUP_CHARS}]", "", text)
    if re.fullmatch(_GROUPED[decimal], text):
        text = text.replace("," if decimal == "." else ".", "")
    if ("." if decimal == "," else ",") in text or not _NUMBER.fullmatch(text):
        return None
    return text.replace(",", ".")


def _decimal_mark(cells: list[str], separator: str) -> str:
    """',' or '.': the mark that separates decimals in the number cells of the sample.

    A cell with both marks settles it (the last one is the decimal mark: 1,234.5 / 1.234,5);
    1,5 is a decimal comma; 1,234 is a thousands comma in a comma-separated file (it had to be
    quoted) and a decimal comma with ';' or tab, as European spreadsheets write it.
    """
    comma = point = 0
    for raw in cells:
        cell = re.sub(f"[{_GROUP_CHARS}]", "", _undecorate(raw))
        if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*", cell):
            continue
        if "," in cell and "." in cell:
            if cell.rfind(",") > cell.rfind("."):
                comma += 1
            else:
                point += 1
        elif cell.count(",") > 1:
            point += bool(re.fullmatch(_GROUPED["."], cell))  # 1,234,567
        elif "," in cell:
            thousands = separator == "," and re.fullmatch(r"[+-]?[1-9]\d{0,2},\d{3}", cell)
            point, comma = (point + 1, comma) if thousands else (point, comma + 1)
        elif cell.count(".") > 1 and re.fullmatch(_GROUPED[","], cell):
            comma += 1  # 1.234.567
    return "," if comma > point else "."


def _is_data(cell: str, decimal: str) -> bool:
    return cell == "" or _plain_number(_undecorate(cell), decimal) is not None \
        or _is_date(cell)


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
    decimal = _decimal_mark(cells, best)
    # a header row has some cell that is neither empty, nor a number, nor a date
    header = not all(_is_data(cell, decimal) for cell in _split(lines[0], best))
    return best, decimal, header


def read_table(data: bytes) -> Table:
    """Parse uploaded bytes into text cells; DataSourceError for empty, huge or binary files."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise DataSourceError(_("The file is {value:.1f} MB; the limit is {value2:.0f} MB. Upload "
                                "a shorter series (fewer rows or columns).").format(
                                  value=len(data) / 1000000.0,
                                  value2=MAX_UPLOAD_BYTES / 1000000.0))
    text, note = _decode(data)
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(line)
            if len(lines) == 50:
                break
    if not lines:
        raise DataSourceError(_("The file has no rows. Upload a CSV file with a date (or x) "
                                "column and a column of numbers."))
    separator, decimal, header = sniff(lines)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=separator, header=0 if header else None,
                            dtype=str, skip_blank_lines=True, skipinitialspace=True,
                            on_bad_lines="skip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as err:
        raise DataSourceError(_("The file could not be read as CSV ({err}). Use one header line "
                                "and one row per date, fields separated by ',' or ';'.").format(
                                  err=err)) from err
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(name).strip() or f"column {i + 1}" for i, name in
                     enumerate(frame.columns)]
    rows = sum(1 for line in text.splitlines() if line.strip())
    skipped = max(0, rows - int(header) - len(frame))
    return Table(frame=frame, separator=separator, decimal=decimal, header=header,
                 skipped=skipped, notes=(note,) if note else ())


# --- numbers -----------------------------------------------------------------------------------

def to_numbers(cells: pd.Series, decimal: str) -> pd.Series:
    """Text cells -> float64 (NaN where a cell is not a number; 'inf' counts as not a number).

    Digit groups are read: 1,234.5 (with decimal '.'), 1.234,5 (with ','), 1 234,5 and
    1'234.5. The other mark anywhere else (a date such as 01.02.2020) makes a cell not a number.
    """
    text = cells.astype("string").str.strip()
    spaced = text.str.fullmatch(_SPACED, na=False)
    if spaced.any():
        text = text.where(~spaced, text.str.replace(f"[{_GROUP_CHARS}]", "", regex=True))
    other = "," if decimal == "." else "."
    grouped = text.str.fullmatch(_GROUPED[decimal], na=False)
    if grouped.any():
        text = text.where(~grouped, text.str.replace(other, "", regex=False))
    text = text.where(~text.str.contains(other, regex=False, na=False))
    if decimal == ",":
        text = text.str.replace(",", ".", regex=False)
    # anything but a plain number is NaN before to_numeric, which is slow on words and dates
    text = text.where(text.str.fullmatch(_PLAIN, na=False))
    numbers = pd.to_numeric(text, errors="coerce").astype("float64")
    return numbers.where(numbers.abs() != float("inf"))


# currency signs and codes a spreadsheet writes before or after an amount ($1.50, 1,50 €)
_CURRENCY = (r"US\$|CA\$|AU\$|NZ\$|HK\$|R\$|[$€£¥₹₩₽₺₪₫₴₦฿¢]|USD|EUR|GBP|JPY|CHF|CAD|AUD|NZD"
             r"|CNY|RMB|INR|SEK|NOK|DKK|PLN|CZK|HUF|BRL|MXN|ZAR|HKD|SGD|KRW|TRY|RUB|zł|Kč|kr")
_AMOUNT = r"[+-]?[\d.,'’ \u00a0\u202f\u2009]*\d[\d.,'’ \u00a0\u202f\u2009]*(?:[eE][+-]?\d+)?"
# one cell: an optional accounting '(…)', a sign, a currency before or after, a % at the end
_DECORATED = (rf"\s*(?P<open>\()?\s*(?P<sign>[+-])?\s*(?P<pre>{_CURRENCY})?\s*(?P<open2>\()?\s*"
              rf"(?P<num>{_AMOUNT})\s*(?(open2)\))\s*(?P<pct>%)?\s*(?P<post>{_CURRENCY})?\s*"
              rf"(?(open)\))\s*")
_MARKS = rf"[()%]|{_CURRENCY}"
_PARTS = ("open", "open2", "sign", "pre", "post", "num")


def _undecorate(cell: str) -> str:
    """'$1.50' -> '1.50', '(4)' -> '-4', '-1.5%' -> '-1.5' (for sniffing); else the cell."""
    match = re.fullmatch(_DECORATED, cell) if re.search(_MARKS, cell) else None
    plain = None if match is None else _decoration(*match.group(*_PARTS))
    return cell if plain is None else plain


def _decoration(open_, open2, sign, pre, post, num) -> str | None:
    """The plain number text of one decorated cell ('-4' for '(4)'), or None when its marks do
    not fit together (two brackets, two currencies, a sign inside brackets)."""
    num = num.strip()
    signed = num[:1] in ("+", "-")
    if (open_ and open2) or (pre and post) or (sign and signed) \
            or ((open_ or open2) and (sign or signed)):
        return None
    return "-" + num if open_ or open2 else (sign or "") + num


@dataclass(frozen=True)
class NumberReading:
    """How one column of cells was read as numbers.

    values: float64 on the cells' index, NaN where a cell is not a number.
    note: what was stripped to read them (currency signs, % signs, accounting brackets), or "".
    problem: why the column cannot be read as one kind of number ("" when it can): it mixes
        currencies, or percentages with plain numbers. A loader refuses the column with it.
    units: "%" when the values are percentages, else "".
    """

    values: pd.Series
    note: str = ""
    problem: str = ""
    units: str = ""


def _cell(text: pd.Series, index, first_row: int) -> str:
    return f"{text[index]} ({_rows(pd.Index([index]), first_row)})"


def read_numbers(cells: pd.Series, decimal: str, *, first_row: int = 1,
                 column: str = "value") -> NumberReading:
    """Read a column of text cells as numbers, as `to_numbers` does, and also read cells with a
    currency sign or code ($1.50, 1,50 €, USD 3), a % sign (-1.5%, read as -1.5 in percent) or
    accounting brackets ((4) = -4), saying in the note what was stripped."""
    values = to_numbers(cells, decimal)
    text = cells.astype("string").str.strip()
    rest = text[values.isna() & text.notna() & (text != "")]
    rest = rest[rest.str.contains(_MARKS, na=False)]
    if rest.empty:
        return NumberReading(values)
    parts = rest.str.extract(f"^{_DECORATED}$").astype(object)
    parts = parts.where(parts.notna(), None)
    plain = pd.Series([None if row[-1] is None else _decoration(*row) for row in
                       parts[list(_PARTS)].itertuples(index=False, name=None)],
                      index=rest.index, dtype="object")
    read = to_numbers(plain.astype("string"), decimal)
    read = read[read.notna()]
    if read.empty:
        return NumberReading(values)
    parts = parts.loc[read.index]
    values = values.copy()
    values[read.index] = read
    notes, problems = [], []
    currency = parts["pre"].fillna(parts["post"])
    signs = currency.dropna()
    if signs.nunique() > 1:
        first = signs.index[0]
        other = signs.index[(signs != signs.iloc[0]).to_numpy().argmax()]
        problems.append(
            _("The column {column!r} mixes currencies: {text} and {text2}. Convert every amount "
              "to one currency and upload the file again.").format(
                column=column, text=_cell(text, first, first_row),
                text2=_cell(text, other, first_row)))
    elif not signs.empty:
        sign, first = signs.iloc[0], signs.index[0]
        what = "currency sign" if len(sign) == 1 else "currency code"
        notes.append(_("The {what} {sign} was dropped from {values} of {column!r} ({value} read "
                       "as {value2:g}).").format(
                         what=what, sign=sign, values=counted(len(signs), 'value'), column=column,
                         value=text[first], value2=values[first]))
    percent = parts["pct"].notna()
    if percent.any():
        first = percent.index[percent.to_numpy().argmax()]
        plain_numbers = values.notna() & ~values.index.isin(percent.index[percent])
        if plain_numbers.any():
            other = plain_numbers.idxmax()
            problems.append(
                _("The column {column!r} mixes values with and without a {pct} sign: {text} and "
                  "{text2}, and {value:g} could mean {value:g}{pct} or {value2:g}{pct}. Write "
                  "every value with a {pct} sign or none, and upload the file again.").format(
                    column=column, text=_cell(text, first, first_row),
                    text2=_cell(text, other, first_row), value=values[other],
                    value2=values[other] * 100, pct="%"))
        else:
            notes.append(_("The values of {column!r} are percentages: the {pct} sign was dropped "
                           "({value} read as {value2:g}, in {pct}).").format(
                             column=column, value=text[first], value2=values[first], pct="%"))
    brackets = parts["open"].notna() | parts["open2"].notna()
    if brackets.any():
        first = brackets.index[brackets.to_numpy().argmax()]
        count = int(brackets.sum())
        notes.append(ngettext("{n} value of {column!r} in brackets was read as negative, as "
                              "accounts write them ({text} read as {value:g}).",
                              "{n} values of {column!r} in brackets were read as negative, as "
                              "accounts write them ({text} read as {value:g}).", count).format(
            n=count, column=column, text=text[first], value=values[first]))
    return NumberReading(values, note=" ".join(notes), problem=" ".join(problems),
                         units="%" if percent.any() and not problems else "")


# --- dates -------------------------------------------------------------------------------------

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?[AaPp][Mm])?)?"
_ZONE = r"(?: ?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))"
_ISO_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _ZONE + r"?)?"


@dataclass(frozen=True)
class _Family:
    """One way of writing dates: a pattern of cells and how to name it in a message."""

    key: str
    pattern: str
    label: str  # "year-month-day", "day and month with '/'", ...
    sep: str = ""  # the separator of day and month, for dd/mm vs mm/dd families


_FAMILIES = (
    _Family("iso", r"\d{4}-\d{1,2}-\d{1,2}" + _ISO_TIME, N_("year-month-day")),
    _Family("ym", r"\d{4}-\d{2}", N_("year-month")),
    _Family("quarter", r"(?:\d{4} ?[-/ ]? ?[Qq][1-4]|[Qq][1-4] ?[-/ ]? ?\d{4})",
            N_("year and quarter")),
    _Family("ymd/", r"\d{4}/\d{1,2}/\d{1,2}" + _TIME, N_("year/month/day")),
    _Family("ymd.", r"\d{4}\.\d{1,2}\.\d{1,2}" + _TIME, N_("year.month.day")),
    _Family("dm/", r"\d{1,2}/\d{1,2}/(?:\d{4}|\d{2})" + _TIME, N_("day and month with '/'"), "/"),
    _Family("dm.", r"\d{1,2}\.\d{1,2}\.(?:\d{4}|\d{2})" + _TIME, N_("day.month.year"), "."),
    _Family("dm-", r"\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})" + _TIME, N_("day and month with '-'"), "-"),
)
_TEXT_FAMILY = _Family("text", "", N_("month names"))  # labels: English msgids, shown with _()
_DIGITS = str.maketrans("0123456789", "9" * 10)
_MONTH_FORMATS = ("%b %Y", "%B %Y", "%b-%Y", "%B-%Y", "%b-%y", "%d-%b-%y", "%d-%b-%Y",
                  "%d %b %y", "%b %d %Y", "%B %d %Y")
_COMPACT_YEARS = (1700, 2199)  # 8-digit numbers read as yyyymmdd only with years in this range
_MAX_TEXT_SHAPES = 40  # month-name cells are grouped by shape; a column of words has many


def _is_date(cell: str) -> bool:
    """Could this one cell be a date (used to tell a header row from data)?"""
    text = cell.strip()
    if any(re.fullmatch(f.pattern, text) for f in _FAMILIES):
        return True
    return _text_format(text) is not None


def _text_format(example: str) -> str | None:
    """The format of a date written with a month name (3 Jan 2020, January 3, 2020), or None."""
    if not re.search(r"[A-Za-z]{3}", example) or not re.search(r"\d", example):
        return None
    try:
        fmt = guess_datetime_format(example)
    except (ValueError, TypeError):
        fmt = None
    if fmt and re.search("%[bB]", fmt) and re.search("%[Yy]", fmt) \
            and not re.search("%[zZ]", fmt):
        return fmt
    for fmt in _MONTH_FORMATS:  # what pandas does not guess: Jan 2020, 3-Jan-20, ...
        try:
            datetime.strptime(example, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _shape_format(shape: str, family: _Family, day_first: bool) -> str | None:
    """The strptime format of one cell shape ('99/9/9999 9:99 PM') of a numeric family."""
    match = re.fullmatch(r"(9+)([-/.])(9+)[-/.](9+)"
                         r"(?:([T ])(9+):99(:99([.,]9+)?)?( ?)([AaPp][Mm])?)?", shape)
    if match is None:
        return None
    first, sep, _mid, last, tsep, _clock, seconds, fraction, space, ampm = match.groups()
    if family.key.startswith("ymd"):
        date = f"%Y{sep}%m{sep}%d"
    else:
        year = "%Y" if len(last) == 4 else "%y"
        date = f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"
    if tsep is None:
        return date
    time = ("%I" if ampm else "%H") + ":%M" + (":%S" if seconds else "") \
        + (fraction[0] + "%f" if fraction else "") + (f"{space}%p" if ampm else "")
    return f"{date}{tsep}{time}"


def _long(stamp: pd.Timestamp) -> str:
    """5 January 2024 (English) or 2024年1月5日 (Chinese): a date no reader can misread."""
    if current_language() != "en":
        return format_date(stamp)
    return f"{stamp.day} {stamp:%B} {stamp.year}"


def _rows(index: pd.Index, first_row: int, limit: int = 3) -> str:
    rows = [str(int(i) + first_row) for i in index[:limit]]
    more = ", …" if len(index) > limit else ""
    return ngettext("row {rows}", "rows {rows}", len(rows)).format(rows=", ".join(rows) + more)


@dataclass(frozen=True)
class DateReading:
    """How one column of cells was read as dates.

    dates: tz-naive datetime64 Series on the cells' index, NaT where a cell is not a date.
    note: plain words on how the dates were read, when that needs saying ("" otherwise).
    problem: why the column cannot be read consistently ("" when it can): mixed formats, or
        dd/mm dates whose values contradict each other. A loader refuses the column with it.
    day_first: the order used for dd/mm/yyyy-like dates (None when the column has none).
    settled: False when that order is a guess that the values do not prove.
    """

    dates: pd.Series
    note: str = ""
    problem: str = ""
    day_first: bool | None = None
    settled: bool = True


def _parse(text: pd.Series, formats: dict[str, str], shapes: pd.Series | None) -> pd.Series:
    """Parse each group of cells with its one explicit format (one group when shapes is None)."""
    if shapes is None:
        (fmt,) = formats.values()
        return pd.to_datetime(text, format=fmt, errors="coerce")
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for shape, fmt in formats.items():
        mask = shapes == shape
        out[mask] = pd.to_datetime(text[mask], format=fmt, errors="coerce")
    return out


def _formats(text: pd.Series, family: _Family, day_first: bool):
    """(formats by shape, shapes or None): one format per cell shape of a numeric family.

    Dates without times need no per-cell look: %d and %m accept 1/2/2020 and 10/12/2020 alike,
    so only the year's digits (2020 or 20) can differ between cells.
    """
    if text.str.fullmatch(family.pattern.replace(_TIME, ""), na=False).all():
        if family.key.startswith("ymd"):
            return {"*": _shape_format("9999" + family.key[-1] + "99" + family.key[-1] + "99",
                                       family, day_first)}, None
        four = text.str.fullmatch(r"[\d/.-]+[/.-]\d{4}", na=False)
        if four.all() or not four.any():
            digits = "9999" if four.all() else "99"
            shape = f"99{family.sep}99{family.sep}{digits}"
            return {"*": _shape_format(shape, family, day_first)}, None
    return _per_shape(text, family, day_first)


def _per_shape(text: pd.Series, family: _Family, day_first: bool):
    shapes = text.str.translate(_DIGITS)
    formats = {}
    for shape in shapes.unique():
        fmt = _shape_format(str(shape), family, day_first)
        if fmt is not None:
            formats[shape] = fmt
    return formats, shapes


def _read_family(text: pd.Series, family: _Family, day_first: bool) -> pd.Series:
    formats, shapes = _formats(text, family, day_first)
    return _parse(text, formats, shapes)


def _zones(text: pd.Series) -> tuple[pd.Series, str]:
    """ISO cells with a zone lose it (kept as written, not converted); the note names it."""
    at_end = r"[T ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?" + _ZONE
    zoned = text.str.contains(at_end + "$", na=False)
    if not zoned.any():
        return text, ""
    zone = " ?(?:Z|UTC|GMT|[+-]\\d{2}(?::?\\d{2})?)$"
    tails = text[zoned].str.slice(-7).unique()
    names = sorted({re.search(zone, str(t)).group(0).strip() for t in tails
                    if re.search(zone, str(t))})
    stripped = text.where(~zoned, text.str.replace(zone, "", regex=True))
    shown = ", ".join("UTC, written Z" if n == "Z" else n if n in ("UTC", "GMT") else f"UTC{n}"
                      for n in names[:4]) + (", …" if len(names) > 4 else "")
    return stripped, (_("The times carry a time zone ({shown}); each date and time was kept as "
                        "written there: the zone was dropped, not converted to UTC.").format(
                          shown=shown))


def _quarters(text: pd.Series) -> pd.Series:
    """'2020Q1', '2020-Q1', 'Q1 2020' -> the first day of the quarter (2020-01-01)."""
    year = text.str.extract(r"(\d{4})", expand=False).astype("int64")
    quarter = text.str.extract(r"[Qq]([1-4])", expand=False).astype("int64")
    return pd.to_datetime(pd.DataFrame({"year": year, "month": 3 * quarter - 2, "day": 1}),
                          errors="coerce")


def _order(text: pd.Series, family: _Family, day_first: bool | None, first_row: int):
    """(day_first, settled, note, problem) for a dd/mm vs mm/dd family."""
    sep = re.escape(family.sep)
    big = r"(?:1[3-9]|[2-9]\d)"
    day_proof = text.str.fullmatch(rf"{big}{sep}\d{{1,2}}{sep}.*", na=False)  # 31/01/2024
    month_proof = text.str.fullmatch(rf"\d{{1,2}}{sep}{big}{sep}.*", na=False)  # 01/31/2024
    dmy, mdy = _("day/month/year"), _("month/day/year")
    if day_proof.any() and month_proof.any():
        d, m = day_proof.idxmax(), month_proof.idxmax()
        return None, True, "", (
            _("The dates do not follow one order: {value} ({value2}) can only be {dmy}, but "
              "{value3} ({value4}) only {mdy}. Write every date the same way, best as YYYY-MM-DD "
              "(for example 2024-01-31), and upload the file again.").format(
                value=text[d], value2=_rows(pd.Index([d]), first_row), dmy=dmy, value3=text[m],
                value4=_rows(pd.Index([m]), first_row), mdy=mdy))
    if day_proof.any() or month_proof.any():
        proved = bool(day_proof.any())
        where = day_proof if proved else month_proof
        row = where.idxmax()
        if day_first is not None and day_first != proved:
            return None, True, "", (
                _("The dates cannot be {value}: {value2} ({value3}) has no month {value4}. Choose "
                  "{value5}.").format(
                    value=dmy if day_first else mdy, value2=text[row],
                    value3=_rows(pd.Index([row]), first_row),
                    value4=re.split(sep, text[row])[0 if proved else 1],
                    value5=dmy if proved else mdy))
        stamp = _read_family(text[[row]], family, proved).iloc[0]
        said = f"{_long(stamp)}" if not pd.isna(stamp) else _("read that way")
        if family.key == "dm." and proved:
            return True, True, "", ""  # 31.01.2024: the usual dotted form, nothing to say
        return proved, True, (_("Dates read as {order}: {date} ({row}) can only be {said}.")
                              .format(order=dmy if proved else mdy, date=text[row],
                                      row=_rows(pd.Index([row]), first_row), said=said)), ""
    example = text.iloc[0]
    if day_first is not None:
        stamp = _read_family(text[:1], family, day_first).iloc[0]
        said = f" ({example} = {_long(stamp)})" if not pd.isna(stamp) else ""
        return day_first, False, _("Dates read as {value}, as chosen{said}.").format(
                                     value=dmy if day_first else mdy, said=said), ""
    if family.key == "dm.":
        return True, False, "", ""  # dotted dates are day.month.year wherever they are written
    by_day, by_month = (_read_family(text, family, order) for order in (True, False))
    chosen, reason = True, _("no value tells which comes first")
    ordered = [_in_order(by_day), _in_order(by_month)]
    if ordered[0] != ordered[1]:
        chosen, reason = ordered[0], _("only this reading keeps the rows in date order")
    else:
        spread = [_unevenness(by_day), _unevenness(by_month)]
        if min(spread) * 2 < max(spread):
            chosen, reason = spread[0] < spread[1], _("only this reading spaces the dates evenly")
    stamp = (by_day if chosen else by_month).iloc[0]
    said = f" = {_long(stamp)}" if not pd.isna(stamp) else ""
    other = mdy if chosen else dmy
    return chosen, False, (_("Dates read as {value} ({example}{said}): no day above 12 settles "
                             "the order, and {reason}. If they are {other}, change the date order "
                             "(or write the dates as YYYY-MM-DD).").format(
                               value=dmy if chosen else mdy, example=example, said=said,
                               reason=reason, other=other)), ""


def _in_order(dates: pd.Series) -> bool:
    dates = dates.dropna()
    return dates.is_monotonic_increasing or dates.is_monotonic_decreasing


def _unevenness(dates: pd.Series) -> float:
    """Largest gap over the median gap between the distinct dates (1 for an even grid)."""
    days = pd.Series(dates.dropna().unique()).sort_values()
    gaps = days.diff().dropna().dt.total_seconds()
    gaps = gaps[gaps > 0]
    if gaps.empty:
        return 1.0
    return float(gaps.max() / gaps.median())


def _example(text: pd.Series, family: _Family) -> str:
    return {"iso": "2020-01-31", "ym": "2020-01", "quarter": "2020Q1", "ymd/": "2020/01/31",
            "ymd.": "2020.01.31", "text": "31 Jan 2020"}.get(family.key, text.iloc[0])


def read_dates(cells: pd.Series, day_first: bool | None = None, *, first_row: int = 1,
               column: str = "date") -> DateReading:
    """Read a column of text cells as dates, with one explicit format for each way of writing.

    day_first: the order of dd/mm/yyyy-like dates when the values do not prove it (None:
        decide — by the values, then by which reading keeps the rows in order or evenly
        spaced, then day first). first_row: the row number of the first cell, for messages.
    """
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    text = cells.astype("string").str.strip()
    text = text[text.notna() & (text != "")]
    if text.empty:
        return DateReading(out)
    found: list[tuple[_Family, pd.Series]] = []
    left = text
    for family in _FAMILIES:
        if left.empty:
            break
        match = left.str.fullmatch(family.pattern, na=False)
        if match.any():
            found.append((family, left[match]))
            left = left[~match]
    if not left.empty:  # month names: one format per shape ('Jan 9, 9999', '9 January 9999')
        shapes = left.str.translate(_DIGITS)
        formats = {}
        for shape in shapes.value_counts().index[:_MAX_TEXT_SHAPES]:
            example = left[shapes == shape].iloc[0]
            fmt = _text_format(str(example))
            if fmt is not None:
                formats[shape] = fmt
        if formats:
            readable = shapes.isin(list(formats))
            found.append((_TEXT_FAMILY, left[readable]))
            text_shapes, text_formats = shapes[readable], formats
    notes, problems, order, settled = [], [], None, True
    if len(found) > 1:
        parts = [_("{count} like {value} ({label}, {index})").format(
                     count=len(cells_), value=cells_.iloc[0], label=_(family.label),
                     index=_rows(cells_.index, first_row)) for family, cells_ in found]
        problems.append(
            _("The column {column!r} mixes date formats: {value}. A date such as 02/01/2020 can "
              "mean 2 January or 1 February, so these cannot be read together. Write every date "
              "the same way, best as YYYY-MM-DD (for example 2020-01-31), and upload the file "
              "again.").format(column=column, value='; '.join(parts)))
    for family, part in found:
        if family.key == "iso":
            part, note = _zones(part)
            notes.append(note)
            out[part.index] = pd.to_datetime(part, format="ISO8601", errors="coerce")
        elif family.key == "ym":
            out[part.index] = pd.to_datetime(part, format="%Y-%m", errors="coerce")
        elif family.key == "quarter":
            out[part.index] = quarters = _quarters(part)
            notes.append(_("Quarters read as the first day of each quarter ({quarter} = "
                           "{day}).").format(quarter=part.iloc[0], day=_long(quarters.iloc[0])))
        elif family is _TEXT_FAMILY:
            out[part.index] = _parse(part, text_formats, text_shapes)
        elif family.key.startswith("ymd"):
            out[part.index] = _read_family(part, family, True)
        else:
            order, settled, note, problem = _order(part, family, day_first, first_row)
            notes.append(note)
            problems.append(problem)
            if order is not None:
                out[part.index] = _read_family(part, family, order)
            else:  # refused: still read each cell the one way it can be, so the column counts
                # as dates and the refusal reaches the student instead of a numbered axis
                both = _read_family(part, family, True)
                out[part.index] = both.fillna(_read_family(part, family, False))
    return DateReading(out, note=" ".join(n for n in notes if n),
                       problem=" ".join(p for p in problems if p), day_first=order,
                       settled=settled)


def to_dates(cells: pd.Series, day_first: bool | None = None) -> pd.Series:
    """Text cells -> tz-naive datetime64 (NaT where a cell is not a date); see `read_dates`."""
    return read_dates(cells, day_first).dates


def read_compact_dates(cells: pd.Series, numbers: pd.Series, *,
                       column: str = "date") -> DateReading | None:
    """A column of 8-digit numbers that are all valid dates (20200131) read as yyyymmdd dates;
    None when any of its numbers is not one (then the column stays numeric)."""
    text = cells.astype("string").str.strip()[numbers.notna()]
    if text.empty or not text.str.fullmatch(r"\d{8}", na=False).all():
        return None
    read = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    if read.isna().any() or not read.dt.year.between(*_COMPACT_YEARS).all():
        return None
    out = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[us]")
    out[read.index] = read
    return DateReading(out, note=(
        _("The column {column!r} holds 8-digit numbers that are all valid dates, so they were "
          "read as dates written year, month, day ({value} = {value2}), not as numbers.").format(
            column=column, value=text.iloc[0], value2=_long(read.iloc[0]))))
