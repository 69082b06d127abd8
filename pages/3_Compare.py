"""Compare: the RNN against the MLP and persistence, one step ahead and free-running."""

import pandas as pd
import streamlit as st

from rnn_core.i18n import _
from rnn_core.words import counted
from ui import charts, layout, race_ui, results, seeds_ui, state

layout.page_setup("Compare", ":material/compare_arrows:")
st.title(":material/compare_arrows: " + _("Compare"))

run = st.session_state.get(state.RUN)
race = state.current_race()
race = race if race is not None and race.epochs_done else None
if run is None or not run.epochs_done:
    if race is not None:  # only a cell race so far: its section is the page
        race_ui.race_section(race)
    else:
        st.info(_("Train a model first."))
        st.page_link("pages/2_Train.py", label=_("Go to Train"), icon=":material/model_training:")
    layout.finish_page()
    st.stop()

results.mismatch_notice(run)
ev = results.on_screen(results.evaluation(run), run.screen_names)  # "GRU", not "RNN"
name = run.model_name
units = run.prepared.units
bounds = run.prepared.bounds()
st.caption(_("Models trained for {epochs}{stopped}. All errors are in the data's units.").format(
               epochs=counted(run.epochs_done, 'epoch'),
               stopped=_(" (stopped early)") if run.stopped else ""))
if run.diverged:
    st.error(_("This run diverged, so what follows is its last sane epoch: {diverged}").format(
                 diverged=run.diverged))

st.subheader(_("One step ahead"))
st.markdown(_(run.task.one_step_text))
st.plotly_chart(charts.predictions_chart(ev.predictions, bounds, units), key="pred_chart",
                width="stretch")

st.subheader(_("Metrics"))
for note in ev.notes:
    st.info(note)
if len(ev.metrics):
    results.metrics_table(ev, key="metrics_table")
    ratio = ev.ratio(name)
    if ratio >= 1:
        st.warning(_("The {name} does not beat persistence on the test part (MAE ÷ "
                     "persistence MAE = {ratio:.2f} ≥ 1). Try more epochs, a smaller learning "
                     "rate, a different window, or more hidden units — and remember that for a "
                     "random walk nothing can beat persistence.").format(name=name, ratio=ratio))
results.range_notes(run.prepared)

st.subheader(_("Free-running forecasts"))
if ev.free_run is not None:
    st.markdown(_("Here each model is fed its **own** predictions: from the start of the test "
                  "part, and {steps} past the end of the data. Small errors compound, so the gap "
                  "widens with distance.").format(steps=counted(run.cfg.horizon, 'step')))
else:
    steps = counted(run.cfg.horizon, "step's", "steps'")
    st.markdown(_("From its last hidden state the {name} is given the next {steps} inputs "
                  "past the end of the data, and its outputs are compared with the true curve; "
                  "the gap usually widens with distance.").format(name=name, steps=steps))
bands = seeds_ui.seed_bands(run)
actual = pd.Series(run.prepared.values, index=run.prepared.index)
st.plotly_chart(charts.forecast_chart(actual, ev.extrapolation, ev.free_run, units, bands),
                key="forecast_chart", width="stretch")
leaving = charts.off_chart(
    {_("the {model}'s {what}").format(model=m, what=what): frame[m].to_numpy()
     for what, frame in ((_("extrapolation"), ev.extrapolation),
                         (_("free run over the test part"), ev.free_run))
     if frame is not None for m in (name, "MLP")},
    charts.forecast_range(actual, ev.extrapolation))
if leaving:
    st.warning(_("Off the chart (its axis follows the data, not the forecasts): {curves}. A "
                 "forecast that runs away like this feeds its own errors back until they "
                 "explode.").format(curves="; ".join(leaving)))

if ev.horizon is not None and len(ev.horizon):
    cap = 2.0 * float(actual.max() - actual.min())  # errors beyond twice the data's range
    st.plotly_chart(charts.horizon_chart(ev.horizon, units, cap=cap), key="horizon_chart",
                    width="stretch")
    too_big = [f"{m} ({ev.horizon[m].max():.3g})" for m in ev.horizon.columns
               if ev.horizon[m].max() > cap]
    if too_big:
        st.caption(_("Errors above {cap:.3g} (twice the data's range) leave the chart: "
                     "{models}.").format(cap=cap, models=", ".join(too_big)))

st.subheader(_("Downloads"))
results.downloads(run, ev)
if race is not None:
    race_ui.race_section(race)
layout.finish_page()
