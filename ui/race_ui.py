"""Compare's "Cell race" section: every cell of the last race beside the MLP and persistence.

The tables are `Race.evaluate`'s (rnn_core.race), memoised per race and epoch; this module only
draws them — the same chart builders and the same metrics table as the run's sections above.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from rnn_core.i18n import _
from rnn_core.race import Race
from rnn_core.words import counted
from ui import charts, results, seeds_ui


def held_out(predictions: pd.DataFrame) -> pd.DataFrame:
    """The test part's rows when there is one (five models over the whole series hide each
    other), else every row (the blocks task scores along the whole curve)."""
    test = predictions[predictions["part"] == "test"]
    return test if len(test) else predictions


def race_section(race: Race) -> None:
    """The race's overlay chart (one step ahead and free-running, every model, the seed spread
    per cell), its one metrics table, and downloads."""
    st.header(_("Cell race"), anchor="cell-race")
    results.mismatch_notice(race)
    ev = results.race_evaluation(race)
    labels = race.labels()
    cells = ", ".join(_(labels[c]) for c in race.runs)
    st.caption(_("{cells} trained for {epochs}{stopped} on the same windows, with seed {seed} "
                 "and the same settings; the MLP and persistence are the baselines. RNN is the "
                 "Elman cell. All errors are in the data's units.").format(
        cells=cells, epochs=counted(race.epochs_done, "epoch"), seed=race.cfg.seed,
        stopped=_(" (stopped early)") if race.stopped else ""))
    for note in ev.notes:
        st.info(note)

    prepared = race.prepared
    bands = seeds_ui.race_bands(race)
    actual = pd.Series(prepared.values, index=prepared.index)
    st.plotly_chart(charts.forecast_chart(actual, ev.extrapolation, ev.free_run, prepared.units,
                                          bands, one_step=held_out(ev.predictions)),
                    key="race_chart", width="stretch")
    st.caption(_("Thin lines: one step ahead, every input real; dotted: fed with their own "
                 "predictions from the start of the test part; wide: past the end of the data. "
                 "Click a legend entry to hide a line."))
    if len(ev.metrics):
        results.metrics_table(ev, key="race_metrics_table")
    results.race_downloads(ev)
