#!/usr/bin/python3
"""Writes losses/testdata/losses_more_ref.json: reference values of the
regression, probabilistic and hinge losses, computed with numpy in float64
from the formulas of Keras 3 (keras/src/losses/losses.py), including its
clipping epsilons. Run from the repository root."""
import json

import numpy as np

EPS = 1e-7


def mae(t, p):
    return np.mean(np.abs(t - p), axis=-1)


def mape(t, p):
    return 100.0 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), EPS)), axis=-1)


def msle(t, p):
    a = np.log(np.maximum(p, EPS) + 1.0)
    b = np.log(np.maximum(t, EPS) + 1.0)
    return np.mean(np.square(a - b), axis=-1)


def huber(t, p, delta=1.0):
    e = p - t
    a = np.abs(e)
    return np.mean(np.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta), axis=-1)


def log_cosh(t, p):
    x = p - t
    return np.mean(x + np.log1p(np.exp(-2.0 * x)) - np.log(2.0), axis=-1)


def kld(t, p):
    t = np.clip(t, EPS, 1)
    p = np.clip(p, EPS, 1)
    return np.sum(t * np.log(t / p), axis=-1)


def poisson(t, p):
    return np.mean(p - t * np.log(p + EPS), axis=-1)


def to_pm1(t):
    if np.all((t == 0) | (t == 1)):
        return 2.0 * t - 1.0
    return t


def hinge(t, p):
    return np.mean(np.maximum(1.0 - to_pm1(t) * p, 0.0), axis=-1)


def squared_hinge(t, p):
    return np.mean(np.square(np.maximum(1.0 - to_pm1(t) * p, 0.0)), axis=-1)


rng = np.random.default_rng(18)


def f32(x):
    # The Go test feeds float32 values, so compute from the rounded inputs.
    return np.asarray(x, dtype=np.float32).astype(np.float64)


cases = []


def add(name, loss, fn, t, p):
    t, p = f32(t), f32(p)
    cases.append({
        "name": name, "loss": loss,
        "y_true": t.ravel().tolist(), "y_true_shape": list(t.shape),
        "y_pred": p.ravel().tolist(), "y_pred_shape": list(p.shape),
        "want": float(np.mean(fn(t, p))),
    })


vals_t = rng.normal(size=(4, 3))
vals_p = rng.normal(size=(4, 3)) * 1.5
pos_t = rng.uniform(0, 5, size=(4, 3))
pos_p = rng.uniform(0.01, 5, size=(4, 3))
add("mae", "mean_absolute_error", mae, vals_t, vals_p)
add("mape", "mean_absolute_percentage_error", mape, vals_t, vals_p)
add("mape zero target", "mean_absolute_percentage_error", mape, [[0.0, 1.0], [2.0, -3.0]], [[0.5, 1.5], [2.0, -1.0]])
add("msle", "mean_squared_logarithmic_error", msle, pos_t, pos_p)
add("msle negatives clipped", "mean_squared_logarithmic_error", msle, [[-1.0, 2.0]], [[3.0, -0.5]])
add("huber", "huber_loss", huber, vals_t, vals_p)
add("log_cosh", "log_cosh", log_cosh, vals_t, vals_p * 20)
dist_t = rng.dirichlet(np.ones(3), size=4)
dist_p = rng.dirichlet(np.ones(3), size=4)
add("kl_divergence", "kl_divergence", kld, dist_t, dist_p)
add("kl_divergence zeros clipped", "kl_divergence", kld, [[0.0, 1.0, 0.0]], [[0.2, 0.8, 0.0]])
add("poisson", "poisson", poisson, pos_t, pos_p)
add("hinge binary targets", "hinge", hinge, rng.integers(0, 2, size=(4, 3)), vals_p)
add("hinge pm1 targets", "hinge", hinge, 2 * rng.integers(0, 2, size=(4, 3)) - 1, vals_p)
add("squared_hinge binary targets", "squared_hinge", squared_hinge, rng.integers(0, 2, size=(4, 3)), vals_p)
add("squared_hinge pm1 targets", "squared_hinge", squared_hinge, 2 * rng.integers(0, 2, size=(4, 3)) - 1, vals_p)

with open("losses/testdata/losses_more_ref.json", "w") as f:
    json.dump({"source": "testdata/gen/losses_more_ref.py", "cases": cases}, f, indent=1)
    f.write("\n")
