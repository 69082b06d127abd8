"""Real stock prices that need no network: the weekly sample that ships with plotly.

`plotly.data.stocks()` holds the weekly closing prices of six large companies from 2018-01-01
to 2019-12-30 (105 weeks), each divided by its own first week, so every series starts at 1.0.
They are real prices, relative to 1 January 2018 — honest to label as exactly that, and always
available offline (plotly is already a dependency).
"""

from __future__ import annotations

import pandas as pd

from rnn_core.i18n import _

from .series import SeriesData

SAMPLE_TICKERS = ("GOOG", "AAPL", "AMZN", "FB", "NFLX", "MSFT")


def sample_name(symbol: str) -> str:
    return (_("{symbol} weekly close 2018–2019, relative to its first week (offline sample "
              "shipped with plotly)").format(symbol=symbol))


def stock_sample(symbol: str = "GOOG") -> SeriesData:
    """One company's 105 weekly closes, normalised to 1.0 in the first week of 2018."""
    if symbol not in SAMPLE_TICKERS:
        raise ValueError(_("The offline sample has {value}; not {symbol!r}.").format(
                             value=', '.join(SAMPLE_TICKERS), symbol=symbol))
    from plotly.data import stocks  # imported here: only this source needs it

    frame = stocks()
    values = pd.Series(frame[symbol].to_numpy(dtype="float64"),
                       index=pd.DatetimeIndex(pd.to_datetime(frame["date"], format="%Y-%m-%d"),
                                              name="date"), name=symbol)
    return SeriesData(values=values, name=sample_name(symbol),
                      units=_("× first-week price"), frequency="weekly", provenance="bundled",
                      note=_("Real weekly closing prices from plotly's bundled sample, "
                             "divided by each company's close in the first week of 2018 (so "
                             "1.2 means 20% above it). Works without internet."))
