#!/usr/bin/python3
"""Writes metrics/testdata/fscore_ref.json: scikit-learn's fbeta_score
(beta 1 and 2; average None, micro, macro, weighted; with and without
sample weights) for one-hot targets against the argmax of random scores,
which is what Keras's FBetaScore with threshold=None counts. Run from the
repository root."""
import json

import numpy as np
from sklearn.metrics import fbeta_score

rng = np.random.default_rng(1818)
n, k = 200, 4
labels = rng.integers(0, k, n)
scores = rng.uniform(size=(n, k)).astype(np.float32)
scores[np.arange(n), labels] += 0.3 * rng.uniform(size=n).astype(np.float32)
pred = scores.argmax(-1)
w = rng.uniform(0, 2, n).astype(np.float32)
cases = []
for beta in [1.0, 2.0]:
    for avg in [None, "micro", "macro", "weighted"]:
        for weighted in [False, True]:
            v = fbeta_score(labels, pred, beta=beta, average=avg, sample_weight=w if weighted else None)
            cases.append({"beta": beta, "average": avg or "", "weighted": weighted,
                          "want": np.atleast_1d(v).astype(float).tolist()})
with open("metrics/testdata/fscore_ref.json", "w") as f:
    json.dump({"y_true": np.eye(k)[labels].ravel().tolist(), "y_pred": scores.astype(float).ravel().tolist(),
               "rows": n, "classes": k, "sample_weight": w.astype(float).tolist(), "cases": cases}, f)
    f.write("\n")

# MeanIoU: scikit-learn's jaccard_score per class (averaged as Keras does,
# over the classes present) and confusion_matrix, on the same labels and
# argmax predictions, with the sample weights.
from sklearn.metrics import confusion_matrix, jaccard_score  # noqa: E402

iou = {"iou_weighted": float(np.mean(jaccard_score(labels, pred, average=None, sample_weight=w))),
       "iou": float(np.mean(jaccard_score(labels, pred, average=None))),
       "cm_weighted": confusion_matrix(labels, pred, sample_weight=w).astype(float).tolist()}
with open("metrics/testdata/fscore_ref.json") as f:
    d = json.load(f)
d.update(iou)
with open("metrics/testdata/fscore_ref.json", "w") as f:
    json.dump(d, f)
    f.write("\n")
