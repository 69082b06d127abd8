"""The first four views of the Inside page: one step by hand, the shapes of RNNs, the unrolled
states, the gradients through time. Each function draws one tab; rnn_core.inside computes."""

from __future__ import annotations

import streamlit as st

from rnn_core import cell_views as cv
from rnn_core import inside
from rnn_core.experiment import Run
from rnn_core.i18n import N_, _
from rnn_core.words import counted
from ui import inside_cells
from ui import inside_views as views
from ui.charts import inside as inside_charts
from ui.charts.palette import STYLES
from ui.charts.shapes import shape_diagram
from ui.inside_shapes import SHAPES
from ui.state import INSIDE_STEP as STEP_COUNT

PARTS = {"train": N_("training"), "val": N_("validation"), "test": N_("test")}  # shown: _()
GRAD_BATCH = 16  # windows averaged into the gradient picture
SMALL = 6  # models with at most this many hidden units show their whole matrices


def try_this(text: str) -> None:
    st.info(_("**Try this:** {text}").format(text=text), icon=":material/science:")


def clamped_slider(label: str, lo: int, hi: int, default: int, key: str, help: str) -> int:
    """An integer slider whose remembered value is pulled back inside [lo, hi] first (its
    range follows other controls); a one-value range is shown as text."""
    if hi <= lo:
        st.caption(f"{label}: {lo}")
        return lo
    if key in st.session_state:
        st.session_state[key] = int(min(max(st.session_state[key], lo), hi))
    else:
        st.session_state[key] = int(min(max(default, lo), hi))
    return st.slider(label, lo, hi, key=key, help=help)


def parts_with_windows(run: Run, window: int | None = None) -> list[str]:
    out = []
    for part in PARTS:
        try:
            inside.part_windows(run.prepared, part, window)
            out.append(part)
        except ValueError:
            pass
    return out


def pick_window(run: Run, prefix: str):
    """Part and window pickers; returns (Windows of that part, chosen index)."""
    parts = parts_with_windows(run)
    c1, c2 = st.columns([1, 3])
    part = c1.selectbox(_("Windows from"), parts, index=len(parts) - 1, key=f"{prefix}_part",
                        format_func={p: _(PARTS[p]) for p in parts}.get,
                        help=_("Which part of your series the window is taken from."))
    w = inside.part_windows(run.prepared, part)
    with c2:
        i = clamped_slider(_("Window number"), 0, len(w.X) - 1, 0, f"{prefix}_window",
                           _("Slide along the series: each number is the next window."))
    return w, i


# ----- one step by hand ------------------------------------------------------------------------
_EX = inside.WORKED_EXAMPLE
_FIELDS = ([("inside_hp_0", _EX["h_prev"][0]), ("inside_hp_1", _EX["h_prev"][1]),
            ("inside_x", _EX["x"][0]), ("inside_b1_0", _EX["b_h"][0]),
            ("inside_b1_1", _EX["b_h"][1]), ("inside_V_0", _EX["V"][0][0]),
            ("inside_V_1", _EX["V"][1][0]), ("inside_b2", _EX["b_y"][0])]
           + [(f"inside_S_{i}{j}", _EX["stacked"][i][j]) for i in range(3) for j in range(2)])


def _reset_example() -> None:
    for key, value in _FIELDS:
        st.session_state[key] = float(value)
    st.session_state[STEP_COUNT] = 0


def _hand_inputs() -> dict:
    s = st.session_state
    return {"h_prev": [s["inside_hp_0"], s["inside_hp_1"]], "x": [s["inside_x"]],
            "stacked": [[s[f"inside_S_{i}{j}"] for j in range(2)] for i in range(3)],
            "b_h": [s["inside_b1_0"], s["inside_b1_1"]],
            "V": [[s["inside_V_0"]], [s["inside_V_1"]]], "b_y": [s["inside_b2"]]}


def _next_step() -> None:
    """on_click: h(t) becomes h(t-1); the weights and x stay, as in a real recurrence."""
    stages = inside.step_by_hand(**_hand_inputs())
    st.session_state["inside_hp_0"], st.session_state["inside_hp_1"] = map(float, stages.h)
    st.session_state[STEP_COUNT] = st.session_state.get(STEP_COUNT, 0) + 1


def _number(where, label: str, key: str, help: str) -> None:
    where.number_input(label, key=key, step=0.1, format="%.4f", help=help)


