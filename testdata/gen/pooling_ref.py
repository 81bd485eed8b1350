#!/usr/bin/python3
"""Writes layers/testdata/pooling_ref.json: outputs and input gradients of
Keras 3's pooling layers on random channels-last inputs, computed with torch
autograd over explicit windows placed by TensorFlow's padding rule ("same":
pad_total = max((ceil(n/s) - 1)*s + k - n, 0), the smaller half before; an
overhanging window averages only the elements inside it). Where torch has the
same op (valid padding) the script checks the windows against it. The
gradient is d/dx of sum(w * y) for the random w stored with each case. Run
from the repository root."""
import json
import math

import torch

torch.manual_seed(7)


def same_pad(n, k, s):
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return out, total // 2


def pool2d(x, k, s, padding, mode):
    n, h, w, c = x.shape
    if padding == "valid":
        oh, ow, ph, pw = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1, 0, 0
    else:
        (oh, ph), (ow, pw) = same_pad(h, k[0], s[0]), same_pad(w, k[1], s[1])
    rows = []
    for i in range(oh):
        cols = []
        for j in range(ow):
            h0, w0 = i * s[0] - ph, j * s[1] - pw
            win = x[:, max(h0, 0):min(h0 + k[0], h), max(w0, 0):min(w0 + k[1], w), :]
            cols.append(win.mean(dim=(1, 2)) if mode == "avg" else win.amax(dim=(1, 2)))
        rows.append(torch.stack(cols, dim=1))
    return torch.stack(rows, dim=1)


def check_torch(x, y, k, s, mode):
    xt = x.permute(0, 3, 1, 2)
    f = torch.nn.functional.avg_pool2d if mode == "avg" else torch.nn.functional.max_pool2d
    want = f(xt, k, s).permute(0, 2, 3, 1)
    assert torch.allclose(y, want, atol=1e-6), "windows disagree with torch"


cases = []


def case(name, layer, config, shape, fn):
    x = (torch.rand(shape, dtype=torch.float64) * 4 - 2).requires_grad_()
    y = fn(x)
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    cases.append({
        "name": name, "layer": layer, "config": config, "shape": list(shape),
        "x": x.detach().flatten().tolist(), "w": w.flatten().tolist(),
        "y_shape": list(y.shape), "y": y.detach().flatten().tolist(),
        "dx": x.grad.flatten().tolist(),
    })


def p2(k, s, padding, mode, check):
    def fn(x):
        y = pool2d(x, k, s, padding, mode)
        if check:
            check_torch(x, y, k, s, mode)
        return y
    return fn


def p1(k, s, padding, mode, check):
    def fn(x):
        y = p2((1, k), (1, s), padding, mode, check)(x.unsqueeze(1))
        return y.squeeze(1)
    return fn


case("avg2d valid 2x2", "AveragePooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}, (2, 5, 4, 3), p2((2, 2), (2, 2), "valid", "avg", True))
case("avg2d valid 3x2 stride 1", "AveragePooling2D", {"pool_size": [3, 2], "strides": [1, 1], "padding": "valid"}, (2, 5, 4, 2), p2((3, 2), (1, 1), "valid", "avg", True))
case("avg2d same 3x3 stride 2", "AveragePooling2D", {"pool_size": [3, 3], "strides": [2, 2], "padding": "same"}, (2, 7, 6, 3), p2((3, 3), (2, 2), "same", "avg", False))
case("avg2d same 2x2", "AveragePooling2D", {"pool_size": [2, 2], "strides": [2, 2], "padding": "same"}, (1, 5, 5, 2), p2((2, 2), (2, 2), "same", "avg", False))
case("avg1d valid 3 stride 2", "AveragePooling1D", {"pool_size": [3], "strides": [2], "padding": "valid"}, (2, 9, 3), p1(3, 2, "valid", "avg", True))
case("avg1d same 2", "AveragePooling1D", {"pool_size": [2], "strides": [2], "padding": "same"}, (2, 7, 2), p1(2, 2, "same", "avg", False))
case("max1d valid 2", "MaxPooling1D", {"pool_size": [2], "strides": [2], "padding": "valid"}, (2, 8, 3), p1(2, 2, "valid", "max", True))
case("max1d same 3 stride 2", "MaxPooling1D", {"pool_size": [3], "strides": [2], "padding": "same"}, (2, 8, 2), p1(3, 2, "same", "max", False))
case("gap2d", "GlobalAveragePooling2D", {"keepdims": False}, (2, 4, 5, 3), lambda x: x.mean(dim=(1, 2)))
case("gap2d keepdims", "GlobalAveragePooling2D", {"keepdims": True}, (2, 3, 3, 2), lambda x: x.mean(dim=(1, 2), keepdim=True))
case("gmp2d", "GlobalMaxPooling2D", {"keepdims": False}, (2, 4, 5, 3), lambda x: x.amax(dim=(1, 2)))
case("gmp2d keepdims", "GlobalMaxPooling2D", {"keepdims": True}, (2, 3, 3, 2), lambda x: x.amax(dim=(1, 2), keepdim=True))
case("gap1d", "GlobalAveragePooling1D", {"keepdims": False}, (2, 6, 3), lambda x: x.mean(dim=1))
case("gap1d keepdims", "GlobalAveragePooling1D", {"keepdims": True}, (2, 6, 3), lambda x: x.mean(dim=1, keepdim=True))
case("gmp1d", "GlobalMaxPooling1D", {"keepdims": False}, (2, 6, 3), lambda x: x.amax(dim=1))

with open("layers/testdata/pooling_ref.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
    f.write("\n")
