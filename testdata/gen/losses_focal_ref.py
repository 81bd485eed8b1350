#!/usr/bin/python3
"""Writes losses/testdata/losses_focal_ref.json: reference values and
gradients (with respect to y_pred) of Keras 3's categorical hinge, cosine
similarity, binary and categorical focal cross-entropy losses, and of the
reductions "sum", "none", "mean_with_sample_weight" with sample weights,
computed with PyTorch in float64 from the formulas of
keras/src/losses/losses.py and keras/src/losses/loss.py. Run from the
repository root."""
import json

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-7
torch.set_default_dtype(torch.float64)


def bce(t, p):
    p = p.clamp(EPS, 1 - EPS)
    return -(t * torch.log(p) + (1 - t) * torch.log(1 - p))


def binary_focal(t, p, balance=False, alpha=0.25, gamma=2.0, logits=False, smooth=0.0):
    if smooth:
        t = t * (1 - smooth) + 0.5 * smooth
    if logits:
        p = torch.sigmoid(p)
    pt = t * p + (1 - t) * (1 - p)
    f = torch.pow(1 - pt, gamma) * bce(t, p)
    if balance:
        f = (t * alpha + (1 - t) * (1 - alpha)) * f
    return f.mean(-1)


def categorical_focal(t, p, alpha=0.25, gamma=2.0, logits=False, smooth=0.0):
    if smooth:
        t = t * (1 - smooth) + smooth / p.shape[-1]
    if logits:
        p = torch.softmax(p, -1)
    out = (p / p.sum(-1, keepdim=True)).clamp(EPS, 1 - EPS)
    return (alpha * torch.pow(1 - out, gamma) * (-t * torch.log(out))).sum(-1)


def categorical_hinge(t, p):
    pos = (t * p).sum(-1)
    neg = ((1 - t) * p).max(-1).values
    return torch.clamp(neg - pos + 1, min=0)


def cosine(t, p):
    return -(F.normalize(t, dim=-1, eps=EPS) * F.normalize(p, dim=-1, eps=EPS)).sum(-1)


def mse(t, p):
    return ((p - t) ** 2).mean(-1)


def scce(t, p):
    p = p / p.sum(-1, keepdim=True)
    return -torch.log(p.clamp(EPS, 1 - EPS)).gather(1, t.long().view(-1, 1)).view(-1)


def f32(x):
    return np.asarray(x, dtype=np.float32).astype(np.float64)


rng = np.random.default_rng(1818)
cases = []


def add(name, loss, cfg, fn, t, p, reduction="sum_over_batch_size", sw=None):
    t, p = f32(t), f32(p)
    tp = torch.tensor(p, requires_grad=True)
    v = fn(torch.tensor(t), tp)
    w = None
    if sw is not None:
        w = torch.tensor(f32(sw))
        v = v * w
    if reduction == "none":
        out = v
        scalar = v.sum()  # gradient of the sum of the values
    elif reduction == "sum":
        out = scalar = v.sum()
    elif reduction == "mean_with_sample_weight" and w is not None:
        out = scalar = v.sum() / w.sum()
    else:
        out = scalar = v.sum() / v.numel()
    scalar.backward()
    c = {"name": name, "loss": loss, "config": cfg, "reduction": reduction,
         "y_true": t.ravel().tolist(), "y_true_shape": list(t.shape),
         "y_pred": p.ravel().tolist(), "y_pred_shape": list(p.shape),
         "want": np.atleast_1d(out.detach().numpy()).ravel().tolist(),
         "grad": tp.grad.numpy().ravel().tolist()}
    if sw is not None:
        c["sample_weight"] = f32(sw).tolist()
    cases.append(c)


onehot = np.eye(4)[rng.integers(0, 4, 6)]
probs = rng.dirichlet(np.ones(4), 6)
logits4 = rng.normal(0, 2, (6, 4))
bin_t = rng.integers(0, 2, (6, 3)).astype(float)
bin_p = rng.uniform(0.02, 0.98, (6, 3))
bin_z = rng.normal(0, 2, (6, 3))

add("categorical_hinge", "categorical_hinge", {}, categorical_hinge, onehot, rng.normal(0, 1, (6, 4)))
add("categorical_hinge/sum", "categorical_hinge", {}, categorical_hinge, onehot, rng.normal(0, 1, (6, 4)), "sum")
add("cosine_similarity", "cosine_similarity", {}, cosine, rng.normal(0, 1, (5, 3)), rng.normal(0, 1, (5, 3)))
add("cosine_similarity/none", "cosine_similarity", {}, cosine, rng.normal(0, 1, (5, 3)), rng.normal(0, 1, (5, 3)), "none")
add("binary_focal", "binary_focal_crossentropy", {}, binary_focal, bin_t, bin_p)
add("binary_focal/balanced gamma 3", "binary_focal_crossentropy",
    {"apply_class_balancing": True, "alpha": 0.4, "gamma": 3.0},
    lambda t, p: binary_focal(t, p, True, 0.4, 3.0), bin_t, bin_p)
add("binary_focal/logits smoothing", "binary_focal_crossentropy",
    {"from_logits": True, "label_smoothing": 0.2},
    lambda t, p: binary_focal(t, p, logits=True, smooth=0.2), bin_t, bin_z)
add("categorical_focal", "categorical_focal_crossentropy", {}, categorical_focal, onehot, probs)
add("categorical_focal/logits smoothing alpha gamma", "categorical_focal_crossentropy",
    {"from_logits": True, "label_smoothing": 0.1, "alpha": 0.5, "gamma": 1.5},
    lambda t, p: categorical_focal(t, p, 0.5, 1.5, True, 0.1), onehot, logits4)
sw = rng.uniform(0, 3, 6)
add("mean_squared_error/weighted", "mean_squared_error", {}, mse, bin_t, bin_p, sw=sw)
add("mean_squared_error/weighted sum", "mean_squared_error", {}, mse, bin_t, bin_p, "sum", sw=sw)
add("mean_squared_error/weighted mean_with_sample_weight", "mean_squared_error", {}, mse, bin_t, bin_p,
    "mean_with_sample_weight", sw=sw)
add("mean_squared_error/weighted none", "mean_squared_error", {}, mse, bin_t, bin_p, "none", sw=sw)
add("sparse_categorical_crossentropy/weighted", "sparse_categorical_crossentropy", {}, scce,
    rng.integers(0, 4, 6).astype(float), probs, sw=sw)
add("binary_focal/weighted sum", "binary_focal_crossentropy", {}, binary_focal, bin_t, bin_p, "sum", sw=sw)

with open("losses/testdata/losses_focal_ref.json", "w") as f:
    json.dump({"cases": cases}, f)
    f.write("\n")
