#!/usr/bin/python3
"""Writes models/testdata/masked_outputs.json: a functional model with two
masked sequence outputs, its per-output losses and metrics under the mask
and one SGD step (lr 0.1), computed with torch autograd from Keras 3's
formulas. Run from the repository root.

    tokens (6,) -> Embedding(8, 3, mask_zero=True) -> e
    e -> LSTM(4, return_sequences=True) -> Dense(3, softmax) = tags
    e -> LSTM(2, return_sequences=True) -> Dense(1)          = level

Keras's LSTM (gates i, f, c, o; tanh and sigmoid) skips the masked steps:
the state is carried over them. Dense keeps the mask, so both outputs have
the mask tokens != 0 of shape (4, 6), and Keras's Loss.__call__ and
MeanMetricWrapper apply it (apply_mask): with sum_over_batch_size a loss is
sum(values * mask) / sum(mask), a metric sum(values * mask) / sum(mask).

compile(loss={"tags": sparse_categorical_crossentropy, "level": mse},
loss_weights={"level": 0.5}, metrics={"tags":
[SparseTopKCategoricalAccuracy(k=2), "sparse_categorical_accuracy"],
"level": ["mean_absolute_error"]}) on one batch of 4."""
import json

import torch

torch.manual_seed(13)
f32 = torch.float32


def u(*shape):
    return (torch.rand(*shape, dtype=f32) - 0.5).requires_grad_()


w = {
    "embedding/embeddings": u(8, 3),
    "lstm/kernel": u(3, 16), "lstm/recurrent_kernel": u(4, 16), "lstm/bias": u(16),
    "tags/kernel": u(4, 3), "tags/bias": u(3),
    "lstm_1/kernel": u(3, 8), "lstm_1/recurrent_kernel": u(2, 8), "lstm_1/bias": u(8),
    "level/kernel": u(2, 1), "level/bias": u(1),
}
tokens = torch.tensor([
    [1, 2, 3, 0, 0, 0],  # padding at the end
    [0, 0, 4, 5, 6, 7],  # at the start
    [3, 0, 5, 0, 2, 1],  # in the middle
    [0, 0, 0, 0, 0, 0],  # all padding
])
mask = (tokens != 0).to(f32)
tags_y = torch.randint(0, 3, (4, 6))
level_y = torch.rand(4, 6, 1, dtype=f32) * 2 - 1


def lstm(x, kernel, rec, bias, units):
    b, steps = x.shape[0], x.shape[1]
    h = torch.zeros(b, units)
    c = torch.zeros(b, units)
    outs = []
    for t in range(steps):
        z = x[:, t] @ kernel + h @ rec + bias
        i = torch.sigmoid(z[:, :units])
        f = torch.sigmoid(z[:, units:2 * units])
        g = torch.tanh(z[:, 2 * units:3 * units])
        o = torch.sigmoid(z[:, 3 * units:])
        c2 = f * c + i * g
        h2 = o * torch.tanh(c2)
        m = mask[:, t:t + 1]
        h = m * h2 + (1 - m) * h  # masked steps keep the state
        c = m * c2 + (1 - m) * c
        outs.append(h)
    return torch.stack(outs, 1)


e = w["embedding/embeddings"][tokens]
ha = lstm(e, w["lstm/kernel"], w["lstm/recurrent_kernel"], w["lstm/bias"], 4)
tags = torch.softmax(ha @ w["tags/kernel"] + w["tags/bias"], dim=-1)
hb = lstm(e, w["lstm_1/kernel"], w["lstm_1/recurrent_kernel"], w["lstm_1/bias"], 2)
level = hb @ w["level/kernel"] + w["level/bias"]

valid = mask.sum()
p_true = tags.gather(-1, tags_y.unsqueeze(-1)).squeeze(-1)
ce = -torch.log(p_true.clamp(1e-7, 1 - 1e-7))  # (4, 6)
tags_loss = (ce * mask).sum() / valid
se = ((level - level_y) ** 2).mean(-1)  # (4, 6)
level_loss = (se * mask).sum() / valid
loss = tags_loss + 0.5 * level_loss
loss.backward()

with torch.no_grad():
    above = (tags > p_true.unsqueeze(-1)).sum(-1)  # in_top_k: ties count in
    top2 = ((above < 2).to(f32) * mask).sum() / valid
    acc = ((tags.argmax(-1) == tags_y).to(f32) * mask).sum() / valid
    mae = ((level - level_y).abs().mean(-1) * mask).sum() / valid

lr = 0.1
ref = {
    "tokens": tokens.flatten().tolist(),
    "tags_y": tags_y.flatten().tolist(),
    "level_y": level_y.flatten().tolist(),
    "tags": tags.detach().flatten().tolist(),
    "level": level.detach().flatten().tolist(),
    "logs": {
        "loss": loss.item(),
        "tags_loss": tags_loss.item(),
        "level_loss": level_loss.item(),
        "tags_sparse_top_k_categorical_accuracy": top2.item(),
        "tags_sparse_categorical_accuracy": acc.item(),
        "level_mean_absolute_error": mae.item(),
    },
    "weights": {k: v.detach().flatten().tolist() for k, v in w.items()},
    "after": {k: (v - lr * v.grad).detach().flatten().tolist() for k, v in w.items()},
}
with open("models/testdata/masked_outputs.json", "w") as f:
    json.dump(ref, f)
