"""The Elman RNN one time step at a time: the textbook equations, forward and backward.

Start reading here. One step of one layer, for a batch of N windows:

    a_t = W_xh x_t + W_hh h_{t-1} + b_h      pre-activation              (N, H)
    h_t = act(a_t)                           new hidden state            (N, H)
    y_t = W_hy h_t + b_y                     output (of the top layer)   (N, O)

and its backward (chain rule, one line per derivative), given dL/dy_t and the gradient
dL/dh_t that arrives from later steps and from the layer above:

    dL/dh_t     = W_hy^T dL/dy_t + (what arrives)
    dL/da_t     = dL/dh_t * act'(a_t)
    dL/dW_xh   += dL/da_t x_t^T        dL/dW_hh += dL/da_t h_{t-1}^T     dL/db_h += dL/da_t
    dL/dx_t     = W_xh^T dL/da_t       (sent to the layer below)
    dL/dh_{t-1} = W_hh^T dL/da_t       (sent to the step before)

The weights are shared by every step, so their gradients are sums over the steps: `+=`.
`textbook_loss_and_grads` runs these two functions over every step and layer. RNN in rnn.py
computes the same numbers for the whole batch at once, much faster; tests/test_textbook.py
checks that both agree on every parameter. Arrays here are float64 and row-per-window:
x_t (N, I) or (I,), so `x_t @ W_xh.T` is W_xh x_t for each window.
"""
import numpy as np

from .activations import get_activation


def layer_names(layer):
    """Parameter names of one layer: ("W_xh", "W_hh", "b_h") for 0, ("W_xh_1", ...) for 1."""
    suffix = "" if layer == 0 else f"_{layer}"
    return f"W_xh{suffix}", f"W_hh{suffix}", f"b_h{suffix}"


def rnn_step(params, x_t, h_prev, activation="tanh", layer=0):
    """One step by hand: x_t (I,) or (N, I), h_prev (H,) or (N, H); layer 0's names unless
    `layer` says otherwise.

    Returns dict(a=pre-activation, h=new state, y=output), each (H,)/(O,) or (N, H)/(N, O);
    y is the network's output only when this layer is the top one.
    """
    act, _ = get_activation(activation)
    W_xh, W_hh, b_h = (params[name] for name in layer_names(layer))
    x_t, h_prev = np.asarray(x_t, dtype=np.float64), np.asarray(h_prev, dtype=np.float64)
    a = x_t @ W_xh.T + h_prev @ W_hh.T + b_h         # a_t = W_xh x_t + W_hh h_{t-1} + b_h
    h = act(a.copy())                                # h_t = act(a_t)
    y = h @ params["W_hy"].T + params["b_y"]         # y_t = W_hy h_t + b_y
    return {"a": a, "h": h, "y": y}


def rnn_step_backward(params, x_t, h_prev, step, dy, dh_in, grads, activation="tanh",
                      layer=0):
    """The backward twin of rnn_step, for a batch: adds this step's share to `grads`.

    x_t (N, I), h_prev (N, H): the step's inputs; step: what rnn_step returned for them;
    dy (N, O): dL/dy_t, or None when this step's output is not in the loss (or the layer is
    not the top one); dh_in (N, H): dL/dh_t arriving from step t+1 and from the layer above.
    Returns (dL/dx_t (N, I), dL/dh_{t-1} (N, H)).
    """
    _, act_grad = get_activation(activation)
    W_xh, W_hh, b_h = layer_names(layer)
    h = step["h"]
    dh = np.array(dh_in, dtype=np.float64)           # dL/dh_t                       (N, H)
    if dy is not None:
        grads["W_hy"] += dy.T @ h                    # dL/dW_hy += dL/dy_t h_t^T      (O, H)
        grads["b_y"] += dy.sum(axis=0)               # dL/db_y  += dL/dy_t            (O,)
        dh += dy @ params["W_hy"]                    # dL/dh_t  += W_hy^T dL/dy_t     (N, H)
    da = dh * act_grad(h)                            # dL/da_t = dL/dh_t * act'(a_t)  (N, H)
    grads[W_xh] += da.T @ x_t                        # dL/dW_xh += dL/da_t x_t^T      (H, I)
    grads[W_hh] += da.T @ h_prev                     # dL/dW_hh += dL/da_t h_{t-1}^T  (H, H)
    grads[b_h] += da.sum(axis=0)                     # dL/db_h  += dL/da_t            (H,)
    dx = da @ params[W_xh]                           # dL/dx_t     = W_xh^T dL/da_t   (N, I)
    dh_prev = da @ params[W_hh]                      # dL/dh_{t-1} = W_hh^T dL/da_t   (N, H)
    return dx, dh_prev


def textbook_loss_and_grads(model, X, Y, h0=None):
    """MSE loss and its gradient for every parameter of `model`, step by step (full BPTT).

    X (N, T, I); Y (N, O) scores the last step, (N, T, O) every step; h0 None | (L, N, H).
    The same numbers as model.loss_and_grads(X, Y, h0=h0), in float64, whatever the model's
    dtype; slow (several NumPy calls per step and layer), written to be read.
    """
    p, L, H, act = model.params, model.n_layers, model.n_hidden, model.activation
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    N, T, _ = X.shape
    Yk = Y[:, None] if Y.ndim == 2 else Y            # (N, k, O): targets of the last k steps
    k = Yk.shape[1]
    h = [np.zeros((N, H)) if h0 is None else np.asarray(h0[l], dtype=np.float64)
         for l in range(L)]

    # forward: every step of every layer, keeping each step's inputs for the backward pass
    steps = []                                       # steps[t][l] = (x_t, h_{t-1}, step)
    for t in range(T):
        x, row = X[:, t], []
        for layer in range(L):
            step = rnn_step(p, x, h[layer], act, layer=layer)
            row.append((x, h[layer], step))
            x = h[layer] = step["h"]                 # h_t feeds the next step and the layer above
        steps.append(row)

    # loss: the mean of every squared error of the scored steps T-k .. T-1
    loss, dys = 0.0, {}
    for j, t in enumerate(range(T - k, T)):
        err = steps[t][-1][2]["y"] - Yk[:, j]        # y_t - target                   (N, O)
        loss += float(np.sum(err * err)) / Yk.size
        dys[t] = 2.0 * err / Yk.size                 # dL/dy_t                        (N, O)

    # backward: last step first; within a step, top layer first
    grads = {name: np.zeros(v.shape) for name, v in p.items()}
    dh_next = [np.zeros((N, H)) for _ in range(L)]   # dL/dh_t arriving from step t+1
    for t in reversed(range(T)):
        dx = None                                    # dL/dx_t of the layer above = our dL/dh_t
        for layer in reversed(range(L)):
            x, h_prev, step = steps[t][layer]
            dh_in = dh_next[layer] if dx is None else dh_next[layer] + dx
            dy = dys.get(t) if layer == L - 1 else None
            dx, dh_next[layer] = rnn_step_backward(p, x, h_prev, step, dy, dh_in, grads, act,
                                                   layer=layer)
    return loss, grads
