"""The sweep engine: one per server process (shared, holds no student's data)."""

from __future__ import annotations

import os

import streamlit as st

from rnn_core.executors import Engine, get_engine


def _address() -> str | None:
    """A Dask scheduler address from the environment or .streamlit/secrets.toml, if any."""
    address = os.environ.get("RNNLAB_DASK_ADDRESS")
    if not address:
        try:
            address = st.secrets.get("RNNLAB_DASK_ADDRESS")
        except Exception:  # no secrets file at all: Streamlit raises rather than returning None
            address = None
    return address or None


@st.cache_resource(show_spinner="Starting the sweep engine…")
def engine() -> Engine:
    """loky's local process pool, or a Dask cluster when an address is configured."""
    return get_engine(_address(), fallback=True)
