"""The sweep engine and the live-training pool: one each per server process (shared, holding no
student's data; each session's own limit, its Lane, lives in its session state)."""

from __future__ import annotations

import os

import streamlit as st

from rnn_core.executors import Engine, get_engine
from rnn_core.pooled import Pool, pool_from_env


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


@st.cache_resource(show_spinner=False)
def training_pool() -> tuple[Pool | None, str]:
    """(the pool live training uses, a note): the sweep engine's workers unless
    RNNLAB_TRAIN_WORKERS=0 (then None); the note explains a setting that could not be read."""
    return pool_from_env(engine)
