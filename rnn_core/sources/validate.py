"""Check what a user typed before anything is sent over the network.

A series id or ticker symbol ends up inside a URL, so only a small, plain alphabet is let
through; everything else gets a message saying what a valid value looks like.
`value_range_problem` says when numbers are too large or too small to train on (every source's
series passes it before training; an upload is refused with it at once).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from rnn_core.i18n import _, format_date

from .series import DataSourceError

FRED_ID_MAX = 30
TICKER_MAX = 15
FIELDS = ("Open", "High", "Low", "Close", "Adj Close", "Volume")
INTERVALS = {"1d": "daily", "1wk": "weekly"}

# Every error is squared (MSE, RMSE, the training loss): the square of a number past 1.3e154
# overflows float64 (largest 1.8e308) to inf, of one under 1e-154 loses its digits below
# 1e-308 and reaches 0 under 1e-162. The limits leave room for errors larger than the values.
LARGEST_VALUE = 1e150
SMALLEST_VALUE = 1e-150

_FRED_ID = re.compile(r"[A-Z0-9_]+")
_TICKER = re.compile(r"[A-Z0-9.\-^=]+")


def _clean_code(raw, what: str, example: str) -> str:
    if not isinstance(raw, str):
        raise DataSourceError(_("The {what} must be text such as {example}, not {raw!r}.").format(
                                  what=what, example=example, raw=raw))
    text = raw.strip()  # stray spaces around a pasted id are harmless
    if not text:
        raise DataSourceError(_("The {what} is empty; type one such as {example}.").format(
                                  what=what, example=example))
    # check ASCII before upper-casing: 'ı'.upper() is 'I' and 'ﬀ'.upper() is 'FF'
    if not text.isascii():
        raise DataSourceError(_("The {what} {raw!r} contains non-ASCII characters; use plain "
                                "letters and digits such as {example}.").format(
                                  what=what, raw=raw, example=example))
    return text.upper()


def fred_id(raw) -> str:
    """'gs10' -> 'GS10'; upper-case letters, digits and '_' only, at most FRED_ID_MAX long."""
    text = _clean_code(raw, _("FRED series id"), _("GS10 or UNRATE"))
    if len(text) > FRED_ID_MAX:
        raise DataSourceError(_("The FRED series id is {count} characters long; FRED ids have at "
                                "most {FRED_ID_MAX} (for example GS10).").format(
                                  count=len(text), FRED_ID_MAX=FRED_ID_MAX))
    if not _FRED_ID.fullmatch(text):
        raise DataSourceError(_("The FRED series id {raw!r} may contain only letters, digits and "
                                "'_' (no spaces, quotes or slashes), for example GS10 or "
                                "UNRATE.").format(raw=raw))
    return text


def ticker_symbol(raw) -> str:
    """'googl' -> 'GOOGL'; letters, digits and . - ^ = only, at most TICKER_MAX long."""
    text = _clean_code(raw, _("ticker symbol"), _("GOOGL or ^GSPC"))
    if len(text) > TICKER_MAX:
        raise DataSourceError(_("The ticker symbol is {count} characters long; Yahoo symbols have "
                                "at most {TICKER_MAX} (for example GOOGL or EURUSD=X).").format(
                                  count=len(text), TICKER_MAX=TICKER_MAX))
    if not _TICKER.fullmatch(text):
        raise DataSourceError(_("The ticker symbol {raw!r} may contain only letters, digits and "
                                "the signs . - ^ = (no spaces, quotes or slashes), for example "
                                "GOOGL, BRK-B, ^GSPC or EURUSD=X.").format(raw=raw))
    return text


def price_field(raw) -> str:
    """'adj close' -> 'Adj Close'; one of FIELDS."""
    for name in FIELDS:
        if isinstance(raw, str) and raw.strip().lower() == name.lower():
            return name
    raise DataSourceError(_("Unknown price field {raw!r}; choose one of {value}.").format(
                              raw=raw, value=', '.join(FIELDS)))


def interval_code(raw) -> str:
    """'1d' / 'daily' -> '1d', '1wk' / 'weekly' -> '1wk'."""
    for code, word in INTERVALS.items():
        if isinstance(raw, str) and raw.strip().lower() in (code, word):
            return code
    raise DataSourceError(_("Unknown frequency {raw!r}; use '1d' (daily) or '1wk' "
                            "(weekly).").format(raw=raw))


def _date(raw, what: str) -> pd.Timestamp | None:
    if raw is None or raw == "":
        return None
    try:
        stamp = pd.Timestamp(raw)
    except (ValueError, TypeError):
        stamp = None
    if stamp is None or stamp is pd.NaT:
        raise DataSourceError(_("The {what} date {raw!r} is not a date; write it as YYYY-MM-DD, "
                                "for example 2018-02-01.").format(what=what, raw=raw))
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def date_range(start, end) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse an inclusive (start, end) pair; either may be None (open-ended)."""
    # TRANSLATORS: "start" and "end" fill "The {what} date ... is not a date"
    first, last = _date(start, _("start")), _date(end, _("end"))
    if first is not None and last is not None and first >= last:
        raise DataSourceError(_("The start date {first:%Y-%m-%d} is not before the end date "
                                "{last:%Y-%m-%d}; swap them or widen the range.").format(
                                  first=first, last=last))
    return first, last


def range_text(start: pd.Timestamp | None, end: pd.Timestamp | None,
               joiner: str | None = None) -> str:
    """'2018-02-01 and 2022-12-31' (open ends read 'the beginning' / 'today'), in the current
    language: 2018年2月1日和2022年12月31日 in Chinese."""
    first = _("the beginning") if start is None else format_date(start)
    last = _("today") if end is None else format_date(end)
    if joiner is not None:
        return f"{first}{joiner}{last}"
    return _("{first} and {last}").format(first=first, last=last)


def _power(x: float) -> int:
    return math.floor(math.log10(x))


def _sci(x: float) -> str:
    """1.7e308, 3e-200: a size as a student writes it (no '+', no zeros in the exponent)."""
    mantissa, _e, exponent = f"{x:.2g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def value_range_problem(values, what: str = "the series", then: str = "try again") -> str:
    """Why these finite numbers are too large or too small to train on, in plain words ("" when
    they are not). what: how to name them ("the column 'price'"); then: what to do after."""
    sizes = np.abs(np.asarray(values, dtype=np.float64))
    sizes = sizes[np.isfinite(sizes)]
    if sizes.size == 0:
        return ""
    big = float(sizes.max())
    if big > LARGEST_VALUE:
        return (f"Values up to {_sci(big)} are too large to train on: every error is squared, "
                "and the square of a number this big passes the largest number the computer "
                "can hold (about 1.8e308), so errors would read inf. Divide "
                f"{what} by 1e{_power(big)} (or use larger units, such as millions) and {then}.")
    if 0.0 < big < SMALLEST_VALUE:
        return (f"The values are at most {_sci(big)} in size, too small to train on: every "
                "error is squared, and squares of numbers this small fall below the smallest "
                "number the computer can hold (about 1e-308), so every error would read 0. "
                f"Multiply {what} by 1e{-_power(big)} (or use smaller units) and {then}.")
    return ""
