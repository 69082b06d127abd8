"""Check backpropagation against centred finite differences, in float64.

    dL/dp  ~  (L(p + eps) - L(p - eps)) / (2 eps)        one parameter entry at a time

The difference quotient only needs the loss, so it is an independent witness for the hand-derived
gradients. With eps = 1e-6 a correct backward agrees to about 1e-9 relative error; a bug
usually shows as an error of 1e-2 or more.
"""
import numpy as np


def rel_error(a, b):
    """max |a - b| / max(|a|, |b|): the largest disagreement relative to the gradient's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0) / scale)


def _loss_function(model, X, Y, h0=None, bptt_steps=None):
    """The scalar loss whose gradient loss_and_grads returns, as a function of model.params.

    With bptt_steps=k the states at the chunk boundaries (after steps k-1, 2k-1, ...) are
    taken from the unperturbed model and held constant: each chunk runs forward from them.
    """
    if h0 is None and bptt_steps is None:
        return lambda: model.loss(X, Y)
    if bptt_steps is None:
        return lambda: model.loss(X, Y, h0=h0)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    T, k = X.shape[1], bptt_steps
    starts = list(range(0, T, k))
    frozen = [h0]                                   # state entering each chunk, all layers
    for s in starts[1:]:
        frozen.append(model.final_state(X[:, :s], h0))

    def chunked_loss():
        outs = [model.forward(X[:, s:s + k], h)[0] for s, h in zip(starts, frozen)]
        out = np.concatenate(outs, axis=1)          # (N, T, O)
        pred = out[:, -1] if Y.ndim == 2 else out
        return float(np.mean((pred - Y) ** 2))
    return chunked_loss


def numerical_gradients(model, X, Y, *, eps=1e-6, h0=None, bptt_steps=None):
    """dict name -> array of centred differences of the loss, same shapes as model.params.

    Perturbs each entry of model.params in place and puts it back exactly.
    """
    extra = {k: v for k, v in (("h0", h0), ("bptt_steps", bptt_steps)) if v is not None}
    loss = _loss_function(model, X, Y, **extra)
    grads = {}
    for name, p in model.params.items():
        g = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            up = loss()
            p[i] = old - eps
            down = loss()
            p[i] = old                              # restore the exact value
            g[i] = (up - down) / (2.0 * eps)
        grads[name] = g
    return grads


def check_gradients(model, X, Y, *, eps=1e-6, **kw):
    """dict name -> rel_error between backprop and finite differences, for every parameter.

    X, Y as for model.loss_and_grads; extra keywords (h0, bptt_steps) go to both sides.
    Cost: two forward passes per parameter entry, so keep the model and data small.
    """
    _, analytic = model.loss_and_grads(X, Y, **kw)
    numeric = numerical_gradients(model, X, Y, eps=eps, **kw)
    return {name: rel_error(analytic[name], numeric[name]) for name in analytic}
