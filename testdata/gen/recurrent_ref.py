#!/usr/bin/python3
"""Writes layers/testdata/recurrent_ref.json: Keras-layout LSTM, GRU
(reset_after=True, gates z, r, h; torch orders them r, z, n) and SimpleRNN weights;
for LSTM
(kernel [F, 4U], recurrent_kernel [U, 4U], bias [4U], gates i, f, c, o)
stepped through Keras's equations under torch autograd, checked against
torch.nn.LSTM with weight_ih = kernelᵀ, weight_hh = recurrent_kernelᵀ,
bias_ih = bias, bias_hh = 0; with the gradients of sum(w * outputs) with
respect to the inputs and the Keras weights.
go_backwards is torch on the time-reversed input. The masked cases step
Keras's masked recurrence (a step whose mask is 0 keeps the states, and
outputs the kept h) with torch.where, the mask reversed with the input for
go_backwards. Run from the repository root."""
import json

import torch

torch.manual_seed(5)
cases = []


def masked_steps(n, t, mask):
    if mask is None:
        return None, [True] * t
    m = torch.tensor(mask, dtype=torch.float64).reshape(n, t)
    return m, None


def lstm_case(name, n, t, f, u, backwards, sequences, mask=None):
    x = (torch.rand(n, t, f, dtype=torch.float64) * 2 - 1).requires_grad_()
    kernel = ((torch.rand(f, 4 * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    rec = ((torch.rand(u, 4 * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    bias = ((torch.rand(4 * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    xin = x.flip(1) if backwards else x
    mk, _ = masked_steps(n, t, mask)
    if mk is not None and backwards:
        mk = mk.flip(1)
    # The equations, stepped by hand under autograd ...
    h = torch.zeros(n, u, dtype=torch.float64)
    c = torch.zeros(n, u, dtype=torch.float64)
    outs = []
    for step in range(t):
        z = xin[:, step] @ kernel + h @ rec + bias
        i, fg, g, o = z[:, :u].sigmoid(), z[:, u:2 * u].sigmoid(), z[:, 2 * u:3 * u].tanh(), z[:, 3 * u:].sigmoid()
        cn = fg * c + i * g
        hn = o * cn.tanh()
        if mk is not None:
            keep = mk[:, step:step + 1] != 0
            cn, hn = torch.where(keep, cn, c), torch.where(keep, hn, h)
        c, h = cn, hn
        outs.append(h)
    out = torch.stack(outs, dim=1)
    # ... and checked against torch.nn.LSTM with the weights mapped.
    m = torch.nn.LSTM(f, u, batch_first=True).double()
    with torch.no_grad():
        m.weight_ih_l0.copy_(kernel.t())
        m.weight_hh_l0.copy_(rec.t())
        m.bias_ih_l0.copy_(bias)
        m.bias_hh_l0.zero_()
        ref, _ = m(xin)
    if mk is None:
        assert torch.allclose(ref, out, atol=1e-12), "the equations disagree with nn.LSTM"
    y = out if sequences else out[:, -1, :]
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    cases.append({"name": name, "layer": "LSTM", "units": u, "backwards": backwards, "sequences": sequences,
                  "shape": [n, t, f], "x": x.detach().flatten().tolist(),
                  "kernel": kernel.detach().flatten().tolist(), "recurrent_kernel": rec.detach().flatten().tolist(),
                  "bias": bias.detach().flatten().tolist(), "w": w.flatten().tolist(),
                  "y_shape": list(y.shape), "y": y.detach().flatten().tolist(),
                  "dx": x.grad.flatten().tolist(), "dkernel": kernel.grad.flatten().tolist(),
                  "drecurrent_kernel": rec.grad.flatten().tolist(), "dbias": bias.grad.flatten().tolist(), "mask": mask})


def gru_case(name, n, t, f, u, backwards, sequences, simple=False, mask=None):
    g = 1 if simple else 3
    x = (torch.rand(n, t, f, dtype=torch.float64) * 2 - 1).requires_grad_()
    kernel = ((torch.rand(f, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    rec = ((torch.rand(u, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    bshape = (g * u,) if simple else (2, g * u)
    bias = ((torch.rand(bshape, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    xin = x.flip(1) if backwards else x
    mk, _ = masked_steps(n, t, mask)
    if mk is not None and backwards:
        mk = mk.flip(1)
    h = torch.zeros(n, u, dtype=torch.float64)
    outs = []
    for step in range(t):
        if simple:
            hn = (xin[:, step] @ kernel + h @ rec + bias).tanh()
        else:
            xz = xin[:, step] @ kernel + bias[0]
            hz = h @ rec + bias[1]
            z = (xz[:, :u] + hz[:, :u]).sigmoid()
            r = (xz[:, u:2 * u] + hz[:, u:2 * u]).sigmoid()
            hh = (xz[:, 2 * u:] + r * hz[:, 2 * u:]).tanh()
            hn = z * h + (1 - z) * hh
        if mk is not None:
            hn = torch.where(mk[:, step:step + 1] != 0, hn, h)
        h = hn
        outs.append(h)
    out = torch.stack(outs, dim=1)
    if simple:
        m = torch.nn.RNN(f, u, batch_first=True).double()
        with torch.no_grad():
            m.weight_ih_l0.copy_(kernel.t())
            m.weight_hh_l0.copy_(rec.t())
            m.bias_ih_l0.copy_(bias)
            m.bias_hh_l0.zero_()
            ref, _ = m(xin)
    else:
        # torch orders the gates r, z, n; Keras z, r, h.
        order = lambda w: torch.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], dim=-1)
        m = torch.nn.GRU(f, u, batch_first=True).double()
        with torch.no_grad():
            m.weight_ih_l0.copy_(order(kernel).t())
            m.weight_hh_l0.copy_(order(rec).t())
            m.bias_ih_l0.copy_(order(bias[0]))
            m.bias_hh_l0.copy_(order(bias[1]))
            ref, _ = m(xin)
    if mk is None:
        assert torch.allclose(ref, out, atol=1e-12), "the equations disagree with torch"
    y = out if sequences else out[:, -1, :]
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    cases.append({"name": name, "layer": "SimpleRNN" if simple else "GRU", "units": u, "backwards": backwards, "sequences": sequences,
                  "shape": [n, t, f], "x": x.detach().flatten().tolist(),
                  "kernel": kernel.detach().flatten().tolist(), "recurrent_kernel": rec.detach().flatten().tolist(),
                  "bias": bias.detach().flatten().tolist(), "w": w.flatten().tolist(),
                  "y_shape": list(y.shape), "y": y.detach().flatten().tolist(),
                  "dx": x.grad.flatten().tolist(), "dkernel": kernel.grad.flatten().tolist(),
                  "drecurrent_kernel": rec.grad.flatten().tolist(), "dbias": bias.grad.flatten().tolist(), "mask": mask})


lstm_case("lstm last state", 3, 5, 4, 6, False, False)
lstm_case("lstm sequences", 2, 4, 3, 5, False, True)
lstm_case("lstm go_backwards sequences", 2, 4, 3, 5, True, True)
lstm_case("lstm go_backwards last", 2, 6, 2, 3, True, False)
gru_case("gru last state", 3, 5, 4, 6, False, False)
gru_case("gru go_backwards sequences", 2, 4, 3, 5, True, True)
gru_case("simple rnn sequences", 2, 5, 3, 4, False, True, simple=True)
gru_case("simple rnn go_backwards last", 3, 4, 2, 3, True, False, simple=True)
# Masks: padding at the start (pad_sequences's default), at the end, and in between.
m35 = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 1, 1, 0]
lstm_case("lstm masked sequences", 3, 5, 2, 4, False, True, mask=m35)
lstm_case("lstm masked go_backwards last", 3, 5, 2, 3, True, False, mask=m35)
gru_case("gru masked last", 3, 5, 3, 4, False, False, mask=m35)
gru_case("gru masked go_backwards sequences", 3, 5, 2, 3, True, True, mask=m35)
gru_case("simple rnn masked sequences", 3, 5, 2, 3, False, True, simple=True, mask=m35)

with open("layers/testdata/recurrent_ref.json", "w") as fh:
    json.dump({"torch": torch.__version__, "cases": cases}, fh)
    fh.write("\n")


def state_case(name, cell, n, t, f, u, sequences):
    """return_state and initial_state: torch's nn.LSTM / nn.GRU given
    (h0, c0) or h0, with gradients of sum(w·y) + sum(wh·h_n) (+ sum(wc·c_n))
    with respect to the input, the weights and the initial states."""
    g = 4 if cell == "LSTM" else 3
    x = (torch.rand(n, t, f, dtype=torch.float64) * 2 - 1).requires_grad_()
    kernel = ((torch.rand(f, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    rec = ((torch.rand(u, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    bshape = (g * u,) if cell == "LSTM" else (2, g * u)
    bias = ((torch.rand(bshape, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    h0 = (torch.rand(n, u, dtype=torch.float64) * 2 - 1).requires_grad_()
    c0 = (torch.rand(n, u, dtype=torch.float64) * 2 - 1).requires_grad_()
    if cell == "LSTM":
        m = torch.nn.LSTM(f, u, batch_first=True).double()
        order = lambda w: w
    else:
        m = torch.nn.GRU(f, u, batch_first=True).double()
        order = lambda w: torch.cat([w[..., u:2 * u], w[..., :u], w[..., 2 * u:]], dim=-1)
    for p in list(m._parameters):
        del m._parameters[p]
    m.weight_ih_l0, m.weight_hh_l0 = order(kernel).t(), order(rec).t()
    if cell == "LSTM":
        m.bias_ih_l0, m.bias_hh_l0 = bias, torch.zeros(g * u, dtype=torch.float64)
    else:
        m.bias_ih_l0, m.bias_hh_l0 = order(bias[0]), order(bias[1])
    cn = None
    m._flat_weights = [getattr(m, wn) for wn in m._flat_weights_names]
    if cell == "LSTM":
        out, (hn, cn) = m(x, (h0[None], c0[None]))
    else:
        out, hn = m(x, h0[None])
    hn = hn[0]
    y = out if sequences else out[:, -1]
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    wh = torch.rand(hn.shape, dtype=torch.float64) * 2 - 1
    loss = (y * w).sum() + (hn * wh).sum()
    wc = None
    if cn is not None:
        cn = cn[0]
        wc = torch.rand(cn.shape, dtype=torch.float64) * 2 - 1
        loss = loss + (cn * wc).sum()
    loss.backward()
    c = {"name": name, "layer": cell, "units": u, "sequences": sequences, "shape": [n, t, f],
         "x": x.detach().flatten().tolist(), "kernel": kernel.detach().flatten().tolist(),
         "recurrent_kernel": rec.detach().flatten().tolist(), "bias": bias.detach().flatten().tolist(),
         "h0": h0.detach().flatten().tolist(), "w": w.flatten().tolist(), "wh": wh.flatten().tolist(),
         "y_shape": list(y.shape), "y": y.detach().flatten().tolist(), "h": hn.detach().flatten().tolist(),
         "dx": x.grad.flatten().tolist(), "dkernel": kernel.grad.flatten().tolist(),
         "drecurrent_kernel": rec.grad.flatten().tolist(), "dbias": bias.grad.flatten().tolist(),
         "dh0": h0.grad.flatten().tolist()}
    if cn is not None:
        c.update({"c0": c0.detach().flatten().tolist(), "wc": wc.flatten().tolist(), "c": cn.detach().flatten().tolist(),
                  "dc0": c0.grad.flatten().tolist()})
    states.append(c)


states = []
state_case("lstm states, last", "LSTM", 2, 4, 3, 3, False)
state_case("lstm states, sequences", "LSTM", 3, 3, 2, 2, True)
state_case("gru states, sequences", "GRU", 2, 4, 3, 3, True)
with open("layers/testdata/recurrent_states_ref.json", "w") as fh:
    json.dump({"cases": states}, fh)


def dropout_case(name, cell, n, t, f, u, sequences):
    """Keras's implementation 1 with dropout and recurrent_dropout: gate g
    reads x_t * in_mask[g] and h * rec_mask[g] (masks fixed for all steps;
    0 or 1/(1 - rate)); the state update uses the unmasked h and c."""
    g = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[cell]
    x = (torch.rand(n, t, f, dtype=torch.float64) * 2 - 1).requires_grad_()
    kernel = ((torch.rand(f, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    rec = ((torch.rand(u, g * u, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    bshape = (2, g * u) if cell == "GRU" else (g * u,)
    bias = ((torch.rand(bshape, dtype=torch.float64) * 2 - 1) * 0.5).requires_grad_()
    keep = lambda shape, rate: (torch.rand(shape, dtype=torch.float64) >= rate).double() / (1 - rate)
    in_m, rec_m = keep((g, n, f), 0.3), keep((g, n, u), 0.4)
    h = torch.zeros(n, u, dtype=torch.float64)
    c = torch.zeros(n, u, dtype=torch.float64)
    outs = []
    for s in range(t):
        xs = x[:, s]
        xg = [(xs * in_m[k]) @ kernel[:, k * u:(k + 1) * u] for k in range(g)]
        hg = [(h * rec_m[k]) @ rec[:, k * u:(k + 1) * u] for k in range(g)]
        if cell == "LSTM":
            z = [xg[k] + hg[k] + bias[k * u:(k + 1) * u] for k in range(4)]
            i, fg, gg, o = z[0].sigmoid(), z[1].sigmoid(), z[2].tanh(), z[3].sigmoid()
            c = fg * c + i * gg
            h = o * c.tanh()
        elif cell == "GRU":
            b0, b1 = bias[0], bias[1]
            z = (xg[0] + b0[:u] + hg[0] + b1[:u]).sigmoid()
            r = (xg[1] + b0[u:2 * u] + hg[1] + b1[u:2 * u]).sigmoid()
            hh = (xg[2] + b0[2 * u:] + r * (hg[2] + b1[2 * u:])).tanh()
            h = z * h + (1 - z) * hh
        else:
            h = (xg[0] + hg[0] + bias).tanh()
        outs.append(h)
    out = torch.stack(outs, dim=1)
    y = out if sequences else out[:, -1]
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    dropouts.append({"name": name, "layer": cell, "units": u, "sequences": sequences, "shape": [n, t, f],
                     "x": x.detach().flatten().tolist(), "kernel": kernel.detach().flatten().tolist(),
                     "recurrent_kernel": rec.detach().flatten().tolist(), "bias": bias.detach().flatten().tolist(),
                     "in_masks": in_m.flatten().tolist(), "rec_masks": rec_m.flatten().tolist(), "w": w.flatten().tolist(),
                     "y_shape": list(y.shape), "y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist(),
                     "dkernel": kernel.grad.flatten().tolist(), "drecurrent_kernel": rec.grad.flatten().tolist(),
                     "dbias": bias.grad.flatten().tolist()})


dropouts = []
dropout_case("lstm dropout, sequences", "LSTM", 3, 4, 3, 3, True)
dropout_case("gru dropout, last", "GRU", 3, 4, 3, 3, False)
dropout_case("simple rnn dropout, sequences", "SimpleRNN", 2, 5, 3, 2, True)
with open("layers/testdata/recurrent_dropout_ref.json", "w") as fh:
    json.dump({"cases": dropouts}, fh)