def step_tab(run: Run) -> None:
    st.markdown(_("An RNN repeats one small calculation at every time step: mix the new input "
                  "with the previous hidden state, squash the result with tanh, and read an "
                  "output from it. Below are the numbers of the worked example from the theory "
                  "tutorial (seed 003); change any of them and every stage is recomputed."))
    if "inside_hp_0" not in st.session_state:
        _reset_example()
    c1, c2, c3, c4 = st.columns(4)
    c1.markdown(_("**State and input**"))
    _number(c1, "h1(t-1)", "inside_hp_0", _("First number of the previous hidden state."))
    _number(c1, "h2(t-1)", "inside_hp_1", _("Second number of the previous hidden state."))
    _number(c1, "x(t)", "inside_x", _("The input value at this time step."))
    c2.markdown(_("**Stacked weights W** (rows h1, h2, x)"))
    for i, row in enumerate(("h1", "h2", "x")):
        a, b = c2.columns(2)
        for j, col in enumerate((a, b)):
            _number(col, _("W[{row}, unit {unit}]").format(row=row, unit=j + 1),
                    f"inside_S_{i}{j}", _("How strongly {row} pushes hidden unit {unit}.").format(
                        row=row, unit=j + 1))
    c3.markdown(_("**Hidden bias b1**"))
    _number(c3, _("b1, unit 1"), "inside_b1_0", _("Added to hidden unit 1 before tanh."))
    _number(c3, _("b1, unit 2"), "inside_b1_1", _("Added to hidden unit 2 before tanh."))
    c4.markdown(_("**Output weights V, bias b2**"))
    _number(c4, _("V, unit 1"), "inside_V_0", _("How much hidden unit 1 adds to the output."))
    _number(c4, _("V, unit 2"), "inside_V_1", _("How much hidden unit 2 adds to the output."))
    _number(c4, "b2", "inside_b2", _("Added to the output at the end."))

    values = _hand_inputs()
    stages = inside.step_by_hand(**values)
    t = st.session_state.get(STEP_COUNT, 0)
    st.markdown(_("**Step {value}.** First the pre-activation: the previous state and the "
                  "input, as one row, times the stacked weights (this app stores the same "
                  "numbers as W_hh and W_xh, transposed).").format(value=t + 1))
    st.latex(views.stacked_formula(values["h_prev"], values["x"], values["stacked"],
                                   values["b_h"]))
    for line in views.step_formulas(stages):
        st.latex(line)
    m1, m2, m3 = st.columns(3)
    m1.metric("h1(t)", f"{stages.h[0]:.4f}")
    m2.metric("h2(t)", f"{stages.h[1]:.4f}")
    m3.metric("o(t)", f"{stages.y[0]:.4f}")
    b1, b2 = st.columns(2)
    b1.button(_("Next step: h(t) becomes h(t-1)"), key="inside_next_step", on_click=_next_step,
              help=_("Feed the new state back in, as the network does at the following step."))
    b2.button(_("Back to the tutorial's numbers"), key="inside_reset_step",
              on_click=_reset_example, help=_("Restore seed 003's worked example."))
    try_this(_("press *Next step* a few times with x fixed: the state settles to a fixed "
               "point. Then make the h rows of W large (say 3): the state jumps to ±1, where "
               "tanh is flat."))

    st.subheader(_("The same step inside your model"))
    st.markdown(_("Now the weights are your model's, and h(t-1) is the state the network reached "
                  "after reading the first part of a real window."))
    w, i = pick_window(run, "inside_mstep")
    T = w.X.shape[1]
    t_step = clamped_slider(_("Time step t"), 0, T - 1, T - 1, "inside_mstep_t",
                            _("Which step of the window to open; 0 starts from h = 0."))
    if not cv.applies(cv.ELMAN, run.rnn):  # a gated cell: its own equations, its own numbers
        st.markdown(_("The worked example above is the Elman cell's. Your model's cell, the "
                      "{cell}, computes its gates from x_t and h_(t-1), each with its own "
                      "weights, and mixes the old state with a new candidate. Here is every "
                      "line of it at step t of the window, with your model's numbers.").format(
            cell=inside_cells.label(cv.own_cell(run))))
        inside_cells.gated_step(run.rnn, w.X[i], t_step)
        if run.cfg.n_hidden > views.SHOW:
            st.caption(_("Each vector has {n} entries; the first {show} are shown.").format(
                n=run.cfg.n_hidden, show=views.SHOW))
        if run.cfg.n_layers > 1:
            st.caption(_("This is the top layer; its input x_t is the hidden state of the "
                         "layer below."))
        return
    stages = inside.model_step(run.rnn, w.X[i], t_step)
    small = run.cfg.n_hidden <= SMALL
    if not small:
        shapes = ", ".join(f"{k} {'×'.join(map(str, v.shape))}"
                           for k, v in stages.weights.items())
        st.caption(_("{n_hidden} hidden units is too many to print: shapes {shapes}; the first "
                     "{SHOW} entries of each are shown.").format(
                       n_hidden=run.cfg.n_hidden, shapes=shapes, SHOW=views.SHOW))
    for line in views.step_formulas(stages, show_weights=True):
        st.latex(line)
    if run.cfg.n_layers > 1:
        st.caption(_("This is the top layer; its input x_t is the hidden state of the layer "
                     "below."))


