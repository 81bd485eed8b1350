#!/usr/bin/python3
"""Prints the expected values in metrics/more_test.go, computed with numpy
from Keras 3's metric formulas (keras/src/metrics/regression_metrics.py,
accuracy_metrics.py): every metric accumulates over the two batches."""
import numpy as np

t1 = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 0.5]])
p1 = np.array([[1.5, 1.0], [0.2, -2.0], [2.0, 0.5]])
t2 = np.array([[2.0, 4.0]])
p2 = np.array([[2.5, 3.0]])
t = np.concatenate([t1, t2])
p = np.concatenate([p1, p2])
print("mae", np.mean(np.mean(np.abs(t - p), axis=-1)))
print("mape", np.mean(100 * np.mean(np.abs((t - p) / np.maximum(np.abs(t), 1e-7)), axis=-1)))
print("rmse", np.sqrt(np.mean(np.square(t - p))))
tot = np.sum(t * t, axis=0) - np.sum(t, axis=0) ** 2 / len(t)
print("r2", np.mean(1 - np.sum((t - p) ** 2, axis=0) / tot))

scores = np.array([[0.1, 0.5, 0.2, 0.2], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25], [0.0, 0.1, 0.2, 0.7]])
labels = np.array([2, 3, 0, 3])
for k in (1, 2):
    # in_top_k: the true class is in the top k if fewer than k classes score higher.
    hits = [np.sum(s > s[c]) < k for s, c in zip(scores, labels)]
    print("top", k, np.mean(hits))
