#!/usr/bin/python3
"""Writes layers/testdata/preprocessing_ref.json: Keras 3's Normalization
computed in numpy from its formulas: adapt's mean and (biased) variance
over every axis but the kept ones, and y = (x - mean) / max(sqrt(var),
1e-7) on new data (invert: mean + x * max(sqrt(var), 1e-7)), with the
gradient of sum(w * y) with respect to x. Run from the repository root."""
import json

import numpy as np

rng = np.random.default_rng(11)
cases = []


def norm_case(name, shape, axis, invert=False):
    ndim = len(shape)
    keep = sorted(a % ndim for a in axis)
    reduce = tuple(d for d in range(ndim) if d not in keep)
    data = rng.normal(3.0, 2.0, size=shape) * rng.uniform(0.5, 2, size=shape[1:])
    mean = data.mean(axis=reduce)
    var = data.var(axis=reduce)
    bshape = [shape[d] if d in keep else 1 for d in range(ndim)]
    m, v = mean.reshape(bshape), var.reshape(bshape)
    den = np.maximum(np.sqrt(v), 1e-7)
    x = rng.normal(3.0, 2.0, size=(2,) + shape[1:])
    w = rng.uniform(-1, 1, size=x.shape)
    if invert:
        y, dx = m + x * den, w * den
    else:
        y, dx = (x - m) / den, w / den
    cases.append({"name": name, "shape": list(shape), "axis": axis, "invert": invert,
                  "data": data.flatten().tolist(), "mean": mean.flatten().tolist(), "variance": var.flatten().tolist(),
                  "x": x.flatten().tolist(), "w": w.flatten().tolist(), "y": y.flatten().tolist(), "dx": dx.flatten().tolist()})


norm_case("features", (20, 4), [-1])
norm_case("images per channel", (6, 3, 3, 2), [-1])
norm_case("images per pixel", (6, 3, 3, 2), [1, 2])
norm_case("one for all", (10, 3), [])
norm_case("inverted", (20, 4), [-1], invert=True)
with open("layers/testdata/preprocessing_ref.json", "w") as f:
    json.dump({"numpy": np.__version__, "normalization": cases}, f)
    f.write("\n")
