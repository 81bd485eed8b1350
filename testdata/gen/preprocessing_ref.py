#!/usr/bin/python3
"""Writes layers/testdata/preprocessing_ref.json: Keras 3's Normalization
computed in numpy from its formulas: adapt's mean and (biased) variance
over every axis but the kept ones, and y = (x - mean) / max(sqrt(var),
1e-7) on new data (invert: mean + x * max(sqrt(var), 1e-7)), with the
gradient of sum(w * y) with respect to x; and Discretization's adapted
bin boundaries (Keras's quantile summaries, copied below) and
numpy.digitize. Run from the repository root."""
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


# Discretization.adapt: Keras 3's summarize, merge_summaries and
# compress_summary (keras/src/layers/preprocessing/discretization.py),
# copied verbatim, and numpy.digitize.
def summarize(values, epsilon):
    values = np.reshape(values, [-1])
    values = np.sort(values)
    elements = np.size(values)
    num_buckets = 1.0 / epsilon
    increment = elements / num_buckets
    step = max(increment, 1)
    start = step - 1
    boundaries = values[int(start) :: int(step)]
    weights = np.ones_like(boundaries)
    weights = weights * step
    return np.stack([boundaries, weights])


def merge_summaries(prev_summary, next_summary, epsilon):
    merged = np.concatenate((prev_summary, next_summary), axis=1)
    merged = np.take(merged, np.argsort(merged[0]), axis=1)
    return compress_summary(merged, epsilon)


def get_bin_boundaries(summary, num_bins):
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]


def compress_summary(summary, epsilon):
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_weight_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_weight_percents, summary[0])
    cum_weights = np.interp(percents, cum_weight_percents, cum_weights)
    new_weights = cum_weights - np.concatenate((np.array([0]), cum_weights[:-1]))
    summary = np.stack((new_bins, new_weights))
    return summary.astype("float32")


def adapt(batches, num_bins, epsilon):
    summary = np.array([[], []], dtype="float32")
    for b in batches:
        s = summarize(np.array(b).astype("float32"), epsilon)
        summary = merge_summaries(s, summary, epsilon)
    return get_bin_boundaries(summary, num_bins).tolist()


disc = []
for name, shape, batch, num_bins, eps in [
        ("uniform", (500, 2), None, 4, 0.01),
        ("normal in batches", (300, 1), 64, 5, 0.01),
        ("few values", (12, 1), None, 3, 0.01),
        ("coarse epsilon", (200, 3), 50, 4, 0.1)]:
    d = rng.normal(0, 3, size=shape).astype("float32")
    if name == "uniform":
        d = rng.uniform(-1, 1, size=shape).astype("float32")
    batches = [d] if batch is None else [d[i:i + batch] for i in range(0, len(d), batch)]
    bb = adapt(batches, num_bins, eps)
    x = rng.normal(0, 3, size=(4,) + shape[1:]).astype("float32")
    disc.append({"name": name, "shape": list(shape), "batch": batch or 0, "num_bins": num_bins, "epsilon": eps,
                 "data": d.flatten().tolist(), "bin_boundaries": bb, "x": x.flatten().tolist(),
                 "digitized": np.digitize(x, np.array(bb, dtype="float32")).flatten().tolist()})

with open("layers/testdata/preprocessing_ref.json", "w") as f:
    json.dump({"numpy": np.__version__, "normalization": cases, "discretization": disc}, f)
    f.write("\n")
