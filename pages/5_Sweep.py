"""Sweep: many settings × several seeds, trained in parallel, results streaming in."""

import pandas as pd
import streamlit as st

from rnn_core.i18n import _
from rnn_core.words import counted
from ui import data, layout, memory_ui, sweep_ui

layout.page_setup("Sweep", ":material/grid_view:")
st.title(":material/grid_view: " + _("Sweep"))
st.caption(_("Which window and hidden size work on this data — and how much does the answer "
             "depend on the random seed? Every combination is trained with several seeds, in "
             "parallel; the other settings come from the Train page."))

if st.session_state.pop("go_train", False):
    st.switch_page("pages/2_Train.py")

VIEWS = {"grid": _("Settings on this data"), "memory": _("Long memory: the echo lag")}
view = st.segmented_control(_("Sweep"), list(VIEWS), default="grid", format_func=VIEWS.get,
                            required=True,
                            key="sweep_view", label_visibility="collapsed")
if view == "memory":  # the echo experiment makes its own data: no loaded series needed
    memory_ui.section()
    layout.finish_page()
    st.stop()

series = data.current_series()
if series is None:
    st.info(_("Load some data on the Data page first."))
    layout.finish_page()
    st.stop()

values = series.values
configs = sweep_ui.grid_form(len(values))
left, right = st.columns(2)
left.button(_("Run sweep"), key="sweep_run", type="primary", disabled=configs is None
            or sweep_ui.running(), on_click=sweep_ui.on_run, args=(configs,),
            help=_("Train every combination; results appear as each run finishes."))
right.button(_("Stop sweep"), key="sweep_stop", disabled=not sweep_ui.running(),
             on_click=sweep_ui.on_stop, help=_("Cancel the runs that have not started yet."))
progress_slot = st.empty()
table_slot = st.empty()
chart_slot = st.empty()

if sweep_ui.running():
    sweep_ui.stream(pd.Series(values.to_numpy(), index=values.index), progress_slot, table_slot,
                    chart_slot)
rows = st.session_state.get(sweep_ui.ROWS)
if rows:
    done, total = len(rows), st.session_state.get(sweep_ui.TOTAL, len(rows))
    progress_slot.progress(done / max(total, 1), text=_("{done} of {total} finished").format(
        done=done, total=counted(total, 'run')))
    sweep_ui.results(rows)
layout.finish_page()
