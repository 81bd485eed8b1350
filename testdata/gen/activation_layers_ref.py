#!/usr/bin/python3
"""Writes layers/testdata/activation_layers_ref.json: outputs and input
gradients (of sum(w*y)) of the activation layers, built from Keras 3
configs, computed with torch autograd in float64 by the same functions
(torch.nn.functional.relu6/leaky_relu/elu/prelu/softmax/gelu/silu/mish;
ReLU with threshold and max_value follows Keras's ReLU.static_call with
torch ops). Run from the repository root."""
import json

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(21)


def case(name, layer, config, shape, fn):
    x = rng.uniform(-4, 4, shape).astype(np.float32)
    # Keep inputs away from the kinks at 0, 0.5, 1 and 6.
    for k in (0.0, 0.5, 1.0, 6.0):
        x[np.abs(x - k) < 0.05] = k + 0.2
    w = rng.uniform(-1, 1, shape).astype(np.float32)
    xt = torch.tensor(x.astype(np.float64), requires_grad=True)
    y = fn(xt)
    (y * torch.tensor(w.astype(np.float64))).sum().backward()
    return {"name": name, "layer": layer, "config": config, "shape": list(shape), "y_shape": list(shape),
            "x": x.ravel().tolist(), "w": w.ravel().tolist(),
            "y": y.detach().numpy().ravel().tolist(), "dx": xt.grad.numpy().ravel().tolist()}


def keras_relu(x, negative_slope, max_value, threshold):
    neg = F.relu(-x + threshold)
    y = torch.where(x > threshold, x, torch.zeros_like(x)) if threshold != 0 else F.relu(x)
    if max_value is not None:
        y = torch.clamp(y, 0, max_value)
    return y - negative_slope * neg


def prelu_shared_spatial(x):
    # alpha 0.25 shared over height and width, one per channel (all 0.25).
    return F.relu(x) - 0.25 * F.relu(-x)


cases = [
    case("ReLU max_value 6", "ReLU", {"max_value": 6.0}, (2, 3, 4), lambda x: F.relu6(x)),
    case("ReLU slope threshold max", "ReLU", {"max_value": 3.0, "negative_slope": 0.2, "threshold": 0.5}, (2, 6),
         lambda x: keras_relu(x, 0.2, 3.0, 0.5)),
    case("LeakyReLU", "LeakyReLU", {"negative_slope": 0.3}, (3, 5), lambda x: F.leaky_relu(x, 0.3)),
    case("ELU", "ELU", {"alpha": 0.7}, (3, 5), lambda x: F.elu(x, 0.7)),
    case("ELU default", "ELU", {}, (3, 5), lambda x: F.elu(x)),
    case("PReLU", "PReLU", {"alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}}}, (4, 3),
         lambda x: F.prelu(x, torch.full((3,), 0.25, dtype=torch.float64))),
    case("PReLU shared axes", "PReLU", {"alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}},
                                        "shared_axes": [1, 2]}, (2, 3, 3, 2), prelu_shared_spatial),
    case("Softmax", "Softmax", {"axis": -1}, (3, 5), lambda x: F.softmax(x, dim=-1)),
    case("Softmax axis 1", "Softmax", {"axis": 1}, (2, 4, 3), lambda x: F.softmax(x, dim=1)),
    case("Activation gelu", "Activation", {"activation": "gelu"}, (3, 4), lambda x: F.gelu(x)),
    case("Activation swish", "Activation", {"activation": "swish"}, (3, 4), lambda x: F.silu(x)),
    case("Activation mish", "Activation", {"activation": "mish"}, (3, 4), lambda x: F.mish(x)),
]
with open("layers/testdata/activation_layers_ref.json", "w") as f:
    json.dump({"cases": cases}, f)
    f.write("\n")
