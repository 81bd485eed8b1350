# Writes ../gru_reset_before/finetune.json: the reference for fine-tuning
# the models bidirectional_sequences.onnx and bidirectional_last.onnx
# (bidirectional GRU nodes with linear_before_reset=0) once imported as
# Bidirectional(GRU(reset_after=False)): three steps of plain SGD
# (learning rate 0.1) on the mean squared error against fixed targets,
# from the weights in the .onnx files read with onnx.numpy_helper. The
# layers are Keras's (keras/src/layers/rnn/gru.py, GRUCell.call with
# reset_after=False): kernel [F, 3U], recurrent_kernel [U, 3U], bias [3U],
# gates z, r, h,
#
#     x_z, x_r, x_h = x_t @ kernel + bias       (split in three)
#     z = sigmoid(x_z + h @ recurrent_kernel[:, :U])
#     r = sigmoid(x_r + h @ recurrent_kernel[:, U:2U])
#     hh = tanh(x_h + (r * h) @ recurrent_kernel[:, 2U:])
#     h = z * h + (1 - z) * hh
#
# with kernel = W^T, recurrent_kernel = R^T and bias = Wb + Rb of ONNX's
# direction (ONNX's gates are z, r, h too; with linear_before_reset=0 Rbh
# is outside the reset gate, so it adds to Wbh), the backward layer on the
# steps reversed and its outputs put back in time order, concatenated
# after the forward ones; stepped in float64 under torch autograd. The
# forward pass is checked against bidirectional.json (ONNX's reference
# implementation). Each case gives the targets, the loss before each step
# and the gradients of the first step's loss.
#   /usr/bin/python3 gru_reset_before_finetune.py   (torch 1.13, python3-onnx 1.12)
import json

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ref = json.load(open("../gru_reset_before/bidirectional.json"))
rng = np.random.default_rng(23)
LR, STEPS = 0.1, 3
out = {}


def gru(x, kernel, rec, bias, u):
    n, t, _ = x.shape
    h = torch.zeros(n, u, dtype=torch.float64)
    outs = []
    for s in range(t):
        m = x[:, s] @ kernel + bias
        z = torch.sigmoid(m[:, :u] + h @ rec[:, :u])
        r = torch.sigmoid(m[:, u:2 * u] + h @ rec[:, u:2 * u])
        hh = torch.tanh(m[:, 2 * u:] + (r * h) @ rec[:, 2 * u:])
        h = z * h + (1 - z) * hh
        outs.append(h)
    return torch.stack(outs, 1), h


for read in ["sequences", "last"]:
    model = onnx.load("../gru_reset_before/bidirectional_%s.onnx" % read)
    init = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    w, r, b = init["W"], init["R"], init["B"]
    u = r.shape[2]
    params = {}
    for d, side in enumerate(["forward", "backward"]):
        params[side + "/kernel"] = torch.tensor(w[d].T.copy(), requires_grad=True)
        params[side + "/recurrent_kernel"] = torch.tensor(r[d].T.copy(), requires_grad=True)
        params[side + "/bias"] = torch.tensor(b[d, :3 * u] + b[d, 3 * u:], requires_grad=True)
    c = ref[read]
    x = np.array(c["x"], np.float64).reshape(c["x_dims"]).transpose(1, 0, 2)  # batch-major
    x = torch.tensor(x.copy())

    def forward():
        yf, hf = gru(x, params["forward/kernel"], params["forward/recurrent_kernel"], params["forward/bias"], u)
        yb, hb = gru(x.flip(1), params["backward/kernel"], params["backward/recurrent_kernel"], params["backward/bias"], u)
        if read == "sequences":
            return torch.cat([yf, yb.flip(1)], -1)
        return torch.cat([hf, hb], -1)

    y0 = forward().detach().numpy()
    want = np.array(c["out"]).reshape(c["out_dims"])
    assert np.abs(y0 - want).max() < 1e-5, np.abs(y0 - want).max()
    target = torch.tensor(rng.standard_normal(y0.shape))
    losses, grads = [], None
    for step in range(STEPS):
        loss = ((forward() - target) ** 2).mean()
        for p in params.values():
            p.grad = None
        loss.backward()
        losses.append(loss.item())
        if step == 0:
            grads = {k: p.grad.numpy().reshape(-1).tolist() for k, p in params.items()}
        with torch.no_grad():
            for p in params.values():
                p -= LR * p.grad
    assert losses[-1] < losses[0]
    out[read] = {"target": target.numpy().reshape(-1).tolist(), "target_dims": list(target.shape),
                 "learning_rate": LR, "losses": losses, "gradients": grads}
json.dump(out, open("../gru_reset_before/finetune.json", "w"), indent=0)
