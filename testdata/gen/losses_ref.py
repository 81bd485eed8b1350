#!/usr/bin/env python3
"""Reference values for losses/losses_test.go.

Computes Keras 3's losses in NumPy and writes losses/testdata/losses_ref.json.
Run from the repository root:

    /usr/bin/python3 testdata/gen/losses_ref.py

The formulas follow keras/src/losses/losses.py and the TensorFlow backend
(keras/src/backend/tensorflow/nn.py), reduction "sum_over_batch_size" (the
mean of the per-example losses):

- from probabilities, in float32 as Keras computes them: categorical losses
  divide each row by its sum, clip to [1e-7, 1 - 1e-7] and take the log
  (for sparse labels the TensorFlow backend clips first and normalises in
  its softmax; the two orders agree to float32 precision on these inputs);
  binary cross-entropy clips to [1e-7, 1 - 1e-7] and computes
  -(t*log(p) + (1-t)*log(1-p)), averaged over the last axis;
- from logits, exactly (float64): log-softmax for the categorical losses and
  max(z,0) - z*t + log1p(exp(-|z|)) for the binary one. A softmax or sigmoid
  output is scored from its logits, as Keras's TensorFlow backend does.

Cases whose "input" is "softmax" or "sigmoid" hold logits in y_pred: the test
applies that activation and calls the loss with from_logits false. For every
case computed from logits, "grad" is d(loss)/d(logits).
"""
import json
import os

import numpy as np

F32 = np.float32
EPS = F32(1e-7)


def clip(p):
    return np.clip(p, EPS, F32(1) - EPS)


def log_softmax(z):
    z = np.asarray(z, np.float64)
    m = z.max(-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(-1, keepdims=True))


def softmax(z):
    return np.exp(log_softmax(z))


def sigmoid(z):
    z = np.asarray(z, np.float64)
    return np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))


def one_hot(labels, classes):
    return np.eye(classes)[np.asarray(labels, int).reshape(-1)]


def sparse_cce(y, p, logits):
    p = np.asarray(p)
    t = one_hot(y, p.shape[-1])
    return cce(t, p, logits)


def cce(t, p, logits):
    t = np.asarray(t, np.float64)
    n = t.shape[0]
    if logits:
        per = -(t * log_softmax(p)).sum(-1)
        grad = (softmax(p) * t.sum(-1, keepdims=True) - t) / n
        return per.mean(), grad
    p = np.asarray(p, F32)
    p = p / p.sum(-1, keepdims=True)
    logp = np.log(clip(p)).astype(np.float64)
    return -(t * logp).sum(-1).mean(), None


def bce(t, p, logits):
    t = np.asarray(t, np.float64)
    if logits:
        z = np.asarray(p, np.float64)
        per = np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
        return per.mean(-1).mean(), (sigmoid(z) - t) / t.size
    t32 = np.asarray(t, F32)
    p = clip(np.asarray(p, F32))
    per = -(t32 * np.log(p) + (F32(1) - t32) * np.log(F32(1) - p))
    return per.astype(np.float64).mean(-1).mean(), None


def mse(t, p, logits):
    d = np.asarray(p, np.float64) - np.asarray(t, np.float64)
    return (d * d).mean(-1).mean(), None


LOSSES = {
    "sparse_categorical_crossentropy": sparse_cce,
    "categorical_crossentropy": cce,
    "binary_crossentropy": bce,
    "mean_squared_error": mse,
}

Z3 = [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-3.0, 0.0, 3.0]]
ZBIG = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [0.0, -1000.0, 1000.0]]

