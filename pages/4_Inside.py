"""Inside the RNN: what the network computes, and why training it is hard, on your own model."""

import streamlit as st

from rnn_core.i18n import _
from rnn_core.words import counted
from ui import inside_cells, inside_checks_ui, inside_run, inside_tabs, layout, results, state

layout.page_setup("Inside the RNN", ":material/biotech:")
st.title(":material/biotech: " + _("Inside the RNN"))

run, why = inside_run.current_run()
if run is None:
    st.error(_("There is no model to look inside yet: {why}").format(why=why))
    layout.finish_page()
    st.stop()

if run is st.session_state.get(state.RUN):
    results.mismatch_notice(run)
if run.epochs_done:
    st.caption(_("Your model: {model}, window {window}, trained {epochs}. Views compare it "
                 "with the same network at initialisation.").format(
        model=inside_cells.model_words(run), window=run.cfg.window,
        epochs=counted(run.epochs_done, 'epoch')))
else:
    st.caption(_("No trained model yet: the views show an RNN with your settings ({hidden}, "
                 "window {window}) at initialisation, on your data.").format(
        hidden=counted(run.cfg.n_hidden, 'hidden unit'), window=run.cfg.window))
    inside_run.quick_train_button()

tabs = st.tabs([_("One step"), _("Shapes"), _("Unrolled states"), _("Gradients through time"),
                _("Cells side by side"), _("Teacher forcing"), _("Verify gradients"),
                _("Leakage"), _("Flat line?"), _("RNN vs MLP")])
views = [inside_tabs.step_tab, inside_tabs.shapes_tab, inside_tabs.unrolled_tab,
         inside_tabs.grads_tab, inside_cells.cells_tab, inside_checks_ui.free_tab,
         inside_checks_ui.verify_tab, inside_checks_ui.leakage_tab, inside_checks_ui.flat_tab,
         inside_checks_ui.mlp_tab]
for tab, view in zip(tabs, views):
    with tab:
        view(run)

layout.finish_page()
