"""Tickers: real yfinance against a loopback server answering Yahoo's chart JSON, and the
normaliser on frames in every column layout yfinance returns."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yfinance as yf
from loopback import LoopbackServer, Reply, closed_port, redirecting_session

from rnn_core.sources import DataSourceError, SourceUnreachable, load_ticker, normalise_download

FIXTURES = Path(__file__).parent / "fixtures"
CHART = (FIXTURES / "yahoo_chart_GOOGL.json").read_bytes()
NOT_FOUND = (FIXTURES / "yahoo_chart_not_found.json").read_bytes()
FIELDS = ["Adj Close", "Close", "High", "Low", "Open", "Volume"]


def yahoo(chart_path: str, chart: Reply) -> dict:
    """Yahoo's hosts as one loopback server: cookie page, crumb, chart."""
    return {"/": Reply(b"<html>ok</html>", content_type="text/html"),
            "/v1/test/getcrumb": Reply(b"loopbackcrumb"),
            chart_path: chart}


def chart_columns() -> dict[str, list[float]]:
    """The fixture's bars by yfinance field name, and its dates in New York."""
    result = json.loads(CHART)["chart"]["result"][0]
    quote = result["indicators"]["quote"][0]
    days = pd.to_datetime(result["timestamp"], unit="s", utc=True).tz_convert("America/New_York")
    return {"Open": quote["open"], "High": quote["high"], "Low": quote["low"],
            "Close": quote["close"], "Volume": quote["volume"],
            "Adj Close": result["indicators"]["adjclose"][0]["adjclose"],
            "dates": list(pd.DatetimeIndex(days.date))}


def history_frame(symbol: str, n: int = 4, adjusted: bool = False) -> pd.DataFrame:
    """One ticker's frame as Ticker.history gives it to yf.download."""
    rng = np.random.default_rng(5)
    index = pd.DatetimeIndex(pd.bdate_range("2020-04-01", periods=n), name="Date")
    names = [f for f in FIELDS if not (adjusted and f == "Adj Close")]
    return pd.DataFrame({f: rng.uniform(50, 60, n) for f in names}, index=index)


def download_layout(frames: dict, *, group_by="column", multi_level_index=True) -> pd.DataFrame:
    """Combine per-ticker frames the way yf.download does (yfinance 1.7, multi.py)."""
    data = pd.concat(frames.values(), axis=1, sort=True, keys=frames.keys(),
                     names=["Ticker", "Price"])
    if group_by == "column":
        data.columns = data.columns.swaplevel(0, 1)
        data = data.sort_index(level=0, axis=1)
    if not multi_level_index and len(frames) == 1:
        data = data.droplevel(0 if group_by == "ticker" else 1, axis=1).rename_axis(None, axis=1)
    return data


@pytest.mark.parametrize("layout", [
    dict(),  # the default: MultiIndex (Price, Ticker)
    dict(multi_level_index=False),  # flat columns
    dict(group_by="ticker"),  # MultiIndex (Ticker, Price)
])
@pytest.mark.parametrize("field", ["Open", "Adj Close", "Volume"])
def test_normaliser_picks_the_field_in_every_yfinance_layout(layout, field):
    one = history_frame("GOOGL")
    frame = download_layout({"GOOGL": one}, **layout)
    series = normalise_download(frame, "GOOGL", field)
    assert series.dtype == np.float64
    assert series.index.equals(pd.DatetimeIndex(one.index, name="date"))
    assert np.array_equal(series.to_numpy(), one[field].to_numpy())


def test_normaliser_picks_the_symbol_out_of_several():
    frames = {"GOOGL": history_frame("GOOGL"), "MSFT": history_frame("MSFT", n=4) * 2}
    frame = download_layout(frames)
    assert frame.columns.names == ["Price", "Ticker"]
    series = normalise_download(frame, "MSFT", "Close")
    assert np.array_equal(series.to_numpy(), frames["MSFT"]["Close"].to_numpy())


def test_empty_download_says_no_data_for_the_symbol_between_the_dates():
    empty = download_layout({"XYZ": pd.DataFrame(columns=FIELDS)})
    assert empty.empty
    with pytest.raises(DataSourceError, match="No data for XYZ between 2020-01-01 and 2020-02-01"):
        normalise_download(empty, "XYZ", "Close", pd.Timestamp("2020-01-01"),
                           pd.Timestamp("2020-02-01"))


def test_adjusted_download_has_no_adj_close_and_says_so():
    frame = download_layout({"GOOGL": history_frame("GOOGL", adjusted=True)})
    with pytest.raises(DataSourceError, match="no 'Adj Close' column"):
        normalise_download(frame, "GOOGL", "Adj Close")


