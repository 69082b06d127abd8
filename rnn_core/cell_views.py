"""Per cell, side by side: the numbers behind the Inside page's views of the Elman cell, the GRU
and the LSTM, computed on trained models (no Streamlit here; ui/inside_cells.py draws them).

    gradients through time   ||dL/dh_t|| at every step t of the same windows, per cell
    gates                    every gate and state of one window, (T, H) each, per gated cell
    connectivity             |dŷ/dx_{t-k}| against k, averaged over windows, per cell
    eigenvalues              the eigenvalues of the Elman cell's W_hh, and their largest |λ|

Which cells a view applies to is data (`ELMAN`, `GATED`, `ALL`): the page asks `applies`, never
a cell's name. The cells' own equations, for the worked step, are in `EQUATIONS`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from rnn_core.cells import CELLS, CELL_LABELS, cell_of, takes_activation
from rnn_core.experiment import Run, check_cost
from rnn_core.i18n import N_
from rnn_core.rnn import layer_names, spectral_radius

ALL = tuple(CELLS)
ELMAN = tuple(c for c in CELLS if takes_activation(c))  # W_xh, W_hh and a chosen activation
GATED = tuple(c for c in CELLS if hasattr(CELLS[c], "gates"))  # cells with gates to open


def applies(cells: tuple, model) -> bool:
    """Does a view declared for `cells` apply to `model`'s cell?"""
    return cell_of(model) in cells