CASES = [
    # name, loss, input, y_true, y_pred
    ("sparse/probabilities", "sparse_categorical_crossentropy", "probabilities",
     [0, 2, 1], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]]),
    ("sparse/probabilities/rows not summing to 1", "sparse_categorical_crossentropy", "probabilities",
     [1, 0], [[0.2, 0.2, 0.4], [1.0, 2.0, 1.0]]),
    ("sparse/probabilities/labels of shape (n,1)", "sparse_categorical_crossentropy", "probabilities",
     [[2], [0]], [[0.1, 0.1, 0.8], [0.6, 0.3, 0.1]]),
    ("sparse/clipped/label has probability 0", "sparse_categorical_crossentropy", "probabilities",
     [1], [[1.0, 0.0, 0.0]]),
    ("sparse/clipped/label has probability 1", "sparse_categorical_crossentropy", "probabilities",
     [1], [[0.0, 1.0, 0.0]]),
    ("sparse/logits", "sparse_categorical_crossentropy", "logits", [0, 1, 2], Z3),
    ("sparse/logits/±1000", "sparse_categorical_crossentropy", "logits", [1, 1, 0], ZBIG),
    ("sparse/softmax output", "sparse_categorical_crossentropy", "softmax", [0, 1, 2], Z3),
    ("sparse/softmax output/±1000", "sparse_categorical_crossentropy", "softmax", [1, 1, 0], ZBIG),

    ("categorical/probabilities", "categorical_crossentropy", "probabilities",
     [[1, 0, 0], [0, 0, 1]], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]),
    ("categorical/probabilities/soft targets", "categorical_crossentropy", "probabilities",
     [[0.1, 0.9, 0.0], [0.5, 0.25, 0.25]], [[0.3, 0.6, 0.1], [0.2, 0.2, 0.6]]),
    ("categorical/probabilities/rows not summing to 1", "categorical_crossentropy", "probabilities",
     [[0, 1, 0]], [[1.0, 1.0, 2.0]]),
    ("categorical/clipped/target has probability 0", "categorical_crossentropy", "probabilities",
     [[0, 1, 0]], [[1.0, 0.0, 0.0]]),
    ("categorical/clipped/target has probability 1", "categorical_crossentropy", "probabilities",
     [[0, 1, 0]], [[0.0, 1.0, 0.0]]),
    ("categorical/logits", "categorical_crossentropy", "logits",
     [[1, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1]], Z3),
    ("categorical/logits/±1000", "categorical_crossentropy", "logits",
     [[0, 1, 0], [0, 1, 0], [1, 0, 0]], ZBIG),
    ("categorical/softmax output", "categorical_crossentropy", "softmax",
     [[1, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1]], Z3),
    ("categorical/softmax output/±1000", "categorical_crossentropy", "softmax",
     [[0, 1, 0], [0, 1, 0], [1, 0, 0]], ZBIG),

    ("binary/probabilities", "binary_crossentropy", "probabilities",
     [[1], [0], [1], [0]], [[0.9], [0.2], [0.6], [0.4]]),
    ("binary/probabilities/several columns", "binary_crossentropy", "probabilities",
     [[1, 0, 1], [0, 1, 0]], [[0.8, 0.3, 0.6], [0.1, 0.7, 0.5]]),
    ("binary/probabilities/soft targets", "binary_crossentropy", "probabilities",
     [[0.3], [0.8]], [[0.4], [0.9]]),
    ("binary/clipped/target 1 has probability 0", "binary_crossentropy", "probabilities",
     [[1]], [[0.0]]),
    ("binary/clipped/target 0 has probability 1", "binary_crossentropy", "probabilities",
     [[0]], [[1.0]]),
    ("binary/clipped/certain and right", "binary_crossentropy", "probabilities",
     [[1], [0]], [[1.0], [0.0]]),
    ("binary/logits", "binary_crossentropy", "logits",
     [[1, 0], [0, 0.5], [1, 1]], [[2.0, -1.0], [0.5, 0.0], [-1.5, 3.0]]),
    ("binary/logits/±1000", "binary_crossentropy", "logits",
     [[1], [0], [0], [1]], [[1000.0], [1000.0], [-1000.0], [-1000.0]]),
    ("binary/sigmoid output", "binary_crossentropy", "sigmoid",
     [[1, 0], [0, 0.5], [1, 1]], [[2.0, -1.0], [0.5, 0.0], [-1.5, 3.0]]),
    ("binary/sigmoid output/±1000", "binary_crossentropy", "sigmoid",
     [[1], [0], [0], [1]], [[1000.0], [1000.0], [-1000.0], [-1000.0]]),

    ("mse/matrix", "mean_squared_error", "values",
     [[0, 1, 2], [3, 4, 5]], [[0.5, 1, 1], [3, 2, 7]]),
    ("mse/column", "mean_squared_error", "values",
     [[1], [-2], [0.5]], [[1.5], [0], [0.5]]),
]


def shape(x):
    return list(np.asarray(x).shape)


def flat(x):
    return [float(v) for v in np.asarray(x, np.float64).reshape(-1)]


def main():
    cases = []
    for name, loss, kind, y, p in CASES:
        logits = kind in ("logits", "softmax", "sigmoid")
        want, grad = LOSSES[loss](y, p, logits)
        c = {
            "name": name,
            "loss": loss,
            "input": kind,
            "y_true": flat(y),
            "y_true_shape": shape(y),
            "y_pred": flat(p),
            "y_pred_shape": shape(p),
            "want": float(want),
        }
        if grad is not None:
            c["grad"] = flat(grad)
        cases.append(c)
    out = os.path.join(os.path.dirname(__file__), "..", "..", "losses", "testdata", "losses_ref.json")
    with open(out, "w") as f:
        json.dump({"generator": "testdata/gen/losses_ref.py", "numpy": np.__version__, "cases": cases}, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