# ----- shapes ----------------------------------------------------------------------------------
def shapes_tab(run: Run) -> None:
    st.markdown(_("Unrolling an RNN draws its one cell once per time step, with the hidden "
                  "state passed along the row. What changes between uses is where inputs go in "
                  "and where outputs are read."))
    current = run.task.shape
    for shape in SHAPES:
        c1, c2 = st.columns([3, 2])
        c1.plotly_chart(shape_diagram(shape, current == shape.key), key=f"inside_shape_{shape.key}",
                        width="stretch")
        c2.markdown(f"**{_(shape.title)}.** {_(shape.text)}")
        c2.markdown(_("*In this app:* {in_app}").format(in_app=_(shape.in_app)))
    try_this(_("switch the task on the Train page between 'next value' and 'sequence' and come "
               "back: the highlighted shape follows."))


# ----- unrolled states -------------------------------------------------------------------------
def unrolled_tab(run: Run) -> None:
    st.markdown(_("Each column is one time step, each row one hidden unit: the colour is the "
                  "value of h_t. Reading the window left to right, the state gathers what the "
                  "network needs to predict the next value."))
    w, i = pick_window(run, "inside_unroll")
    trained = run.epochs_done > 0
    models = {"at initialisation": run.initial_rnn}
    if trained:
        models = {"after training": run.rnn, **models}
    cols = st.columns(len(models))
    outputs = {}
    for col, (name, model) in zip(cols, models.items()):
        states, y = inside.unrolled(model, w.X[i])
        col.plotly_chart(inside_charts.states_heatmap(
                             states, _("Hidden state, {name}").format(name=_(name))),
                         key=f"inside_states_{name}", width="stretch")
        outputs[f"y_t {name}"] = y.ravel()
    targets = w.Y[i].ravel()
    st.plotly_chart(inside_charts.outputs_chart(outputs, targets, w.X[i].ravel()),
                    key="inside_outputs", width="stretch")
    if not trained:
        st.caption(_("No trained model yet: only the state at initialisation is shown."))
    try_this(_("compare the two heatmaps: at initialisation the units drift with the input; "
               "after training some units track the level and others the change."))


# ----- gradients through time ------------------------------------------------------------------
def _grad_controls(run: Run) -> dict:
    cfg = run.cfg
    elman = cv.applies(cv.ELMAN, run.rnn)  # the what-if is the Elman cell's (cell_views.ELMAN)
    *c12, c3, c4, c5 = st.columns(5 if elman else 3)
    activation, scale = None, 1.0
    if elman:
        c1, c2 = c12
        activation = c1.selectbox(_("Activation"), ["tanh", "relu"],
                                  index=["tanh", "relu"].index(run.rnn.activation),
                                  key="inside_grad_act",
                                  help=_("Recompute with another activation, same weights."))
        scale = c2.slider(_("Scale of W_hh"), 0.25, 3.0, 1.0, 0.05, key="inside_grad_scale",
                          help=_("Multiply the recurrent weights: above 1 gradients grow, "
                                 "below 1 they fade."))
    n_train = run.prepared.split.train_end
    with c3:
        T = clamped_slider(_("Window length"), 2, min(300, n_train - 1), cfg.window,
                           "inside_grad_T", _("How many steps the gradient must travel back."))
    with c4:
        k = clamped_slider(_("Truncate to k steps (0 = never)"), 0, T, cfg.bptt_steps,
                           "inside_grad_k", _("Truncated BPTT: each output's error flows back "
                                              "through at most its last k steps."))
    clip = c5.number_input(_("Clip at (0 = off)"), 0.0, 1000.0, float(cfg.clip), 0.5,
                           key="inside_grad_clip",
                           help=_("Global-norm clipping threshold applied to the whole gradient."))
    return {"activation": activation, "w_hh_scale": scale, "T": T,
            "bptt_steps": k or None, "clip": clip or None}


