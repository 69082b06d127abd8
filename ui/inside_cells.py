"""Inside, per cell, side by side: one model of each cell (Elman RNN, GRU, LSTM) on the same
windows, settings and seed, and the views that compare them; and the plain note an Elman-only
view shows for a gated model. rnn_core.cell_views computes; ui.charts.cells draws.

The session's run is the model of its own cell; the other cells come from the session's cell
race when it matches the run (same data, settings and epochs), or are trained with the run's
settings and seed for the run's epochs when the student presses a button — on the training
workers, as the Train page trains — and kept in the session per run and epoch count
(state.INSIDE_CELLS). A model at initialisation needs no training: then all three are made at
once.
"""

from __future__ import annotations

import streamlit as st

from rnn_core import cell_views as cv
from rnn_core.cells import CELL_LABELS, CELLS
from rnn_core.experiment import Run
from rnn_core.i18n import _
from rnn_core.inside import last_step_targets, part_windows
from rnn_core.pooled import Lane, LiveTraining
from rnn_core.train import TrainingDiverged
from rnn_core.words import counted
from ui import engine, state
from ui.charts import cells as cell_charts
from ui.inside_views import matrix
from ui.state import INSIDE_CELL_MEMORY, INSIDE_CELLS

GRAD_BATCH = 16  # training windows the gradient picture is measured on (as the Gradients tab)
MEMORY_WINDOWS = 256  # at most this many windows are averaged into the memory curve


def label(cell: str) -> str:
    return _(CELL_LABELS[cell])


def labels(cells) -> str:
    """["rnn"] -> "Elman RNN"; ["gru", "lstm"] -> "GRU and LSTM" (in the page's language)."""
    names = [label(c) for c in cells]
    if len(names) == 1:
        return names[0]
    return _("{first} and {last}").format(first=", ".join(names[:-1]), last=names[-1])


def model_words(run: Run) -> str:
    """The run's model in words: "8 hidden units, tanh" for the Elman cell (its activation),
    "GRU, 8 hidden units" for a gated cell."""
    units = counted(run.cfg.n_hidden, "hidden unit")
    if cv.applies(cv.ELMAN, run.rnn):
        return _("{units}, {activation}").format(units=units, activation=run.cfg.activation)
    return _("{cell}, {units}").format(cell=label(cv.own_cell(run)), units=units)


def elman_note(run: Run, what: str) -> None:
    """The plain note of a view that applies to the Elman cell only, for a gated model."""
    st.info(_("{what} applies to the Elman cell (h_t = act(W_xh x_t + W_hh h_(t-1) + b_h)). "
              "Your model's cell, the {cell}, has gates instead of one W_hh and a chosen "
              "activation; the tab *Cells side by side* trains an Elman cell beside it.").format(
        what=what, cell=label(cv.own_cell(run))), icon=":material/info:")


# ----- one model of each cell -------------------------------------------------------------------
def _fresh(run: Run) -> dict:
    """{"runs": cell -> Run, "notes": cell -> words}: the run itself for its own cell; for the
    others a new run of the same settings and seed, untrained (None when it cannot be made)."""
    runs, notes = {}, {}
    for cell in CELLS:
        if cell == cv.own_cell(run):
            runs[cell] = run
            continue
        try:
            runs[cell] = cv.cell_run(run, cell)
        except ValueError as err:          # ComputeCapExceeded: too big for this server
            notes[cell] = _("No {cell} here: {why}").format(cell=label(cell), why=err)
    return {"runs": runs, "notes": notes}


def _train_others(run: Run) -> dict:
    """Train every other cell for the run's epochs, as the Train page trains: in chunks on the
    training workers (rnn_core.pooled; one chunk in flight for this session, its Lane), in this
    process when there are none. A progress bar after each chunk and while waiting for a worker
    (yield points, so a click can interrupt); a cell that diverges keeps its last sane epoch."""
    made = _fresh(run)
    others = [c for c, r in made["runs"].items() if r is not run]
    total = max(1, run.epochs_done * len(others))
    bar = st.progress(0.0, text=_("Training the other cells…"))
    pool, _setting_note = engine.training_pool()
    lane = st.session_state.setdefault(state.TRAIN_LANE, Lane())
    for j, cell in enumerate(others):
        def on_chunk(r: Run, j=j, cell=cell) -> None:
            bar.progress(min((j * run.epochs_done + r.epochs_done) / total, 1.0),
                         text=_("Training the {cell}: epoch {k} of {n}").format(
                             cell=label(cell), k=r.epochs_done, n=run.epochs_done))

        def tick(status: str, j=j) -> None:
            bar.progress(min(j * run.epochs_done / total, 1.0), text=status)

        trainer = LiveTraining(made["runs"][cell], pool, lane)
        try:
            trainer.train(run.epochs_done, on_chunk=on_chunk, tick=tick)
        except TrainingDiverged as err:
            made["notes"][cell] = _("The {cell}'s training diverged ({why}); it is shown after "
                                    "{epochs}.").format(cell=label(cell), why=err,
                                                        epochs=counted(trainer.run.epochs_done,
                                                                       "epoch"))
        made["runs"][cell] = trainer.run             # the newest state (also after an error)
    bar.empty()
    return made


