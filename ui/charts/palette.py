"""The one palette of the app: one colour per series everywhere, so a student learns it once.

Okabe & Ito's colour-blind-safe set (Okabe & Ito 2008, "Color Universal Design"), without its
black and yellow, which vanish on Streamlit's dark and light background respectively. Every
colour left keeps a contrast of 2.2:1 or more on white and 3.6:1 or more on Streamlit's dark
#0e1117 (the blue, green and vermillion of the models: 3.4:1 or more on both).
Colours are never the only cue: lines of one model in another condition (at initialisation,
truncated, clipped, teacher forcing) also differ in dash, marker or width (`STYLES`).
"""

from __future__ import annotations

from rnn_core.i18n import N_

OKABE_ITO = {"orange": "#E69F00", "sky blue": "#56B4E9", "bluish green": "#009E73",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish purple": "#CC79A7",
             "grey": "#999999"}

# One colour per series, on every page. GRU and LSTM are kept for the gated cells to come.
COLORS = {"actual": OKABE_ITO["grey"], "true": OKABE_ITO["grey"],  # the data, measured or exact
          "RNN": OKABE_ITO["blue"], "MLP": OKABE_ITO["vermillion"],
          "Persistence": OKABE_ITO["bluish green"],
          "GRU": OKABE_ITO["reddish purple"], "LSTM": OKABE_ITO["orange"]}
INIT_COLOR = OKABE_ITO["sky blue"]  # the model before training, a paler blue beside the RNN's

# The RNN's other lines: each has its own colour and at least one more cue (dash, marker).
# Teacher forcing (real inputs at every step) is the paler blue of the untrained model too:
# the two never share a chart, and both are "the RNN, not as it forecasts".
STYLES = {
    "trained": dict(line=dict(color=COLORS["RNN"], width=2.5),
                    marker=dict(color=COLORS["RNN"], symbol="circle", size=5)),
    "initial": dict(line=dict(color=INIT_COLOR, width=2, dash="dash"),
                    marker=dict(color=INIT_COLOR, symbol="circle-open", size=6)),
    "free running": dict(line=dict(color=COLORS["RNN"], width=2.5),
                         marker=dict(color=COLORS["RNN"], symbol="diamond", size=6)),
    "teacher forcing": dict(line=dict(color=INIT_COLOR, width=2, dash="dot"),
                            marker=dict(color=INIT_COLOR, symbol="circle-open", size=7)),
}
THRESHOLD = dict(color=OKABE_ITO["grey"], dash="dashdot")  # a limit drawn across a chart

# Validation and test parts shaded behind the data: pale, so the lines on top stay readable.
PART_FILL = {"val": "rgba(230, 159, 0, 0.13)", "test": "rgba(153, 153, 153, 0.18)"}
PART_NAME = {"train": N_("training"), "val": N_("validation"), "test": N_("test")}  # _() shown
MODEL_NAMES = (N_("RNN"), N_("MLP"), N_("Persistence"))  # legend names, shown with _(name)


def rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"
