"""Train: the RNN and its MLP baseline on the same windows, with a live loss curve."""

import streamlit as st

from rnn_core.tasks import get_task
from ui import controls, layout, model_upload, results, state, training

layout.page_setup("Train", ":material/model_training:")
st.title(":material/model_training: Train")
st.caption("The RNN reads each window one step at a time; the MLP sees the whole window at "
           "once. Both learn from the same windows with the same optimizer.")

with st.expander("Load a trained model (.npz)"):
    model_upload.model_uploader()
state.show_flash()

with st.expander("Settings", expanded=not st.session_state.get(training.TRAINING)):
    st.markdown("**Problem**")
    task = get_task(state.cfg().task)  # each task lists the settings it uses
    controls.controls(["task", *task.controls, "scaler"], columns=4)
    st.markdown("**Model**")
    controls.controls(["n_hidden", "n_layers", "activation", "mlp_hidden"], columns=4)
    st.markdown("**Training**")
    controls.controls(["optimizer", "lr", "epochs", "batch_size"], columns=4)
    controls.controls(["clip", *task.training_controls, "seed", "horizon"], columns=4)

run = st.session_state.get(state.RUN)
if run is not None and not st.session_state.get(training.TRAINING):
    results.mismatch_notice(run, offer_retrain=False)  # the Train button is right below
prepared, why = training.prepared_or_message()
if prepared is None:
    st.error(f"These settings cannot be trained yet: {why}")
else:
    n_train = prepared.task.n_train_windows(prepared)
    st.caption(f"{n_train} training {prepared.task.unit_name} · RNN {prepared.cfg.n_hidden} hidden units · "
               f"MLP {prepared.cfg.mlp_hidden} hidden units")

st.caption("Every setting is in the page's address: copy it to share this exact set-up "
           "(add `&hide=optimizer,clip` or `&lock=lr` to keep a lesson focused).")
training.buttons()
log_y = st.toggle("Log-scale loss axis", value=True, key="log_loss",
                  help="A log axis shows the late, small improvements as clearly as the first.")
progress_slot = st.empty()
chart_slot = st.empty()

run = st.session_state.get(state.RUN)
if st.session_state.get(training.TRAINING):
    training.live_loop(chart_slot, progress_slot, log_y)
elif run is not None and run.epochs_done:
    training.draw(chart_slot, progress_slot, run, log_y)
    h, m = run.rnn_history, run.mlp_history
    losses = f"RNN {h.train_loss[-1]:.4g}" + (f", MLP {m.train_loss[-1]:.4g}" if m else "")
    if run.diverged:  # the loss exploded: never a success, whatever was kept
        st.error(run.diverged)
    elif run is st.session_state.get(training.FALLBACK):  # a new run exploded in epoch 1
        st.info(f"Your previous model is shown: {training.epochs_text(run.epochs_done)}, final "
                f"training loss {losses}. The new run diverged (see the message above).")
    else:
        st.success(f"Trained {run.epochs_done} epochs. Final training loss: {losses}. "
                   "See the forecasts on the Compare page.")
    st.page_link("pages/3_Compare.py", label="Compare the forecasts", icon=":material/compare_arrows:")
else:
    st.info("Press **Train** to start, or **Step** to train one epoch at a time.")

layout.finish_page()
