"""What every page does first: page config, session set-up from the link, the sidebar."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from rnn_core import i18n
from rnn_core.i18n import N_, _
from rnn_core.sources.series import describe
from rnn_core.words import counted
from ui import data, state, training

_ROOT = Path(__file__).resolve().parent.parent
PAGES = (  # (file, title, icon); the titles are translated where shown: _(title)
    ("app.py", N_("Home"), ":material/home:"),
    ("pages/1_Data.py", N_("Data"), ":material/show_chart:"),
    ("pages/2_Train.py", N_("Train"), ":material/model_training:"),
    ("pages/3_Compare.py", N_("Compare"), ":material/compare_arrows:"),
    ("pages/4_Inside.py", N_("Inside the RNN"), ":material/biotech:"),
    ("pages/5_Sweep.py", N_("Sweep"), ":material/grid_view:"),
    ("pages/6_Lessons.py", N_("Lessons"), ":material/school:"),
)
TRAIN_PAGE = PAGES[2]
LIVE_PAGES = (TRAIN_PAGE[1], PAGES[6][1])  # the pages whose live loop trains (Train, Lessons)

# This script run's sidebar status placeholder and page title. A script run stays in one thread
# (another student's runs are in other threads) and page_setup sets both first in every run, so
# a handle kept here never reaches another run or another session.
_this_run = threading.local()
# A widget's callback runs before the page's first line: it reads the session's language too.
i18n.set_language_source(state.language)


def page_setup(title: str, icon: str, *, sidebar: str = "auto") -> None:
    """Set this run's language, configure the page, load the link's settings once, draw the
    sidebar (with the language switch) and notes. `title` is the English title (a msgid);
    sidebar "collapsed" starts with it folded away (a projector)."""
    i18n.set_language(state.language())  # before any string of this run is produced
    st.set_page_config(page_title=f"{_(title)} · RNN Lab", page_icon=icon, layout="wide",
                       initial_sidebar_state=sidebar)
    state.init_session()
    with st.sidebar:
        st.markdown("### RNN Lab")
        for path, label, page_icon in PAGES:
            link(path, _(label), page_icon)
        st.divider()
        language_switch()
        _this_run.status, _this_run.page = st.empty(), title
        refresh_status()
    for note in st.session_state.get(state.NOTES, []):
        st.info(note)
    state.show_flash()


def language_switch() -> None:
    """English / 中文 in the sidebar; the choice is a session setting (and `lang=` in the link),
    so it survives page changes and reruns."""
    codes = tuple(i18n.LANGUAGES)
    st.segmented_control("Language · 语言", codes, default=state.language(), required=True,
                         key="lang_switch", format_func=i18n.LANGUAGES.get,
                         label_visibility="collapsed",
                         on_change=lambda: state.set_language(st.session_state["lang_switch"]))


def link(path: str, label: str, icon: str, where=st) -> None:
    """A link to a page of the app (skipped if that page is not part of this build)."""
    if not (_ROOT / path).exists():
        return
    try:
        where.page_link(path, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        pass  # the page was started as its own entry point (a test of that page alone)


def status_lines() -> tuple[str, ...]:
    """Where the student is: the data loaded, the model (trained, or training now) and the
    cell race, if there is one."""
    series = data.current_series()
    if series is None:
        data_line = _("No data loaded yet: start on the **Data** page.")
    else:
        data_line = _("**Data:** {name} — {summary}").format(name=series.name,
                                                            summary=describe(series).text)
    run = state.current_run()
    if run is None:
        model_line = _("**Model:** not trained yet.")
    elif st.session_state.get(training.TRAINING) and not state.race_shown():
        target = st.session_state.get(training.TARGET) or run.cfg.epochs
        if getattr(_this_run, "page", TRAIN_PAGE[1]) in LIVE_PAGES:
            model_line = _("**Model:** training… epoch {epoch} of {target}").format(
                epoch=run.epochs_done, target=target)
        else:  # the loop runs on the Train page only, and goes on there
            model_line = _("**Model:** training paused at epoch {epoch} of {target}; it goes on "
                           "when you open **Train**.").format(epoch=run.epochs_done, target=target)
    else:
        h = run.rnn_history
        loss = _(", train loss {loss:.3g}").format(loss=h.train_loss[-1]) \
            if h is not None and len(h) else ""
        model_line = _("**Model:** {model} {hidden}, {epochs}{loss}.").format(
            model=_(run.model_name), hidden=counted(run.cfg.n_hidden, 'hidden unit'),
            epochs=counted(run.epochs_done, 'epoch'), loss=loss)
        changed = run.differences(None if series is None else series.values, state.cfg())
        if changed:  # every page says so, not only Train, Compare and Inside
            model_line += _(" Trained on {data}; since then {changes}.").format(
                data=run.prepared.data_name or _("other data"), changes="; ".join(changed))
    race = state.current_race()
    if race is None:
        return data_line, model_line
    return data_line, model_line, _race_line(race, series)


def _race_line(race, series) -> str:
    """The cell race in the sidebar: racing now (on the Train page), or what it trained."""
    target = st.session_state.get(training.TARGET) or race.cfg.epochs
    if st.session_state.get(training.TRAINING) and state.race_shown():
        if getattr(_this_run, "page", TRAIN_PAGE[1]) in LIVE_PAGES:
            return _("**Cell race:** racing… epoch {epoch} of {target}").format(
                epoch=race.epochs_done, target=target)
        return _("**Cell race:** paused at epoch {epoch} of {target}; it goes on when you open "
                 "**Train**.").format(epoch=race.epochs_done, target=target)
    labels = race.labels()
    line = _("**Cell race:** {cells}, {epochs} each (see **Compare**).").format(
        cells=", ".join(_(labels[c]) for c in race.runs),
        epochs=counted(race.epochs_done, "epoch"))
    changed = race.differences(None if series is None else series.values, state.cfg())
    if changed:
        line += _(" Trained on {data}; since then {changes}.").format(
            data=race.prepared.data_name or _("other data"), changes="; ".join(changed))
    return line


def refresh_status() -> None:
    """Redraw the sidebar status in its placeholder: page_setup draws it first, finish_page
    again after the page's own actions (an upload, a fetch), and the live training loop may
    call it at each checkpoint so the epoch count runs along."""
    slot = getattr(_this_run, "status", None)
    if slot is None:
        return
    with slot.container():
        for line in status_lines():
            st.caption(line)


def finish_page(address: dict[str, str] | None = None) -> None:
    """Last call of every page: bring the sidebar status up to date, mirror the configuration
    (and the page's own `address` parameters, e.g. a lesson's step) into the URL."""
    refresh_status()
    state.sync_url(address)
