"""The recurrent cells RNN Lab can train, by key: the one list the dashboard and config read.

    rnn    Elman RNN   h_t = act(W_xh x_t + W_hh h_{t-1} + b_h)               rnn.py
    gru    GRU         gates r, z and a candidate n; state h                  gru.py
    lstm   LSTM        gates i, f, o and a candidate g; state (c, h)          lstm.py

Every cell has the same protocol (the RNN's: loss_and_grads, predict, forward, final_state,
hidden_grad_norms, input_grads, config, copy), so the trainer, optimizers, clipping,
truncation, forecasts and model files serve all three. The state a cell carries is one array
of rows (L, N, H) — for the LSTM 2L rows, its cells then its hidden states (lstm.py) — so a
caller that passes a state back in never needs to know the cell.

The activation. Only the Elman cell has a choice (tanh or relu); a gated cell's nonlinearities
are part of its equations (σ for the gates, tanh for the candidate and the cell), so GRU and
LSTM take no `activation` argument. `make_model` takes one for every cell, because one set of
settings builds any cell (the cell race trains all three with the same settings): it checks the
name always, gives it to the Elman cell, and does not pass it to a gated cell.
`takes_activation(cell)` says whether a cell uses it (for a control that only makes sense then).
"""
from .activations import get_activation
from .gru import GRU
from .lstm import LSTM
from .rnn import RNN

CELLS = {"rnn": RNN, "gru": GRU, "lstm": LSTM}
CELL_LABELS = {"rnn": "Elman RNN", "gru": "GRU", "lstm": "LSTM"}


def check_cell(cell):
    """`cell` if it is a key of CELLS; a plain-words ValueError otherwise."""
    if cell not in CELLS:
        known = ", ".join(f"{key!r} ({CELL_LABELS[key]})" for key in CELLS)
        raise ValueError(f"Unknown cell {cell!r}: choose one of {known}.")
    return cell


def takes_activation(cell):
    """True for the cell whose activation can be chosen (the Elman RNN)."""
    return check_cell(cell) == "rnn"


def make_model(cell, n_in, n_hidden, n_out, *, activation="tanh", n_layers=1, seed=0,
               dtype="float64"):
    """A new model of `cell` ("rnn", "gru" or "lstm"); `activation` ("tanh" or "relu") is the
    Elman cell's and is checked for every cell, but a gated cell's are fixed (see above)."""
    get_activation(activation)                      # a plain-words error for a bad name
    kwargs = dict(n_layers=n_layers, seed=seed, dtype=dtype)
    if takes_activation(cell):
        kwargs["activation"] = activation
    return CELLS[cell](n_in, n_hidden, n_out, **kwargs)


def cell_of(model):
    """The CELLS key of a recurrent model ("rnn", "gru", "lstm"); ValueError for another."""
    kind = getattr(model, "config", {}).get("kind")
    if kind not in CELLS or not isinstance(model, CELLS[kind]):
        raise ValueError(f"{type(model).__name__} is not a recurrent cell of RNN Lab "
                         f"(one of {', '.join(CELL_LABELS.values())}).")
    return kind
