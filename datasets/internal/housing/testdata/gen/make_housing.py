"""Writes small.npz, a 10-sample file in the format of Keras's
boston_housing.npz (x float64 (n, 13), y float64 (n,)), and split.json,
the split Keras's load_data(test_split=0.2, seed=113) makes of it,
computed as boston_housing.py computes it. Run in testdata with
/usr/bin/python3."""

import json

import numpy as np

x = np.arange(10 * 13, dtype=np.float64).reshape(10, 13) / 4
y = np.arange(10, dtype=np.float64) * 1.5 + 10
np.savez("small.npz", x=x, y=y)

with np.load("small.npz", allow_pickle=False) as f:
    x, y = f["x"], f["y"]
rng = np.random.RandomState(113)
indices = np.arange(len(x))
rng.shuffle(indices)
x, y = x[indices], y[indices]
cut = int(len(x) * (1 - 0.2))
json.dump(
    {
        "x_train": x[:cut].ravel().tolist(),
        "y_train": y[:cut].tolist(),
        "x_test": x[cut:].ravel().tolist(),
        "y_test": y[cut:].tolist(),
    },
    open("split.json", "w"),
)
