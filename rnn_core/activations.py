"""Hidden-layer activations and their derivatives, written from the activation's output.

Backpropagation needs act'(a_t). For tanh and ReLU it can be read off h_t = act(a_t) alone,
so the forward pass keeps only the hidden states and never the pre-activations:

    tanh:  h = tanh(a)     ->  dh/da = 1 - h^2
    relu:  h = max(a, 0)   ->  dh/da = 1 where h > 0, else 0
"""
import numpy as np


def tanh_(a):
    """h = tanh(a), computed in place in `a` (any shape); returns `a`."""
    return np.tanh(a, out=a)


def tanh_grad(h):
    """dh/da for h = tanh(a), from h (any shape): 1 - h^2."""
    g = h * h
    return np.subtract(1.0, g, out=g)   # in place: `1.0 - h * h` is slow on large arrays


def relu_(a):
    """h = max(a, 0), computed in place in `a` (any shape); returns `a`."""
    return np.maximum(a, 0.0, out=a)


def relu_grad(h):
    """dh/da for h = max(a, 0), from h (any shape): 1.0 where h > 0, else 0.0."""
    return (h > 0).astype(np.float64)


# name -> (in-place forward, derivative from the output)
ACTIVATIONS = {"tanh": (tanh_, tanh_grad), "relu": (relu_, relu_grad)}


def get_activation(name):
    """Return (forward_, grad) for "tanh" or "relu"; ValueError for anything else."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"Unknown activation {name!r}. Choose one of: {', '.join(sorted(ACTIVATIONS))}."
        )
    return ACTIVATIONS[name]