@pytest.mark.parametrize("field", FIELDS)
def test_prices_come_value_by_value_from_yahoos_chart_json(field, tmp_path):
    expected = chart_columns()
    with LoopbackServer(yahoo("/v8/finance/chart/GOOGL", Reply(CHART))) as server:
        data = load_ticker("googl", "2020-04-01", "2020-04-14", field,
                           session=redirecting_session(server.url), cache_dir=tmp_path)
    assert data.provenance == "live" and data.frequency == "daily"
    assert data.name == f"GOOGL {field}"
    assert list(data.values.index) == expected["dates"]
    assert data.values.tolist() == [float(v) for v in expected[field]]


@pytest.mark.parametrize("layout", [dict(), dict(multi_level_index=False),
                                    dict(group_by="ticker")])
def test_normaliser_reads_frames_made_by_real_yfinance(layout):
    with LoopbackServer(yahoo("/v8/finance/chart/GOOGL", Reply(CHART))) as server:
        frame = yf.download("GOOGL", start="2020-04-01", end="2020-04-15", auto_adjust=False,
                            progress=False, threads=False, session=redirecting_session(server.url),
                            **layout)
    series = normalise_download(frame, "GOOGL", "Close")
    assert series.tolist() == chart_columns()["Close"]


def test_weekly_interval_is_asked_of_yahoo(tmp_path):
    with LoopbackServer(yahoo("/v8/finance/chart/GOOGL", Reply(CHART))) as server:
        data = load_ticker("GOOGL", "2020-03-30", "2020-04-14", "Close", "weekly",
                           session=redirecting_session(server.url), cache_dir=tmp_path)
        assert any("interval=1wk" in hit for hit in server.hits)
    assert data.frequency == "weekly"


def test_unknown_symbol_says_no_data_between_the_dates(tmp_path):
    with LoopbackServer(yahoo("/v8/finance/chart/", Reply(NOT_FOUND, status=404))) as server:
        with pytest.raises(DataSourceError) as caught:
            load_ticker("XYZQ", "2020-04-01", "2020-04-14", session=redirecting_session(server.url),
                        cache_dir=tmp_path)
    assert "No data for XYZQ between 2020-04-01 and 2020-04-14" in str(caught.value)
    assert not isinstance(caught.value, SourceUnreachable)


def test_offline_yahoo_is_reported_as_unreachable(tmp_path):
    session = redirecting_session(f"http://127.0.0.1:{closed_port()}")
    with pytest.raises(SourceUnreachable, match="Yahoo Finance could not be reached"):
        load_ticker("MSFT", "2021-01-01", "2021-06-30", session=session, cache_dir=tmp_path)


def test_a_rate_limited_yahoo_is_reported_as_such(tmp_path):
    with LoopbackServer({"/": Reply(b"Too Many Requests", status=429)}) as server:
        with pytest.raises(SourceUnreachable, match="too many requests"):
            load_ticker("NFLX", "2021-01-01", "2021-03-01",
                        session=redirecting_session(server.url), cache_dir=tmp_path)


def test_a_stalled_yahoo_ends_with_a_clear_message(tmp_path):
    with LoopbackServer(yahoo("/v8/finance/chart/", Reply(CHART)), mode="stall") as server:
        with pytest.raises(SourceUnreachable, match="Yahoo Finance"):
            load_ticker("AMZN", "2021-01-01", "2021-06-30", timeout=0.2, deadline=1.0,
                        session=redirecting_session(server.url), cache_dir=tmp_path)


def test_a_cached_ticker_is_served_when_yahoo_is_offline(tmp_path):
    # an open end ("until today"): yfinance keeps past ranges in memory, but asks for this one
    with LoopbackServer(yahoo("/v8/finance/chart/GOOGL", Reply(CHART))) as server:
        live = load_ticker("GOOGL", "2020-04-01", None, "Open",
                           session=redirecting_session(server.url), cache_dir=tmp_path)
    offline = redirecting_session(f"http://127.0.0.1:{closed_port()}")
    again = load_ticker("GOOGL", "2020-04-01", None, "Open", refresh=True, session=offline,
                        cache_dir=tmp_path)
    assert again.provenance == "cache" and "could not be reached" in again.note
    assert again.values.tolist() == live.values.tolist()


@pytest.mark.parametrize("symbol, field, interval, fragment", [
    ("GOO GL", "Open", "1d", "ticker symbol"),
    ("GOOGL;rm", "Open", "1d", "ticker symbol"),
    ("../etc", "Open", "1d", "ticker symbol"),
    ("ÄPPLE", "Open", "1d", "non-ASCII"),
    ("ABCDEFGHIJKLMNOP", "Open", "1d", "at most 15"),
    ("GOOGL", "Median", "1d", "Unknown price field"),
    ("GOOGL", "Open", "1h", "Unknown frequency"),
])
def test_bad_requests_are_refused_before_any_request(symbol, field, interval, fragment,
                                                     tmp_path):
    with LoopbackServer(yahoo("/v8/finance/chart/", Reply(CHART))) as server:
        with pytest.raises(DataSourceError, match=fragment):
            load_ticker(symbol, field=field, interval=interval,
                        session=redirecting_session(server.url), cache_dir=tmp_path)
        assert server.count == 0
