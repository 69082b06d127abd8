"""Train: one screen for a projector — the essential controls, the buttons, the loss curves and
the model's forecast, redrawn live while the RNN learns."""

import streamlit as st

from rnn_core.cells import CELL_LABELS, takes_activation
from rnn_core.experiment import MODEL_NAMES
from rnn_core.i18n import _, ngettext
from rnn_core.tasks import get_task
from rnn_core.words import counted
from ui import controls, layout, model_upload, results, state, training

layout.page_setup("Train", ":material/model_training:")
st.title(":material/model_training: " + _("Train"))

task = get_task(state.cfg().task)  # each task lists the settings it uses
essentials = [*task.controls[-1:], "n_hidden", "lr", "epochs"]  # the window (or k2) first
cell_col, left, right = st.columns([1.1, 3, 2], vertical_alignment="bottom")
controls.control("cell", cell_col)  # Elman RNN, GRU or LSTM: a column wide enough for its name
with left:
    controls.controls(essentials, columns=4)
training.buttons(right)

run = training.shown()  # the run, or the cell race when it was trained last
if run is not None and not st.session_state.get(training.TRAINING):
    results.mismatch_notice(run, offer_retrain=False)  # the Train button is right here
notice = st.empty()  # what a load from the expander below says
progress = st.empty()
loss_col, live_col = st.columns(2)
slots = training.Slots(progress, loss_col.empty(), live_col.empty())
status = st.empty()

prepared, why = training.prepared_or_message()
if prepared is None:
    st.error(_("These settings cannot be trained yet: {why}").format(why=why))
else:
    unit = prepared.task.unit_name  # a plural ("windows", "blocks")
    n = prepared.task.n_train_windows(prepared)
    n_train = (ngettext("{n} training block", "{n} training blocks", n) if unit == "blocks"
               else ngettext("{n} training window", "{n} training windows", n)).format(n=n)
    st.caption(_("{reading} {n_train} · {model} {hidden} · MLP {mlp_hidden}.").format(
        reading=task.reading(prepared.cfg), n_train=n_train,
        model=_(MODEL_NAMES[prepared.cfg.cell]),
        hidden=counted(prepared.cfg.n_hidden, 'hidden unit'),
        mlp_hidden=counted(prepared.cfg.mlp_hidden, 'hidden unit')))

with st.expander(_("More settings"), expanded=False):
    st.markdown(_("**Problem**"))
    controls.controls(["task", *task.controls[:-1], "scaler"], columns=3)
    st.markdown(_("**Model**"))
    cell = state.cfg().cell  # only the Elman cell has an activation to choose
    controls.controls([n for n in ("n_layers", "activation", "mlp_hidden")
                       if n != "activation" or takes_activation(cell)], columns=3)
    if not takes_activation(cell):
        st.caption(_("The {cell}'s nonlinearities are part of its equations (σ for the gates, "
                     "tanh for the candidate), so it has no activation to choose; the race's "
                     "Elman RNN uses {activation}.").format(cell=_(CELL_LABELS[cell]),
                                                            activation=state.cfg().activation))
    st.markdown(_("**Training**"))
    controls.controls(["optimizer", "batch_size", "clip", *task.training_controls, "seed",
                       "horizon"], columns=3)
    log_y = st.toggle(_("Log-scale loss axis"), value=True, key="log_loss",
                      help=_("A log axis shows the late, small improvements as clearly as the "
                             "first."))
    st.caption(_("Every setting is in the page's address: copy it to share this exact set-up "
                 "(add `&hide=optimizer,clip` or `&lock=lr` to keep a lesson focused)."))
with st.expander(_("Load a trained model (.npz), or bring back the previous one")):
    model_upload.model_uploader()
    state.show_flash(notice)
    previous = state.previous_run()
    if previous is not None:
        st.button(_("Bring back the previous model ({epochs} on {data})").format(
                      epochs=counted(previous.epochs_done, 'epoch'),
                      data=previous.prepared.data_name or _('its data')), key="swap_btn",
                  on_click=training.on_swap, disabled=bool(st.session_state.get(
                      training.TRAINING)),
                  help=_("The model you have now becomes the previous one: nothing is lost."))

# The loop runs last, after every widget is drawn, so all of them stay clickable meanwhile.
run = training.shown()
if st.session_state.get(training.TRAINING):
    training.live_loop(slots, log_y)
elif run is not None and run.epochs_done:
    training.draw(slots, run, log_y)
    with status.container():
        for kind, text in training.report(run):
            getattr(st, kind)(text)
        st.page_link("pages/3_Compare.py", label=_("Compare the forecasts"),
                     icon=":material/compare_arrows:")
else:
    status.info(_("Press **Train** to start, or **Step** to train one epoch at a time."))

layout.finish_page()
