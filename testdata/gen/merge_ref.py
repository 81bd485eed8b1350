#!/usr/bin/env python3
"""Reference values for layers/merge_test.go.

Computes Keras 3's merge layers (keras/src/layers/merging/*.py) in PyTorch,
in float64 from float32 inputs, and writes layers/testdata/merge_ref.json.
Run from the repository root:

    /usr/bin/python3 testdata/gen/merge_ref.py

Each case gives the layer, its arguments, the per-example input shapes, a
batch of 2, the inputs, the output, and the gradient of sum(w * output) for
the given w with respect to each input. The formulas are Keras's:

- Add, Subtract, Multiply, Average, Maximum, Minimum fold the inputs in
  order; inputs of lower rank first get axes of size 1 inserted after the
  batch axis (Merge.call's expand_dims(x, axis=1)), then broadcast as NumPy;
  Average divides the sum by the number of inputs;
- Concatenate is ops.concatenate(inputs, axis), axis counting the batch axis;
- Dot is batch_dot(x1, x2, axes) after, with normalize, x * rsqrt(max(sum(x^2),
  1e-7^2)) along each input's axis (ops.nn.normalize, order 2).

The random inputs have no ties, where PyTorch's gradient of maximum and
minimum (split half and half) differs from TensorFlow's (all to the first);
the Go test checks ties by hand.
"""
import json
import os

import numpy as np
import torch

rng = np.random.default_rng(11)
B = 2
EPS = 1e-7


def expand(xs):
    r = max(x.dim() for x in xs)
    out = []
    for x in xs:
        while x.dim() < r:
            x = x.unsqueeze(1)
        out.append(x)
    return out


def fold(op, xs):
    xs = expand(xs)
    y = xs[0]
    for x in xs[1:]:
        y = op(y, x)
    return y


def normalize(x, axis):
    s = (x * x).sum(dim=axis, keepdim=True)
    return x * torch.rsqrt(torch.clamp(s, min=EPS * EPS))


def batch_dot(x, y, ax, ay):
    xm = torch.movedim(x, ax, -1)
    ym = torch.movedim(y, ay, 1)
    i_shape, j_shape = xm.shape[1:-1], ym.shape[2:]
    k = xm.shape[-1]
    out = torch.bmm(xm.reshape(B, -1, k), ym.reshape(B, k, -1))
    out = out.reshape((B,) + tuple(i_shape) + tuple(j_shape))
    if out.dim() == 1:
        out = out.unsqueeze(-1)
    return out


def dot(xs, axes, normalize_):
    x, y = xs
    if isinstance(axes, int):
        axes = [axes % x.dim(), axes % y.dim()] if axes < 0 else [axes, axes]
    else:
        axes = [a % t.dim() if a < 0 else a for a, t in zip(axes, xs)]
    if normalize_:
        x, y = normalize(x, axes[0]), normalize(y, axes[1])
    return batch_dot(x, y, axes[0], axes[1])


def run(layer, args, xs):
    if layer == "Add":
        return fold(torch.add, xs)
    if layer == "Subtract":
        return fold(torch.sub, xs)
    if layer == "Multiply":
        return fold(torch.mul, xs)
    if layer == "Average":
        return fold(torch.add, xs) / len(xs)
    if layer == "Maximum":
        return fold(torch.maximum, xs)
    if layer == "Minimum":
        return fold(torch.minimum, xs)
    if layer == "Concatenate":
        return torch.cat(xs, dim=args.get("axis", -1))
    if layer == "Dot":
        return dot(xs, args["axes"], args.get("normalize", False))
    raise ValueError(layer)


CASES = [
    ("Add", {}, [[3, 4], [3, 4], [3, 4]]),
    ("Add", {}, [[3, 4], [4], [3, 1]]),
    ("Add", {}, [[5]]),
    ("Subtract", {}, [[5], [5]]),
    ("Subtract", {}, [[2, 3], [3]]),
    ("Multiply", {}, [[2, 3], [2, 3], [2, 3]]),
    ("Multiply", {}, [[2, 1], [1, 3]]),
    ("Average", {}, [[4], [4], [4]]),
    ("Maximum", {}, [[2, 3], [2, 3], [2, 3]]),
    ("Maximum", {}, [[2, 3], [3]]),
    ("Minimum", {}, [[6], [6]]),
    ("Minimum", {}, [[4, 1], [4, 3], [3]]),
    ("Concatenate", {}, [[2, 3], [2, 1], [2, 2]]),
    ("Concatenate", {"axis": 1}, [[2, 3], [1, 3]]),
    ("Concatenate", {"axis": 2}, [[2, 3, 2], [2, 1, 2], [2, 4, 2]]),
    ("Concatenate", {"axis": -2}, [[2, 3, 2], [2, 1, 2]]),
    ("Concatenate", {"axis": -1}, [[2], [3], [1], [2], [4]]),
    ("Dot", {"axes": 1}, [[4], [4]]),
    ("Dot", {"axes": -1}, [[3, 4], [5, 4]]),
    ("Dot", {"axes": [1, 2]}, [[3, 5], [4, 3]]),
    ("Dot", {"axes": [2, 1]}, [[3, 4, 2], [4, 5]]),
    ("Dot", {"axes": [-1, -2]}, [[4], [4, 3]]),
    ("Dot", {"axes": 1, "normalize": True}, [[4], [4]]),
    ("Dot", {"axes": [2, 2], "normalize": True}, [[3, 4], [2, 4]]),
    ("Dot", {"axes": [1, -2], "normalize": True}, [[3, 2], [3, 5]]),
]


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def main():
    out = []
    for layer, args, shapes in CASES:
        xs32 = [rng.uniform(-2, 2, size=(B,) + tuple(s)).astype(np.float32) for s in shapes]
        xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs32]
        y = run(layer, args, xs)
        w = rng.uniform(-1, 1, size=tuple(y.shape)).astype(np.float32)
        (y * torch.tensor(w, dtype=torch.float64)).sum().backward()
        out.append({
            "layer": layer,
            "args": args,
            "shapes": shapes,
            "inputs": [f32list(x) for x in xs32],
            "output_shape": list(y.shape[1:]),
            "output": [float(v) for v in y.detach().numpy().ravel()],
            "w": f32list(w),
            "grads": [[float(v) for v in x.grad.numpy().ravel()] for x in xs],
        })
    path = os.path.join("layers", "testdata", "merge_ref.json")
    with open(path, "w") as f:
        json.dump({"batch": B, "cases": out}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
