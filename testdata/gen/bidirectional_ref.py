#!/usr/bin/python3
"""Writes layers/testdata/bidirectional_ref.json: Keras's Bidirectional(LSTM)
and Bidirectional(GRU) computed by torch.nn.LSTM / nn.GRU with
bidirectional=True and the Keras-layout weights mapped (weight_ih = kernelᵀ,
weight_hh = recurrent_kernelᵀ; LSTM bias_ih = bias, bias_hh = 0; GRU gates
reordered z, r, h -> r, z, n and bias_ih, bias_hh = bias[0], bias[1]), merged
as Keras merges them (concat, sum, mul, ave; without return_sequences the
backward output is its final state, torch's output[:, 0, U:]), with the
gradients of sum(w * y) with respect to the input and every Keras weight
(forward layer's kernel, recurrent_kernel, bias, then the backward layer's).
Run from the repository root."""
import json

import torch

torch.manual_seed(11)
cases = []


def rand(*shape, scale=0.5):
    return ((torch.rand(*shape, dtype=torch.float64) * 2 - 1) * scale).requires_grad_()


def case(name, cell, n, t, f, u, sequences, merge):
    g = 4 if cell == "LSTM" else 3
    x = rand(n, t, f, scale=1)
    ws = []
    for _ in range(2):
        bias = rand(g * u) if cell == "LSTM" else rand(2, g * u)
        ws += [rand(f, g * u), rand(u, g * u), bias]
    if cell == "LSTM":
        m = torch.nn.LSTM(f, u, batch_first=True, bidirectional=True).double()
        order = lambda w: w
    else:
        m = torch.nn.GRU(f, u, batch_first=True, bidirectional=True).double()
        order = lambda w: torch.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], dim=-1)
    # Map the Keras weights into the module without breaking autograd.
    for p in list(m._parameters):
        del m._parameters[p]
    for side, suffix in ((0, ""), (1, "_reverse")):
        k, r, b = ws[3 * side:3 * side + 3]
        setattr(m, "weight_ih_l0" + suffix, order(k).t())
        setattr(m, "weight_hh_l0" + suffix, order(r).t())
        if cell == "LSTM":
            setattr(m, "bias_ih_l0" + suffix, b)
            setattr(m, "bias_hh_l0" + suffix, torch.zeros(g * u, dtype=torch.float64))
        else:
            setattr(m, "bias_ih_l0" + suffix, order(b[0]))
            setattr(m, "bias_hh_l0" + suffix, order(b[1]))
    m._flat_weights = [getattr(m, wn) for wn in m._flat_weights_names]
    out, _ = m(x)
    fw, bw = out[..., :u], out[..., u:]
    if not sequences:
        fw, bw = fw[:, -1], bw[:, 0]
    y = {"concat": lambda: torch.cat([fw, bw], dim=-1), "sum": lambda: fw + bw,
         "mul": lambda: fw * bw, "ave": lambda: (fw + bw) / 2}[merge]()
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    cases.append({"name": name, "layer": cell, "units": u, "sequences": sequences, "merge_mode": merge,
                  "shape": [n, t, f], "x": x.detach().flatten().tolist(), "w": w.flatten().tolist(),
                  "weights": [v.detach().flatten().tolist() for v in ws],
                  "y_shape": list(y.shape), "y": y.detach().flatten().tolist(),
                  "dx": x.grad.flatten().tolist(), "dweights": [v.grad.flatten().tolist() for v in ws]})


case("lstm concat sequences", "LSTM", 2, 5, 3, 4, True, "concat")
case("lstm concat last", "LSTM", 3, 4, 2, 3, False, "concat")
case("lstm ave sequences", "LSTM", 2, 3, 3, 2, True, "ave")
case("gru sum last", "GRU", 2, 5, 3, 4, False, "sum")
case("gru mul sequences", "GRU", 2, 4, 2, 3, True, "mul")

with open("layers/testdata/bidirectional_ref.json", "w") as fh:
    json.dump({"cases": cases}, fh)