def cell_runs(run: Run) -> tuple[dict, dict, bool]:
    """(cell -> Run, cell -> note, trained together?) for the views. Trained runs need the
    button; until it is pressed only the run's own cell is there (trained together: False)."""
    key = state.run_key(run)
    made = state.recall(INSIDE_CELLS, key)
    raced = cv.from_race(state.current_race(), run)
    if raced is not None:                  # the cell race trained them already: no training
        made = {"runs": {cv.own_cell(run): run, **raced}, "notes": {}}
    elif made is None and run.epochs_done == 0:
        made = _fresh(run)
        state.remember(INSIDE_CELLS, key, made)
    if made is None:
        others = ", ".join(label(c) for c in CELLS if c != cv.own_cell(run))
        pressed = st.button(_("Train the {others} too ({epochs} each, your settings and seed)")
                            .format(others=others, epochs=counted(run.epochs_done, "epoch")),
                            key="inside_cells_train",
                            help=_("Trains one model of each other cell on the same windows "
                                   "with the same settings and seed, for as many epochs as "
                                   "yours, so the views below compare the three cells."))
        if pressed:
            made = _train_others(run)
            state.remember(INSIDE_CELLS, key, made)
    if made is None:
        return {cv.own_cell(run): run}, {}, False
    return {c: made["runs"][c] for c in CELLS if c in made["runs"]}, made["notes"], True


def made_by_race(run: Run) -> bool:
    return cv.from_race(state.current_race(), run) is not None


# ----- the tab ----------------------------------------------------------------------------------
def cells_tab(run: Run) -> None:
    st.markdown((_("One model of each cell on the same windows, with the same settings and "
                   "seed: your {cell} and the other cells trained for the same number of epochs. "
                   "What differs between the curves below is the cell.") if run.epochs_done else
                 _("One model of each cell on the same windows, with the same settings and "
                   "seed, all at initialisation: your {cell} and the other cells. What differs "
                   "between the curves below is the cell.")).format(
        cell=label(cv.own_cell(run))))
    runs, notes, together = cell_runs(run)
    models = {c: r.rnn for c, r in runs.items()}
    key = tuple((c, r.uid, r.epochs_done) for c, r in runs.items())  # names these models
    for note in notes.values():
        st.warning(note)
    if not together:
        st.caption(_("Until you press the button only your {cell} is drawn.").format(
            cell=label(cv.own_cell(run))))
    elif run.epochs_done:
        st.caption(_("Every model here is trained for {epochs}.").format(
            epochs=counted(run.epochs_done, "epoch"))
                   + (_(" The other cells are those of your cell race (same data, settings and "
                        "epochs).") if made_by_race(run) else ""))
    else:
        st.caption(_("No trained model yet: every cell is shown at initialisation."))
    grads_view(run, models)
    gates_view(run, models)
    memory_view(run, models, key)
    elman = {c: m for c, m in models.items() if cv.applies(cv.ELMAN, m)}
    if elman:
        st.subheader(_("The Elman cell's W_hh in the complex plane"))
        eigen_view({_("trained") if run.epochs_done else _("at initialisation"): m
                    for m in elman.values()}, key="inside_cells_eigen")


def grads_view(run: Run, models: dict) -> None:
    st.subheader(_("Gradients through time, per cell"))
    w = part_windows(run.prepared, "train")
    X, Y = w.X[:GRAD_BATCH], last_step_targets(w.Y[:GRAD_BATCH])
    curves = cv.grad_curves(models, X, Y)
    st.plotly_chart(cell_charts.grads_chart(curves), key="inside_cells_grads", width="stretch")
    T = X.shape[1]
    kept = "; ".join(_("{cell} {share:.2e}").format(cell=label(c), share=cv.kept_after(v))
                     for c, v in curves.items())
    st.caption(_("Measured on the first {n} of the training part together, the loss on the last "
                 "output only, with full backpropagation through time. At the first step of the "
                 "window, {back} before the loss, the gradient keeps this share of its size "
                 "next to the loss: {kept}.").format(n=counted(len(X), "window"),
                                                     back=counted(T - 1, "step"), kept=kept))
    st.caption(_("Why they differ: going back one step in the Elman cell multiplies the "
                 "gradient by W_hhᵀ and the slope of the activation, so over many steps it fades "
                 "or blows up (the tab *Gradients through time* shows both). The LSTM's cell "
                 "state passes it back multiplied only by the forget gate f_t "
                 "(c_t = f_t ⊙ c_(t-1) + …): a forget gate near 1 carries the gradient far. "
                 "The GRU's update gate z_t does the same for h (h_t = … + z_t ⊙ h_(t-1)). "
                 "How much each cell keeps on your data is what the curves show."))
    with_c = [c for c, m in models.items() if cv.applies(cv.CELL_STATE, m)]
    if with_c:
        st.caption(_("For the {cells} the curve is ∂L/∂h_t, the gradient at the hidden state h. "
                     "The gradient along the cell state, ∂L/∂c_t, is not drawn: the model does "
                     "not expose it.").format(cells=labels(with_c)))


