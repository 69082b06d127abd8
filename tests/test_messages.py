"""Messages that fit the moment (issue 11, part 4): nothing red before the student has done
anything; each message once, where the action was; no note of an earlier source after the
source changed; no "press Fetch data" where there is no such button; a sidebar that is current
after an upload and during training; plurals right for 1; a real link where a message says
"go to Train".

Each test drives the real pages with AppTest (see test_pages.py for the helpers).
"""

from __future__ import annotations

import re

import pytest

from apphelpers import page_errors, texts
from loopback import closed_port
from rnn_core.config import FIELDS
from test_bad_inputs import CSV_CASES
from test_pages import open_page, upload

# The one warning a fresh Data page may show: the caveat that test values leave the training
# range. It describes the series on the screen (tests/test_honest_numbers.py), not something
# the student did wrong, so it is not a message "before anything was done".
RANGE_CAVEAT = "lie outside the training range"
GOOD_CSV = ("date,price\n" + "".join(f"2024-01-{d:02d},{d % 7 + d / 10}\n" for d in range(1, 29))
            + "".join(f"2024-02-{d:02d},{d % 5 + d / 10}\n" for d in range(1, 29))).encode()


def sidebar(at) -> str:
    return "\n".join(str(c.value) for c in at.sidebar.caption)


def has_fetch_button(at) -> bool:
    return any(b.key == "fetch_btn" for b in at.button)


def unasked_warnings(at) -> list[str]:
    return [w.value for w in at.warning if RANGE_CAVEAT not in w.value]


def offline_fred(monkeypatch, tmp_path):
    """FRED unreachable (a closed loopback port): the page falls back to the bundled GS10."""
    monkeypatch.setenv("RNNLAB_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RNNLAB_FRED_URL", f"http://127.0.0.1:{closed_port()}")


# --- nothing red before anything was done ------------------------------------------------------

@pytest.mark.parametrize("source", FIELDS["source"].choices)
def test_a_fresh_data_page_shows_no_error_or_warning_for_any_source(source, monkeypatch,
                                                                    tmp_path):
    offline_fred(monkeypatch, tmp_path)
    at = open_page("pages/1_Data.py", {"source": source})
    assert [e.value for e in at.error] == []
    assert unasked_warnings(at) == []


def test_a_fresh_csv_page_says_what_to_do_without_alarm():
    at = open_page("pages/1_Data.py", {"source": "csv"})
    assert "No data yet: choose a CSV file above." in [i.value for i in at.info]
    assert "Choose a CSV file to upload first" not in texts(at)


# --- each message once, where the action was ---------------------------------------------------

REFUSED_UPLOADS = [case for case in CSV_CASES if not case[3] and case[0] != "over 5 MB"]


@pytest.mark.parametrize("case, raw, words, loads", REFUSED_UPLOADS,
                         ids=[c[0] for c in REFUSED_UPLOADS])
