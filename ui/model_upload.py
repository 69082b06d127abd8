"""Train page: load a model file downloaded earlier, and make it the current run again."""

from __future__ import annotations

import hashlib
import io

import streamlit as st

from rnn_core.datasets import load_series
from rnn_core.i18n import _
from rnn_core.io import ModelFileError, load_model
from rnn_core.restore import restore_run, settings_of
from rnn_core.sources.series import DataSourceError
from rnn_core.words import counted
from ui import data, state
from ui.state import MODEL_LOADED as LOADED, MODEL_PENDING as PENDING



def model_uploader() -> None:
    upload = st.file_uploader(_("Load a trained RNN (.npz)"), type=["npz"], key="model_upload",
                              help=_("A model file downloaded from the Compare page: its data, "
                                     "settings and weights come back, ready to compare."))
    if upload is not None:
        raw = upload.getvalue()
        if st.session_state.get(LOADED) != hashlib.sha256(raw).hexdigest():
            st.session_state[PENDING] = (upload.name, raw)
    pending = st.session_state.pop(PENDING, None)
    if pending is not None:
        st.session_state[LOADED] = hashlib.sha256(pending[1]).hexdigest()
        with st.spinner(_("Restoring the model (the MLP baseline is retrained)…")):
            load_model_bytes(*pending)


def load_model_bytes(name: str, raw: bytes) -> bool:
    """Restore the run a model file came from; on any problem say why and change nothing."""
    try:
        loaded = load_model(io.BytesIO(raw))
        cfg = settings_of(loaded)
        series = data.current_series() if cfg.source == "csv" else load_series(cfg)
        if series is None:
            raise DataSourceError(_("Upload the CSV file the model was trained on first."))
        run = restore_run(loaded, series.values, series.units)
    except (ModelFileError, DataSourceError, ValueError) as err:
        state.flash("error", _("{file}: {why} Your current data and model are unchanged.")
                    .format(file=name, why=err))
        return False
    state.set_cfg(cfg)
    if cfg.source != "csv":
        st.session_state[state.SERIES] = series
        st.session_state[data.DATA_KEY] = data.data_key(cfg)
    state.install_run(run)
    state.flash("success", _("Loaded {file}: RNN with {hidden}, trained {epochs} on {data}.")
                .format(file=name, hidden=counted(cfg.n_hidden, 'hidden unit'),
                        epochs=counted(run.epochs_done, 'epoch'), data=series.name))
    return True
