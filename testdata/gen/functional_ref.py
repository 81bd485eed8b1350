#!/usr/bin/python3
"""Writes models/testdata/functional_step.json: one SGD step (lr 0.1) of a
small two-input, two-output graph with a residual sum and a Dense layer
applied twice (shared weights), computed with torch autograd. Run from the
repository root.

    a (3,) -> Dense(4, relu) ----\
                                  add -> s -> Dense(3, softmax)            = out1
    b (2,) -> Dense(4) ----------/      s -> D(4, tanh) -> D(4, tanh) -> Dense(1) = out2
                                        (D is one layer applied twice)

loss = sparse_categorical_crossentropy(y1, out1) + 0.5 * mse(y2, out2), as
Keras 3's compile(loss={...}, loss_weights={"out2": 0.5}) computes it; the
per-output values reported are the unweighted losses."""
import json

import torch

torch.manual_seed(11)
f32 = torch.float32


def u(*shape):
    return (torch.rand(*shape, dtype=f32) - 0.5).requires_grad_()


w = {
    "dense/kernel": u(3, 4), "dense/bias": u(4),
    "dense_1/kernel": u(2, 4), "dense_1/bias": u(4),
    "dense_2/kernel": u(4, 3), "dense_2/bias": u(3),
    "dense_3/kernel": u(4, 4), "dense_3/bias": u(4),
    "dense_4/kernel": u(4, 1), "dense_4/bias": u(1),
}
a = torch.rand(4, 3, dtype=f32) * 2 - 1
b = torch.rand(4, 2, dtype=f32) * 2 - 1
y1 = torch.tensor([0, 2, 1, 2])
y2 = torch.rand(4, 1, dtype=f32)

h1 = torch.relu(a @ w["dense/kernel"] + w["dense/bias"])
h2 = b @ w["dense_1/kernel"] + w["dense_1/bias"]
s = h1 + h2
logits = s @ w["dense_2/kernel"] + w["dense_2/bias"]
out1 = torch.softmax(logits, dim=1)
t1 = torch.tanh(s @ w["dense_3/kernel"] + w["dense_3/bias"])
t2 = torch.tanh(t1 @ w["dense_3/kernel"] + w["dense_3/bias"])
out2 = t2 @ w["dense_4/kernel"] + w["dense_4/bias"]
ce = torch.nn.functional.cross_entropy(logits, y1)
mse = ((out2 - y2) ** 2).mean()
loss = ce + 0.5 * mse
loss.backward()

lr = 0.1
ref = {
    "a": a.flatten().tolist(), "b": b.flatten().tolist(),
    "y1": y1.tolist(), "y2": y2.flatten().tolist(),
    "out1": out1.detach().flatten().tolist(), "out2": out2.detach().flatten().tolist(),
    "loss": loss.item(), "out1_loss": ce.item(), "out2_loss": mse.item(),
    "weights": {k: v.detach().flatten().tolist() for k, v in w.items()},
    "after": {k: (v - lr * v.grad).detach().flatten().tolist() for k, v in w.items()},
}
with open("models/testdata/functional_step.json", "w") as f:
    json.dump(ref, f, indent=1)
    f.write("\n")
