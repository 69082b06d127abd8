"""The session's data: load it from the configured source, keep it, report failures in words.

A failed download or a bad upload never replaces data the student already has: the message is
shown and the previous series stays.
"""

from __future__ import annotations

import streamlit as st

from rnn_core.datasets import data_key, load_series, load_upload
from rnn_core.sources.series import DataSourceError, SeriesData
from ui import state

DATA_KEY = "series_key"  # the configuration fields the loaded series came from
UPLOAD = "upload_bytes"  # the last uploaded file's bytes and name, so a rerun can re-parse


def current_series() -> SeriesData | None:
    """The loaded series; on a session's first call, the configured source is loaded."""
    if state.SERIES not in st.session_state:
        load(quiet=True)
    return st.session_state.get(state.SERIES)


def is_stale() -> bool:
    """Do the data settings differ from those the loaded series came from?"""
    return st.session_state.get(DATA_KEY) != data_key(state.cfg())


def load(refresh: bool = False, quiet: bool = False) -> bool:
    """Load the configured source into the session. Returns True on success."""
    cfg = state.cfg()
    try:
        if cfg.source == "csv":
            raw = st.session_state.get(UPLOAD)
            if raw is None:
                raise DataSourceError("Choose a CSV file to upload first.")
            series = load_upload(raw[0], raw[1], min_points=cfg.window + 2)
        else:
            with st.spinner(f"Loading {cfg.source} data…"):
                series = load_series(cfg, refresh=refresh)
    except DataSourceError as err:
        if not quiet:
            kept = " Your previous data is kept." if state.SERIES in st.session_state else ""
            state.flash("error", f"{err}{kept}")
        return False
    st.session_state[state.SERIES] = series
    st.session_state[DATA_KEY] = data_key(cfg)
    return True


def store_upload(name: str, raw: bytes) -> None:
    st.session_state[UPLOAD] = (raw, name)
