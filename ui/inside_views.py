"""Formula builders of the Inside page: arrays in, a LaTeX string out. No Streamlit and no
math here: the numbers come from rnn_core.inside; the figures are in ui.charts.inside."""

from __future__ import annotations

import numpy as np

SHOW = 4  # entries of a big matrix shown before the dots


# ----- formulas --------------------------------------------------------------------------------
def _num(v: float) -> str:
    return f"{v:.4f}"


def matrix(M, show: int = SHOW) -> str:
    """A vector (column) or matrix as a LaTeX bmatrix; big ones cut to show×show and dots."""
    M = np.atleast_1d(np.asarray(M, dtype=np.float64))
    if M.ndim == 1:
        M = M[:, None]
    rows, cols = M.shape
    r, c = min(rows, show), min(cols, show)
    lines = []
    for i in range(r):
        cells = [_num(M[i, j]) for j in range(c)] + (["\\cdots"] if cols > c else [])
        lines.append(" & ".join(cells))
    if rows > r:
        lines.append(" & ".join(["\\vdots"] * (c + (cols > c))))
    return "\\begin{bmatrix}" + " \\\\ ".join(lines) + "\\end{bmatrix}"


def act_name(activation: str) -> str:
    return "\\tanh" if activation == "tanh" else "\\operatorname{relu}"


def step_formulas(stages, show_weights: bool = True) -> list[str]:
    """The three stages of one step as LaTeX lines: pre-activation, activation, output.

    With show_weights the matrices are written out (cut to SHOW×SHOW when big)."""
    W = stages.weights
    f = act_name(stages.activation)
    lines = []
    if show_weights:  # each product on its own line, then their sum
        lines += [f"W_{{xh}}x_t = {matrix(W['W_xh'])}{matrix(stages.x)} = "
                  f"{matrix(stages.input_part)}",
                  f"W_{{hh}}h_{{t-1}} = {matrix(W['W_hh'])}{matrix(stages.h_prev)} = "
                  f"{matrix(stages.recurrent_part)}"]
    lines += [f"a_t = W_{{xh}}x_t + W_{{hh}}h_{{t-1}} + b_h = {matrix(stages.input_part)} + "
              f"{matrix(stages.recurrent_part)} + {matrix(stages.b_h)} = {matrix(stages.a)}",
              f"h_t = {f}(a_t) = {f}\\left({matrix(stages.a)}\\right) = {matrix(stages.h)}"]
    if stages.y is not None:
        w_hy = matrix(W["W_hy"]) if show_weights else "W_{hy}"
        b_y = matrix(W["b_y"]) if show_weights else "b_y"
        lines.append(f"y_t = W_{{hy}}h_t + b_y = {w_hy}{matrix(stages.h)} + {b_y} = "
                     f"{matrix(stages.y)}")
    return lines


def stacked_formula(h_prev, x, stacked, b_h) -> str:
    """Seed 003's row-vector form: [h_{t-1}, x_t] times the stacked weights, plus b1."""
    row = " & ".join(_num(v) for v in [*np.ravel(h_prev), *np.ravel(x)])
    S = np.asarray(stacked, dtype=np.float64)
    body = " \\\\ ".join(" & ".join(_num(v) for v in r) for r in S)
    bias = " & ".join(_num(v) for v in np.ravel(b_h))
    return (f"a_t = [\\,h_{{t-1}},\\ x_t\\,]\\,W + b_1 = \\begin{{bmatrix}}{row}\\end{{bmatrix}}"
            f"\\begin{{bmatrix}}{body}\\end{{bmatrix}} + \\begin{{bmatrix}}{bias}\\end{{bmatrix}}")
