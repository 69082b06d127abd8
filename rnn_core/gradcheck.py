"""Check backpropagation against centred finite differences, in float64.

    dL/dp  ~  (L(p + eps) - L(p - eps)) / (2 eps)        one parameter entry at a time

The difference quotient only needs the loss, so it is an independent witness for the hand-derived
gradients. With eps = 1e-6 a correct backward agrees to about 1e-9 relative error; a bug
usually shows as an error of 1e-2 or more. A float32 model is checked through a float64 copy
with the same parameters: in float32 a step of 1e-6 is below the resolution of the weights, and
the formulas being checked do not depend on the dtype.
"""
import numpy as np


def rel_error(a, b):
    """max |a - b| / max(|a|, |b|): the largest disagreement relative to the gradient's scale."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0), 1e-12)
    return float(np.max(np.abs(a - b), initial=0.0) / scale)


def _loss_function(model, X, Y, h0=None, bptt_steps=None):
    """The scalar loss whose gradient loss_and_grads returns, as a function of model.params.

    With bptt_steps=k each scored output at step s is recomputed on its own: forward over the
    steps s-k+1 .. s only, starting from the states h_{s-k} of every layer taken from the
    unperturbed model and held constant (from h0 at step 0 when s < k). Y (N, O) scores the
    last step, Y (N, j, O) the last j steps.
    """
    if h0 is None and bptt_steps is None:
        return lambda: model.loss(X, Y)
    if bptt_steps is None:
        return lambda: model.loss(X, Y, h0=h0)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    Yk = Y[:, None] if Y.ndim == 2 else Y              # (N, j, O): targets of the last j steps
    T, k = X.shape[1], bptt_steps
    scored = range(T - Yk.shape[1], T)
    states = np.stack(model.forward(X, h0)[1]["H"])    # (L, N, T, H), frozen at these params
    windows = []                                       # (first step, constant state before it)
    for s in scored:
        first = max(0, s - k + 1)
        windows.append((first, h0 if first == 0 else states[:, :, first - 1]))

    def truncated_loss():
        preds = [model.forward(X[:, first:s + 1], h)[0][:, -1]     # output at s, (N, O)
                 for s, (first, h) in zip(scored, windows)]
        return float(np.mean((np.stack(preds, axis=1) - Yk) ** 2))
    return truncated_loss


def float64_model(model):
    """`model` itself if it computes in float64, else a float64 copy of it."""
    if np.dtype(getattr(model, "dtype", np.float64)) == np.float64:
        return model
    spec = {k: v for k, v in model.config.items() if k != "kind"} | {"dtype": "float64"}
    twin = type(model)(**spec)
    np.copyto(twin.params.flat, model.params.flat)
    return twin


def numerical_gradients(model, X, Y, *, eps=1e-6, h0=None, bptt_steps=None):
    """dict name -> array of centred differences of the loss, same shapes as model.params.

    Perturbs each entry of model.params in place and puts it back exactly (a float32 model:
    of its float64 copy, see float64_model).
    """
    model = float64_model(model)
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
    model = float64_model(model)
    _, analytic = model.loss_and_grads(X, Y, **kw)
    numeric = numerical_gradients(model, X, Y, eps=eps, **kw)
    return {name: rel_error(analytic[name], numeric[name]) for name in analytic}
