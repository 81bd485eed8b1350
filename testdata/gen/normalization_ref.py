#!/usr/bin/python3
"""Writes layers/testdata/normalization_ref.json: Keras 3's
LayerNormalization (epsilon 1e-3), GroupNormalization (epsilon 1e-3) and
UnitNormalization (epsilon 1e-12, x * rsqrt(max(sum x^2, eps^2))) on
random channels-last batches. Outputs and the gradients of sum(w * y)
with respect to x, gamma and beta come from torch: F.layer_norm,
F.group_norm (on the channels-first transpose) and F.normalize. Run from
the repository root."""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(5)
cases = []


def case(kind, name, shape, gshape=None, **kw):
    x = (torch.rand(shape, dtype=torch.float64) * 4 - 1.5).requires_grad_()
    gamma = beta = None
    if gshape is not None:
        gamma = (torch.rand(gshape, dtype=torch.float64) + 0.5).requires_grad_()
        beta = (torch.rand(gshape, dtype=torch.float64) - 0.5).requires_grad_()
    if kind == "layer":
        y = F.layer_norm(x, gshape, gamma, beta, eps=1e-3)
    elif kind == "group":
        perm = [0, len(shape) - 1] + list(range(1, len(shape) - 1))
        inv = [0] + list(range(2, len(shape))) + [1]
        y = F.group_norm(x.permute(perm), kw["groups"] if kw["groups"] > 0 else shape[-1], gamma, beta, eps=1e-3).permute(inv)
    else:
        k = kw["naxes"]
        flat = x.reshape(list(shape[:len(shape) - k]) + [-1])
        y = F.normalize(flat, dim=-1, eps=1e-12).reshape(shape)
    w = torch.rand(shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    out = {"kind": kind, "name": name, "shape": list(shape), "x": x.detach().flatten().tolist(),
           "w": w.flatten().tolist(), "y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist()}
    out.update({k: v for k, v in kw.items()})
    if gamma is not None:
        out.update({"gamma": gamma.detach().flatten().tolist(), "beta": beta.detach().flatten().tolist(),
                    "dgamma": gamma.grad.flatten().tolist(), "dbeta": beta.grad.flatten().tolist()})
    cases.append(out)


case("layer", "features", (6, 10), (10,), axis=[-1])
case("layer", "images last axis", (2, 3, 4, 5), (5,), axis=[-1])
case("layer", "images all axes", (2, 3, 4, 5), (3, 4, 5), axis=[1, 2, 3])
case("group", "images 4 groups", (3, 4, 5, 8), (8,), groups=4)
case("group", "sequences 1 group", (2, 7, 6), (6,), groups=1)
case("group", "instance", (2, 3, 3, 4), (4,), groups=-1)
case("unit", "features", (5, 7), naxes=1, axis=[-1])
case("unit", "images all axes", (2, 3, 2, 4), naxes=3, axis=[1, 2, 3])
# A zero row, where the norm is clamped.
x = torch.zeros((2, 3), dtype=torch.float64)
x[1] = torch.tensor([3.0, -4.0, 12.0])
x.requires_grad_()
y = F.normalize(x, dim=-1, eps=1e-12)
w = torch.rand((2, 3), dtype=torch.float64) * 2 - 1
(y * w).sum().backward()
cases.append({"kind": "unit", "name": "zero row", "shape": [2, 3], "axis": [-1], "x": x.detach().flatten().tolist(),
              "w": w.flatten().tolist(), "y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist()})
with open("layers/testdata/normalization_ref.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
    f.write("\n")
