"""The preset buttons of the home page."""

from __future__ import annotations

import streamlit as st

from rnn_core.presets import Preset
from ui import data, state

APPLIED = "preset_applied"


def apply_preset(preset: Preset) -> None:
    """on_click: every control takes the preset's value; the preset's data is loaded."""
    state.set_cfg(preset.config())
    st.session_state[APPLIED] = preset.key
    if data.load():
        series = st.session_state[state.SERIES]
        state.flash("success", f"Preset loaded: {preset.title}. Data: {series.name}"
                               f"{' — ' + series.note if series.note else ''}. "
                               "Go to Train to run it.")


def preset_buttons(presets: dict[str, Preset]) -> None:
    for preset in presets.values():
        with st.container(border=True):
            left, right = st.columns([4, 1])
            left.markdown(f"**{preset.title}**  \n{preset.what}")
            right.button("Use this preset", key=f"preset_{preset.key}", on_click=apply_preset,
                         args=(preset,), width="stretch")
