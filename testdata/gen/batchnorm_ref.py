#!/usr/bin/python3
"""Writes layers/testdata/batchnorm_ref.json: Keras 3 BatchNormalization
(axis=-1, epsilon 1e-3, momentum 0.99) on random channels-last batches.
Outputs and the gradients of sum(w * y) with respect to x, gamma and beta
come from torch (F.batch_norm, training and inference); the moving
statistics after each training step from Keras's formula
moving = moving*momentum + batch*(1 - momentum) with the biased batch
variance, computed in numpy. Run from the repository root."""
import json

import numpy as np
import torch

torch.manual_seed(3)
EPS, MOM = 1e-3, 0.99
cases = []


def bn_case(name, shape, steps=2):
    c = shape[-1]
    gamma = (torch.rand(c, dtype=torch.float64) + 0.5).requires_grad_()
    beta = (torch.rand(c, dtype=torch.float64) - 0.5).requires_grad_()
    mm, mv = np.zeros(c), np.ones(c)
    out = {"name": name, "shape": list(shape), "gamma": gamma.tolist(), "beta": beta.tolist(), "steps": []}
    for _ in range(steps):
        x = (torch.rand(shape, dtype=torch.float64) * 3 - 1).requires_grad_()
        flat = x.reshape(-1, c)
        y = torch.nn.functional.batch_norm(flat, None, None, gamma, beta, training=True, eps=EPS).reshape(shape)
        w = torch.rand(shape, dtype=torch.float64) * 2 - 1
        gamma.grad = beta.grad = None
        (y * w).sum().backward()
        xs = flat.detach().numpy()
        mm = mm * MOM + xs.mean(axis=0) * (1 - MOM)
        mv = mv * MOM + xs.var(axis=0) * (1 - MOM)  # biased, as keras.ops.moments
        out["steps"].append({
            "x": x.detach().flatten().tolist(), "w": w.flatten().tolist(),
            "y": y.detach().flatten().tolist(), "dx": x.grad.flatten().tolist(),
            "dgamma": gamma.grad.tolist(), "dbeta": beta.grad.tolist(),
            "moving_mean": mm.tolist(), "moving_variance": mv.tolist(),
        })
    # Inference with the moving statistics.
    x = (torch.rand(shape, dtype=torch.float64) * 3 - 1).requires_grad_()
    y = torch.nn.functional.batch_norm(x.reshape(-1, c), torch.tensor(mm), torch.tensor(mv), gamma, beta, training=False, eps=EPS).reshape(shape)
    w = torch.rand(shape, dtype=torch.float64) * 2 - 1
    gamma.grad = beta.grad = None
    (y * w).sum().backward()
    out["infer"] = {"x": x.detach().flatten().tolist(), "w": w.flatten().tolist(), "y": y.detach().flatten().tolist(),
                    "dx": x.grad.flatten().tolist(), "dgamma": gamma.grad.tolist(), "dbeta": beta.grad.tolist()}
    cases.append(out)


bn_case("dense features", (8, 5))
bn_case("images", (3, 4, 4, 6))
with open("layers/testdata/batchnorm_ref.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
    f.write("\n")
