"""How far back a trained cell remembers: input influence and the gates, for one window.

Input influence (Distill's "connectivity", in "Visualizing memorization in RNNs"): for one
window x_0 .. x_{T-1} and the forecast ŷ made after its last step,

    influence_t = || dŷ / dx_t ||            t = 0 .. T-1           (T,)

the size of the change in the forecast per unit change of the input at step t, which lies
T-1-t steps before the forecast (k = T-1-t is the "how far back" axis of the chart). A cell
that forgets shows influences fading towards the start of the window. With several inputs per
step (I) or several outputs (O), dŷ/dx_t is an (O, I) block of the Jacobian and its size is the
Frobenius norm (the root of the sum of its squared entries); with one input and one output it
is |dŷ/dx_t|. It is computed exactly, by the
backward pass: model.input_grads with a one-hot dL/dŷ per output, all O in one batch.

Gates: the values every gate and state takes at each step of one window, from h0 = 0, for the
top layer by default (the one the output reads; `layer=` picks another):
    lstm_gates  i, f, g, o, c, h        gru_gates  r, z, n, h        each (T, H)
"""
import numpy as np

from .cells import cell_of


def _window(model, window):
    """window (T, I) (or (T,) for one input per step) -> (1, T, I) float array."""
    X = np.asarray(window, dtype=np.float64)
    if X.ndim == 1 and model.n_in == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[1] != model.n_in:
        raise ValueError(f"The window must have shape (T, {model.n_in}), got {X.shape}.")
    return X[None]


def input_influence(model, window, h0=None):
    """(T,) ||dŷ/dx_t|| for each input step of one window (see the module docstring), for any
    cell. h0: the state before the window (None: zeros), as model.forward takes it."""
    cell_of(model)                                   # a recurrent model, or a plain error
    X = _window(model, window)
    O = model.n_out
    seeds = np.eye(O)                                # row o: dL/dŷ = e_o
    Xo = np.repeat(X, O, axis=0)                     # (O, T, I): the window once per output
    h = None if h0 is None else np.repeat(np.asarray(h0, dtype=np.float64), O, axis=-2)
    J = model.input_grads(Xo, seeds, h0=h)           # (O, T, I): J[o, t, i] = dŷ_o / dx_t,i
    return np.sqrt(np.einsum("oti,oti->t", J, J))


def _gates(model, window, layer, cell):
    if cell_of(model) != cell:
        raise ValueError(f"These are the gates of the {cell.upper()}; the model is a "
                         f"{type(model).__name__}.")
    top = model.n_layers - 1
    layer = top if layer is None else layer
    if not 0 <= layer <= top:
        raise ValueError(f"This model has layers 0..{top}, not {layer}.")
    return {name: a[0] for name, a in model.gates(_window(model, window))[layer].items()}


def lstm_gates(model, window, layer=None):
    """dict i, f, g, o, c, h -> (T, H): the LSTM's gates, cell and hidden state at each step of
    one window (T, I) from a zero state; the top layer unless `layer` says otherwise."""
    return _gates(model, window, layer, "lstm")


def gru_gates(model, window, layer=None):
    """dict r, z, n, h -> (T, H): the GRU's gates, candidate and hidden state at each step."""
    return _gates(model, window, layer, "gru")
