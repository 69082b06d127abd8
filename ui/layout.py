"""What every page does first: page config, session set-up from the link, the sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from rnn_core.sources.series import describe
from ui import data, state

_ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    ("app.py", "Home", ":material/home:"),
    ("pages/1_Data.py", "Data", ":material/show_chart:"),
    ("pages/2_Train.py", "Train", ":material/model_training:"),
    ("pages/3_Compare.py", "Compare", ":material/compare_arrows:"),
    ("pages/4_Inside.py", "Inside the RNN", ":material/biotech:"),
    ("pages/5_Sweep.py", "Sweep", ":material/grid_view:"),
)


def page_setup(title: str, icon: str) -> None:
    """Configure the page, load the link's settings once, draw the sidebar and notes."""
    st.set_page_config(page_title=f"{title} · RNN Lab", page_icon=icon, layout="wide")
    state.init_session()
    with st.sidebar:
        st.markdown("### RNN Lab")
        for path, label, page_icon in PAGES:
            link(path, label, page_icon)
        st.divider()
        _status()
    for note in st.session_state.get(state.NOTES, []):
        st.info(note)
    state.show_flash()


def link(path: str, label: str, icon: str, where=st) -> None:
    """A link to a page of the app (skipped if that page is not part of this build)."""
    if not (_ROOT / path).exists():
        return
    try:
        where.page_link(path, label=label, icon=icon)
    except StreamlitPageNotFoundError:
        pass  # the page was started as its own entry point (a test of that page alone)


def _status() -> None:
    """Where the student is: the data loaded and the model trained, in two lines."""
    series = data.current_series()
    if series is None:
        st.caption("No data loaded yet: start on the **Data** page.")
    else:
        st.caption(f"**Data:** {series.name} — {describe(series).text}")
    run = st.session_state.get(state.RUN)
    if run is None:
        st.caption("**Model:** not trained yet.")
    else:
        h = run.rnn_history
        loss = f", train loss {h.train_loss[-1]:.3g}" if h is not None and len(h) else ""
        st.caption(f"**Model:** RNN {run.cfg.n_hidden} hidden units, "
                   f"{run.epochs_done} epochs{loss}.")


def finish_page() -> None:
    """Last call of every page: mirror the configuration into the URL."""
    state.sync_url()
