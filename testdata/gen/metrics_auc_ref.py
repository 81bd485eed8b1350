#!/usr/bin/python3
"""Writes metrics/testdata/auc_ref.json: ROC AUC from scikit-learn's
roc_auc_score (with and without sample weights) for predictions on a grid
of 1/1000 offset by half a step, which Keras's AUC with 1001 thresholds
resolves exactly; and Keras's AUC with its default 200 thresholds (ROC and
PR, interpolation and minoring/majoring), transcribed into numpy from
keras/src/metrics/confusion_metrics.py. Run from the repository root."""
import json

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_auc_score

rng = np.random.default_rng(18)
n = 300
y = (rng.uniform(size=n) < 0.3).astype(np.float64)
score = np.clip(0.35 * y + rng.normal(0.35, 0.2, n), 0.0, 0.999)
p = (np.floor(score * 1000) + 0.5) / 1000
p = p.astype(np.float32)
w = rng.uniform(0, 2, n).astype(np.float32)


def keras_auc(y, p, w, num=200, curve="ROC", summation="interpolation"):
    eps = 1e-7
    th = np.array([0.0 - eps] + [(i + 1) / (num - 1) for i in range(num - 2)] + [1.0 + eps], dtype=np.float32)
    pos = y != 0
    above = p[None, :] > th[:, None]
    w = np.ones_like(p, dtype=np.float64) if w is None else w.astype(np.float64)
    tp = (above & pos).astype(np.float64) @ w
    fp = (above & ~pos).astype(np.float64) @ w
    fn = (~above & pos).astype(np.float64) @ w
    tn = (~above & ~pos).astype(np.float64) @ w

    def dnn(a, b):
        return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        dp = pp[:-1] - pp[1:]
        slope = dnn(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), dnn(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return float(np.sum(dnn(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))))
    rec = dnn(tp, tp + fn)
    if curve == "ROC":
        x, yy = dnn(fp, fp + tn), rec
    else:
        x, yy = rec, dnn(tp, tp + fp)
    if summation == "interpolation":
        h = (yy[:-1] + yy[1:]) / 2
    elif summation == "minoring":
        h = np.minimum(yy[:-1], yy[1:])
    else:
        h = np.maximum(yy[:-1], yy[1:])
    return float(np.sum((x[:-1] - x[1:]) * h))


cases = [
    {"name": "sklearn roc", "num_thresholds": 1001, "curve": "ROC", "summation": "interpolation",
     "weighted": False, "want": float(roc_auc_score(y, p))},
    {"name": "sklearn roc weighted", "num_thresholds": 1001, "curve": "ROC", "summation": "interpolation",
     "weighted": True, "want": float(roc_auc_score(y, p, sample_weight=w))},
]
for curve in ["ROC", "PR"]:
    for s in ["interpolation", "minoring", "majoring"]:
        for weighted in [False, True]:
            cases.append({"name": f"keras {curve} {s} weighted={weighted}", "num_thresholds": 200, "curve": curve,
                          "summation": s, "weighted": weighted,
                          "want": keras_auc(y, p, w if weighted else None, 200, curve, s)})
# Counts at 0.5 and 0.3 from scikit-learn's confusion_matrix, weighted too.
counts = []
for th in [0.5, 0.3]:
    for weighted in [False, True]:
        tn, fp, fn, tp = confusion_matrix(y, p > th, sample_weight=w if weighted else None).ravel()
        counts.append({"threshold": th, "weighted": weighted, "tp": float(tp), "fp": float(fp),
                       "tn": float(tn), "fn": float(fn)})
# PrecisionAtRecall and RecallAtPrecision with 1001 thresholds, which
# resolve every prediction: the best precision (recall) over the points of
# scikit-learn's precision_recall_curve whose recall (precision) is at
# least the target.
prec, rec, _ = precision_recall_curve(y, p)
at = []
for target in [0.5, 0.8, 0.95]:
    at.append({"kind": "precision_at_recall", "target": target, "want": float(np.max(np.where(rec >= target, prec, 0)))})
    at.append({"kind": "recall_at_precision", "target": target,
               "want": float(np.max(np.where((prec >= target) & (rec > 0), rec, 0)))})
with open("metrics/testdata/auc_ref.json", "w") as f:
    json.dump({"y_true": y.tolist(), "y_pred": p.astype(np.float64).tolist(),
               "sample_weight": w.astype(np.float64).tolist(), "cases": cases,
               "counts": counts, "at": at}, f)
    f.write("\n")
