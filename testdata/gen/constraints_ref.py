#!/usr/bin/python3
"""Writes constraints/testdata/constraints_ref.json: weights and their
constrained values by the formulas of Keras 3's constraints
(keras/src/constraints/constraints.py, backend.epsilon() = 1e-7),
computed with numpy in float64. Run from the repository root."""
import json

import numpy as np

EPS = 1e-7
rng = np.random.default_rng(4)


def norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def max_norm(w, max_value=2.0, axis=0):
    n = norms(w, axis)
    return w * (np.clip(n, 0, max_value) / (EPS + n))


def unit_norm(w, axis=0):
    return w / (EPS + norms(w, axis))


def min_max_norm(w, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
    n = norms(w, axis)
    desired = rate * np.clip(n, min_value, max_value) + (1 - rate) * n
    return w * (desired / (EPS + n))


def non_neg(w):
    return np.maximum(w, 0)


dense = rng.uniform(-1.5, 1.5, (5, 4)).astype(np.float32).astype(np.float64)
conv = rng.uniform(-0.8, 0.8, (3, 3, 2, 4)).astype(np.float32).astype(np.float64)
# A column of small weights, whose norm is below every bound.
dense[:, 1] *= 0.05
cases = [
    ("MaxNorm", {}, dense, max_norm(dense)),
    ("MaxNorm", {"max_value": 1.5, "axis": [1]}, dense, max_norm(dense, 1.5, 1)),
    ("MaxNorm", {"max_value": 1.0, "axis": [0, 1, 2]}, conv, max_norm(conv, 1.0, (0, 1, 2))),
    ("UnitNorm", {}, dense, unit_norm(dense)),
    ("UnitNorm", {"axis": [0, 1, 2]}, conv, unit_norm(conv, (0, 1, 2))),
    ("UnitNorm", {"axis": [-1]}, dense, unit_norm(dense, -1)),
    ("MinMaxNorm", {}, dense, min_max_norm(dense)),
    ("MinMaxNorm", {"min_value": 0.5, "max_value": 1.5, "rate": 0.7}, dense, min_max_norm(dense, 0.5, 1.5, 0.7)),
    ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.0, "axis": [0, 1, 2]}, conv, min_max_norm(conv, 1.0, 2.0, 1.0, (0, 1, 2))),
    ("NonNeg", {}, dense, non_neg(dense)),
]
out = [{"class": c, "args": a, "shape": list(w.shape), "w": w.ravel().tolist(), "want": r.ravel().tolist()}
       for c, a, w, r in cases]
with open("constraints/testdata/constraints_ref.json", "w") as f:
    json.dump(out, f)
    f.write("\n")
