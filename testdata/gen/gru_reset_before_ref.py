#!/usr/bin/python3
"""Writes layers/testdata/gru_reset_before_ref.json: Keras's GRU with
reset_after=False (keras/src/layers/rnn/gru.py, GRUCell.call): kernel
[F, 3U], recurrent_kernel [U, 3U], bias [3U], gates z, r, h,

    x_z, x_r, x_h = x_t @ kernel + bias       (split in three)
    z = sigmoid(x_z + h_z @ recurrent_kernel[:, :U])
    r = sigmoid(x_r + h_r @ recurrent_kernel[:, U:2U])
    hh = tanh(x_h + (r * h_h) @ recurrent_kernel[:, 2U:])
    h = z * h + (1 - z) * hh

with h_g = h * rec_dp_mask[g] and x_t * dp_mask[g] when dropout masks are
given (Keras's implementation 1), stepped in float64 under torch autograd,
and the forward pass checked against the same formula in NumPy written as
Keras's implementation 2 (one product for z and r). Each case gives the
outputs of every step and the gradients of sum(w * outputs) with respect
to the input, the weights and the initial state. go_backwards reads the
steps from the end (the outputs in processing order); a step whose mask is
0 keeps h. Run from the repository root."""
import json

import numpy as np
import torch

torch.manual_seed(19)
cases = []


def rand(*shape, scale=1.0):
    return ((torch.rand(*shape, dtype=torch.float64) * 2 - 1) * scale).requires_grad_()


def numpy_forward(x, k, rk, b, mask, h0, u):
    x, k, rk = x.detach().numpy(), k.detach().numpy(), rk.detach().numpy()
    n, t, _ = x.shape
    h = np.zeros((n, u)) if h0 is None else h0.detach().numpy()
    sig = lambda v: 1 / (1 + np.exp(-v))
    out = []
    for s in range(t):
        mx = x[:, s] @ k + (0 if b is None else b.detach().numpy())
        inner = h @ rk[:, :2 * u]
        z = sig(mx[:, :u] + inner[:, :u])
        r = sig(mx[:, u:2 * u] + inner[:, u:])
        hh = np.tanh(mx[:, 2 * u:] + (r * h) @ rk[:, 2 * u:])
        hn = z * h + (1 - z) * hh
        if mask is not None:
            keep = mask[:, s:s + 1] != 0
            hn = np.where(keep, hn, h)
        h = hn
        out.append(h)
    return np.stack(out, axis=1)


def case(name, n, t, f, u, backwards=False, mask=None, bias=True, h0=False, dropout=False):
    x = rand(n, t, f)
    kernel = rand(f, 3 * u, scale=0.6)
    rec = rand(u, 3 * u, scale=0.6)
    b = rand(3 * u, scale=0.5) if bias else None
    hinit = rand(n, u) if h0 else None
    in_masks = rec_masks = None
    if dropout:
        # 0 or 1/(1 - rate), rate 0.25, one per gate, example and feature.
        in_masks = (torch.rand(3, n, f, dtype=torch.float64) >= 0.25).double() / 0.75
        rec_masks = (torch.rand(3, n, u, dtype=torch.float64) >= 0.25).double() / 0.75
    xin = x.flip(1) if backwards else x
    mk = None
    if mask is not None:
        mk = torch.tensor(mask, dtype=torch.float64).reshape(n, t)
        if backwards:
            mk = mk.flip(1)
    h = torch.zeros(n, u, dtype=torch.float64) if hinit is None else hinit
    outs = []
    for s in range(t):
        xt = xin[:, s]
        xg = [xt * in_masks[g] if dropout else xt for g in range(3)]
        hg = [h * rec_masks[g] if dropout else h for g in range(3)]
        x_z = xg[0] @ kernel[:, :u]
        x_r = xg[1] @ kernel[:, u:2 * u]
        x_h = xg[2] @ kernel[:, 2 * u:]
        if b is not None:
            x_z, x_r, x_h = x_z + b[:u], x_r + b[u:2 * u], x_h + b[2 * u:]
        z = (x_z + hg[0] @ rec[:, :u]).sigmoid()
        r = (x_r + hg[1] @ rec[:, u:2 * u]).sigmoid()
        hh = (x_h + (r * hg[2]) @ rec[:, 2 * u:]).tanh()
        hn = z * h + (1 - z) * hh
        if mk is not None:
            hn = torch.where(mk[:, s:s + 1] != 0, hn, h)
        h = hn
        outs.append(h)
    out = torch.stack(outs, dim=1)
    if not dropout:
        ref = numpy_forward(xin, kernel, rec, b, None if mk is None else mk.numpy(), hinit, u)
        assert np.allclose(ref, out.detach().numpy(), atol=1e-12), "implementations 1 and 2 disagree"
    w = torch.rand(out.shape, dtype=torch.float64) * 2 - 1
    (out * w).sum().backward()
    flat = lambda v: None if v is None else v.detach().flatten().tolist()
    grad = lambda v: None if v is None else v.grad.flatten().tolist()
    cases.append({"name": name, "units": u, "backwards": backwards, "shape": [n, t, f],
                  "x": flat(x), "kernel": flat(kernel), "recurrent_kernel": flat(rec), "bias": flat(b),
                  "h0": flat(hinit), "mask": mask, "in_masks": flat(in_masks), "rec_masks": flat(rec_masks),
                  "w": w.flatten().tolist(), "y": flat(out),
                  "dx": grad(x), "dkernel": grad(kernel), "drecurrent_kernel": grad(rec), "dbias": grad(b), "dh0": grad(hinit)})


m35 = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0]
case("forward", 3, 5, 4, 6)
case("go_backwards", 2, 4, 3, 5, backwards=True)
case("no bias", 2, 4, 3, 3, bias=False)
case("masked", 3, 5, 3, 4, mask=m35)
case("masked go_backwards", 3, 5, 2, 3, backwards=True, mask=m35)
case("initial state", 2, 4, 3, 4, h0=True)
case("dropout masks", 3, 4, 3, 4, dropout=True, h0=True)
json.dump({"cases": cases}, open("layers/testdata/gru_reset_before_ref.json", "w"))