def grads_tab(run: Run) -> None:
    st.markdown(_("The loss sits at the last step; to teach an early step, its gradient must "
                  "pass back through the cell once per step (in the Elman cell: through W_hh "
                  "and the activation's slope). Multiplied many times, it either fades "
                  "(vanishing) or blows up (exploding). Each curve is measured on the first "
                  "{GRAD_BATCH} training windows together, with the loss on the last output "
                  "only.").format(GRAD_BATCH=GRAD_BATCH))
    c = _grad_controls(run)
    elman = cv.applies(cv.ELMAN, run.rnn)
    if not elman:
        inside_cells.elman_note(run, _("The activation and W_hh scale what-if, with the "
                                       "spectral radius and eigenvalues of W_hh,"))
    w = inside.part_windows(run.prepared, "train", c["T"])
    X, Y = w.X[:GRAD_BATCH], inside.last_step_targets(w.Y[:GRAD_BATCH])
    kw = {"activation": c["activation"], "w_hh_scale": c["w_hh_scale"]}
    trained = run.epochs_done > 0
    models = {"at initialisation": run.initial_rnn}
    if trained:
        models["after training"] = run.rnn
    flows = {name: inside.grad_flow(m, X, Y, **kw) for name, m in models.items()}
    curves = {name: f.norms for name, f in flows.items()}
    styles = {"at initialisation": STYLES["initial"], "after training": STYLES["trained"]}
    latest = "after training" if trained else "at initialisation"
    if c["bptt_steps"]:
        cut = inside.grad_flow(models[latest], X, Y, bptt_steps=c["bptt_steps"], **kw)
        name = _("{latest}, truncated to the last {steps}").format(
            latest=_(latest), steps=counted(c['bptt_steps'], 'step'))
        curves[name] = cut.norms
        styles[name] = inside_charts.truncated_style(styles[latest])
    clipped = inside.grad_flow(models[latest], X, Y, clip=c["clip"], **kw)
    if c["clip"] and clipped.clip_factor < 1:
        name = _("{latest}, after clipping at {clip:g}").format(latest=_(latest), clip=c['clip'])
        curves[name] = clipped.clipped
        styles[name] = inside_charts.clipped_style(styles[latest])
    st.plotly_chart(inside_charts.grad_flow_chart(curves, styles), key="inside_grad_flow",
                    width="stretch")
    cols = st.columns(len(flows) + 1)
    for col, (name, f) in zip(cols, flows.items()):
        if f.spectral_radius is not None:  # the Elman cell's W_hh
            col.metric(_("Spectral radius of W_hh, {name}").format(name=_(name)),
                       f"{f.spectral_radius:.3f}",
                       help=_("Largest |eigenvalue|: above 1 tends to explode, below 1 to "
                              "vanish."))
    if c["clip"]:
        cols[-1].metric(_("Clipping multiplies the gradient by"), f"{clipped.clip_factor:.3g}",
                        help=_("min(1, threshold ÷ gradient norm): every step alike."))
    if not run.task.held_out:  # the x-blocks task: truncated BPTT along the whole curve
        st.caption(_("The x-blocks task trains with k1 = 1 and k2 = {window}: after every "
                     "block it backpropagates through the last {blocks}, so the window length "
                     "here plays the part of k2.").format(
                       window=run.cfg.window, blocks=counted(run.cfg.window, 'block')))
    st.caption(_("Truncation cuts the curve off: no gradient reaches a step more than k steps "
                 "before the output. Clipping shifts the whole curve down by one factor, so it "
                 "stops explosions but cannot bring back a gradient that has already vanished."))
    if elman:
        latest_first = {_(name): models[name] for name in reversed(models)}
        inside_cells.eigen_view(latest_first, scale=c["w_hh_scale"], key="inside_grad_eigen")
        try_this(_("with tanh, move the W_hh scale from 0.5 to 2 and watch the left end of the "
                   "curve; then switch to relu at scale 1.5 and lengthen the window."))
    else:
        try_this(_("lengthen the window and watch how far back the gradient still reaches; the "
                   "tab *Cells side by side* draws the Elman cell, the GRU and the LSTM on one "
                   "chart."))
    h = run.rnn_history
    if h is not None and len(h):
        st.plotly_chart(inside_charts.epoch_grad_chart(h.grad_norm, run.cfg.clip),
                        key="inside_grad_epochs", width="stretch")
        st.caption(_("The mean gradient norm of each epoch of the last training run, measured "
                     "before clipping."))