def gates_view(run: Run, models: dict) -> None:
    from ui.inside_tabs import pick_window  # the tabs module imports this one

    st.subheader(_("Inside the gates, over one window"))
    gated = {c: m for c, m in models.items() if cv.applies(cv.GATED, m)}
    if not gated:
        st.caption(_("The gates belong to the {cells}: press the button above to train "
                     "them beside your {cell}.").format(cells=labels(cv.GATED),
                                                        cell=label(cv.own_cell(run))))
        return
    w, i = pick_window(run, "inside_cells")
    cols = st.columns(len(gated))
    for col, (cell, m) in zip(cols, gated.items()):
        maps = cv.gate_maps(m, w.X[i])
        names = {n: f"{_(desc)} {n}" for n, _eq, desc in cv.EQUATIONS[cell]}
        title = _("{cell}: gates and states, top layer").format(cell=label(cell))
        col.plotly_chart(cell_charts.gates_chart(w.X[i][:, 0], maps, names, cv.RANGES, title),
                         key=f"inside_cells_gates_{cell}", width="stretch")
        keep = cv.KEEP_GATE.get(cell)
        if keep in maps:
            col.metric(_("Mean {gate} in this window").format(gate=names[keep]),
                       f"{maps[keep].mean():.3f}",
                       help=_("1 keeps all of the old memory, 0 replaces it."))
    st.caption(_("Time steps run across, hidden units down. The σ gates run from 0 (closed) to "
                 "1 (open); the candidates and h from -1 to 1; the LSTM's cell state c has no "
                 "bound. A forget gate f near 1 keeps c_(t-1) — and passes its gradient back "
                 "almost unchanged; an update gate z near 1 keeps h_(t-1) the same way. The "
                 "input drawn on top is the window's first input feature (scaled)."))


def memory_view(run: Run, models: dict, key: tuple) -> None:
    st.subheader(_("Memory of each input"))
    from ui.inside_tabs import PARTS, parts_with_windows  # the tabs module imports this one

    part = parts_with_windows(run)[-1]              # the test part when it has windows
    w = part_windows(run.prepared, part)
    X = w.X[-MEMORY_WINDOWS:]
    windows = (_("the last {n}") if len(X) < len(w.X) else _("the {n}")).format(
        n=counted(len(X), "window"))
    curves = state.memo(INSIDE_CELL_MEMORY, (key, part, len(X)),  # one backward per window
                        lambda: {c: cv.connectivity(m, X) for c, m in models.items()})
    st.plotly_chart(cell_charts.memory_chart(curves), key="inside_cells_memory", width="stretch")
    first = "; ".join(_("{cell} {v:.3g}").format(cell=label(c), v=float(v[-1]))
                      for c, v in curves.items())
    st.caption(_("How much the forecast ŷ after the window's last step moves per unit change of "
                 "the input k steps before it, |∂ŷ/∂x_(t-k)| (Distill's connectivity), averaged "
                 "over {windows} of the {part} part. k = 0 is the last input; a curve that "
                 "falls fast with k belongs to a cell that forgets. At the window's first input "
                 "(k = {k}): {first}.").format(windows=windows, part=_(PARTS[part]),
                                               k=X.shape[1] - 1, first=first))


# ----- the Elman cell's W_hh ---------------------------------------------------------------------
def eigen_view(models: dict, scale: float = 1.0, key: str = "inside_eigen") -> None:
    """name -> Elman model: the eigenvalues of each W_hh (times `scale`) and the largest |λ|."""
    eigs = {name: cv.w_hh_eigenvalues(m, scale) for name, m in models.items()}
    st.plotly_chart(cell_charts.eigen_chart(eigs), key=key, width="stretch")
    radii = "; ".join(_("{name} {r:.3f}").format(name=name, r=e.radius) for name, e in eigs.items())
    layer = next(iter(eigs.values())).layer
    st.caption(_("Largest |λ| (the spectral radius) of W_hh{scaled}, layer {layer}: {radii}. "
                 "Going back one step multiplies the gradient by W_hhᵀ (it has the same "
                 "eigenvalues) and by the slope of the activation. Without the slope, a gradient "
                 "along an eigenvector is multiplied by λ at each step back: it shrinks when λ "
                 "lies inside the circle and grows outside it. The slope of tanh is at most 1, "
                 "so it never makes a step's gradient larger.").format(
        scaled=_(" × {s:g}").format(s=scale) if scale != 1 else "", layer=layer, radii=radii))


# ----- a gated cell's own step --------------------------------------------------------------------
def gated_step(model, window, t: int) -> None:
    """Step t of one window through a gated cell: its equations, each with the model's values."""
    s = cv.cell_step(model, window, t)
    st.latex(f"x_t = {matrix(s.x)}" + r",\quad "
             + r",\quad ".join(f"{n}_{{t-1}} = {matrix(v)}" for n, v in s.before.items()))
    for name, eq, _desc in cv.EQUATIONS[s.cell]:
        st.latex(f"{eq} = {matrix(s.values[name])}")
    if s.y is not None:
        st.latex(f"{cv.OUTPUT_EQUATION} = {matrix(s.y)}")
