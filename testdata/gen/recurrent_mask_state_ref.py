#!/usr/bin/python3
"""Writes layers/testdata/recurrent_mask_state_ref.json: LSTM, GRU
(reset_after=True) and SimpleRNN with return_state, and Bidirectional
around them with return_state, on masked sequences, with and without
initial states.

The expected values step Keras's masked recurrence (keras/src/backend/
numpy/rnn.py and jax/rnn.py: a step whose mask is 0 keeps the states and
outputs the kept h; go_backwards reverses the input and the mask and
returns the outputs in the order it made them; Bidirectional forces
zero_output_for_mask with return_sequences, so that its sequence outputs
are 0 at the masked steps) in float64 under torch autograd, with Keras's
weight layouts (LSTM gates i, f, c, o; GRU z, r, h with the (2, 3U) bias).
The gradients are those of sum(w·y) + sum(wh·h) + sum(wc·c) (+ the
backward layer's states for Bidirectional).

An independent check: for the cases padded at the end, the last states are
compared with torch.nn.LSTM / nn.GRU / nn.RNN run on
pack_padded_sequence (h_n at each sequence's last valid step; the reverse
direction of a bidirectional torch layer for go_backwards), with the
weights mapped to torch's layouts. Run from the repository root."""
import json

import torch
from torch.nn.utils.rnn import pack_padded_sequence

torch.manual_seed(19)
D = torch.float64


def rnd(*shape, scale=0.5):
    return ((torch.rand(*shape, dtype=D) * 2 - 1) * scale).requires_grad_()


def weights(layer, f, u):
    g = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[layer]
    k, r = rnd(f, g * u), rnd(u, g * u)
    b = rnd(2, g * u) if layer == "GRU" else rnd(g * u)
    return k, r, b


def run(layer, x, mask, k, r, b, u, backwards, h0=None, c0=None):
    """Keras's masked loop: the outputs in the order made, last h, last c."""
    n, t, _ = x.shape
    xin = x.flip(1) if backwards else x
    m = mask.flip(1) if backwards else mask
    h = torch.zeros(n, u, dtype=D) if h0 is None else h0
    c = torch.zeros(n, u, dtype=D) if c0 is None else c0
    outs = []
    for s in range(t):
        xt = xin[:, s]
        if layer == "LSTM":
            z = xt @ k + h @ r + b
            i, fg, g, o = z[:, :u].sigmoid(), z[:, u:2 * u].sigmoid(), z[:, 2 * u:3 * u].tanh(), z[:, 3 * u:].sigmoid()
            cn = fg * c + i * g
            hn = o * cn.tanh()
        elif layer == "GRU":
            xz, hz = xt @ k + b[0], h @ r + b[1]
            zg = (xz[:, :u] + hz[:, :u]).sigmoid()
            rg = (xz[:, u:2 * u] + hz[:, u:2 * u]).sigmoid()
            hh = (xz[:, 2 * u:] + rg * hz[:, 2 * u:]).tanh()
            hn, cn = zg * h + (1 - zg) * hh, c
        else:
            hn, cn = (xt @ k + h @ r + b).tanh(), c
        keep = m[:, s:s + 1] != 0
        h, c = torch.where(keep, hn, h), torch.where(keep, cn, c)
        outs.append(h)
    return torch.stack(outs, dim=1), h, c


def torch_packed(layer, x, lens, sides, u):
    """h_n (and c_n) of torch's layer on the packed sequences: one side or
    a bidirectional pair [(k, r, b) forward, (k, r, b) backward]."""
    f = x.shape[2]
    bi = len(sides) == 2
    cls = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "SimpleRNN": torch.nn.RNN}[layer]
    m = cls(f, u, batch_first=True, bidirectional=bi).double()
    with torch.no_grad():
        for i, (k, r, b) in enumerate(sides):
            sfx = "_l0" + ("_reverse" if i == 1 else "")
            if layer == "LSTM":
                # torch's gates i, f, g, o are Keras's i, f, c, o.
                wi, wh, bi_, bh = k.t(), r.t(), b, torch.zeros_like(b)
            elif layer == "GRU":
                # torch orders r, z, n; Keras z, r, h.
                order = lambda w: torch.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], dim=-1)
                wi, wh, bi_, bh = order(k).t(), order(r).t(), order(b[0]), order(b[1])
            else:
                wi, wh, bi_, bh = k.t(), r.t(), b, torch.zeros_like(b)
            getattr(m, "weight_ih" + sfx).copy_(wi)
            getattr(m, "weight_hh" + sfx).copy_(wh)
            getattr(m, "bias_ih" + sfx).copy_(bi_)
            getattr(m, "bias_hh" + sfx).copy_(bh)
        _, st = m(pack_padded_sequence(x.detach(), lens, batch_first=True, enforce_sorted=False))
    if layer == "LSTM":
        return st[0], st[1]
    return st, None


def flat(v):
    return v.detach().flatten().tolist()


cases = []
# Padding at the end (checked against torch's packed sequences), at the
# front (pad_sequences's default), in the middle, and a fully masked row.
END = [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]]
FRONT = [[0, 0, 1, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 1]]
MIDDLE = [[1, 0, 1, 1, 0], [1, 1, 0, 0, 1], [0, 0, 0, 0, 0]]


