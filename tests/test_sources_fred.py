"""FRED: a loopback server plays FRED with a file in fredgraph.csv's format; offline -> sample."""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from loopback import LoopbackServer, Reply, closed_port

from rnn_core.sources import DataSourceError, SourceUnreachable, bundled_gs10, describe, \
    load_fred

FIXTURES = Path(__file__).parent / "fixtures"


def fred_file(series_id: str) -> bytes:
    return (FIXTURES / f"fredgraph_{series_id}.csv").read_bytes()


def rows_of(series_id: str, start: str, end: str) -> list[tuple[pd.Timestamp, str]]:
    """The fixture's rows in [start, end], read with the csv module (values kept as text)."""
    with open(FIXTURES / f"fredgraph_{series_id}.csv", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(pd.Timestamp(day), value) for day, value in rows
            if pd.Timestamp(start) <= pd.Timestamp(day) <= pd.Timestamp(end)]


def offline() -> str:
    return f"http://127.0.0.1:{closed_port()}"


def test_series_is_read_value_by_value_from_fred(tmp_path):
    with LoopbackServer(Reply(fred_file("GS10"), content_type="text/csv")) as fred:
        data = load_fred("GS10", "2019-01-01", "2020-06-30", base_url=fred.url,
                         cache_dir=tmp_path)
        assert fred.hits == ["/graph/fredgraph.csv?id=GS10"]
    expected = rows_of("GS10", "2019-01-01", "2020-06-30")
    assert len(data.values) == len(expected) == 18
    for (day, text), (index, value) in zip(expected, data.values.items()):
        assert index == day
        assert value == float(text)
    assert data.values.dtype == np.float64
    assert (data.provenance, data.frequency, data.units) == ("live", "monthly", "percent")
    assert data.fetched_at is not None and data.note == ""


def test_default_request_is_seed_004s_range_and_matches_the_bundled_sample(tmp_path):
    with LoopbackServer(Reply(fred_file("GS10"))) as fred:
        data = load_fred(base_url=fred.url, cache_dir=tmp_path)
    sample = bundled_gs10().values
    assert data.values.index.equals(sample.index)
    assert np.array_equal(data.values.to_numpy(), sample.to_numpy())


def test_bundled_sample_holds_the_59_values_printed_in_seed_004():
    sample = bundled_gs10()
    values = sample.values
    assert len(values) == 59 and values.dtype == np.float64
    assert values.index[0] == pd.Timestamp("2018-02-01")
    assert values.index[-1] == pd.Timestamp("2022-12-01")
    assert values.iloc[:5].tolist() == [2.86, 2.84, 2.87, 2.98, 2.91]  # seed 004's gs10.head()
    assert values.iloc[-3:].tolist() == [3.98, 3.89, 3.62]
    assert (sample.provenance, sample.frequency) == ("bundled", "monthly")
    assert describe(sample).text == "59 points, 2018-02-01 .. 2022-12-01, monthly · bundled sample"


def test_dots_and_empty_cells_of_fred_are_dropped_and_counted(tmp_path):
    with LoopbackServer(Reply(fred_file("DGS10"))) as fred:
        data = load_fred("dgs10", "2021-01-01", "2021-02-28", base_url=fred.url,
                         cache_dir=tmp_path)
        assert fred.hits == ["/graph/fredgraph.csv?id=DGS10"]  # the id was upper-cased
    expected = [(day, float(text)) for day, text in rows_of("DGS10", "2021-01-01", "2021-02-28")
                if text not in (".", "")]
    assert list(data.values.items()) == expected
    assert "2 missing values" in data.note
    assert data.frequency == "daily"


def test_offline_gs10_falls_back_to_the_bundled_sample_with_a_note(tmp_path):
    data = load_fred("GS10", "2018-02-01", "2022-12-31", base_url=offline(), cache_dir=tmp_path)
    assert data.provenance == "bundled"
    assert "could not be reached" in data.note and "bundled GS10 sample" in data.note
    assert np.array_equal(data.values.to_numpy(), bundled_gs10().values.to_numpy())


def test_offline_gs10_with_another_range_says_the_sample_differs(tmp_path):
    data = load_fred("GS10", "1990-01-01", None, base_url=offline(), cache_dir=tmp_path)
    assert data.provenance == "bundled"
    assert "you asked for 1990-01-01 .. today" in data.note