def test_a_refused_upload_is_explained_exactly_once(case, raw, words, loads):
    at = open_page("pages/1_Data.py")
    before = at.session_state["series"]
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, f"{case}.csv", raw).run()
    assert not page_errors(at), page_errors(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and words in errors[0], errors
    assert "Your previous data is kept." in errors[0]
    assert sum(words in m for m in texts(at).split("\n")) == 1, texts(at)
    assert at.session_state["series"] is before
    at.run()  # the file is still chosen: a rerun says it once again, not twice
    assert len(at.error) == 1


def test_a_refused_value_is_said_once_right_under_its_control():
    at = open_page("pages/1_Data.py")
    at.number_input(key="w_x_stop").set_value(-5.0).run()
    flat = list(_walk(at.main))
    warnings = [i for i, el in enumerate(flat) if type(el).__name__ == "Warning"]
    assert len(warnings) == 1
    box = next(i for i, el in enumerate(flat) if getattr(el, "key", None) == "w_x_stop")
    title = next(i for i, el in enumerate(flat) if type(el).__name__ == "Title")
    assert title < box < warnings[0]  # below the box it refers to, not above the page title
    assert "'x to' must be larger than 'x from'" in flat[warnings[0]].value
    at.run()  # said once: a rerun without a new action does not repeat it
    assert not at.warning


def _walk(node):
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _walk(child)


# --- notes of an earlier source --------------------------------------------------------------

def test_a_note_of_the_previous_source_is_gone_after_switching(monkeypatch, tmp_path):
    offline_fred(monkeypatch, tmp_path)
    at = open_page("pages/1_Data.py", {"source": "fred"})
    fred_note = at.session_state["series"].note
    assert fred_note and "bundled" in fred_note and fred_note in texts(at)
    for source in ("ticker", "csv"):  # the FRED series stays loaded; its note does not
        at.selectbox(key="w_source").set_value(source).run()
        assert not page_errors(at), page_errors(at)
        assert at.session_state["series"].note == fred_note
        assert fred_note not in texts(at), source
        assert "Shown below: **10-year Treasury yield" in texts(at)
    at.selectbox(key="w_source").set_value("synthetic").run()
    assert fred_note not in texts(at)
    assert at.session_state["series"].note in texts(at)  # the new source's own note


def test_a_link_note_about_an_earlier_source_is_gone_after_switching():
    at = open_page("pages/1_Data.py", {"source": "ticker", "ticker": "AAPL; rm -rf /"})
    assert "Ignored ticker=" in texts(at)
    at.selectbox(key="w_source").set_value("synthetic").run()
    assert "Ignored ticker=" not in texts(at)
    at.switch_page("pages/2_Train.py").run()
    assert "Ignored ticker=" not in texts(at)


# --- no "Fetch data" where there is no such button ---------------------------------------------

def _data_page_states():
    """(name, AppTest) of Data pages in different moments, synthetic to a refused upload."""
    at = open_page("pages/1_Data.py")
    yield "synthetic", at
    at.selectbox(key="w_source").set_value("sample").run()
    yield "sample", at
    at.selectbox(key="w_source").set_value("csv").run()
    yield "csv, no file yet", at
    upload(at, "bad.csv", b"name,city\nann,paris\nbob,rome\n").run()
    yield "csv, unreadable file", at
    upload(at, "short.csv", b"date,value\n2024-01-01,1\n2024-01-02,2\n").run()
    yield "csv, too short", at
    upload(at, "good.csv", GOOD_CSV).run()
    yield "csv, loaded", at
    at.selectbox(key="w_source").set_value("synthetic").run()
    yield "synthetic again", at


def test_no_fetch_data_text_where_there_is_no_such_button():
    for name, at in _data_page_states():
        assert not page_errors(at), (name, page_errors(at))
        assert not has_fetch_button(at), name
        assert "Fetch data" not in texts(at), (name, texts(at))


def test_the_fetch_data_hint_names_the_button_that_is_there():
    at = open_page("pages/1_Data.py")
    at.selectbox(key="w_source").set_value("ticker").run()
    assert has_fetch_button(at)
    assert "To replace it, press **Fetch data** to download GOOGL." in texts(at)


# --- the sidebar is current ----------------------------------------------------------------------

def test_the_sidebar_shows_an_uploaded_series_at_once():
    at = open_page("pages/1_Data.py")
    assert "sin(x)" in sidebar(at)
    at.selectbox(key="w_source").set_value("csv").run()
    upload(at, "prices.csv", GOOD_CSV).run()
    assert at.session_state["series"].name == "prices.csv"
    assert "**Data:** prices.csv — 56 points" in sidebar(at)
    assert "sin(x)" not in sidebar(at)


def test_the_sidebar_says_which_epoch_is_training_never_0_epochs(monkeypatch):
    from ui import layout, state, training

    seen = []

    def a_few_epochs(*args, **kwargs):  # the live loop, stopped after three checkpoints
        for _ in range(3):
            work = state.current_run().snapshot()
            work.train(1)
            state.update_run(work)
            layout.refresh_status()  # what a checkpoint does to the sidebar
            seen.append(layout.status_lines()[1])

    monkeypatch.setattr(training, "live_loop", a_few_epochs)
    at = open_page("pages/2_Train.py", {"epochs": "40", "n_points": "200", "window": "10"})
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert seen == [f"**Model:** training… epoch {n} of 40" for n in (1, 2, 3)]
    assert "**Model:** training… epoch 3 of 40" in sidebar(at)
    assert "0 epochs" not in sidebar(at)
    at.switch_page("pages/3_Compare.py").run()  # the loop runs on the Train page only
    assert "training paused at epoch 3 of 40; it goes on when you open **Train**" in sidebar(at)


# --- plurals ---------------------------------------------------------------------------------

def test_the_sidebar_counts_1_hidden_unit_and_1_epoch_in_the_singular():
    at = open_page("pages/2_Train.py", {"n_hidden": "1", "epochs": "1", "n_points": "200",
                                        "window": "10"})
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert "**Model:** RNN 1 hidden unit, 1 epoch, train loss" in sidebar(at)
    at.button(key="step_btn").click().run()
    assert "**Model:** RNN 1 hidden unit, 2 epochs, train loss" in sidebar(at)


# "1 hidden units", "1 epochs", ... anywhere in a page's text ("21 epochs" is fine)
WRONG_SINGULAR = re.compile(r"(?<![\d.,])1 (hidden units|epochs|steps|windows|blocks|points|runs|"
                            r"numbers|values)\b")


def wrong_singulars(at) -> list[str]:
    return WRONG_SINGULAR.findall(texts(at))


def test_a_1_unit_1_epoch_run_is_counted_in_the_singular_on_train_compare_and_inside():
    at = open_page("pages/2_Train.py", {"n_hidden": "1", "mlp_hidden": "1", "epochs": "1",
                                        "horizon": "1", "n_points": "200", "window": "10"})
    assert "RNN 1 hidden unit · MLP 1 hidden unit." in texts(at)  # before training, too
    at.button(key="train_btn").click().run()
    assert not page_errors(at), page_errors(at)
    assert at.session_state["run"].epochs_done == 1
    shown = texts(at)
    assert "RNN 1 hidden unit · MLP 1 hidden unit." in shown
    assert "Trained 1 epoch: " in shown
    assert not wrong_singulars(at), wrong_singulars(at)

    at.switch_page("pages/3_Compare.py").run()
    assert not page_errors(at), page_errors(at)
    shown = texts(at)
    assert "Models trained for 1 epoch. " in shown
    assert "1 step past the end of the data" in shown
    assert "**Model:** RNN 1 hidden unit, 1 epoch" in sidebar(at)
    assert not wrong_singulars(at), wrong_singulars(at)

    at.switch_page("pages/4_Inside.py").run()
    assert not page_errors(at), page_errors(at)
    assert "Your model: 1 hidden unit, tanh, window 10, trained 1 epoch." in texts(at)
    assert not wrong_singulars(at), wrong_singulars(at)


def test_an_untrained_1_unit_model_is_counted_in_the_singular_on_inside():
    at = open_page("pages/4_Inside.py", {"n_hidden": "1", "epochs": "1", "n_points": "200",
                                         "window": "10"})
    shown = texts(at)
    assert "(1 hidden unit, window 10) at initialisation" in shown
    assert not wrong_singulars(at), wrong_singulars(at)
    assert any(b.label == "Train a quick model (1 epoch)" for b in at.button)


def test_one_unknown_link_parameter_is_named_in_the_singular():
    at = open_page("pages/2_Train.py", {"bogus": "1"})
    assert "Ignored unknown link parameter: bogus." in texts(at)
    at = open_page("pages/2_Train.py", {"bogus": "1", "junk": "2"})
    assert "Ignored unknown link parameters: bogus, junk." in texts(at)


# --- "go to Train" is a real link ------------------------------------------------------------

def test_a_preset_success_is_followed_by_a_page_link_to_train():
    at = open_page("app.py")
    at.button(key="preset_stock_offline").click().run()
    assert not page_errors(at), page_errors(at)
    flat = list(_walk(at.main))
    success = next(i for i, el in enumerate(flat) if type(el).__name__ == "Success")
    assert "Preset loaded" in flat[success].value and "Train" in flat[success].value
    link = flat[success + 1]
    assert type(link).__name__ == "PageLink" and link.proto.page == "Train"
    assert link.proto.label == "Train this preset"
    at.run()  # shown once: the link goes with the message
    assert not at.success and "Train this preset" not in [p.proto.label
                                                          for p in at.get("page_link")]