def case(name, layer, u, f, pattern, sequences=False, backwards=False, initial=False, bidirectional=False, merge="concat"):
    n, t = len(pattern), len(pattern[0])
    mask = torch.tensor(pattern, dtype=D)
    x = rnd(n, t, f, scale=1.0)
    nsides = 2 if bidirectional else 1
    sides = [weights(layer, f, u) for _ in range(nsides)]
    states = 2 if layer == "LSTM" else 1
    inits = [[rnd(n, u) for _ in range(states)] if initial else [None] * states for _ in range(nsides)]
    res = []
    for i in range(nsides):
        k, r, b = sides[i]
        st = inits[i] + [None] * (2 - states)
        res.append(run(layer, x, mask, k, r, b, u, backwards or i == 1, st[0], st[1]))
    if bidirectional:
        (yf, hf, cf), (yb, hb, cb) = res
        if sequences:
            yb = yb.flip(1)
            keep = (mask != 0).unsqueeze(-1)
            yf, yb = torch.where(keep, yf, torch.zeros_like(yf)), torch.where(keep, yb, torch.zeros_like(yb))
        else:
            yf, yb = yf[:, -1], yb[:, -1]
        y = {"concat": lambda: torch.cat([yf, yb], -1), "sum": lambda: yf + yb, "ave": lambda: (yf + yb) / 2, "mul": lambda: yf * yb}[merge]()
        outs = [y, hf] + ([cf] if layer == "LSTM" else []) + [hb] + ([cb] if layer == "LSTM" else [])
    else:
        yq, h, c = res[0]
        y = yq if sequences else yq[:, -1]
        outs = [y, h] + ([c] if layer == "LSTM" else [])
    ws = [torch.rand(o.shape, dtype=D) * 2 - 1 for o in outs]
    loss = sum((o * w).sum() for o, w in zip(outs, ws))
    loss.backward()
    if pattern is END and not initial:
        lens = torch.tensor([int(sum(p)) for p in pattern])
        th, tc = torch_packed(layer, x, lens, sides if bidirectional else [sides[0]], u)
        if bidirectional:
            got_h = [outs[1], outs[3 if layer == "LSTM" else 2]]
            for i in range(2):
                assert torch.allclose(th[i], got_h[i], atol=1e-12), (name, "h_n disagrees with torch's packed sequences")
            if layer == "LSTM":
                assert torch.allclose(tc[0], outs[2], atol=1e-12) and torch.allclose(tc[1], outs[4], atol=1e-12), name
        elif backwards:
            pass  # torch has no single reverse layer; the bidirectional cases check it
        else:
            assert torch.allclose(th[0], outs[1], atol=1e-12), (name, "h_n disagrees with torch's packed sequences")
            if layer == "LSTM":
                assert torch.allclose(tc[0], outs[2], atol=1e-12), (name, "c_n disagrees")
    c = {"name": name, "layer": layer, "units": u, "sequences": sequences, "backwards": backwards,
         "bidirectional": bidirectional, "merge": merge, "shape": [n, t, f], "mask": sum(pattern, []),
         "x": flat(x), "dx": flat(x.grad),
         "sides": [{"kernel": flat(k), "recurrent_kernel": flat(r), "bias": flat(b),
                    "dkernel": flat(k.grad), "drecurrent_kernel": flat(r.grad), "dbias": flat(b.grad)} for k, r, b in sides],
         "initial": [[flat(s) for s in side] for side in inits] if initial else None,
         "dinitial": [[flat(s.grad) for s in side] for side in inits] if initial else None,
         "outputs": [{"shape": list(o.shape), "value": flat(o), "w": flat(w)} for o, w in zip(outs, ws)]}
    cases.append(c)


case("lstm last end", "LSTM", 3, 2, END)
case("lstm sequences front initial", "LSTM", 3, 2, FRONT, sequences=True, initial=True)
case("lstm backwards middle", "LSTM", 2, 3, MIDDLE, backwards=True)
case("gru last end", "GRU", 3, 2, END)
case("gru sequences front initial", "GRU", 2, 3, FRONT, sequences=True, initial=True)
case("gru backwards sequences middle", "GRU", 3, 2, MIDDLE, sequences=True, backwards=True)
case("simple rnn last end", "SimpleRNN", 3, 2, END)
case("simple rnn backwards front initial", "SimpleRNN", 2, 2, FRONT, backwards=True, initial=True)
case("bidirectional lstm end", "LSTM", 3, 2, END, bidirectional=True)
case("bidirectional lstm sequences front", "LSTM", 2, 3, FRONT, sequences=True, bidirectional=True)
case("bidirectional gru sequences middle sum", "GRU", 3, 2, MIDDLE, sequences=True, bidirectional=True, merge="sum")
case("bidirectional gru end", "GRU", 2, 2, END, bidirectional=True, merge="ave")
case("bidirectional simple rnn initial middle", "SimpleRNN", 2, 3, MIDDLE, bidirectional=True, initial=True, merge="mul")
with open("layers/testdata/recurrent_mask_state_ref.json", "w") as fh:
    json.dump({"cases": cases}, fh)
