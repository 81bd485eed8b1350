#!/usr/bin/python3
"""Writes layers/testdata/reshaping_ref.json: outputs and input gradients
of Keras 3's reshaping layers (ZeroPadding1D/2D, Cropping1D/2D,
UpSampling1D/2D with nearest interpolation, Permute, RepeatVector) on
random channels-last inputs, computed with torch (F.pad, slicing,
repeat_interleave, permute, autograd). The gradient is d/dx of sum(w * y).
Run from the repository root."""
import json

import torch

torch.manual_seed(11)
cases = []


def case(name, layer, config, shape, fn):
    x = (torch.rand(shape, dtype=torch.float64) * 2 - 1).requires_grad_()
    y = fn(x)
    w = torch.rand(y.shape, dtype=torch.float64) * 2 - 1
    (y * w).sum().backward()
    cases.append({"name": name, "layer": layer, "config": config, "shape": list(shape),
                  "x": x.detach().flatten().tolist(), "w": w.flatten().tolist(),
                  "y_shape": list(y.shape), "y": y.detach().flatten().tolist(),
                  "dx": x.grad.flatten().tolist()})


F = torch.nn.functional
# F.pad takes the last axis first: (channels), (width), (height).
case("zero padding 2d", "ZeroPadding2D", {"padding": [[1, 2], [0, 3]]}, (2, 3, 4, 2), lambda x: F.pad(x, (0, 0, 0, 3, 1, 2)))
case("zero padding 2d default", "ZeroPadding2D", {}, (1, 2, 2, 3), lambda x: F.pad(x, (0, 0, 1, 1, 1, 1)))
case("zero padding 1d", "ZeroPadding1D", {"padding": [2, 1]}, (2, 4, 3), lambda x: F.pad(x, (0, 0, 2, 1)))
case("cropping 2d", "Cropping2D", {"cropping": [[1, 0], [2, 1]]}, (2, 4, 5, 2), lambda x: x[:, 1:, 2:-1, :])
case("cropping 1d default", "Cropping1D", {}, (2, 5, 3), lambda x: x[:, 1:-1, :])
case("up sampling 2d", "UpSampling2D", {"size": [2, 3]}, (2, 2, 3, 2), lambda x: x.repeat_interleave(2, dim=1).repeat_interleave(3, dim=2))
case("up sampling 1d", "UpSampling1D", {"size": 3}, (2, 3, 2), lambda x: x.repeat_interleave(3, dim=1))
case("permute", "Permute", {"dims": [2, 1]}, (2, 3, 4), lambda x: x.permute(0, 2, 1))
case("permute 3d", "Permute", {"dims": [3, 1, 2]}, (2, 3, 4, 5), lambda x: x.permute(0, 3, 1, 2))
case("repeat vector", "RepeatVector", {"n": 3}, (2, 4), lambda x: x.unsqueeze(1).repeat(1, 3, 1))

with open("layers/testdata/reshaping_ref.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
    f.write("\n")
