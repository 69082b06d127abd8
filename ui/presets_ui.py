"""The preset cards of the home page: what each reproduces, the outcome it claims, one button."""

from __future__ import annotations

import streamlit as st

from rnn_core.i18n import N_, _
from rnn_core.presets import Preset
from ui import data, layout, state
from ui.state import PRESET_APPLIED as APPLIED

TRAIN_LINK = (layout.TRAIN_PAGE[0], N_("Train this preset"), layout.TRAIN_PAGE[2])  # below it


def apply_preset(preset: Preset) -> None:
    """on_click: every control takes the preset's value and the preset's data is loaded — or,
    when that data cannot be loaded, nothing changes at all (data and settings stay as they
    were), so a preset never trains on other data than it says."""
    before = state.cfg()
    state.set_cfg(preset.config())
    if not data.load(quiet=True):
        state.set_cfg(before)
        why = st.session_state.get(data.LOAD_ERROR, _("its data could not be loaded"))
        state.flash("error", _("The preset “{title}” was not applied: {why} Your data and "
                               "settings are unchanged. Without internet, the preset “Stock "
                               "prices without internet” uses real weekly prices bundled with "
                               "the app.").format(title=_(preset.title), why=why))
        return
    st.session_state[APPLIED] = preset.key
    state.forget_notes()  # the link's notes spoke of settings the preset has replaced
    series = st.session_state[state.SERIES]
    state.flash("success", _("Preset loaded: {title}. Data: {data}{note}. Next: the Train page, "
                             "to run it.").format(title=_(preset.title), data=series.name,
                                                  note=" — " + series.note if series.note else ""),
                link=TRAIN_LINK)


def outcome_lines(preset: Preset) -> str:
    """The card's outcome: each claim with the seeds it was checked over, or why none."""
    if not preset.claims:
        return _("*Outcome:* {claim}").format(claim=_(preset.no_claim))
    return "  \n".join(_("*Outcome:* {claim}.").format(claim=claim.card)
                       for claim in preset.claims)


def preset_buttons(presets: dict[str, Preset]) -> None:
    for preset in presets.values():
        with st.container(border=True):
            left, right = st.columns([4, 1])
            left.markdown(f"**{_(preset.title)}**  \n{_(preset.what)}  \n{outcome_lines(preset)}")
            right.button(_("Use this preset"), key=f"preset_{preset.key}", on_click=apply_preset,
                         args=(preset,), width="stretch")