def test_offline_other_series_says_unreachable_and_offers_the_sample(tmp_path):
    with pytest.raises(SourceUnreachable) as caught:
        load_fred("UNRATE", base_url=offline(), cache_dir=tmp_path)
    message = str(caught.value)
    assert "FRED could not be reached" in message and "GS10 sample" in message


@pytest.mark.parametrize("mode", ["stall", "drop"])
def test_a_stalled_or_cut_off_fred_ends_with_a_clear_message(mode, tmp_path):
    with LoopbackServer(Reply(fred_file("DGS10")), mode=mode) as fred:
        with pytest.raises(SourceUnreachable, match="FRED") as caught:
            load_fred("DGS10", timeout=0.3, retry_count=1, base_url=fred.url,
                      cache_dir=tmp_path)
        assert fred.count == 2  # one try and one retry, then give up
    if mode == "stall":
        assert "did not answer within 0.3 seconds" in str(caught.value)


def test_a_trickling_fred_is_cut_off_by_the_overall_deadline(tmp_path):
    # one byte every 0.1 s never trips the 0.3 s read timeout; the overall deadline must
    with LoopbackServer(Reply(fred_file("GS10")), mode="trickle", trickle_every=0.1) as fred:
        data = load_fred("GS10", timeout=0.3, retry_count=0, base_url=fred.url,
                         cache_dir=tmp_path)
    assert data.provenance == "bundled"
    assert "did not answer within 1.3 seconds" in data.note


@pytest.mark.parametrize("body", [
    b"<html><body><h1>Scheduled maintenance</h1><p>Back soon.</p></body></html>",
    b'<html>\n<p class="a,b,c">x</p>\n<p>"unterminated, quote</p>\n</html>',
], ids=["maintenance page", "html with commas and a stray quote"])
def test_a_page_that_is_not_a_table_is_treated_like_an_outage(body, tmp_path):
    with LoopbackServer(Reply(body, content_type="text/html")) as fred:
        with pytest.raises(SourceUnreachable, match="not with a data table"):
            load_fred("DGS10", base_url=fred.url, cache_dir=tmp_path)
        data = load_fred("GS10", base_url=fred.url, cache_dir=tmp_path)
    assert data.provenance == "bundled"


def test_unknown_series_is_named_and_not_mistaken_for_offline(tmp_path):
    with LoopbackServer({}) as fred:  # every path answers 404, as FRED does for a bad id
        with pytest.raises(DataSourceError, match="no series called NOSUCHSERIES") as caught:
            load_fred("NOSUCHSERIES", base_url=fred.url, cache_dir=tmp_path)
    assert not isinstance(caught.value, SourceUnreachable)


def test_a_range_without_values_asks_for_a_wider_range(tmp_path):
    with LoopbackServer(Reply(fred_file("GS10"))) as fred:
        with pytest.raises(DataSourceError, match="no values of GS10 between 2030-01-01"):
            load_fred("GS10", "2030-01-01", "2031-01-01", base_url=fred.url, cache_dir=tmp_path)


@pytest.mark.parametrize("bad", ["GS 10", "GS10'", 'GS"10', "GS/10", "../GS10", "GS10?x=1",
                                 "GS10é", "ＧＳ10", "gsı0", "", "   ", "A" * 31, None, 10])
def test_bad_series_ids_are_refused_before_any_request(bad, tmp_path):
    with LoopbackServer(Reply(fred_file("GS10"))) as fred:
        with pytest.raises(DataSourceError, match="FRED series id"):
            load_fred(bad, base_url=fred.url, cache_dir=tmp_path)
        assert fred.count == 0


@pytest.mark.parametrize("start, end, fragment", [
    ("2022-01-01", "2021-01-01", "is not before"),
    ("yesterday-ish", "2021-01-01", "is not a date"),
])
def test_bad_date_ranges_are_refused_before_any_request(start, end, fragment, tmp_path):
    with LoopbackServer(Reply(fred_file("GS10"))) as fred:
        with pytest.raises(DataSourceError, match=fragment):
            load_fred("GS10", start, end, base_url=fred.url, cache_dir=tmp_path)
        assert fred.count == 0
