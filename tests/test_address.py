"""A clean address (issue 11, part 5): the page's link holds only the settings that matter for
the current source and task, never a value that was refused, and keeps a teacher's hide/lock;
opening it gives the same experiment back.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apphelpers import page_errors, texts
from rnn_core.config import FIELDS, LabConfig, from_mapping, relevant_fields, to_query_params
from rnn_core.datasets import SOURCE_FIELDS, data_key
from rnn_core.tasks import TASKS
from test_pages import open_page

DEFAULT = LabConfig()
JUNK = "AAPL; rm -rf /"
URL_ONLY = {"hide", "lock"}


def address(at) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


def settings_in(at) -> set[str]:
    return set(address(at)) - URL_ONLY


def same_experiment(a: LabConfig, b: LabConfig) -> bool:
    """Equal in every setting that matters for a's source and task."""
    return relevant_fields(a) == relevant_fields(b) and all(
        getattr(a, name) == getattr(b, name) for name in relevant_fields(a))


# --- never a refused value ---------------------------------------------------------------------

def test_a_rejected_ticker_never_reaches_the_configuration_or_the_address():
    at = open_page("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("ticker").run()
    at.text_input(key="w_ticker").set_value("msft").run()  # accepted, written as Yahoo does
    assert at.session_state["cfg"].ticker == "MSFT" and address(at)["ticker"] == "MSFT"
    at.text_input(key="w_ticker").set_value(JUNK).run()
    assert not page_errors(at), page_errors(at)
    assert "may contain only letters, digits" in texts(at) and "Kept 'MSFT'" in texts(at)
    assert at.session_state["cfg"].ticker == "MSFT"
    assert address(at)["ticker"] == "MSFT"
    assert at.text_input(key="w_ticker").value == "MSFT"  # the box shows what is kept
    at.number_input(key="w_val_frac").set_value(0.2).run()  # a later change: still no junk
    assert all("rm -rf" not in v for v in address(at).values())


def test_after_a_rejected_ticker_the_address_of_another_source_has_no_ticker():
    at = open_page("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("ticker").run()
    at.text_input(key="w_ticker").set_value(JUNK).run()
    assert "ticker" not in address(at)
    at.selectbox(key="w_source").set_value("synthetic").run()
    at.number_input(key="w_noise").set_value(0.2).run()
    assert address(at) == {"noise": "0.2"}
    at.switch_page("pages/2_Train.py").run()
    at.number_input(key="w_n_hidden").set_value(8).run()
    assert address(at) == {"noise": "0.2", "n_hidden": "8"}


def test_a_rejected_ticker_in_a_link_is_noted_and_left_out_of_the_address():
    at = open_page("pages/1_Data.py", {"source": "ticker", "ticker": JUNK, "window": "7"})
    assert f"Ignored ticker={JUNK!r}" in texts(at)
    assert at.session_state["cfg"].ticker == DEFAULT.ticker
    assert address(at) == {"source": "ticker", "window": "7"}


@pytest.mark.parametrize("name, raw", [("fred_id", "GS10/../x"), ("start", "yesterday-ish"),
                                       ("end", "31.02.2020x")])
def test_a_refused_text_value_never_reaches_the_address(name, raw):
    at = open_page("pages/1_Data.py", {"source": "fred"})
    at.text_input(key=f"w_{name}").set_value(raw).run()
    assert not page_errors(at), page_errors(at)
    assert f"{FIELDS[name].label}: " in texts(at)  # refused in words, under the box
    assert getattr(at.session_state["cfg"], name) == getattr(DEFAULT, name)
    assert name not in address(at)


def test_a_start_date_after_the_end_date_is_refused_at_once():
    at = open_page("pages/1_Data.py", {"source": "ticker"})
    at.text_input(key="w_start").set_value("2024-01-01").run()
    assert "is not before the end date 2022-12-31" in texts(at)
    assert at.session_state["cfg"].start == DEFAULT.start and "start" not in address(at)


# --- only what matters for the current source and task ---------------------------------------

def test_after_switching_source_the_address_has_no_settings_of_other_sources():
    at = open_page("pages/1_Data.py")
    at.number_input(key="w_noise").set_value(0.3).run()
    at.selectbox(key="w_source").set_value("ticker").run()
    at.text_input(key="w_ticker").set_value("MSFT").run()
    at.text_input(key="w_start").set_value("2019-01-01").run()
    assert address(at) == {"source": "ticker", "ticker": "MSFT", "start": "2019-01-01"}
    at.selectbox(key="w_source").set_value("fred").run()  # FRED shares the date range
    assert address(at) == {"source": "fred", "start": "2019-01-01"}
    at.selectbox(key="w_source").set_value("sample").run()
    assert address(at) == {"source": "sample"}
    at.selectbox(key="w_source").set_value("synthetic").run()
    assert address(at) == {"noise": "0.3"}  # the curve's own settings come back with it
    assert at.session_state["cfg"].ticker == "MSFT"  # kept for a switch back, just not shared


def test_the_address_holds_only_the_current_tasks_settings():
    at = open_page("pages/2_Train.py")
    at.number_input(key="w_bptt_steps").set_value(5).run()
    assert address(at) == {"bptt_steps": "5"}
    at.selectbox(key="w_task").set_value("blocks").run()
    at.number_input(key="w_block").set_value(3).run()
    assert address(at) == {"task": "blocks", "block": "3"}  # x-blocks does not truncate
    at.selectbox(key="w_task").set_value("seq").run()
    assert address(at) == {"task": "seq", "bptt_steps": "5"}  # no block outside x-blocks


@pytest.mark.parametrize("source", FIELDS["source"].choices)
@pytest.mark.parametrize("task", sorted(TASKS))
def test_relevant_fields_are_the_common_ones_plus_the_sources_and_the_tasks(source, task):
    cfg = DEFAULT.replace(source=source, task=task)
    names = set(relevant_fields(cfg))
    for other, fields in SOURCE_FIELDS.items():
        for name in set(fields) - set(SOURCE_FIELDS[source]):
            assert name not in names, (other, name)
    assert set(SOURCE_FIELDS[source]) <= names
    own = {*TASKS[task].controls, *TASKS[task].training_controls}
    for other in TASKS.values():
        for name in {*other.controls, *other.training_controls} - own:
            assert name not in names, (other.key, name)
    assert own <= names
    assert {"source", "task", "n_hidden", "lr", "epochs", "seed", "horizon"} <= names


# --- hide and lock stay ------------------------------------------------------------------------

def test_hide_and_lock_stay_in_the_address_through_changes():
    at = open_page("pages/2_Train.py", {"hide": "optimizer,clip", "lock": "lr"})
    at.number_input(key="w_n_hidden").set_value(12).run()
    assert address(at) == {"n_hidden": "12", "hide": "clip,optimizer", "lock": "lr"}
    at.switch_page("pages/1_Data.py").run()
    at.selectbox(key="w_source").set_value("sample").run()
    assert address(at) == {"source": "sample", "n_hidden": "12", "hide": "clip,optimizer",
                           "lock": "lr"}


# --- a clean link opens the same experiment --------------------------------------------------

def test_a_link_copied_from_the_address_opens_the_same_configuration():
    at = open_page("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("fred").run()
    at.text_input(key="w_fred_id").set_value("unrate").run()
    at.text_input(key="w_end").set_value("2021-06-30").run()
    at.switch_page("pages/2_Train.py").run()
    at.selectbox(key="w_task").set_value("seq").run()
    at.number_input(key="w_bptt_steps").set_value(4).run()
    at.number_input(key="w_window").set_value(9).run()
    link = address(at)
    assert link == {"source": "fred", "fred_id": "UNRATE", "end": "2021-06-30", "task": "seq",
                    "window": "9", "bptt_steps": "4"}
    opened = open_page("pages/2_Train.py", link)  # a colleague opens the copied address
    assert opened.session_state["cfg"] == at.session_state["cfg"]
    assert address(opened) == link
    assert not [e.value for e in opened.info if e.value.startswith("Ignored")]


sources = st.sampled_from(FIELDS["source"].choices)
configs = st.builds(
    LabConfig, source=sources, task=st.sampled_from(sorted(TASKS)),
    synthetic_kind=st.sampled_from(FIELDS["synthetic_kind"].choices),
    noise=st.floats(0.0, 10.0), n_points=st.integers(20, 20_000),
    fred_id=st.sampled_from(["GS10", "UNRATE", "CPIAUCSL"]),
    ticker=st.sampled_from(["GOOGL", "^GSPC", "BRK-B", "EURUSD=X"]),
    sample_ticker=st.sampled_from(FIELDS["sample_ticker"].choices),
    start=st.sampled_from(["2018-02-01", "2010-01-01", ""]),
    end=st.sampled_from(["2022-12-31", "2024-06-30", ""]),
    window=st.integers(1, 500), block=st.integers(1, 50), bptt_steps=st.integers(0, 500),
    n_hidden=st.integers(1, 256), lr=st.floats(1e-5, 10.0),
    optimizer=st.sampled_from(FIELDS["optimizer"].choices))


@settings(max_examples=80, deadline=None)
@given(configs)
def test_a_clean_link_round_trips_to_the_same_experiment(cfg):
    link = to_query_params(cfg, only_relevant=True)
    assert set(link) <= set(relevant_fields(cfg))
    back, notes = from_mapping(link)
    assert notes == []
    assert same_experiment(back, cfg) and data_key(back) == data_key(cfg)
    assert to_query_params(back, only_relevant=True) == link
    for f in dataclasses.fields(LabConfig):  # what the link leaves out opens as the default
        if f.name not in relevant_fields(cfg):
            assert getattr(back, f.name) == f.default
