#!/usr/bin/python3
"""Writes activations/testdata/activations_ref.json: reference values of the
activations, computed in float64 with torch.nn.functional where PyTorch has
the same function, and with numpy from Keras 3's formulas where it does not
(hard_sigmoid: Keras 3's relu6(x+3)/6 differs from PyTorch's; hard_silu,
exponential; relu with negative_slope/max_value/threshold following
keras/src/activations/activations.py ReLU.static_call). Run from the
repository root."""
import json

import numpy as np
import torch
import torch.nn.functional as F

xs = [-100.0, -30.0, -10.0, -5.0, -3.0, -2.5, -1.0, -0.5, -0.1, 0.0,
      0.1, 0.5, 1.0, 2.5, 3.0, 5.0, 6.0, 7.5, 10.0, 30.0, 100.0]
rng = np.random.default_rng(12)
xs += [float(v) for v in np.round(rng.uniform(-8, 8, 20), 4)]
# The float32 values the Go test feeds in.
x = np.array(xs, dtype=np.float32).astype(np.float64)
t = torch.tensor(x, dtype=torch.float64)


def keras_relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    # keras/src/activations/activations.py ReLU.static_call, in numpy.
    if negative_slope != 0.0:
        if max_value is None and threshold == 0:
            return np.where(x >= 0, x, negative_slope * x)
        negative_part = np.maximum(-x + threshold, 0)
    else:
        negative_part = 1
    clip_max = max_value is not None
    if threshold != 0:
        y = np.where(x > threshold, x, 0)
    elif max_value == 6:
        y = np.minimum(np.maximum(x, 0), 6)
        clip_max = False
    else:
        y = np.maximum(x, 0)
    if clip_max:
        y = np.clip(y, 0, max_value)
    if negative_slope != 0.0:
        y = y - negative_slope * negative_part
    return y


hs = np.minimum(np.maximum(x + 3, 0), 6) / 6
out = {
    "x": xs,
    "elu": F.elu(t).tolist(),
    "elu_alpha_0.5": F.elu(t, alpha=0.5).tolist(),
    "selu": F.selu(t).tolist(),
    "gelu": F.gelu(t).tolist(),
    "gelu_tanh": F.gelu(t, approximate="tanh").tolist(),
    "silu": F.silu(t).tolist(),
    "softplus": F.softplus(t, beta=1, threshold=1e9).tolist(),
    "softsign": F.softsign(t).tolist(),
    "leaky_relu": F.leaky_relu(t, 0.2).tolist(),
    "leaky_relu_0.3": F.leaky_relu(t, 0.3).tolist(),
    "relu6": F.relu6(t).tolist(),
    "hard_sigmoid": hs.tolist(),
    "hard_silu": (x * hs).tolist(),
    "hardswish_torch": F.hardswish(t).tolist(),
    "mish": F.mish(t).tolist(),
    "exponential_finite": [float(np.exp(v)) if v < 80 else None for v in x],
    "relu_slope0.1_max4_thr1": keras_relu(x, 0.1, 4.0, 1.0).tolist(),
    "relu_slope0.1_max6": keras_relu(x, 0.1, 6.0, 0.0).tolist(),
    "relu_max6": keras_relu(x, 0.0, 6.0, 0.0).tolist(),
    "relu_max2.5": keras_relu(x, 0.0, 2.5, 0.0).tolist(),
    "relu_thr-1": keras_relu(x, 0.0, None, -1.0).tolist(),
    "relu_thr2_slope0.5": keras_relu(x, 0.5, None, 2.0).tolist(),
}
ls_in = np.array([[-100.0, 0.0, 100.0, 3.0], [0.5, -1.5, 2.0, 0.25]], dtype=np.float32)
out["log_softmax_in"] = ls_in.tolist()
out["log_softmax"] = F.log_softmax(torch.tensor(ls_in.astype(np.float64)), dim=-1).tolist()
with open("activations/testdata/activations_ref.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
