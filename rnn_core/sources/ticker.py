"""Daily or weekly stock prices from Yahoo Finance through yfinance.

Two facts about yfinance shape this module. `yf.download` never raises for a bad symbol or a
dead network: it logs the reason and returns an EMPTY DataFrame, so `_download` listens to
yfinance's log to tell "unreachable" from "no such symbol". And its columns are a MultiIndex
(Price, Ticker) even for one symbol, so `normalise_download` — a pure function — accepts every
layout yfinance produces. Prices are requested with auto_adjust=False, which matches Yahoo's
web page: Open/High/Low/Close as traded (split-adjusted) and "Adj Close" also for dividends.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from datetime import timedelta

import numpy as np
import pandas as pd

from .cache import fetch_with_cache
from .deadline import run_with_deadline
from .series import DataSourceError, SeriesData, SourceUnreachable, as_float_series, now_utc
from .validate import INTERVALS, date_range, interval_code, price_field, range_text, \
    ticker_symbol

from rnn_core.i18n import _

TIMEOUT = 5.0  # seconds per HTTP request inside yfinance
DEADLINE = 10.0  # seconds for the whole download (yfinance makes several requests)
# words in yfinance's log that mean the network, not the symbol, failed
_NETWORK_WORDS = ("resolve host", "dnserror", "connectionerror", "connection refused",
                  "failed to connect", "timed out", "timeout", "max retries", "failed to perform",
                  "remotedisconnected", "connection aborted", "ssl")


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextmanager
def _yfinance_log():
    """Collect what yfinance logs meanwhile (other threads' messages may slip in: harmless)."""
    handler, logger = _Collect(), logging.getLogger("yfinance")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _download(symbol: str, start: str | None, end: str | None, interval: str, timeout: float,
              session=None) -> pd.DataFrame:
    """The one call that reaches Yahoo: yfinance's frame as is (possibly empty).

    start/end: 'YYYY-MM-DD' or None, end exclusive (yfinance's convention). `session`: None
    (yfinance's own) or a requests.Session. Raises SourceUnreachable when yfinance logged a
    network failure and returned nothing.
    """
    try:
        import yfinance as yf
    except ImportError as err:
        raise DataSourceError(_("Stock prices need the yfinance package: pip install yfinance "
                                "(or pick another source).")) from err
    with _yfinance_log() as messages:
        frame = yf.download(symbol, start=start, end=end, interval=interval, auto_adjust=False,
                            actions=False, progress=False, threads=False, timeout=timeout,
                            session=session)
    if frame is None or frame.empty:
        said = " ".join(messages).lower()
        if "rate limit" in said or "too many requests" in said:
            raise SourceUnreachable(_("Yahoo Finance is refusing requests for now (too many "
                                      "requests); try again in a minute."))
        if any(word in said for word in _NETWORK_WORDS):
            raise SourceUnreachable(_("Yahoo Finance could not be reached (no network, or the "
                                      "service is down)."))
    return pd.DataFrame() if frame is None else frame


def normalise_download(frame: pd.DataFrame, symbol: str, field: str, start=None,
                       end=None) -> pd.Series:
    """Pick `field` of `symbol` out of a yfinance frame: (n,) float64 on dates, NaN dropped.

    Accepts single-level columns (multi_level_index=False), MultiIndex (Price, Ticker) (the
    default) and (Ticker, Price) (group_by='ticker'). start/end only word the error message.
    """
    no_data = DataSourceError(_("No data for {symbol} between {start}: check the symbol "
                                "on finance.yahoo.com (for example GOOGL or ^GSPC) and the "
                                "dates.").format(symbol=symbol, start=range_text(start, end)))
    if frame is None or frame.empty:
        raise no_data
    columns = frame.columns
    if isinstance(columns, pd.MultiIndex):
        names = list(columns.names)
        level = names.index("Price") if "Price" in names else \
            next((i for i in range(columns.nlevels) if field in columns.get_level_values(i)), 0)
        fields = list(columns.get_level_values(level).unique())
        if field not in fields:
            raise DataSourceError(_("The download has no {field!r} column (it has "
                                    "{value}).").format(
                                      field=field, value=', '.join(map(str, fields))))
        picked = frame.xs(field, axis=1, level=level)  # one column per ticker
        if isinstance(picked, pd.DataFrame):
            if symbol in picked.columns:
                picked = picked[symbol]
            elif picked.shape[1] == 1:
                picked = picked.iloc[:, 0]
            else:
                raise DataSourceError(_("The download has no column for {symbol} (it has "
                                        "{value}).").format(
                                          symbol=symbol,
                                          value=', '.join(map(str, picked.columns))))
    else:
        if field not in columns:
            raise DataSourceError(_("The download has no {field!r} column (it has "
                                    "{value}).").format(
                                      field=field, value=', '.join(map(str, columns))))
        picked = frame[field]
    picked = pd.to_numeric(picked, errors="coerce").replace([np.inf, -np.inf], np.nan).dropna()
    if picked.empty:
        raise no_data
    if not isinstance(picked.index, pd.DatetimeIndex):
        picked.index = pd.DatetimeIndex(picked.index)
    return as_float_series(picked, symbol)


def load_ticker(symbol: str = "GOOGL", start="2020-04-01", end="2023-04-01", field="Open",
                interval="1d", *, refresh: bool = False, timeout: float = TIMEOUT,
                deadline: float = DEADLINE, session=None, download=_download,
                cache_dir=None) -> SeriesData:
    """One price field of one symbol between `start` and `end` (inclusive; None = open-ended).

    Returns SeriesData with (n,) float64 values on trading dates, provenance 'live' or 'cache'.
    `download(symbol, start, end, interval, timeout, session=)` is the only call that leaves
    the machine;
    `session` (a requests.Session) is handed to yfinance. Raises DataSourceError in plain words
    (SourceUnreachable when Yahoo cannot be reached and nothing is cached), within `deadline`.
    """
    code, name = ticker_symbol(symbol), price_field(field)
    step = interval_code(interval)
    first, last = date_range(start, end)

    def fetch() -> SeriesData:
        begin = None if first is None else f"{first:%Y-%m-%d}"
        stop = None if last is None else f"{last + timedelta(days=1):%Y-%m-%d}"  # exclusive
        try:
            frame = run_with_deadline(
                lambda: download(code, begin, stop, step, timeout, session=session), deadline,
                what="Yahoo Finance")
        except TimeoutError as err:
            raise SourceUnreachable(_("Yahoo Finance did not answer within {deadline:g} "
                                      "seconds.").format(deadline=deadline)) from err
        values = normalise_download(frame, code, name, first, last)
        return SeriesData(values=values, name=f"{code} {name}",
                          units="shares" if name == "Volume" else "price",
                          frequency=INTERVALS[step] if len(values) > 1 else "unknown",
                          provenance="live", fetched_at=now_utc(), note="")

    key = {"source": "ticker", "id": code, "field": name, "interval": step,
           "start": None if first is None else first.isoformat(),
           "end": None if last is None else last.isoformat()}
    try:
        return fetch_with_cache(key, fetch, refresh=refresh, directory=cache_dir,
                                max_age=timedelta(days=1) if last is None else None)
    except SourceUnreachable as err:
        raise SourceUnreachable(_("{err} Nothing is cached for {code}; meanwhile the bundled "
                                  "GS10 sample (FRED) or a CSV file works offline.").format(
                                    err=err, code=code)) from err
