"""RNN Lab — home: what it is, the path through the app, and one-click tutorial presets."""

import streamlit as st

from rnn_core.i18n import _
from rnn_core.presets import DEFAULT_CLAIMS, PRESETS
from ui import layout, presets_ui

layout.page_setup("Home", ":material/home:")

st.title("RNN Lab")
st.markdown(_(
    "RNN Lab trains a recurrent neural network, written from scratch in NumPy, on a time "
    "series you choose — and lets you watch it learn. Compare its forecasts with a simple "
    "MLP and with the naive *tomorrow = today* rule, in the data's own units. Then look "
    "inside: the hidden states, the gradients flowing back through time, and why long "
    "memories are hard to learn."
))
icons = {label: icon for _path, label, icon in layout.PAGES}  # one icon per page, everywhere
st.markdown(_("**The path:** ") + " → ".join(f"{icons[p]} {_(p)}" for p in
                                            ("Data", "Train", "Compare", "Inside the RNN"))
            + _(" (and {icon} Sweep to try many settings at once).").format(icon=icons["Sweep"]))
c1, c2, c3, c4 = st.columns(4)
layout.link("pages/1_Data.py", _("Pick data"), icons["Data"], c1)
layout.link("pages/2_Train.py", _("Train live"), icons["Train"], c2)
layout.link("pages/3_Compare.py", _("Compare forecasts"), icons["Compare"], c3)
layout.link("pages/4_Inside.py", _("Look inside"), icons["Inside the RNN"], c4)

st.subheader(_("The first experiment"))
st.markdown(_("When you open the app, a noisy sine (16 periods, 600 points) is loaded and the "
              "Train page is set to read 20 past values and predict the next one. Its "
              "outcome:") + "  \n"
            + "  \n".join(_("*{claim}.*").format(claim=claim.card) for claim in DEFAULT_CLAIMS))
st.caption(_("Each claim on this page was checked by training seeds 0–9 (the seed sets the "
             "initial weights and the shuffling). On Compare, 'Repeat over seeds' shows the "
             "spread of your own run."))

st.subheader(_("Reproduce a tutorial in one click"))
st.caption(_("A preset fills every control; you can change any of them afterwards."))
presets_ui.preset_buttons(PRESETS)

layout.finish_page()
