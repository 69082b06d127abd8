"""Data: choose a source, see the series with its train / validation / test parts."""

import streamlit as st

from rnn_core.experiment import prepare
from rnn_core.i18n import _
from rnn_core.sources.series import describe
from ui import charts, controls, data, layout, results, state

layout.page_setup("Data", ":material/show_chart:")
st.title(":material/show_chart: " + _("Data"))
st.caption(_("Pick a series. The network learns on the training part, watches the validation "
             "part for over-fitting, and never sees the test part until the comparison."))

controls.control("source")
cfg = state.cfg()
loadable = True  # can the configured source be loaded now (a CSV needs a readable file)?
if cfg.source == "synthetic":
    controls.control("synthetic_kind")
    controls.controls(["x_start", "x_stop", "n_points", "noise", "data_seed"], columns=5)
    if cfg.synthetic_kind == "echo":
        controls.control("echo_lag")
elif cfg.source == "fred":
    controls.controls(["fred_id", "start", "end"], columns=3)
elif cfg.source == "ticker":
    controls.controls(["ticker", "field", "interval", "start", "end"], columns=5)
elif cfg.source == "sample":
    controls.control("sample_ticker")
else:
    upload = st.file_uploader(_("CSV file"), type=["csv", "txt", "tsv"],
                              help=_("A column of dates (or numbers) and a column of values; "
                                     "comma, semicolon or tab separated; at most 5 MB."))
    if upload is not None:
        data.store_upload(upload.name, upload.getvalue())
    loadable = data.upload_options()  # a file that cannot be read says so there, once
controls.controls(["val_frac", "test_frac"], columns=2)

cfg = state.cfg()
if cfg.source in data.FETCHED:
    left, right = st.columns(2)
    if left.button(_("Fetch data"), key="fetch_btn", type="primary",
                   help=_("Download the series (or take it from the on-disk cache).")):
        data.load()
        state.show_flash()
    if right.button(_("Refresh from the source"), key="refresh_btn",
                    help=_("Download again even if a cached copy exists.")):
        data.load(refresh=True)
        state.show_flash()
elif loadable and data.is_stale():  # these sources load as soon as their settings change
    data.load()
    state.show_flash()

series = data.current_series()
if series is None:
    step = data.next_step(cfg)
    st.info(_("No data yet: {step}.").format(step=step) if step else _("No data yet."))
else:
    stale = data.stale_note(cfg, series)
    if stale is not None:
        getattr(st, stale[0])(stale[1])
    summary = describe(series)
    st.markdown(f"**{series.name}** — {summary.text}"
                + (_(" · units: {units}").format(units=series.units) if series.units else ""))
    if series.note and data.loaded_source() == cfg.source:  # no note of an earlier source
        st.info(series.note)
    try:
        prepared = prepare(series.values, state.cfg(), series.units)
        bounds = prepared.bounds()
    except ValueError as err:
        prepared, bounds = None, {}
        st.warning(_("With the current settings this series cannot be split for training: "
                     "{why}").format(why=err))
    st.plotly_chart(charts.series_chart(series.values, bounds, series.name, series.units),
                    key="series_chart", width="stretch")
    if prepared is not None:
        results.range_notes(prepared)
    st.download_button(_("Download this series (CSV)"), series.values.to_csv().encode(),
                       file_name="series.csv", mime="text/csv", key="dl_series")

layout.finish_page()
