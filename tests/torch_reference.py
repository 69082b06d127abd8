"""torch carrying an RNN Lab model's weights, for the parity tests (torch is never a
dependency: the tests that use this skip without it)."""

from __future__ import annotations


def torch_model(torch, model):
    """torch.nn.RNN + Linear carrying `model`'s weights (b_ih = our b_h, b_hh = 0)."""
    ref = torch.nn.RNN(model.n_in, model.n_hidden, num_layers=model.n_layers,
                       nonlinearity=model.activation, batch_first=True, dtype=torch.float64)
    lin = torch.nn.Linear(model.n_hidden, model.n_out, dtype=torch.float64)
    p = model.params
    with torch.no_grad():
        for layer in range(model.n_layers):
            sfx = "" if layer == 0 else f"_{layer}"
            getattr(ref, f"weight_ih_l{layer}").copy_(torch.from_numpy(p["W_xh" + sfx]))
            getattr(ref, f"weight_hh_l{layer}").copy_(torch.from_numpy(p["W_hh" + sfx]))
            getattr(ref, f"bias_ih_l{layer}").copy_(torch.from_numpy(p["b_h" + sfx]))
            getattr(ref, f"bias_hh_l{layer}").zero_()
        lin.weight.copy_(torch.from_numpy(p["W_hy"]))
        lin.bias.copy_(torch.from_numpy(p["b_y"]))
    return ref, lin
