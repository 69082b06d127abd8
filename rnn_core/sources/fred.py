"""FRED economic series through pandas-datareader, with the GS10 sample of seed 004 as a safety net.

pandas-datareader asks https://fred.stlouisfed.org/graph/fredgraph.csv?id=GS10 for the whole
series and slices the dates locally. It waits `timeout` seconds per try and tries
`retry_count + 1` times, so with 5 s and one retry an unreachable FRED is reported after about
10 s; `run_with_deadline` caps the total even when a server drips bytes slowly.
Order of answers: fresh cache -> FRED -> older cache -> (GS10 only) the bundled sample.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from importlib import resources

import numpy as np
import pandas as pd
import requests
from requests.adapters import HTTPAdapter

from rnn_core.i18n import N_, _, ngettext

from ..words import counted
from .cache import fetch_with_cache
from .deadline import run_with_deadline
from .series import DataSourceError, SeriesData, SourceUnreachable, as_float_series, \
    infer_frequency, now_utc
from .validate import date_range, fred_id, range_text

FRED_URL = "https://fred.stlouisfed.org"
DEFAULT_START, DEFAULT_END = "2018-02-01", "2022-12-31"  # seed 004's 59 months
TIMEOUT, RETRY_COUNT = 5.0, 1
_UNITS = {"GS10": "percent", "DGS10": "percent", "UNRATE": "percent", "FEDFUNDS": "percent"}
_NAMES = {"GS10": N_("10-year Treasury yield, monthly (GS10)")}  # shown with _()


def bundled_gs10() -> SeriesData:
    """The 59 monthly GS10 values printed in seed 004 (2018-02 .. 2022-12), shipped in the package.

    Returns SeriesData with (59,) float64 values on month-start dates, provenance 'bundled'.
    """
    text = resources.files("rnn_core").joinpath("data/gs10_sample.csv")
    with text.open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle, index_col=0, parse_dates=True)
    values = as_float_series(frame.iloc[:, 0], "GS10")
    return SeriesData(values=values, name=_(_NAMES["GS10"]), units="percent", frequency="monthly",
                      provenance="bundled", fetched_at=None,
                      note=_("Bundled GS10 sample: the 59 monthly values printed in seed 004."))


class _RedirectAdapter(HTTPAdapter):
    """Send requests meant for FRED to another server (a loopback server in the tests)."""

    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request, **kwargs):
        request.url = self.base_url + request.url[len(FRED_URL):]
        return super().send(request, **kwargs)


def _session(base_url: str, statuses: list) -> requests.Session:
    session = requests.Session()
    if base_url.rstrip("/") != FRED_URL:
        session.mount(FRED_URL + "/", _RedirectAdapter(base_url))
    # remember every HTTP status so a 404 (no such series) is told apart from no answer at all
    session.hooks["response"].append(lambda response, *args, **kwargs:
                                     statuses.append(response.status_code))
    return session


def _download(sid, start, end, *, timeout, retry_count, base_url) -> pd.Series:
    """One FRED request through pandas-datareader: (n,) Series on dates, NaN where FRED has '.'."""
    try:
        from pandas_datareader._utils import RemoteDataError
        from pandas_datareader.fred import FredReader
    except ImportError as err:
        raise DataSourceError(_("FRED needs the pandas-datareader package: pip install "
                                "pandas-datareader (or pick another source).")) from err
    statuses: list[int] = []
    reader = FredReader(sid, start=start, end=end, timeout=timeout, retry_count=retry_count,
                        pause=0.1, session=_session(base_url, statuses))
    budget = timeout * (retry_count + 1) + 1.0
    try:
        frame = run_with_deadline(reader.read, budget, what="FRED")
    except TimeoutError as err:
        raise SourceUnreachable(_("FRED did not answer within {budget:g} seconds.").format(
                                    budget=budget)) from err
    except (RemoteDataError, OSError, requests.RequestException) as err:
        if any(code in (400, 404) for code in statuses):
            raise DataSourceError(_("FRED has no series called {sid}; check the id on "
                                    "fred.stlouisfed.org (for example GS10 or UNRATE).").format(
                                      sid=sid)) from err
        if "timed out" in str(err).lower() or "timeout" in str(err).lower():
            raise SourceUnreachable(_("FRED did not answer within {timeout:g} seconds "
                                      "({trys}).").format(
                                        timeout=timeout,
                                        trys=counted(retry_count + 1, 'try', 'tries'))) from err
        raise SourceUnreachable(_("FRED could not be reached (no network, or the service is "
                                  "down).")) from err
    except (ValueError, KeyError, IndexError) as err:  # pandas could not read what came back
        raise SourceUnreachable(_("FRED answered, but not with a data table for {sid}.").format(
            sid=sid)) from err
    column = frame.iloc[:, 0] if frame.shape[1] else pd.Series(dtype=np.float64)
    if not pd.api.types.is_numeric_dtype(column):
        raise SourceUnreachable(_("FRED answered, but not with a data table for {sid}.").format(
            sid=sid))
    return column.replace([np.inf, -np.inf], np.nan)


def load_fred(series_id: str = "GS10", start=DEFAULT_START, end=DEFAULT_END, *,
              refresh: bool = False, timeout: float = TIMEOUT, retry_count: int = RETRY_COUNT,
              base_url: str = FRED_URL, cache_dir=None) -> SeriesData:
    """A FRED series between `start` and `end` (inclusive; None = open-ended).

    Returns SeriesData with (n,) float64 values on a DatetimeIndex; FRED's missing values
    ('.') are dropped and counted in the note. Provenance 'live', 'cache' or, for GS10 when
    FRED cannot be reached and nothing is cached, 'bundled'. `base_url` replaces FRED's address
    (tests point it at a loopback server). Raises DataSourceError in plain words.
    """
    sid = fred_id(series_id)
    first, last = date_range(start, end)

    def fetch() -> SeriesData:
        raw = _download(sid, first, last, timeout=timeout, retry_count=retry_count,
                        base_url=base_url)
        column = raw.dropna()
        if column.empty:
            raise DataSourceError(_("FRED has no values of {sid} between {first}; widen the date "
                                    "range.").format(sid=sid, first=range_text(first, last)))
        missing = len(raw) - len(column)
        note = ngettext("{n} missing value ('.' in FRED's file) was dropped.",
                        "{n} missing values ('.' in FRED's file) were dropped.", missing).format(
            n=missing) if missing else ""
        values = as_float_series(column, sid)
        return SeriesData(values=values, name=_(_NAMES.get(sid, sid)), units=_UNITS.get(sid, ""),
                          frequency=infer_frequency(values.index), provenance="live",
                          fetched_at=now_utc(), note=note)

    key = {"source": "fred", "id": sid, "start": None if first is None else first.isoformat(),
           "end": None if last is None else last.isoformat()}
    # an open end ("up to today") gains new points, so such a copy is refreshed after a day
    max_age = timedelta(days=1) if last is None else None
    try:
        return fetch_with_cache(key, fetch, refresh=refresh, directory=cache_dir,
                                max_age=max_age)
    except SourceUnreachable as err:
        if sid != "GS10":
            raise SourceUnreachable(_("{err} Nothing is cached for {sid}; the bundled GS10 "
                                      "sample works offline — choose GS10 to use it.").format(
                                        err=err, sid=sid)) from err
        asked = "" if (first, last) == date_range(DEFAULT_START, DEFAULT_END) else \
            _(" (you asked for {first})").format(first=range_text(first, last, joiner=' .. '))
        return replace(bundled_gs10(), note=_("{err} Showing the bundled GS10 sample of seed 004 "
                                              "instead: 59 monthly values, 2018-02 .. "
                                              "2022-12{asked}.").format(err=err, asked=asked))