# ----- the cells' equations: one line per gate or state, in the order they are computed --------
# name -> (LaTeX of its equation, what it is); the value shown after "=" is the model's own.
EQUATIONS = {
    "rnn": (("h", r"h_t = \operatorname{act}(W_{xh}x_t + W_{hh}h_{t-1} + b_h)",
             N_("hidden state")),),
    "gru": (("r", r"r_t = \sigma(W_{xr}x_t + b_{xr} + W_{hr}h_{t-1} + b_{hr})", N_("reset gate")),
            ("z", r"z_t = \sigma(W_{xz}x_t + b_{xz} + W_{hz}h_{t-1} + b_{hz})", N_("update gate")),
            ("n", r"n_t = \tanh(W_{xn}x_t + b_{xn} + r_t \odot (W_{hn}h_{t-1} + b_{hn}))",
             N_("new candidate")),
            ("h", r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}", N_("hidden state"))),
    "lstm": (("i", r"i_t = \sigma(W_{xi}x_t + W_{hi}h_{t-1} + b_i)", N_("input gate")),
             ("f", r"f_t = \sigma(W_{xf}x_t + W_{hf}h_{t-1} + b_f)", N_("forget gate")),
             ("g", r"g_t = \tanh(W_{xg}x_t + W_{hg}h_{t-1} + b_g)", N_("candidate cell")),
             ("o", r"o_t = \sigma(W_{xo}x_t + W_{ho}h_{t-1} + b_o)", N_("output gate")),
             ("c", r"c_t = f_t \odot c_{t-1} + i_t \odot g_t", N_("cell state")),
             ("h", r"h_t = o_t \odot \tanh(c_t)", N_("hidden state"))),
}
CELL_STATE = tuple(c for c, eqs in EQUATIONS.items() if any(e[0] == "c" for e in eqs))
OUTPUT_EQUATION = r"y_t = W_{hy}h_t + b_y"
# The range of each gate or state: σ gates (0, 1), tanh ones (-1, 1), the LSTM's cell unbounded.
RANGES = {"i": (0.0, 1.0), "f": (0.0, 1.0), "o": (0.0, 1.0), "r": (0.0, 1.0), "z": (0.0, 1.0),
          "g": (-1.0, 1.0), "n": (-1.0, 1.0), "h": (-1.0, 1.0), "c": None}
DRAW_ORDER = ("c", "i", "f", "g", "o", "r", "z", "n", "h")  # the memory first, h last
# The gate that keeps the old memory (1: keep it all): the LSTM's forget gate, the GRU's update
# gate (h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}). Along it the gradient goes back multiplied by
# the gate's value rather than by a weight matrix and a slope.
KEEP_GATE = {"lstm": "f", "gru": "z"}


def _one_window(model, window) -> np.ndarray:
    """window (T, I) -> (1, T, I) float64."""
    X = np.asarray(window, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != model.n_in:
        raise ValueError(f"The window must have shape (T, {model.n_in}), got {X.shape}.")
    return X[None]


def _layer(model, layer):
    top = model.n_layers - 1
    layer = top if layer is None else layer
    if not 0 <= layer <= top:
        raise ValueError(f"This model has layers 0..{top}, not {layer}.")
    return layer


# ----- gates ---------------------------------------------------------------------------------
def gate_maps(model, window, layer: int | None = None) -> dict[str, np.ndarray]:
    """name -> (T, H) values of every gate and state of a gated cell at each step of one window
    (T, I), from a zero state, top layer by default; in DRAW_ORDER (the LSTM: c, i, f, g, o, h;
    the GRU: r, z, n, h)."""
    if not applies(GATED, model):
        raise ValueError(f"The {CELL_LABELS[cell_of(model)]} has no gates to open.")
    layer = _layer(model, layer)
    gates = model.gates(_one_window(model, window))[layer]
    return {name: gates[name][0] for name in DRAW_ORDER if name in gates}


@dataclasses.dataclass(frozen=True)
class CellStep:
    """Step t of one window through any cell: x (I,) its input; before: the state before the
    step (name -> (H,): h, and c for the LSTM); values: name -> (H,) every gate and state the
    cell's EQUATIONS compute, in their order; y (O,) the output, None below the top layer."""

    cell: str
    t: int
    x: np.ndarray
    before: dict
    values: dict
    y: np.ndarray | None


def cell_step(model, window, t: int, layer: int | None = None) -> CellStep:
    """The values of step t (0..T-1) of one window (T, I), run from a zero state, for any cell:
    what its EQUATIONS show with the trained weights (top layer by default)."""
    X = _one_window(model, window)
    T = X.shape[1]
    if not 0 <= t < T:
        raise ValueError(f"The time step must be between 0 and {T - 1}, got {t}.")
    layer, cell = _layer(model, layer), cell_of(model)
    Y, cache = model.forward(X)
    states = cache["H"][-model.n_layers:]           # the h rows of every layer (N, T, H)
    inputs = X[0] if layer == 0 else states[layer - 1][0]
    if applies(GATED, model):
        per_step = model.gates(X)[layer]
        values = {name: per_step[name][0] for name, _, _ in EQUATIONS[cell]}
    else:
        values = {"h": states[layer][0]}
    zeros = np.zeros(model.n_hidden)
    before = {name: (v[t - 1] if t > 0 else zeros) for name, v in values.items()
              if name in ("h", "c")}
    return CellStep(cell, t, inputs[t], before, {k: v[t] for k, v in values.items()},
                    Y[0, t] if layer == model.n_layers - 1 else None)


# ----- gradients through time and the memory of each input ------------------------------------
def grad_curves(models: dict, X, Y, bptt_steps: int | None = None) -> dict[str, np.ndarray]:
    """cell -> (T,) ||dL/dh_t|| (top layer's hidden state h, Frobenius norm over the windows and
    units) of each model on the same windows X (N, T, I) and targets Y."""
    return {cell: m.hidden_grad_norms(X, Y, bptt_steps=bptt_steps) for cell, m in models.items()}


def kept_after(norms: np.ndarray) -> float:
    """||dL/dh_0|| ÷ ||dL/dh_{T-1}||: what is left of the gradient at the first step of the
    window, as a share of its size next to the loss (nan when that is 0)."""
    last = float(norms[-1])
    return float(norms[0]) / last if last > 0 else float("nan")


def connectivity(model, X) -> np.ndarray:
    """(T,) the mean over the windows X (N, T, I) of ||dŷ/dx_{T-1-k}|| for k = 0..T-1: the
    influence of the input k steps before the forecast ŷ (made after the window's last step),
    for one window (Distill's connectivity), averaged over all N.
    All windows and outputs in one backward pass per output (each window only reaches its own
    ŷ, so one batch gives every window's Jacobian row)."""
    cell_of(model)
    X = np.asarray(X, dtype=np.float64)
    N, O = X.shape[0], model.n_out
    sq = np.zeros(X.shape[:2])                       # (N, T) sum over outputs and inputs of J²
    for o in range(O):
        seeds = np.zeros((N, O))
        seeds[:, o] = 1.0                            # dL/dŷ = e_o for every window
        J = model.input_grads(X, seeds)             # (N, T, I): dŷ_o / dx_t of each window
        sq += np.einsum("nti,nti->nt", J, J)
    return np.sqrt(sq).mean(axis=0)[::-1].copy()     # index k = T-1-t


# ----- the Elman cell's W_hh -----------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Eigen:
    """values (H,) complex: the eigenvalues of W_hh (scaled); radius: their largest |λ|."""

    values: np.ndarray
    radius: float
    layer: int
    scale: float


def w_hh_eigenvalues(model, scale: float = 1.0, layer: int | None = None) -> Eigen:
    """The eigenvalues of the Elman cell's W_hh times `scale` (the what-if's W_hh scale), top
    layer by default. Each backward step multiplies the gradient by W_hh^T (and the slope of the
    activation, at most 1 for tanh): along an eigenvector it shrinks by |λ| < 1 each step."""
    if not applies(ELMAN, model):
        raise ValueError(f"W_hh is the Elman cell's; the model's cell is the "
                         f"{CELL_LABELS[cell_of(model)]}.")
    layer = _layer(model, layer)
    W = scale * model.params[layer_names(layer)[1]]
    return Eigen(np.linalg.eigvals(W), spectral_radius(W), layer, float(scale))


# ----- one model of each cell ------------------------------------------------------------------
def cell_run(run: Run, cell: str) -> Run:
    """A new run of `cell` on the same prepared data (the same object: one split, one scaler,
    the same windows), settings and seed as `run`, untrained, as the cell race makes its runs.
    Raises ComputeCapExceeded (a ValueError) when training that cell for as many epochs as
    `run` has trained would be too big for the server (the cap counts a cell's gate blocks)."""
    if run.epochs_done:
        cfg = run.cfg.replace(cell=cell, epochs=run.epochs_done)
        check_cost(dataclasses.replace(run.prepared, cfg=cfg))
    return Run(run.prepared, cell=cell)


def from_race(race, run: Run) -> dict[str, Run] | None:
    """cell -> the race's run of every other cell, when each describes the same data, settings
    (but the cell) and epochs as `run` (so it is what cell_run would train); else None. race: a
    rnn_core.race.Race or None."""
    if race is None:
        return None
    cfg, digest = run.cfg, run.prepared.source_digest

    def same(r: Run) -> bool:
        return (r.prepared is not None and r.prepared.source_digest == digest
                and r.cfg.replace(cell=cfg.cell, epochs=cfg.epochs, horizon=cfg.horizon) == cfg
                and r.epochs_done == run.epochs_done)

    others = {c: r for c, r in race.runs.items() if c != own_cell(run)}
    return others if others and all(same(r) for r in others.values()) else None


def own_cell(run: Run) -> str:
    return cell_of(run.rnn)
